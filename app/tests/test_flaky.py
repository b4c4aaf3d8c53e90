"""The flaky job's own logic: argument parsing and attempt counting."""
import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "jobs"))
import flaky  # noqa: E402


def pod(name, created):
    return {"metadata": {"name": name, "creationTimestamp": created}}


def test_parse_args():
    assert flaky.parse_args(["1"]) == 1


@pytest.mark.parametrize("argv", [[], ["x"], ["-1"], ["1", "2"]])
def test_parse_args_rejects(argv):
    with pytest.raises(ValueError):
        flaky.parse_args(argv)


def test_first_pod_of_a_job_is_attempt_one():
    assert flaky.attempt_number([pod("run-a", "2026-11-25T07:00:00Z")], "run-a") == 1


def test_later_pod_counts_the_earlier_ones():
    pods = [pod("run-b", "2026-11-25T07:00:20Z"), pod("run-a", "2026-11-25T07:00:00Z"), pod("run-c", "2026-11-25T07:00:40Z")]
    assert flaky.attempt_number(pods, "run-b") == 2
    assert flaky.attempt_number(pods, "run-c") == 3


def test_same_second_is_ordered_by_name():
    pods = [pod("run-x", "2026-11-25T07:00:00Z"), pod("run-y", "2026-11-25T07:00:00Z")]
    assert flaky.attempt_number(pods, "run-y") == 2
