"""Sales ETL: per-region totals of a CSV of orders, written as Parquet and read back.

Usage: etl.py INPUT OUTPUT

INPUT is a CSV file (path or URI, e.g. s3a://bucket/input/sales.csv) with a header line
and the columns order_id,region,product,quantity,unit_price (quantity a whole number,
unit_price a decimal number; more than 2 decimals are rounded half up to 2). It is read
with that schema (no inference); a row that does not parse (quantity or unit_price not a
number, a field missing or empty, an extra field) is rejected: counted, and left out of
the totals. OUTPUT is a directory URI (e.g. s3a://bucket/output/by_region), overwritten
with Parquet holding one row per region: region (string), orders (long: count), units
(long: sum of quantity), revenue (decimal(18,2): sum of quantity * unit_price, exact,
rounded half up to 2 places).

The job then reads OUTPUT back, prints it as a table (per region: orders, units, revenue;
formatted with tabulate, the apps' one pinned dependency of their own, app/requirements.txt)
and then one result line, which the SparkJob's resultPattern picks from the driver log; its
format is stable:

    ETL rows_in=<N> rows_rejected=<R> regions=<M> rows_out=<K> revenue=<T>

N: data rows read (rejected ones included), R: rows rejected, M: regions aggregated,
K: rows read back from OUTPUT (equal to M when the write went through), T: total revenue
of the rows read back, with exactly 2 decimals. It matches RESULT_PATTERN:

    ^ETL rows_in=(\\d+) rows_rejected=(\\d+) regions=(\\d+) rows_out=(\\d+) revenue=(-?\\d+\\.\\d{2})$

The job holds no endpoint or credentials: object-store settings come as Spark confs
(spark.hadoop.fs.s3a.*), credentials as AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY in the
environment (S3A's default credential chain). Bad arguments raise ValueError, a missing
INPUT FileNotFoundError, before anything is written: the driver exits non-zero.
"""
import sys
from decimal import Decimal
from functools import reduce
from operator import and_

from pyspark.errors import AnalysisException
from tabulate import tabulate
from pyspark.sql import SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import DecimalType, IntegerType, StringType, StructField, StructType

CORRUPT_RECORD = "_corrupt_record"
COLUMNS = ("order_id", "region", "product", "quantity", "unit_price")
SCHEMA = StructType(
    [
        StructField("order_id", StringType()),
        StructField("region", StringType()),
        StructField("product", StringType()),
        StructField("quantity", IntegerType()),
        StructField("unit_price", DecimalType(12, 2)),
        # PERMISSIVE mode puts the raw line of a row that does not parse here.
        StructField(CORRUPT_RECORD, StringType()),
    ]
)
REVENUE_TYPE = DecimalType(18, 2)
RESULT_PATTERN = r"^ETL rows_in=(\d+) rows_rejected=(\d+) regions=(\d+) rows_out=(\d+) revenue=(-?\d+\.\d{2})$"


def parse_args(argv):
    """Returns (input, output) or raises ValueError naming the bad argument."""
    if len(argv) != 2:
        raise ValueError(f"expected 2 arguments, INPUT (CSV path or URI) and OUTPUT (directory URI), got {len(argv)}")
    for name, value in zip(("INPUT", "OUTPUT"), argv):
        if not value.strip():
            raise ValueError(f"{name} must be a path or URI, got {value!r}")
    if argv[0].rstrip("/") == argv[1].rstrip("/"):
        raise ValueError(f"OUTPUT must differ from INPUT (it is overwritten), got {argv[1]!r} for both")
    return argv[0], argv[1]


def read_sales(spark, path):
    """The CSV's rows with the schema above; raises FileNotFoundError if `path` does not exist."""
    try:
        return (
            spark.read.schema(SCHEMA)
            .option("header", True)
            .option("mode", "PERMISSIVE")
            .option("columnNameOfCorruptRecord", CORRUPT_RECORD)
            .csv(path)
        )
    except AnalysisException as e:
        condition = (getattr(e, "getCondition", None) or e.getErrorClass)()
        if condition == "PATH_NOT_FOUND":
            raise FileNotFoundError(f"INPUT does not exist: {path}") from None
        raise


def is_valid():
    """A row that parsed, with every field present."""
    return reduce(and_, [F.col(c).isNotNull() for c in COLUMNS], F.col(CORRUPT_RECORD).isNull())


def by_region(valid):
    """One row per region: orders, units, revenue (2 decimals), ordered by region."""
    return (
        valid.groupBy("region")
        .agg(
            F.count(F.lit(1)).alias("orders"),
            F.sum("quantity").alias("units"),
            # decimal(18,2): Parquet stores it as a plain INT64 decimal, which every reader reads.
            F.round(F.sum(F.col("quantity") * F.col("unit_price")), 2).cast(REVENUE_TYPE).alias("revenue"),
        )
        .orderBy("region")
    )


def run_etl(spark, input_path, output_path):
    """Reads, aggregates, writes and reads back; returns the result line's numbers."""
    rows = read_sales(spark, input_path).cache()
    try:
        counts = rows.agg(
            F.count(F.lit(1)).alias("rows_in"), F.sum(F.when(is_valid(), 0).otherwise(1)).alias("rejected")
        ).first()
        totals = by_region(rows.filter(is_valid()))
        # One row per region: one file.
        totals.coalesce(1).write.mode("overwrite").parquet(output_path)
        regions = totals.count()
    finally:
        rows.unpersist()
    written = spark.read.parquet(output_path)
    back = written.agg(F.count(F.lit(1)).alias("rows_out"), F.sum("revenue").alias("revenue")).first()
    return {
        "rows_in": counts["rows_in"],
        "rows_rejected": counts["rejected"] or 0,
        "regions": regions,
        "rows_out": back["rows_out"],
        "revenue": back["revenue"] if back["revenue"] is not None else Decimal("0.00"),
    }


def region_table(rows):
    """The per-region totals (rows of region, orders, units, revenue) as a text table."""
    return tabulate(
        [(r["region"], r["orders"], r["units"], f"{Decimal(r['revenue']):.2f}") for r in rows],
        headers=("region", "orders", "units", "revenue"),
        colalign=("left", "right", "right", "right"),
        disable_numparse=True,  # keep "20.00" as written (tabulate would print 20)
    )


def result_line(stats):
    """The line the deployer matches (RESULT_PATTERN)."""
    return (
        f"ETL rows_in={stats['rows_in']} rows_rejected={stats['rows_rejected']} regions={stats['regions']} "
        f"rows_out={stats['rows_out']} revenue={Decimal(stats['revenue']):.2f}"
    )


def main(argv):
    input_path, output_path = parse_args(argv)
    spark = SparkSession.builder.appName("etl").getOrCreate()
    try:
        stats = run_etl(spark, input_path, output_path)
        print(region_table(spark.read.parquet(output_path).orderBy("region").collect()), flush=True)
        print(result_line(stats), flush=True)
    finally:
        spark.stop()


if __name__ == "__main__":
    main(sys.argv[1:])
