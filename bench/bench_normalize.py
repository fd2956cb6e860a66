"""Throughput of the normalizers, with and without apply_unique, on realistically repetitive columns.

Run: .venv/bin/python bench/bench_normalize.py [--rows 100000] [--distinct 20000]
Columns repeat values heavily in real workbooks (the same owner, date or budget text), so 100k values
are drawn from 20k distinct spellings by default.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pandas as pd

from workbook_crm.normalize import apply_unique, normalize_date, normalize_email, normalize_phone, parse_money


def _phones(rng: random.Random, n: int) -> list[Any]:
    out: list[Any] = []
    for _ in range(n):
        m = f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}"
        out.append(
            rng.choice(
                [
                    m,
                    f"{m[:3]} {m[3:7]} {m[7:]}",
                    f"+86-{m}",
                    int(m),
                    f"0{rng.choice(['10', '21', '755'])}-{rng.randrange(2 * 10**7, 10**8)}",
                    f"{m[:3]}****{m[7:]}",
                    f"{m}/{m[::-1]}",
                ]
            )
        )
    return out


def _dates(rng: random.Random, n: int) -> list[Any]:
    out: list[Any] = []
    for _ in range(n):
        d = date(2020, 1, 1) + timedelta(days=rng.randrange(2000))
        out.append(
            rng.choice(
                [
                    d.isoformat(),
                    f"{d.year}/{d.month}/{d.day}",
                    f"{d.year}年{d.month}月{d.day}日",
                    d.strftime("%Y%m%d"),
                    (d - date(1899, 12, 30)).days,
                    f"{d.month}月{d.day}日",
                    d,
                ]
            )
        )
    return out


def _money(rng: random.Random, n: int) -> list[Any]:
    out: list[Any] = []
    for _ in range(n):
        a = rng.randrange(1, 500)
        out.append(
            rng.choice(
                [
                    f"{a}-{a + rng.randrange(1, 50)}万",
                    f"约{a}万",
                    f"{a}万以上",
                    f"¥{a * 10000:,}",
                    a,
                    "待确认",
                    f"{a}万左右",
                    f"{a}k",
                ]
            )
        )
    return out


def _emails(rng: random.Random, n: int) -> list[Any]:
    names = ["zhang", "li", "wang", "chen", "liu", "sales", "info"]
    return [
        rng.choice(
            [
                f"{rng.choice(names)}{i}@{rng.choice(['abc', 'qq', '163'])}.com",
                f" {rng.choice(names).upper()}{i}＠ABC.COM.CN",
                f"{rng.choice(names)}{i}@abc",
            ]
        )
        for i in range(n)
    ]


def _clear_caches() -> None:
    """Start every timing cold: the normalizers memoise NFKC text and area codes."""
    from workbook_crm.normalize import phones, text

    text.nfkc.cache_clear()
    phones._area_exists.cache_clear()


def _time(fn: Callable[[], Any], repeat: int) -> float:
    """Best of ``repeat`` cold runs: the machine is shared, the minimum is the least disturbed."""
    best = float("inf")
    for _ in range(repeat):
        _clear_caches()
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--distinct", type=int, default=20_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    rng = random.Random(20240510)
    cases = {
        "phones": (_phones, normalize_phone),
        "dates": (_dates, normalize_date),
        "money": (_money, parse_money),
        "emails": (_emails, normalize_email),
    }
    print(
        f"{args.rows:,} values drawn from {args.distinct:,} distinct, best of {args.repeat} cold runs "
        f"(python {sys.version.split()[0]})"
    )
    print(f"{'column':8} {'mode':14} {'seconds':>8} {'values/s':>12} {'s per 100k':>10}")
    for name, (gen, fn) in cases.items():
        pool = gen(rng, args.distinct)
        series = pd.Series([rng.choice(pool) for _ in range(args.rows)], dtype=object)
        for mode, run in (
            ("apply_unique", lambda s=series, f=fn: apply_unique(s, f)),
            ("per value", lambda s=series, f=fn: [f(v) for v in s]),
        ):
            secs = _time(run, args.repeat)
            print(
                f"{name:8} {mode:14} {secs:8.3f} {args.rows / secs:12,.0f} {secs * 100_000 / args.rows:10.3f}"
            )


if __name__ == "__main__":
    main()
