#!/usr/bin/env python3
"""The log keeper: keeps the log of every pod of the Spark runs in one namespace in an S3
(or S3-compatible) store, from inside the cluster, so that the logs outlive the pods, the
runs' Jobs and whoever started them.

It follows the pods through the Kubernetes API (its ServiceAccount may get, list and watch
pods and read their logs, in its own namespace only) and writes each container's whole log
to <dir>/<namespace>/<run>/<pod>.log, again every few seconds while the container runs and
once more when it ends, so a run that fails, an executor that is lost or a deployer that is
killed leave the logs behind all the same. It deletes what is older than the retention.

Python 3 standard library only (it runs in the job image); S3 requests are signed with
SigV4 here. Settings come from the environment (see main); the keys too, never arguments.

Usage: log_keeper.py keep          follow the pods and keep their logs (the Deployment)
       log_keeper.py print PREFIX  print every log kept under PREFIX (s3://bucket/key-prefix/)
"""

import datetime
import hashlib
import hmac
import http.client
import json
import os
import ssl
import sys
import threading
import time
import urllib.parse
import xml.etree.ElementTree as ET

# How often a running container's log is written again, and how much of it is kept.
FLUSH_SECONDS = 5
MAX_LOG_BYTES = 64 * 1024 * 1024
# Labels: every pod of a run carries RUN_LABEL; a Job's pods carry the Job's name.
RUN_LABEL = "pyspark-k8s/run"
JOB_NAME_LABEL = "batch.kubernetes.io/job-name"
# The marker of a log written after its container ended.
COMPLETE_META = "x-amz-meta-psk-complete"
READY_FILE = "/tmp/psk-log-keeper.ready"
TERMINATION_LOG = "/dev/termination-log"
SERVICE_ACCOUNT = "/var/run/secrets/kubernetes.io/serviceaccount"


def log(message):
    sys.stderr.write("log-keeper: %s\n" % message)
    sys.stderr.flush()


# ---------------------------------------------------------------- S3


def parse_s3_dir(uri):
    """s3://bucket/prefix -> (bucket, prefix without leading or trailing '/')."""
    parsed = urllib.parse.urlparse(uri)
    if parsed.scheme != "s3" or not parsed.netloc:
        raise ValueError("not an s3://bucket/prefix location: %r" % uri)
    return parsed.netloc, parsed.path.strip("/")


def canonical_query(query):
    """A query as SigV4 signs it (and as it is sent): sorted, every reserved byte encoded."""
    return "&".join(
        "%s=%s" % (urllib.parse.quote(k, safe="-_.~"), urllib.parse.quote(v, safe="-_.~"))
        for k, v in sorted(query)
    )


def sign_v4(method, host, path, query, headers, payload_hash, region, access_key, secret_key, amz_date):
    """The Authorization header of a SigV4-signed S3 request.

    `path` is the URI-encoded path, `query` the query's (name, value) pairs, `headers` the
    headers to sign (lower-case names; host and x-amz-* included by the caller)."""
    names = sorted(headers)
    canonical_headers = "".join("%s:%s\n" % (n, " ".join(str(headers[n]).split())) for n in names)
    signed_headers = ";".join(names)
    canonical_request = "\n".join(
        [method, path, canonical_query(query), canonical_headers, signed_headers, payload_hash]
    )
    date = amz_date[:8]
    scope = "%s/%s/s3/aws4_request" % (date, region)
    string_to_sign = "\n".join(
        [
            "AWS4-HMAC-SHA256",
            amz_date,
            scope,
            hashlib.sha256(canonical_request.encode("utf-8")).hexdigest(),
        ]
    )
    key = ("AWS4" + secret_key).encode("utf-8")
    for part in (date, region, "s3", "aws4_request"):
        key = hmac.new(key, part.encode("utf-8"), hashlib.sha256).digest()
    signature = hmac.new(key, string_to_sign.encode("utf-8"), hashlib.sha256).hexdigest()
    return "AWS4-HMAC-SHA256 Credential=%s/%s, SignedHeaders=%s, Signature=%s" % (
        access_key,
        scope,
        signed_headers,
        signature,
    )


class StoreError(Exception):
    pass


