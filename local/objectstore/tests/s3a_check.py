"""Hadoop S3A against the local object store, through Spark (local mode): Parquet written
(multipart uploads), read back, overwritten (deletes), a file renamed (a multipart copy,
then a delete), a directory listed and deleted. Run by tests/s3a.sh, which sets the S3A
settings and the multipart thresholds low enough for a few MB to use multipart.

Usage: s3a_check.py BUCKET
"""
import sys

from pyspark.sql import SparkSession
from pyspark.sql import functions as F

ROWS = 300_000


def main(bucket):
    spark = SparkSession.builder.appName("psk-s3a-check").getOrCreate()
    jvm = spark.sparkContext._jvm
    conf = spark.sparkContext._jsc.hadoopConfiguration()
    base = f"s3a://{bucket}/s3a-check"
    path = jvm.org.apache.hadoop.fs.Path
    fs = path(base).getFileSystem(conf)
    try:
        data = spark.range(ROWS).withColumn("text", F.sha2(F.col("id").cast("string"), 256))
        out = f"{base}/parquet"
        data.repartition(2).write.mode("overwrite").parquet(out)
        back = spark.read.parquet(out)
        assert back.count() == ROWS, back.count()
        assert back.agg(F.sum("id")).first()[0] == ROWS * (ROWS - 1) // 2
        print(f"ok: Parquet written and read back ({ROWS} rows)", flush=True)

        data.limit(10).write.mode("overwrite").parquet(out)
        assert spark.read.parquet(out).count() == 10
        print("ok: Parquet overwritten (old files deleted)", flush=True)

        src, dst = path(f"{base}/big.bin"), path(f"{base}/renamed.bin")
        stream = fs.create(src, True)
        stream.write(bytearray(b"x" * 12_000_000))
        stream.close()
        assert fs.rename(src, dst), "rename failed"
        assert not fs.exists(src) and fs.getFileStatus(dst).getLen() == 12_000_000
        print("ok: 12 MB file renamed (multipart copy, then delete)", flush=True)

        names = sorted(s.getPath().getName() for s in fs.listStatus(path(base)))
        assert names == ["parquet", "renamed.bin"], names
        assert fs.delete(path(base), True)
        assert not fs.exists(path(base))
        print("ok: directory listed and deleted", flush=True)
    finally:
        spark.stop()


if __name__ == "__main__":
    main(sys.argv[1])
