"""Estimates pi by Monte Carlo sampling, spread over Spark partitions.

Usage: pi.py [PARTITIONS] [SAMPLES_PER_PARTITION]

Prints one result line, "Pi is roughly <estimate>", which the SparkJob's
resultPattern picks from the driver log.
"""
import random
import sys
from operator import add

from pyspark.sql import SparkSession

DEFAULT_PARTITIONS = 2
DEFAULT_SAMPLES_PER_PARTITION = 100_000


def parse_args(argv):
    """Returns (partitions, samples_per_partition) or raises ValueError naming the bad argument."""
    if len(argv) > 2:
        raise ValueError(f"expected at most 2 arguments (PARTITIONS, SAMPLES_PER_PARTITION), got {len(argv)}")
    values = []
    for name, raw, default in zip(
        ("PARTITIONS", "SAMPLES_PER_PARTITION"),
        list(argv) + [None] * (2 - len(argv)),
        (DEFAULT_PARTITIONS, DEFAULT_SAMPLES_PER_PARTITION),
    ):
        if raw is None:
            values.append(default)
            continue
        try:
            value = int(raw)
        except ValueError:
            raise ValueError(f"{name} must be a positive integer, got {raw!r}") from None
        if value < 1:
            raise ValueError(f"{name} must be a positive integer, got {raw!r}")
        values.append(value)
    return values[0], values[1]


def _inside_count(seed_and_samples):
    seed, samples = seed_and_samples
    rng = random.Random(seed)
    inside = 0
    for _ in range(samples):
        x, y = rng.random() * 2 - 1, rng.random() * 2 - 1
        if x * x + y * y <= 1:
            inside += 1
    return inside


def estimate_pi(spark, partitions, samples_per_partition, seed=0):
    """Monte Carlo estimate of pi with `partitions` tasks of `samples_per_partition` points each."""
    tasks = [(seed + i, samples_per_partition) for i in range(partitions)]
    inside = spark.sparkContext.parallelize(tasks, partitions).map(_inside_count).reduce(add)
    return 4.0 * inside / (partitions * samples_per_partition)


def main(argv):
    partitions, samples = parse_args(argv)
    spark = SparkSession.builder.appName("pi").getOrCreate()
    try:
        print(f"Pi is roughly {estimate_pi(spark, partitions, samples):.5f}", flush=True)
    finally:
        spark.stop()


if __name__ == "__main__":
    main(sys.argv[1:])