class Store:
    """A minimal S3 client: put, head, get, list, delete."""

    def __init__(self, endpoint, region, path_style, credentials):
        self.region = region
        self.credentials = credentials
        if endpoint:
            url = urllib.parse.urlparse(endpoint)
            self.secure = url.scheme == "https"
            self.netloc = url.netloc
            self.path_style = path_style
        else:
            self.secure = True
            self.netloc = "s3.%s.amazonaws.com" % region
            self.path_style = path_style

    def describe(self):
        return "%s://%s" % ("https" if self.secure else "http", self.netloc)

    def request(self, method, bucket, key="", query=(), body=b"", headers=None, timeout=30):
        host = self.netloc if self.path_style else "%s.%s" % (bucket, self.netloc)
        path = "/" + (bucket + "/" if self.path_style else "") + key
        path = urllib.parse.quote(path, safe="/-_.~")
        access_key, secret_key, token = self.credentials()
        amz_date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        payload_hash = hashlib.sha256(body).hexdigest()
        signed = {"host": host, "x-amz-content-sha256": payload_hash, "x-amz-date": amz_date}
        if token:
            signed["x-amz-security-token"] = token
        for name, value in (headers or {}).items():
            signed[name.lower()] = value
        signed["authorization"] = sign_v4(
            method, host, path, query, dict(signed), payload_hash,
            self.region, access_key, secret_key, amz_date,
        )
        target = path + ("?" + canonical_query(query) if query else "")
        conn_class = http.client.HTTPSConnection if self.secure else http.client.HTTPConnection
        conn = conn_class(host, timeout=timeout)
        try:
            conn.request(method, target, body=body, headers=signed)
            response = conn.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        finally:
            conn.close()

    def check(self, what, status, body, ok=(200,)):
        if status not in ok:
            raise StoreError("%s: HTTP %d %s" % (what, status, s3_error(body)))

    def put(self, bucket, key, body, metadata=None):
        headers = {"content-type": "text/plain; charset=utf-8"}
        for name, value in (metadata or {}).items():
            headers["x-amz-meta-" + name] = value
        status, _, answer = self.request("PUT", bucket, key, body=body, headers=headers)
        self.check("PUT s3://%s/%s" % (bucket, key), status, answer)

    def head(self, bucket, key):
        status, headers, _ = self.request("HEAD", bucket, key)
        if status == 404:
            return None
        self.check("HEAD s3://%s/%s" % (bucket, key), status, b"")
        return {k.lower(): v for k, v in headers.items()}

    def get(self, bucket, key):
        status, _, body = self.request("GET", bucket, key, timeout=120)
        self.check("GET s3://%s/%s" % (bucket, key), status, body)
        return body

    def list(self, bucket, prefix):
        """(key, last modified as a UTC datetime) of every object under prefix."""
        token = None
        while True:
            query = [("list-type", "2"), ("prefix", prefix)]
            if token:
                query.append(("continuation-token", token))
            status, _, body = self.request("GET", bucket, "", query=query)
            self.check("LIST s3://%s/%s" % (bucket, prefix), status, body)
            root = ET.fromstring(body)
            ns = {"s3": root.tag[1:].split("}")[0]} if root.tag.startswith("{") else {}
            find = (lambda e, n: e.find("s3:" + n, ns)) if ns else (lambda e, n: e.find(n))
            for item in root.findall("s3:Contents", ns) if ns else root.findall("Contents"):
                yield find(item, "Key").text, parse_time(find(item, "LastModified").text)
            truncated = find(root, "IsTruncated")
            next_token = find(root, "NextContinuationToken")
            if truncated is None or truncated.text != "true" or next_token is None:
                return
            token = next_token.text

    def delete(self, bucket, key):
        status, _, body = self.request("DELETE", bucket, key)
        self.check("DELETE s3://%s/%s" % (bucket, key), status, body, ok=(200, 204))


def s3_error(body):
    """The code and message of an S3 error document, or the start of the body."""
    try:
        root = ET.fromstring(body)
        code = root.findtext("Code") or ""
        message = root.findtext("Message") or ""
        return ("%s: %s" % (code, message)).strip(": ")
    except ET.ParseError:
        return body[:200].decode("utf-8", "replace")


