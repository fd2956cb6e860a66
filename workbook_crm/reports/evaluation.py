"""效果评估: target, actual and 差异率 per KPI (seed 004 表(四)), 未达标 in red."""

from __future__ import annotations

import pandas as pd
from xlsxwriter.worksheet import Worksheet

from .data import EVALUATION_COLUMNS, SummaryData
from .style import BAD_FILL, GOOD_FILL, GREEN, RED, Book

SHEET = "效果评估"


def write(book: Book, data: SummaryData) -> Worksheet:
    ws = book.sheet(SHEET, tab="#70AD47", header_row=1)
    frame = data.evaluation.copy()
    # The index is the row in 效果评估表: keep it so a manager finds the line in the record.
    frame.insert(0, "原表行", [int(i) if isinstance(i, (int, float)) else i for i in frame.index])
    ordered = ["原表行"] + [c for c in EVALUATION_COLUMNS if c in frame.columns]
    frame = frame[ordered + [c for c in frame.columns if c not in ordered]]
    book.title(ws, 0, f"效果评估 · {data.month}")
    last = book.table(
        ws,
        1,
        frame,
        formats={"原表行": "0", "实际值": "General", "差值": "General"},
        widths={"原因分析": 40, "改进措施": 40},
    )
    if frame.empty:
        return ws
    cols = list(frame.columns)
    _percent_rows(book, ws, frame, cols)
    if "计算差异率" in cols:
        j = cols.index("计算差异率")
        ws.conditional_format(
            2,
            j,
            last,
            j,
            {
                "type": "data_bar",
                "bar_color": "#63BE7B",
                "bar_negative_color": RED,
                "bar_axis_position": "middle",
            },
        )
    if "达标情况" in cols:
        j = cols.index("达标情况")
        ws.conditional_format(
            2,
            j,
            last,
            j,
            {
                "type": "cell",
                "criteria": "==",
                "value": '"未达标"',
                "format": book.fmt(bg_color=BAD_FILL, font_color=RED, bold=True),
            },
        )
        ws.conditional_format(
            2,
            j,
            last,
            j,
            {
                "type": "cell",
                "criteria": "==",
                "value": '"达标"',
                "format": book.fmt(bg_color=GOOD_FILL, font_color=GREEN),
            },
        )
    return ws


def _percent_rows(book: Book, ws: Worksheet, frame: pd.DataFrame, cols: list[str]) -> None:
    """Rows whose target is a percentage (≥95%) show 实际值 as a percent and 差值 in points."""
    if "目标值" not in cols:
        return
    border = {"border": 1, "border_color": "#D9D9D9"}
    for i, (_, row) in enumerate(frame.iterrows(), start=2):
        if "%" not in str(row["目标值"]):
            continue
        for name, num in (("实际值", "0.0%"), ("差值", "+0.0%;-0.0%;0.0%")):
            value = row.get(name)
            if name in cols and isinstance(value, (int, float)) and abs(float(value)) <= 1.5:
                book.put(ws, i, cols.index(name), value, book.fmt(num_format=num, **border))
