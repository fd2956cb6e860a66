"""Benchmark the computed-sheet renderer (writeback/newsheet.py, issue #16): 100k rows × 12 columns
of the values a 客户分层 sheet holds (IDs, names, owners, grades, dates, ints, money, blanks, a few
texts that need escaping, links on one row in fifty), rendered and deflated by ``write_sheet``.

    .venv/bin/python bench/bench_newsheet.py [--rows 100000] [--repeat 3]

Prints the best of ``--repeat`` runs and the sha256 of the deflated part's inflated XML, so two
versions of the renderer can be compared for speed and for byte-identical output.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import random
import time
from typing import Any

from workbook_crm.writeback.newsheet import write_sheet
from workbook_crm.writeback.styles import Styles

STYLES = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    b'<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
    b'<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>'
    b'<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    b'<cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellXfs></styleSheet>'
)
HEADER = [
    "客户ID",
    "客户名称",
    "负责人",
    "等级",
    "首次接触",
    "最近跟进",
    "跟进次数",
    "成交金额",
    "毛利率",
    "备注",
    "逾期天数",
    "行业",
]


def rows(n: int, seed: int = 7) -> list[list[Any]]:
    rng = random.Random(seed)
    base = dt.date(2023, 1, 1)
    owners = ["张三", "李四", "王五", "赵六"]
    out = []
    for r in range(n):
        out.append(
            [
                f"C{r:07d}",
                f"上海测试{r % 997}有限公司" if r % 53 else f"A&B <{r}> 贸易",
                rng.choice(owners),
                rng.choice("ABCD"),
                base + dt.timedelta(days=rng.randrange(700)),
                None if r % 9 == 0 else base + dt.timedelta(days=rng.randrange(700)),
                rng.randrange(40),
                round(rng.uniform(0, 2e6), 2),
                None if r % 11 == 0 else rng.random(),
                None if r % 3 else "季度回访_待定",
                None if r % 4 else rng.randrange(1, 90),
                rng.choice(["制造业", "零售", "软件", "物流"]),
            ]
        )
    return out


def render(data: list[list[Any]]) -> tuple[float, str]:
    styles = Styles(STYLES)
    links = {(i, 0): f"'客户档案'!A{i + 2}" for i in range(0, len(data), 50)}
    t0 = time.perf_counter()
    part, _ = write_sheet(
        styles,
        HEADER,
        data,
        widths=[12] * 12,
        formats={7: "#,##0.00"},
        links=links,
        freeze_header=True,
        autofilter=True,
        tab_color="4472C4",
        date1904=False,
    )
    seconds = time.perf_counter() - t0
    return seconds, hashlib.sha256(part.inflate()).hexdigest()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args()
    data = rows(a.rows)
    best, digest = min(render(data) for _ in range(a.repeat))
    print(
        f"write_sheet {a.rows:,} rows × {len(HEADER)} columns: {best:.2f} s (best of {a.repeat}); xml sha256 {digest[:16]}"
    )


if __name__ == "__main__":
    main()
