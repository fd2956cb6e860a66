"""Benchmark the safe write (issue #14): ``safe_replace`` of a big record — backup (.partial + fsync +
rename, hashed as copied), temp file, verification, and the exchange-and-verify swap — against its parts.

    .venv/bin/python bench/bench_safe.py [--rows 60000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from bench_writeback import build

import workbook_crm.writeback.safe as safe
from workbook_crm.writeback import WorkbookEditor, safe_replace, sha256_file


def timed(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=60000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "台账.xlsx"
        build(path, args.rows)
        ed = WorkbookEditor(path.read_bytes())
        ed.set_cells("客户档案", {"A2": "CX000000000"})
        new = ed.to_bytes()
        size = path.stat().st_size / 2**20
        hash_s = timed(lambda: sha256_file(path), args.repeat)

        def one() -> None:
            safe_replace(path, new, expected_sha256=sha256_file(path))

        exchange_s = timed(one, args.repeat)
        real = safe._renameat2
        safe._renameat2 = lambda *a: False
        try:
            fallback_s = timed(one, args.repeat)
        finally:
            safe._renameat2 = real
        swap = {"ok": False}

        def swap_only() -> None:
            tmp = path.with_name("x.tmp")
            tmp.write_bytes(b"x")
            t = time.perf_counter()
            swap["ok"] = real(tmp, path, safe._RENAME_EXCHANGE)
            swap["t"] = time.perf_counter() - t
            real(tmp, path, safe._RENAME_EXCHANGE)
            tmp.unlink()

        swap_only()
    print(f"record {size:.1f} MB ({args.rows} rows), median of {args.repeat}")
    print(f"  sha256 of the record           {hash_s * 1000:8.1f} ms")
    print(
        f"  safe_replace, exchange swap    {exchange_s * 1000:8.1f} ms   (renameat2 available: {swap['ok']})"
    )
    print(f"  safe_replace, fallback swap    {fallback_s * 1000:8.1f} ms")
    print(f"  the exchange syscall itself    {swap['t'] * 1e6:8.1f} µs")


if __name__ == "__main__":
    main()
