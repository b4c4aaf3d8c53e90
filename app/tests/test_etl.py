"""Runs the ETL job in Spark local mode, on CSV files in a temporary directory."""
import json
import os
import re
import subprocess
import sys
from decimal import Decimal

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "jobs"))
sys.path.insert(0, os.path.dirname(__file__))
import etl  # noqa: E402
import etl_data  # noqa: E402

JOB = os.path.join(os.path.dirname(__file__), "..", "jobs", "etl.py")
DATA = os.path.join(os.path.dirname(__file__), "etl_data.py")

SMALL_CSV = """order_id,region,product,quantity,unit_price
1,north,anvil,2,10.50
2,north,bolt,1,0.25
3,south,anvil,3,1.10
4,east,crank,10,2.00
5,south,dowel,1,100.00
"""


def test_parse_args():
    assert etl.parse_args(["in.csv", "out"]) == ("in.csv", "out")


@pytest.mark.parametrize("argv", [[], ["in.csv"], ["in.csv", "out", "x"], ["", "out"], ["in.csv", " "], ["a", "a/"]])
def test_parse_args_rejects(argv):
    with pytest.raises(ValueError):
        etl.parse_args(argv)


@pytest.fixture(scope="module")
def spark():
    from pyspark.sql import SparkSession

    session = SparkSession.builder.master("local[2]").appName("etl-test").getOrCreate()
    yield session
    session.stop()


def _csv(tmp_path, text, name="sales.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf8")
    return str(path)


def _parquet_rows(spark, path):
    return {r["region"]: (r["orders"], r["units"], r["revenue"]) for r in spark.read.parquet(path).collect()}


def test_aggregates_by_region(spark, tmp_path):
    out = str(tmp_path / "by_region")
    stats = etl.run_etl(spark, _csv(tmp_path, SMALL_CSV), out)
    assert _parquet_rows(spark, out) == {
        "east": (1, 10, Decimal("20.00")),
        "north": (2, 3, Decimal("21.25")),
        "south": (2, 4, Decimal("103.30")),
    }
    assert stats == {"rows_in": 5, "rows_rejected": 0, "regions": 3, "rows_out": 3, "revenue": Decimal("144.55")}


def test_rejected_rows_are_counted_and_left_out(spark, tmp_path):
    bad = "\n".join(
        [
            "6,north,anvil,three,1.00",  # quantity not a number
            "7,north,anvil,1,1.x0",  # unit_price not a number
            "8,north,anvil,1.5,1.00",  # quantity not a whole number
            "9,,anvil,1,1.00",  # region empty
            "10,north,anvil",  # fields missing
            "11,north,anvil,1,1.00,extra",  # a field too many
        ]
    )
    out = str(tmp_path / "by_region")
    stats = etl.run_etl(spark, _csv(tmp_path, SMALL_CSV + bad + "\n"), out)
    assert (stats["rows_in"], stats["rows_rejected"]) == (11, 6)
    assert _parquet_rows(spark, out)["north"] == (2, 3, Decimal("21.25"))
    assert stats["revenue"] == Decimal("144.55")


def test_output_is_overwritten(spark, tmp_path):
    out = str(tmp_path / "by_region")
    etl.run_etl(spark, _csv(tmp_path, SMALL_CSV), out)
    stats = etl.run_etl(spark, _csv(tmp_path, SMALL_CSV.splitlines()[0] + "\n1,west,bolt,1,1.00\n", "b.csv"), out)
    assert _parquet_rows(spark, out) == {"west": (1, 1, Decimal("1.00"))}
    assert (stats["regions"], stats["rows_out"]) == (1, 1)


def test_missing_input_raises(spark, tmp_path):
    with pytest.raises(FileNotFoundError, match="INPUT does not exist: .*nope.csv"):
        etl.run_etl(spark, str(tmp_path / "nope.csv"), str(tmp_path / "out"))
    assert not (tmp_path / "out").exists()


def test_result_line_format():
    stats = {"rows_in": 5003, "rows_rejected": 3, "regions": 5, "rows_out": 5, "revenue": Decimal("7.5")}
    line = etl.result_line(stats)
    assert line == "ETL rows_in=5003 rows_rejected=3 regions=5 rows_out=5 revenue=7.50"
    assert re.fullmatch(etl.RESULT_PATTERN, line).groups() == ("5003", "3", "5", "5", "7.50")


