"""A job that fails its first attempts on purpose: the retry test of the cluster submitter.

Usage: flaky.py FAILING_ATTEMPTS

Run as the pod of a Kubernetes Job (the cluster submitter), attempt N of the run (N-1
earlier driver pods of the same Job exist) raises while N <= FAILING_ATTEMPTS, and
succeeds after that, printing "flaky: succeeded on attempt N". It counts the earlier
attempts through the Kubernetes API with the pod's own ServiceAccount (which may list
pods in its namespace), from the Job name Kubernetes labels its pods with.
"""
import json
import os
import ssl
import sys
import urllib.request
from operator import add

from pyspark.sql import SparkSession

SERVICE_ACCOUNT = "/var/run/secrets/kubernetes.io/serviceaccount"
JOB_NAME_LABEL = "batch.kubernetes.io/job-name"


class InjectedFailure(RuntimeError):
    """The failure this job is for."""


def parse_args(argv):
    """Returns FAILING_ATTEMPTS or raises ValueError."""
    if len(argv) != 1 or not argv[0].isdigit():
        raise ValueError(f"expected one argument, FAILING_ATTEMPTS (a whole number), got {argv!r}")
    return int(argv[0])


def attempt_number(pods, me):
    """1 + how many pods of the same Job were created before `me` (API pod objects)."""
    mine = next(p for p in pods if p["metadata"]["name"] == me)
    created = mine["metadata"]["creationTimestamp"]
    earlier = [
        p
        for p in pods
        if p["metadata"]["name"] != me and (p["metadata"]["creationTimestamp"], p["metadata"]["name"]) < (created, me)
    ]
    return 1 + len(earlier)


def _api(path):
    with open(f"{SERVICE_ACCOUNT}/token", encoding="utf8") as token:
        request = urllib.request.Request(
            f"https://kubernetes.default.svc{path}", headers={"Authorization": f"Bearer {token.read().strip()}"}
        )
    context = ssl.create_default_context(cafile=f"{SERVICE_ACCOUNT}/ca.crt")
    with urllib.request.urlopen(request, context=context, timeout=30) as response:
        return json.load(response)


def current_attempt():
    """This pod's attempt number within its Job."""
    with open(f"{SERVICE_ACCOUNT}/namespace", encoding="utf8") as ns:
        namespace = ns.read().strip()
    me = os.environ["PSK_POD_NAME"]
    job = _api(f"/api/v1/namespaces/{namespace}/pods/{me}")["metadata"]["labels"][JOB_NAME_LABEL]
    pods = _api(f"/api/v1/namespaces/{namespace}/pods?labelSelector={JOB_NAME_LABEL}%3D{job}")["items"]
    return attempt_number(pods, me)


def main(argv):
    failing = parse_args(argv)
    attempt = current_attempt()
    if attempt <= failing:
        raise InjectedFailure(f"attempt {attempt} fails on purpose (FAILING_ATTEMPTS={failing})")
    spark = SparkSession.builder.appName("flaky").getOrCreate()
    try:
        total = spark.sparkContext.parallelize(range(1, 101), 2).reduce(add)
        print(f"flaky: succeeded on attempt {attempt} (sum {total})", flush=True)
    finally:
        spark.stop()


if __name__ == "__main__":
    main(sys.argv[1:])
