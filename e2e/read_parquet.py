"""Reads the ETL job's Parquet output with pyarrow (not Spark), for the end-to-end test.

Usage: read_parquet.py DIR

DIR holds the part files downloaded from the object store. Prints one JSON object:
{region: {"orders": int, "units": int, "revenue": "123.45"}}, the shape of the `by_region`
expectation of app/tests/etl_data.py.
"""
import json
import sys

import pyarrow.parquet as pq


def main(argv):
    if len(argv) != 1:
        raise SystemExit("usage: read_parquet.py DIR")
    table = pq.read_table(argv[0])
    rows = {}
    for row in table.to_pylist():
        if row["region"] in rows:
            raise SystemExit(f"region {row['region']!r} appears twice in the output")
        rows[row["region"]] = {
            "orders": row["orders"],
            "units": row["units"],
            "revenue": f"{row['revenue']:.2f}",
        }
    print(json.dumps(rows, sort_keys=True))


if __name__ == "__main__":
    main(sys.argv[1:])
