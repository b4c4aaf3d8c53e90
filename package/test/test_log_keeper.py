"""The log keeper's pure parts (scripts/log_keeper.py): SigV4 signing, where a pod's log
goes, which run a pod belongs to, what the retention deletes; and its S3 client against a
stand-in store that checks every signature. Run by jest (logKeeper.test.ts)."""

import datetime
import hashlib
import http.server
import os
import sys
import threading
import unittest
from urllib.parse import unquote

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "scripts"))
import log_keeper as lk  # noqa: E402

KEY = "AKIAIOSFODNN7EXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


class SignatureTest(unittest.TestCase):
    def test_matches_the_s3_documentation_example(self):
        # "Example: GET Object" of the S3 API reference (Signature Version 4, header auth).
        empty = hashlib.sha256(b"").hexdigest()
        auth = lk.sign_v4(
            "GET",
            "examplebucket.s3.amazonaws.com",
            "/test.txt",
            [],
            {
                "host": "examplebucket.s3.amazonaws.com",
                "range": "bytes=0-9",
                "x-amz-content-sha256": empty,
                "x-amz-date": "20130524T000000Z",
            },
            empty,
            "us-east-1",
            KEY,
            SECRET,
            "20130524T000000Z",
        )
        self.assertEqual(
            auth,
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
            "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
            "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41",
        )

    def test_a_query_is_signed_as_it_is_sent(self):
        self.assertEqual(
            lk.canonical_query([("prefix", "logs/ns/run 1/"), ("list-type", "2")]),
            "list-type=2&prefix=logs%2Fns%2Frun%201%2F",
        )


class LayoutTest(unittest.TestCase):
    def test_one_object_per_pod_under_the_run(self):
        self.assertEqual(
            lk.object_key("logs", "spark-local", "pi-abc", "pi-abc-x1", "spark-kubernetes-driver", 1),
            "logs/spark-local/pi-abc/pi-abc-x1.log",
        )
        self.assertEqual(lk.object_key("", "ns", "r", "p", "c", 2), "ns/r/p.c.log")

    def test_parse_s3_dir(self):
        self.assertEqual(lk.parse_s3_dir("s3://b/logs/"), ("b", "logs"))
        self.assertEqual(lk.parse_s3_dir("s3://b"), ("b", ""))
        with self.assertRaises(ValueError):
            lk.parse_s3_dir("s3a://b/x")

    def test_run_of_a_pod(self):
        driver = {"metadata": {"name": "pi-1-x", "labels": {lk.RUN_LABEL: "pi-1", lk.JOB_NAME_LABEL: "pi-1"}}}
        scheduled = {"metadata": {"name": "c-29-y", "labels": {lk.RUN_LABEL: "c", lk.JOB_NAME_LABEL: "c-29"}}}
        executor = {
            "metadata": {
                "name": "c-29-y-exec-1",
                "labels": {lk.RUN_LABEL: "c"},
                "ownerReferences": [{"kind": "Pod", "name": "c-29-y"}],
            }
        }
        local = {"metadata": {"name": "pi-t-driver", "labels": {lk.RUN_LABEL: "pi-t"}}}
        self.assertEqual(lk.run_key(driver, {}), "pi-1")
        # A scheduled run's pods go under its own Job, not the CronJob's shared run label.
        self.assertEqual(lk.run_key(scheduled, {}), "c-29")
        self.assertEqual(lk.run_key(executor, {"c-29-y": "c-29"}), "c-29")
        self.assertEqual(lk.run_key(local, {}), "pi-t")

    def test_retention(self):
        now = datetime.datetime(2026, 12, 4, tzinfo=datetime.timezone.utc)
        self.assertTrue(lk.expired(now - datetime.timedelta(days=31), now, 30))
        self.assertFalse(lk.expired(now - datetime.timedelta(days=29), now, 30))


class StandInStore(http.server.BaseHTTPRequestHandler):
    """Path-style S3 that refuses any request whose signature is not the keys'."""

    objects = {}

    def log_message(self, *args):
        pass

    def authorised(self, body):
        host = self.headers["host"]
        path, _, query = self.path.partition("?")
        pairs = [tuple(p.split("=", 1)) for p in query.split("&") if p]
        pairs = [(unquote(k), unquote(v)) for k, v in pairs]
        names = [n.strip() for n in self.headers["authorization"].split("SignedHeaders=")[1].split(",")[0].split(";")]
        signed = {n: self.headers[n] for n in names}
        signed["host"] = host
        expected = lk.sign_v4(
            self.command, host, path, pairs, signed, hashlib.sha256(body).hexdigest(),
            "us-east-1", KEY, SECRET, self.headers["x-amz-date"],
        )
        return expected == self.headers["authorization"]

    def answer(self, code, body=b""):
        self.send_response(code)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def do_PUT(self):
        body = self.rfile.read(int(self.headers.get("content-length", "0")))
        if not self.authorised(body):
            return self.answer(403, b"<Error><Code>SignatureDoesNotMatch</Code><Message>no</Message></Error>")
        self.objects[unquote(self.path)] = body
        self.answer(200)

    def do_GET(self):
        if not self.authorised(b""):
            return self.answer(403, b"<Error><Code>SignatureDoesNotMatch</Code><Message>no</Message></Error>")
        path, _, query = self.path.partition("?")
        if query:
            path = path.rstrip("/")
            prefix = unquote(dict(p.split("=", 1) for p in query.split("&"))["prefix"])
            items = "".join(
                "<Contents><Key>%s</Key><LastModified>2026-01-01T00:00:00.000Z</LastModified></Contents>"
                % k[len(path) + 1:]
                for k in sorted(self.objects)
                if k.startswith(path + "/" + prefix)
            )
            return self.answer(200, ("<ListBucketResult><IsTruncated>false</IsTruncated>%s</ListBucketResult>" % items).encode())
        if unquote(path) not in self.objects:
            return self.answer(404)
        self.answer(200, self.objects[unquote(path)])


class StoreTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = http.server.HTTPServer(("127.0.0.1", 0), StandInStore)
        threading.Thread(target=cls.server.serve_forever, daemon=True).start()
        cls.endpoint = "http://127.0.0.1:%d" % cls.server.server_port

    @classmethod
    def tearDownClass(cls):
        cls.server.shutdown()

    def store(self, secret=SECRET):
        return lk.Store(self.endpoint, "us-east-1", True, lambda: (KEY, secret, ""))

    def test_put_get_list_with_signed_requests(self):
        store = self.store()
        store.put("b", "logs/ns/run 1/pod.log", b"line 1\n")
        self.assertEqual(store.get("b", "logs/ns/run 1/pod.log"), b"line 1\n")
        self.assertEqual([k for k, _ in store.list("b", "logs/ns/")], ["logs/ns/run 1/pod.log"])

    def test_a_wrong_secret_is_a_clear_error(self):
        with self.assertRaisesRegex(lk.StoreError, r"HTTP 403 SignatureDoesNotMatch"):
            self.store("wrong").put("b", "k", b"x")


if __name__ == "__main__":
    unittest.main()
