"""负责人看板: per 负责人 the customers by grade, overdue follow-ups, follow-ups this month."""

from __future__ import annotations

import pandas as pd
from xlsxwriter.worksheet import Worksheet

from .data import OWNER_COLUMNS, SummaryData
from .style import GRADE_FILL, GRADE_FONT, GRADES, HEADER_FILL, INTEGER, PERCENT, RED, Book

SHEET = "负责人看板"


def write(book: Book, data: SummaryData) -> Worksheet:
    ws = book.sheet(SHEET, tab="#4472C4", header_row=1)
    frame = data.owners
    ordered = [c for c in OWNER_COLUMNS if c in frame.columns] + [
        c for c in frame.columns if c not in OWNER_COLUMNS
    ]
    frame = frame[ordered]
    book.title(ws, 0, f"负责人看板 · {data.month}")
    last = book.table(ws, 1, frame, widths={c: 9 for c in ordered if c != "负责人"})
    if frame.empty:
        return ws
    cols = list(frame.columns)
    for g in GRADES:
        if g in cols:
            j = cols.index(g)
            book.text(
                ws,
                1,
                j,
                g,
                book.fmt(
                    bold=True,
                    bg_color=GRADE_FILL[g],
                    font_color=GRADE_FONT[g],
                    border=1,
                    border_color="#9BC2E6",
                    align="center",
                ),
            )
    if "逾期" in cols:
        j = cols.index("逾期")
        ws.conditional_format(
            2,
            j,
            last,
            j,
            {"type": "cell", "criteria": ">", "value": 0, "format": book.fmt(font_color=RED, bold=True)},
        )
    if "跟进完成率" in cols:
        j = cols.index("跟进完成率")
        ws.conditional_format(
            2,
            j,
            last,
            j,
            {
                "type": "data_bar",
                "bar_color": "#5B9BD5",
                "bar_solid": True,
                "min_type": "num",
                "min_value": 0,
                "max_type": "num",
                "max_value": 1,
            },
        )
    # 合计 sits below the filtered range, so sorting the table never moves it.
    total_fmt = book.fmt(
        bold=True, bg_color=HEADER_FILL, border=1, border_color="#9BC2E6", num_format=INTEGER
    )
    book.text(ws, last + 1, 0, "合计", total_fmt)
    for j, name in enumerate(cols[1:], start=1):
        values = pd.to_numeric(frame[name], errors="coerce")
        if name == "跟进完成率":
            value = values.mean() if values.notna().any() else None
            book.put(
                ws,
                last + 1,
                j,
                value,
                book.fmt(
                    bold=True, bg_color=HEADER_FILL, border=1, border_color="#9BC2E6", num_format=PERCENT
                ),
            )
        elif values.notna().any():
            book.put(ws, last + 1, j, values.sum(), total_fmt)
        else:
            ws.write_blank(last + 1, j, None, total_fmt)
    return ws
