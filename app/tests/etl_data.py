"""Sales data for the ETL job (jobs/etl.py) and the totals it must produce from it.

make_sales_csv(rows, seed, bad_rows) returns (csv_text, expected): a CSV with a header and
`rows` good rows plus `bad_rows` rows the job must reject, at seeded random places, and
what the job must report for it. The same (rows, seed, bad_rows) give the same CSV.
Standard library only: the end-to-end test runs it as a script to make its dataset:

    python3 app/tests/etl_data.py --rows 5000 --seed 7 --bad 3 --csv OUT.csv --expected OUT.json

`expected` (the JSON file) holds:

    rows_in, rows_rejected, regions, rows_out: the numbers of the job's result line
    revenue: the total, a string with exactly 2 decimals (exact; so are all revenues)
    result_line: the whole result line the job prints
    by_region: {region: {"orders": int, "units": int, "revenue": "123.45"}}, the Parquet's rows
"""
import argparse
import json
import random
import sys
from decimal import ROUND_HALF_UP, Decimal

HEADER = "order_id,region,product,quantity,unit_price"
REGIONS = ("north", "south", "east", "west", "central")
PRODUCTS = ("anvil", "bolt", "crank", "dowel", "epoxy", "flange")
CENT = Decimal("0.01")

# Rows the job must reject, each for another reason; {id} is the row's order_id.
BAD_ROWS = (
    "{id},north,anvil,three,1.50",  # quantity not a number
    "{id},south,bolt,2,12.x5",  # unit_price not a number
    "{id},east,crank,2.5,3.00",  # quantity not a whole number
    "{id},,dowel,1,4.00",  # region missing
    "{id},west,epoxy",  # quantity and unit_price missing
)


def make_sales_csv(rows, seed, bad_rows):
    """(csv_text, expected) for `rows` good and `bad_rows` rejected rows; see the module doc."""
    if rows < 0 or bad_rows < 0:
        raise ValueError(f"rows and bad_rows must be >= 0, got {rows} and {bad_rows}")
    rng = random.Random(seed)
    lines = []
    by_region = {}
    for _ in range(rows):
        region, product = rng.choice(REGIONS), rng.choice(PRODUCTS)
        quantity = rng.randint(1, 20)
        unit_price = Decimal(rng.randint(50, 99_999)) * CENT
        lines.append((region, product, quantity, unit_price))
        totals = by_region.setdefault(region, {"orders": 0, "units": 0, "revenue": Decimal(0)})
        totals["orders"] += 1
        totals["units"] += quantity
        totals["revenue"] += quantity * unit_price
    bad_at = sorted(rng.sample(range(rows + bad_rows), bad_rows))
    text = [HEADER]
    good = iter(lines)
    for i in range(rows + bad_rows):
        order_id = f"o-{i + 1:06d}"
        if bad_at and bad_at[0] == i:
            # Every kind of bad row in turn.
            text.append(BAD_ROWS[(bad_rows - len(bad_at)) % len(BAD_ROWS)].format(id=order_id))
            bad_at.pop(0)
        else:
            region, product, quantity, unit_price = next(good)
            text.append(f"{order_id},{region},{product},{quantity},{unit_price}")
    regions = {
        region: {"orders": t["orders"], "units": t["units"], "revenue": _money(t["revenue"])}
        for region, t in sorted(by_region.items())
    }
    revenue = _money(sum((Decimal(t["revenue"]) for t in regions.values()), Decimal(0)))
    expected = {
        "rows_in": rows + bad_rows,
        "rows_rejected": bad_rows,
        "regions": len(regions),
        "rows_out": len(regions),
        "revenue": revenue,
        "by_region": regions,
    }
    expected["result_line"] = (
        f"ETL rows_in={expected['rows_in']} rows_rejected={bad_rows} regions={len(regions)} "
        f"rows_out={len(regions)} revenue={revenue}"
    )
    return "\n".join(text) + "\n", expected


def _money(value):
    """A decimal as a string with exactly 2 places, rounded half up like Spark's round()."""
    return str(Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP))


def main(argv):
    parser = argparse.ArgumentParser(description="Writes a sales CSV for jobs/etl.py and the totals it must give.")
    parser.add_argument("--rows", type=int, required=True, help="good rows")
    parser.add_argument("--seed", type=int, required=True, help="random seed")
    parser.add_argument("--bad", type=int, default=0, help="rows the job must reject")
    parser.add_argument("--csv", required=True, help="where to write the CSV")
    parser.add_argument("--expected", required=True, help="where to write the expected totals (JSON)")
    args = parser.parse_args(argv)
    if args.rows < 0 or args.bad < 0:
        parser.error("--rows and --bad must be >= 0")
    csv_text, expected = make_sales_csv(args.rows, args.seed, args.bad)
    with open(args.csv, "w", encoding="utf8", newline="") as f:
        f.write(csv_text)
    with open(args.expected, "w", encoding="utf8") as f:
        json.dump(expected, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main(sys.argv[1:])
