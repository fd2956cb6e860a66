"""跟进提醒: who to call first — sorted by 逾期天数, the longest overdue on top."""

from __future__ import annotations

from xlsxwriter.worksheet import Worksheet

from ..schema.computed import REMINDER_COLUMNS
from .data import SummaryData
from .style import BAD_FILL, RED, Book

SHEET = "跟进提醒"


def write(book: Book, data: SummaryData) -> Worksheet:
    ws = book.sheet(SHEET, tab=RED, header_row=1)
    frame = data.reminders
    ordered = [c for c in REMINDER_COLUMNS if c in frame.columns] + [
        c for c in frame.columns if c not in REMINDER_COLUMNS
    ]
    frame = frame[ordered]
    book.title(ws, 0, f"跟进提醒 · 截至 {data.asof:%Y-%m-%d} · {len(frame):,} 条")
    last = book.table(ws, 1, frame, widths={"内容": 50})
    if frame.empty or "逾期天数" not in frame.columns:
        return ws
    j = list(frame.columns).index("逾期天数")
    # Over a month late: red; any delay: light red (seed 000: 流失预警客户 every 3 days).
    ws.conditional_format(
        2,
        j,
        last,
        j,
        {
            "type": "cell",
            "criteria": ">=",
            "value": 30,
            "format": book.fmt(bg_color=BAD_FILL, font_color=RED, bold=True),
        },
    )
    ws.conditional_format(
        2, j, last, j, {"type": "cell", "criteria": ">", "value": 0, "format": book.fmt(font_color=RED)}
    )
    return ws
