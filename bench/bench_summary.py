"""Time ``write_summary`` on a fabricated month (tests/test_summary_data.py) of N customers.

    .venv/bin/python bench/bench_summary.py [N=100000] [--repeat 3] [--profile out.prof]

Prints the CPU and wall seconds of each write and the peak RSS of the process (MB). The month is
built once (not timed); each run writes a fresh file under a temporary directory.
"""

from __future__ import annotations

import argparse
import cProfile
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from test_summary_data import make_month_result  # noqa: E402

from workbook_crm.reports import write_summary  # noqa: E402


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("n", nargs="?", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--profile", type=Path, help="write a cProfile of the first run here")
    args = ap.parse_args()
    t = time.process_time()
    result, findings = make_month_result(n=args.n)
    print(
        f"month of {args.n:,} customers built in {time.process_time() - t:.1f} s CPU; "
        f"{len(result.tiers):,} tiers rows, {len(result.reminders):,} reminders; RSS {_peak_rss_mb():.0f} MB"
    )
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(args.repeat):
            out = Path(tmp) / f"summary-{i}.xlsx"
            prof = cProfile.Profile() if args.profile and i == 0 else None
            c, w = time.process_time(), time.perf_counter()
            if prof:
                prof.enable()
            write_summary(result, findings, out, source_name="客户管理.xlsx")
            if prof:
                prof.disable()
                prof.dump_stats(str(args.profile))
            print(
                f"write_summary: {time.process_time() - c:.2f} s CPU, {time.perf_counter() - w:.2f} s wall, "
                f"{out.stat().st_size / 1e6:.1f} MB file, peak RSS {_peak_rss_mb():.0f} MB"
            )


if __name__ == "__main__":
    main()
