"""The schema stage alone (pandera over the parsed frames) at 10× a bench workbook (issue #15 item 5).

Run: .venv/bin/python bench/bench_schema.py [WORKBOOK] [TIMES]

Reads WORKBOOK (default bench/out/wb-10k.xlsx, made by ``make_workbook.py``), tiles every sheet's
frame TIMES times (default 10: 100k customers, ~300k follow-ups, ~200k deals), parses each sheet
once (untimed) and times ``schema_findings`` — building the frame pandera sees, validating it and
mapping the failures — per sheet, as ``check_workbook`` calls it (规则配置 is read as rules, not
checked). Prints rows, findings, wall and CPU seconds (the machine is shared: compare CPU).
"""

from __future__ import annotations

import sys
import time
from dataclasses import replace
from pathlib import Path

import pandas as pd

from workbook_crm.io.reader import read_workbook
from workbook_crm.schema import registry
from workbook_crm.validators.schema_checks import schema_findings
from workbook_crm.validators.values import parse_sheet


def main() -> None:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("bench/out/wb-10k.xlsx")
    times = int(sys.argv[2]) if len(sys.argv) > 2 else 10
    wb = read_workbook(path)
    total_wall = total_cpu = 0.0
    for sheet in wb.sheets.values():
        if sheet.schema.computed or sheet.frame.empty or sheet.name == registry.SETTINGS.name:
            continue
        n = len(sheet.frame)
        step = int(sheet.frame.index.max()) + 1
        tiled = pd.concat([sheet.frame.set_axis(sheet.frame.index + k * step) for k in range(times)])
        big = replace(sheet, frame=tiled)
        clean, _, _ = parse_sheet(big, context_year=2024, date1904=wb.date1904)
        schema_findings(big, clean)  # warm: the schema is built (and cached) on first use
        t, cpu = time.perf_counter(), time.process_time()
        found = schema_findings(big, clean)
        wall, used = time.perf_counter() - t, time.process_time() - cpu
        total_wall, total_cpu = total_wall + wall, total_cpu + used
        print(
            f"{sheet.tab:12} rows={n * times:>7} findings={len(found):>6} wall={wall:6.2f}s cpu={used:6.2f}s"
        )
    print(f"{'total':12} wall={total_wall:6.2f}s cpu={total_cpu:6.2f}s")


if __name__ == "__main__":
    main()
