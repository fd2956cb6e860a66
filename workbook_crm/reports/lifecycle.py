"""客户变动: 客户类型 changed by hand since the last run (成交, 流失 …), as 变更记录 logged them (issue #12)."""

from __future__ import annotations

from xlsxwriter.worksheet import Worksheet

from ..runstate import LIFECYCLE_COLUMNS
from .data import SummaryData
from .style import Book

SHEET = "客户变动"


def write(book: Book, data: SummaryData) -> Worksheet:
    ws = book.sheet(SHEET, tab="#7F7F7F", header_row=1)
    frame = data.lifecycle
    frame = frame[[c for c in LIFECYCLE_COLUMNS if c in frame.columns]]
    book.title(ws, 0, f"客户类型变动（人工修改） · {data.month}")
    book.table(ws, 1, frame, widths={"客户名称": 28, "期间": 24})
    return ws
