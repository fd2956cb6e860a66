"""Large workbooks of record for benchmarks, from the sample generator (one code path).

    python bench/make_workbook.py --customers 100000 --out bench/out/wb-100k.xlsx

N customers × every 客户档案 column, ~3 follow-ups and ~2 deals each, ~1 % registrations, the
evaluation and campaign rows, messes in the sample's proportions. xlsxwriter ``constant_memory``:
rows go out in order, so memory stays flat whatever N is.
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from workbook_crm.samplegen.writer import write_workbook  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--customers", type=int, default=10_000)
    p.add_argument("--out", type=Path, default=None, help="default bench/out/wb-<N>.xlsx")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--today", type=date.fromisoformat, default=date(2026, 11, 15),
                   help="reference date (fixed by default so runs are comparable)")
    p.add_argument("--clean", action="store_true", help="no messes: canonical values only")
    args = p.parse_args(argv)
    out = args.out or Path(__file__).resolve().parent / "out" / f"wb-{args.customers}.xlsx"
    gc.disable()  # PERF-NOTES: the collector costs 13–31 % on large runs; nothing here is cyclic
    t0 = time.perf_counter()
    write_workbook(out, customers=args.customers, seed=args.seed, messy=not args.clean, today=args.today,
                   constant_memory=True)
    secs = time.perf_counter() - t0
    print(f"{out}: {args.customers} customers, {out.stat().st_size / 1e6:.1f} MB, {secs:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
