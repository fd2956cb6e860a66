"""Large workbooks of record for benchmarks, from the sample generator (one code path).

    python bench/make_workbook.py --customers 100000 --out bench/out/wb-100k.xlsx
    python bench/make_workbook.py --customers 100000 --strings inline --out bench/out/wb-100k-inline.xlsx

N customers × every 客户档案 column, ~3 follow-ups and ~2 deals each, ~1 % registrations, the
evaluation and campaign rows, messes in the sample's proportions. xlsxwriter ``constant_memory``:
rows go out in order, so memory stays flat whatever N is.

Text is saved in a shared-strings table by default, as Excel and WPS save it: the constant-memory
file (inline strings only) is rewritten by ``sharedstrings.py``. Measured at 100k customers:
constant-memory + rewrite 97 s + 55 s at 190 MB peak, against xlsxwriter's normal mode (which keeps
every cell until ``close``) 201 s at 1.03 GB. ``--strings inline`` keeps the constant-memory file.
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from sharedstrings import convert  # noqa: E402  (bench/ is on sys.path when run as a script)

from workbook_crm.samplegen.writer import write_workbook  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--customers", type=int, default=10_000)
    p.add_argument("--out", type=Path, default=None, help="default bench/out/wb-<N>.xlsx")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument(
        "--today",
        type=date.fromisoformat,
        default=date(2026, 11, 15),
        help="reference date (fixed by default so runs are comparable)",
    )
    p.add_argument("--clean", action="store_true", help="no messes: canonical values only")
    p.add_argument(
        "--strings",
        choices=("shared", "inline"),
        default="shared",
        help='shared: a sharedStrings table, as Excel/WPS save (default); inline: t="inlineStr" cells',
    )
    args = p.parse_args(argv)
    suffix = "" if args.strings == "shared" else "-inline"
    out = args.out or Path(__file__).resolve().parent / "out" / f"wb-{args.customers}{suffix}.xlsx"
    gc.disable()  # PERF-NOTES: the collector costs 13–31 % on large runs; nothing here is cyclic
    t0 = time.perf_counter()
    inline = out if args.strings == "inline" else out.with_name(f".{out.stem}-inline.tmp.xlsx")
    write_workbook(
        inline,
        customers=args.customers,
        seed=args.seed,
        messy=not args.clean,
        today=args.today,
        constant_memory=True,
    )
    if args.strings == "shared":
        try:
            convert(inline, out)
        finally:
            inline.unlink(missing_ok=True)
    secs = time.perf_counter() - t0
    print(
        f"{out}: {args.customers} customers, {args.strings} strings, {out.stat().st_size / 1e6:.1f} MB, {secs:.1f} s"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
