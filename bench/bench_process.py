"""What issue #13's rules cost (seed definitions, content rules, timeliness, merge): stage times.

    python bench/bench_process.py bench/out/wb-10000.xlsx [--month 2026-11]

Prints seconds for: the whole check (which includes content rules and merge), the content rules
of validators/seed_content.py alone, grade_month (RFM per seed 001, LTV, value tiers, final grade),
and the timeliness rules. Not a test; asserts nothing.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from workbook_crm.grading import grade_month  # noqa: E402
from workbook_crm.grading.timeliness import timeliness  # noqa: E402
from workbook_crm.io.reader import read_workbook  # noqa: E402
from workbook_crm.period import parse_month  # noqa: E402
from workbook_crm.validators import check_workbook, seed_content  # noqa: E402
from workbook_crm.validators.values import parse_sheet  # noqa: E402


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("path", type=Path)
    p.add_argument("--month", default="2026-11")
    a = p.parse_args()
    month, asof = parse_month(a.month, None)
    t = time.perf_counter()
    wb = read_workbook(a.path)
    print(f"read            {time.perf_counter() - t:6.2f} s")
    t = time.perf_counter()
    checked = check_workbook(wb, asof=asof)
    print(f"check (all)     {time.perf_counter() - t:6.2f} s")
    spent, n = 0.0, 0
    for name, sheet in wb.sheets.items():
        if sheet.schema.computed or name == "规则配置":
            continue
        clean, _, _ = parse_sheet(sheet, context_year=asof.year, date1904=wb.date1904)
        t0 = time.perf_counter()
        n += len(seed_content.checks(sheet, clean, checked.rules))
        spent += time.perf_counter() - t0  # only the content rules' own time
    print(f"content rules   {spent:6.2f} s  ({n} findings)")
    t = time.perf_counter()
    graded = grade_month(checked.clean, checked.rules, month=month, today=asof)
    print(f"grade_month     {time.perf_counter() - t:6.2f} s")
    t = time.perf_counter()
    rows, found = timeliness(checked, graded)
    print(f"timeliness      {time.perf_counter() - t:6.2f} s  ({len(rows)} reminders, {len(found)} findings)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
