"""Runs the pi job in Spark local mode."""
import os
import subprocess
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "jobs"))
import pi  # noqa: E402

JOB = os.path.join(os.path.dirname(__file__), "..", "jobs", "pi.py")


def test_parse_args_defaults():
    assert pi.parse_args([]) == (pi.DEFAULT_PARTITIONS, pi.DEFAULT_SAMPLES_PER_PARTITION)


def test_parse_args_values():
    assert pi.parse_args(["4", "10"]) == (4, 10)


@pytest.mark.parametrize("argv", [["0"], ["-1"], ["x"], ["2", "0"], ["1", "2", "3"]])
def test_parse_args_rejects(argv):
    with pytest.raises(ValueError):
        pi.parse_args(argv)


@pytest.fixture(scope="module")
def spark():
    from pyspark.sql import SparkSession

    session = SparkSession.builder.master("local[2]").appName("pi-test").getOrCreate()
    # Python workers unpickle the job's functions by module name: ship the module.
    session.sparkContext.addPyFile(JOB)
    yield session
    session.stop()


def test_estimate_pi_is_close(spark):
    estimate = pi.estimate_pi(spark, partitions=4, samples_per_partition=50_000)
    assert abs(estimate - 3.14159) < 0.02


def test_estimate_pi_is_deterministic_for_a_seed(spark):
    assert pi.estimate_pi(spark, 2, 1000, seed=7) == pi.estimate_pi(spark, 2, 1000, seed=7)


def _spark_submit():
    return os.environ.get("SPARK_SUBMIT", "spark-submit")


def test_spark_submit_prints_the_result_line():
    out = subprocess.run(
        [_spark_submit(), "--master", "local[2]", JOB, "2", "20000"],
        capture_output=True, text=True, timeout=300,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    lines = [line for line in out.stdout.splitlines() if line.startswith("Pi is roughly ")]
    assert len(lines) == 1
    assert abs(float(lines[0].split()[-1]) - 3.14159) < 0.05


def test_spark_submit_fails_on_a_bad_argument():
    out = subprocess.run(
        [_spark_submit(), "--master", "local[1]", JOB, "-1"],
        capture_output=True, text=True, timeout=300,
    )
    assert out.returncode != 0
    # spark-submit relays the Python process's output on its stdout.
    assert "ValueError: PARTITIONS must be a positive integer, got '-1'" in out.stdout + out.stderr
