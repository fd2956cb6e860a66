"""Benchmark the write-back editor (issue #7): patch 1000 scattered cells in a 100k × 19 sheet, and
write a 100k-row computed sheet. Prints seconds and peak RSS growth.

    .venv/bin/python bench/bench_writeback.py [--rows 100000] [--cells 1000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import tempfile
import threading
import time
from pathlib import Path

import psutil
import xlsxwriter

from workbook_crm.writeback import WorkbookEditor


def build(path: Path, rows: int) -> None:
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    ws = wb.add_worksheet("客户档案")
    ws.write_row(0, 0, [f"列{i}" for i in range(19)])
    for r in range(1, rows + 1):
        ws.write_row(
            r,
            0,
            [
                f"CX{r:09d}",
                f"测试公司{r}",
                "制造业",
                "中型",
                13800000000 + r,
                f"a{r}@x.com",
                r * 1.5,
                r % 7,
                "潜在客户",
                "展会对接",
                "张三",
                "2024-05-10",
                "2024-06-01",
                r * 100,
                0.9,
                4.5,
                7,
                "标签",
                "备注",
            ],
        )
    wb.close()


class Peak:
    """Peak RSS sampled every 10 ms (psutil), relative to the start."""

    def __init__(self) -> None:
        self.proc = psutil.Process()
        self.base = self.proc.memory_info().rss
        self.peak = self.base
        self._stop = False
        self._t = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop:
            self.peak = max(self.peak, self.proc.memory_info().rss)
            time.sleep(0.01)

    def __enter__(self) -> Peak:
        self._t.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop = True
        self._t.join()

    @property
    def mb(self) -> float:
        return (self.peak - self.base) / 2**20


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--cells", type=int, default=1000)
    args = ap.parse_args()
    src = Path(tempfile.gettempdir()) / f"bench_writeback_{args.rows}.xlsx"
    if not src.exists():
        t = time.perf_counter()
        build(src, args.rows)
        print(f"built {src} ({src.stat().st_size / 2**20:.1f} MB) in {time.perf_counter() - t:.1f} s")
    data = src.read_bytes()
    rng = random.Random(7)
    cells = {
        f"{chr(65 + rng.randrange(19))}{rng.randrange(2, args.rows + 2)}": rng.choice(
            ["新值", 123.5, dt.date(2024, 5, 10), "13800138000"]
        )
        for _ in range(args.cells)
    }
    marks = dict(list((ref, "问题") for ref in cells)[:200])

    with Peak() as p:
        t = time.perf_counter()
        ed = WorkbookEditor(data)
        ed.set_cells("客户档案", cells)
        ed.mark_cells("客户档案", marks)
        out = ed.to_bytes()
        secs = time.perf_counter() - t
    print(
        f"patch {len(cells)} cells (+{len(marks)} marks) in {args.rows}x19: {secs:.2f} s, peak +{p.mb:.0f} MB, "
        f"output {len(out) / 2**20:.1f} MB"
    )

    rows = (
        [
            f"CX{r:09d}",
            f"测试公司{r}",
            "核心客户",
            r * 1.5,
            dt.date(2024, 5, 10),
            "原因：年合作金额 62万 ≥ 50万",
        ]
        for r in range(args.rows)
    )
    with Peak() as p:
        t = time.perf_counter()
        ed = WorkbookEditor(out)
        ed.replace_sheet(
            "客户分层",
            ["客户编号", "客户名称", "分层", "金额", "日期", "理由"],
            rows,
            formats={3: "#,##0.00"},
            links={(i, 0): f"'客户档案'!A{i + 2}" for i in range(0, args.rows, 100)},
        )
        out2 = ed.to_bytes()
        secs = time.perf_counter() - t
    print(
        f"write computed sheet {args.rows} rows x 6: {secs:.2f} s, peak +{p.mb:.0f} MB, "
        f"output {len(out2) / 2**20:.1f} MB"
    )


if __name__ == "__main__":
    main()