def test_region_table_lists_every_region_with_two_decimals():
    rows = [
        {"region": "east", "orders": 1, "units": 10, "revenue": Decimal("20")},
        {"region": "north", "orders": 2, "units": 3, "revenue": Decimal("21.25")},
    ]
    lines = etl.region_table(rows).splitlines()
    assert lines[0].split() == ["region", "orders", "units", "revenue"]
    assert set(lines[1]) <= {"-", " "}
    assert [line.split() for line in lines[2:]] == [["east", "1", "10", "20.00"], ["north", "2", "3", "21.25"]]
    # the result line is still the only line the SparkJob's resultPattern matches
    assert not any(re.match(etl.RESULT_PATTERN, line) for line in lines)


def test_generated_data_gives_the_expected_totals(spark, tmp_path):
    csv_text, expected = etl_data.make_sales_csv(rows=2000, seed=3, bad_rows=5)
    out = str(tmp_path / "by_region")
    stats = etl.run_etl(spark, _csv(tmp_path, csv_text), out)
    assert etl.result_line(stats) == expected["result_line"]
    assert _parquet_rows(spark, out) == {
        region: (t["orders"], t["units"], Decimal(t["revenue"])) for region, t in expected["by_region"].items()
    }


def test_generator_is_deterministic_and_counts_its_rows():
    csv_text, expected = etl_data.make_sales_csv(rows=50, seed=1, bad_rows=3)
    assert etl_data.make_sales_csv(rows=50, seed=1, bad_rows=3) == (csv_text, expected)
    assert etl_data.make_sales_csv(rows=50, seed=2, bad_rows=3)[0] != csv_text
    lines = csv_text.splitlines()
    assert lines[0] == "order_id,region,product,quantity,unit_price"
    assert (len(lines) - 1, expected["rows_in"], expected["rows_rejected"]) == (53, 53, 3)
    assert sum(t["orders"] for t in expected["by_region"].values()) == 50


def test_generator_command_line(tmp_path):
    out = subprocess.run(
        [sys.executable, DATA, "--rows", "100", "--seed", "7", "--bad", "3",
         "--csv", str(tmp_path / "s.csv"), "--expected", str(tmp_path / "e.json")],
        capture_output=True, text=True, timeout=60,
    )
    assert out.returncode == 0, out.stderr
    csv_text, expected = etl_data.make_sales_csv(100, 7, 3)
    assert (tmp_path / "s.csv").read_text(encoding="utf8") == csv_text
    assert json.loads((tmp_path / "e.json").read_text(encoding="utf8")) == expected


def _spark_submit():
    return os.environ.get("SPARK_SUBMIT", "spark-submit")


def test_spark_submit_prints_the_result_line(tmp_path):
    csv_text, expected = etl_data.make_sales_csv(rows=500, seed=7, bad_rows=3)
    out = subprocess.run(
        [_spark_submit(), "--master", "local[2]", JOB, _csv(tmp_path, csv_text), str(tmp_path / "by_region")],
        capture_output=True, text=True, timeout=300,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    lines = [line for line in out.stdout.splitlines() if re.match(etl.RESULT_PATTERN, line)]
    assert lines == [expected["result_line"]]
    # the per-region table (tabulate) comes before it: a header line, then one line per region
    stdout = out.stdout.splitlines()
    header = next(i for i, line in enumerate(stdout) if line.split() == ["region", "orders", "units", "revenue"])
    table = [line.split() for line in stdout[header + 2 : header + 2 + len(expected["by_region"])]]
    assert [row[0] for row in table] == sorted(expected["by_region"])
    assert all(re.fullmatch(r"\d+\.\d{2}", row[3]) for row in table)


def test_spark_submit_fails_on_bad_arguments():
    out = subprocess.run(
        [_spark_submit(), "--master", "local[1]", JOB, "only-input.csv"],
        capture_output=True, text=True, timeout=300,
    )
    assert out.returncode != 0
    # spark-submit relays the Python process's output on its stdout.
    assert "ValueError: expected 2 arguments, INPUT (CSV path or URI) and OUTPUT (directory URI), got 1" in (
        out.stdout + out.stderr
    )