def parse_time(text):
    return datetime.datetime.strptime(text[:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=datetime.timezone.utc)


def expired(last_modified, now, retention_days):
    """Whether an object last written at last_modified is past the retention."""
    return now - last_modified > datetime.timedelta(days=retention_days)


class EnvCredentials:
    """Keys from the environment, or (EKS IRSA) from STS for the projected web identity token."""

    def __init__(self, env, region):
        self.env = env
        self.region = region
        self.cached = None

    def __call__(self):
        if self.env.get("AWS_ACCESS_KEY_ID"):
            return (
                self.env["AWS_ACCESS_KEY_ID"],
                self.env.get("AWS_SECRET_ACCESS_KEY", ""),
                self.env.get("AWS_SESSION_TOKEN", ""),
            )
        if self.env.get("AWS_WEB_IDENTITY_TOKEN_FILE") and self.env.get("AWS_ROLE_ARN"):
            if self.cached is None or self.cached[3] - time.time() < 300:
                self.cached = self.assume_role()
            return self.cached[:3]
        raise StoreError(
            "no credentials: set the store's keys, or give the keeper's ServiceAccount a cloud identity"
        )

    def assume_role(self):
        with open(self.env["AWS_WEB_IDENTITY_TOKEN_FILE"]) as f:
            token = f.read().strip()
        query = urllib.parse.urlencode(
            {
                "Action": "AssumeRoleWithWebIdentity",
                "Version": "2011-06-15",
                "RoleArn": self.env["AWS_ROLE_ARN"],
                "RoleSessionName": "psk-log-keeper",
                "WebIdentityToken": token,
            }
        )
        conn = http.client.HTTPSConnection("sts.%s.amazonaws.com" % self.region, timeout=30)
        try:
            conn.request("POST", "/", body=query, headers={"content-type": "application/x-www-form-urlencoded"})
            response = conn.getresponse()
            body = response.read()
        finally:
            conn.close()
        if response.status != 200:
            raise StoreError("STS AssumeRoleWithWebIdentity: HTTP %d %s" % (response.status, s3_error(body)))
        root = ET.fromstring(body)
        found = {el.tag.split("}")[-1]: el.text for el in root.iter()}
        expires = parse_time(found["Expiration"]).timestamp()
        return found["AccessKeyId"], found["SecretAccessKey"], found["SessionToken"], expires


# ---------------------------------------------------------------- Kubernetes


class Kube:
    """The Kubernetes API as the pod's ServiceAccount."""

    def __init__(self):
        self.host = os.environ["KUBERNETES_SERVICE_HOST"]
        self.port = int(os.environ.get("KUBERNETES_SERVICE_PORT", "443"))
        self.context = ssl.create_default_context(cafile=os.path.join(SERVICE_ACCOUNT, "ca.crt"))

    def open(self, path, query, timeout):
        # The token is read each time: bound tokens are rotated on disk.
        with open(os.path.join(SERVICE_ACCOUNT, "token")) as f:
            token = f.read().strip()
        conn = http.client.HTTPSConnection(self.host, self.port, context=self.context, timeout=timeout)
        conn.request("GET", path + "?" + urllib.parse.urlencode(query), headers={"Authorization": "Bearer " + token})
        return conn, conn.getresponse()

    def get_json(self, path, query):
        conn, response = self.open(path, query, 60)
        try:
            body = response.read()
            if response.status != 200:
                raise KubeError(response.status, body[:300].decode("utf-8", "replace"))
            return json.loads(body)
        finally:
            conn.close()


class KubeError(Exception):
    def __init__(self, status, text):
        super().__init__("HTTP %d: %s" % (status, text))
        self.status = status


def run_key(pod, drivers):
    """The run a pod belongs to: its Job's name (a scheduled run's own), else its driver's
    run (executors), else its run label."""
    labels = pod["metadata"].get("labels") or {}
    if labels.get(JOB_NAME_LABEL):
        return labels[JOB_NAME_LABEL]
    for owner in pod["metadata"].get("ownerReferences") or []:
        if owner.get("kind") == "Pod" and owner.get("name") in drivers:
            return drivers[owner["name"]]
    return labels.get(RUN_LABEL, "unlabelled")


def object_key(prefix, namespace, run, pod, container, containers):
    """<prefix>/<namespace>/<run>/<pod>.log (with the container's name if the pod has several)."""
    name = pod if containers <= 1 else "%s.%s" % (pod, container)
    return "/".join(p for p in (prefix, namespace, run, name + ".log") if p)


def started(status):
    state = status.get("state") or {}
    return "running" in state or "terminated" in state


def terminated(status):
    return "terminated" in (status.get("state") or {})


# ---------------------------------------------------------------- keeping


class Keeper:
    def __init__(self, kube, store, bucket, prefix, namespace, selector):
        self.kube = kube
        self.store = store
        self.bucket = bucket
        self.prefix = prefix
        self.namespace = namespace
        self.selector = selector
        self.lock = threading.Lock()
        self.following = set()
        self.drivers = {}

    def pods_path(self):
        return "/api/v1/namespaces/%s/pods" % self.namespace

    def handle(self, pod):
        meta = pod["metadata"]
        labels = meta.get("labels") or {}
        if labels.get("spark-role") == "driver" or labels.get(JOB_NAME_LABEL):
            with self.lock:
                self.drivers[meta["name"]] = run_key(pod, self.drivers)
        statuses = (pod.get("status") or {}).get("containerStatuses") or []
        containers = len((pod.get("spec") or {}).get("containers") or [])
        for status in statuses:
            if not started(status):
                continue
            ident = (meta["uid"], status["name"], status.get("restartCount", 0))
            with self.lock:
                if ident in self.following:
                    continue
                self.following.add(ident)
                run = run_key(pod, self.drivers)
            key = object_key(self.prefix, self.namespace, run, meta["name"], status["name"], containers)
            threading.Thread(
                target=self.follow,
                args=(meta["name"], status["name"], key, terminated(status)),
                daemon=True,
            ).start()

    def follow(self, pod, container, key, ended):
        try:
            if ended:
                done = self.store.head(self.bucket, key)
                if done is not None and done.get(COMPLETE_META) == "true":
                    return
            self.stream(pod, container, key)
        except Exception as err:  # one pod's trouble must not stop the others'
            log("%s/%s: %s" % (pod, container, err))

    def stream(self, pod, container, key):
        path = "%s/%s/log" % (self.pods_path(), pod)
        for attempt in range(1000):
            buffer = bytearray()
            try:
                conn, response = self.kube.open(path, {"container": container, "follow": "true"}, 3600)
            except OSError as err:
                log("%s: cannot follow the log (%s); retrying" % (pod, err))
                time.sleep(2)
                continue
            if response.status == 404:
                conn.close()
                return
            if response.status != 200:
                text = response.read()[:200].decode("utf-8", "replace")
                conn.close()
                time.sleep(2)
                if attempt > 30:
                    log("%s: log not readable: HTTP %d %s" % (pod, response.status, text))
                    return
                continue
            reader = threading.Thread(target=self.read, args=(response, buffer), daemon=True)
            reader.start()
            written = 0
            while reader.is_alive():
                reader.join(FLUSH_SECONDS)
                if len(buffer) != written:
                    written = len(buffer)
                    self.write(key, bytes(buffer), complete=False)
            conn.close()
            # The stream ended: the container did (or the connection broke). The whole log,
            # once more, if the pod is still there; what was streamed otherwise.
            final = self.final_log(path, container)
            if final is None:
                self.write(key, bytes(buffer), complete=True)
                return
            text, ended = final
            self.write(key, text if len(text) >= len(buffer) else bytes(buffer), complete=ended)
            if ended:
                return

    @staticmethod
    def read(response, buffer):
        try:
            while True:
                chunk = response.read1(65536)
                if not chunk:
                    return
                if len(buffer) < MAX_LOG_BYTES:
                    buffer.extend(chunk[: MAX_LOG_BYTES - len(buffer)])
        except (OSError, http.client.HTTPException):
            return

    def final_log(self, path, container):
        """(the whole log, whether the container has ended), or None if the pod is gone."""
        try:
            conn, response = self.kube.open(path, {"container": container}, 120)
            try:
                if response.status != 200:
                    return None
                text = response.read()[:MAX_LOG_BYTES]
            finally:
                conn.close()
            pod = self.kube.get_json(path[: -len("/log")], {})
        except (OSError, KubeError):
            return None
        statuses = (pod.get("status") or {}).get("containerStatuses") or []
        ended = any(s["name"] == container and terminated(s) for s in statuses)
        return text, ended

    def write(self, key, text, complete):
        for attempt in range(5):
            try:
                self.store.put(self.bucket, key, text, {"psk-complete": "true" if complete else "false"})
                return
            except (StoreError, OSError) as err:
                log("writing s3://%s/%s: %s" % (self.bucket, key, err))
                time.sleep(2 ** attempt)

    def watch(self):
        """Lists and then watches the pods, for ever; relists when the watch expires."""
        while True:
            try:
                listed = self.kube.get_json(self.pods_path(), {"labelSelector": self.selector})
                for pod in listed.get("items") or []:
                    self.handle(pod)
                version = listed["metadata"]["resourceVersion"]
                mark_ready()
                conn, response = self.kube.open(
                    self.pods_path(),
                    {
                        "labelSelector": self.selector,
                        "watch": "1",
                        "resourceVersion": version,
                        "allowWatchBookmarks": "true",
                        "timeoutSeconds": "300",
                    },
                    330,
                )
                try:
                    for line in response:
                        event = json.loads(line)
                        if event.get("type") == "ERROR":
                            break
                        if event.get("type") in ("ADDED", "MODIFIED"):
                            self.handle(event["object"])
                finally:
                    conn.close()
            except (OSError, KubeError, ValueError, http.client.HTTPException) as err:
                log("watching pods: %s; again in 2s" % err)
                time.sleep(2)

    def sweep(self, retention_days, every_seconds):
        """Deletes the logs older than the retention, now and then."""
        base = "/".join(p for p in (self.prefix, self.namespace) if p) + "/"
        while True:
            try:
                now = datetime.datetime.now(datetime.timezone.utc)
                old = [k for k, t in self.store.list(self.bucket, base) if expired(t, now, retention_days)]
                for key in old:
                    self.store.delete(self.bucket, key)
                if old:
                    log("deleted %d logs older than %d days under s3://%s/%s" % (len(old), retention_days, self.bucket, base))
            except (StoreError, OSError, ET.ParseError) as err:
                log("sweeping: %s" % err)
            time.sleep(every_seconds)


def mark_ready():
    if not os.path.exists(READY_FILE):
        with open(READY_FILE, "w") as f:
            f.write("ready\n")


def fail(message):
    """Ends the keeper with a message that `kubectl describe` and `pulumi up` show."""
    log(message)
    try:
        with open(TERMINATION_LOG, "w") as f:
            f.write(message + "\n")
    except OSError:
        pass
    sys.exit(1)


def store_from_env(env):
    region = env.get("PSK_STORE_REGION") or "us-east-1"
    return Store(
        env.get("PSK_STORE_ENDPOINT", ""),
        region,
        env.get("PSK_STORE_PATH_STYLE", "false") == "true",
        EnvCredentials(env, region),
    )


def keep(env):
    logs_dir = env["PSK_LOGS_DIR"]
    bucket, prefix = parse_s3_dir(logs_dir)
    namespace = env["PSK_NAMESPACE"]
    store = store_from_env(env)
    probe = "/".join(p for p in (prefix, namespace, ".psk-log-keeper") if p)
    try:
        store.put(bucket, probe, b"the log keeper of this namespace writes here\n")
    except (StoreError, OSError) as err:
        fail(
            "cannot write to the log store %s (podLogs.dir) at %s: %s"
            % (logs_dir, store.describe(), err)
        )
    log("keeping the logs of pods matching '%s' in %s under %s/%s/" % (env["PSK_POD_SELECTOR"], namespace, logs_dir, namespace))
    keeper = Keeper(Kube(), store, bucket, prefix, namespace, env["PSK_POD_SELECTOR"])
    retention = int(env.get("PSK_RETENTION_DAYS", "30"))
    threading.Thread(target=keeper.sweep, args=(retention, int(env.get("PSK_SWEEP_SECONDS", "3600"))), daemon=True).start()
    keeper.watch()


def print_logs(env, location):
    bucket, prefix = parse_s3_dir(location)
    store = store_from_env(env)
    keys = sorted(k for k, _ in store.list(bucket, prefix + "/" if prefix else "") if k.endswith(".log"))
    if not keys:
        sys.stderr.write("no logs kept under %s\n" % location)
        return 1
    for key in keys:
        sys.stdout.write("===== %s =====\n" % key.rsplit("/", 1)[-1][: -len(".log")])
        sys.stdout.flush()
        sys.stdout.buffer.write(store.get(bucket, key))
        sys.stdout.write("\n")
    return 0


def main(argv):
    if len(argv) >= 2 and argv[1] == "keep":
        keep(os.environ)
        return 0
    if len(argv) == 3 and argv[1] == "print":
        try:
            return print_logs(os.environ, argv[2])
        except (StoreError, ValueError, OSError) as err:
            sys.stderr.write("log-keeper: %s\n" % err)
            return 1
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
