"""Where intake's new rows go on a large workbook: the cost of io.placement.place_rows.

    python bench/bench_placement.py bench/out/wb-100000.xlsx [--rows 1000]

The bench workbooks carry the sample's 合计 footer under 客户档案, so the footer-move decision runs
in full (the sheet part inflated, the footer found from the end, formulas looked up elsewhere).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from workbook_crm.io.placement import place_rows  # noqa: E402
from workbook_crm.io.reader import read_workbook  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("workbook", type=Path)
    p.add_argument("--rows", type=int, default=1000, help="new rows to place")
    args = p.parse_args(argv)
    t0 = time.perf_counter()
    wb = read_workbook(args.workbook)
    read = time.perf_counter() - t0
    archive = wb.get("客户档案")
    if archive is None:
        print("no 客户档案 sheet")
        return 1
    t0 = time.perf_counter()
    place = place_rows(wb.source, archive, args.rows)
    secs = time.perf_counter() - t0
    print(
        f"{args.workbook.name}: read {read:.1f} s; place_rows({args.rows}) {secs:.2f} s -> first row {place.first}, "
        f"footer {list(place.footer)} moves {place.shift}, blocked: {place.blocked}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
