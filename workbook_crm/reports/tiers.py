"""客户分层: one row per customer with its grade, tier and the reason, coloured by grade."""

from __future__ import annotations

from xlsxwriter.worksheet import Worksheet

from ..schema.computed import TIERS_COLUMNS
from .data import SummaryData
from .style import GRADE_FILL, GRADE_FONT, TIER_FILL, Book

SHEET = "客户分层"


def write(book: Book, data: SummaryData) -> Worksheet:
    ws = book.sheet(SHEET, tab="#BF9000", header_row=1)
    frame = data.tiers
    # The contract's columns first, then whatever grading added (RFM scores when 交易记录 exists).
    ordered = [c for c in TIERS_COLUMNS if c in frame.columns] + [
        c for c in frame.columns if c not in TIERS_COLUMNS
    ]
    frame = frame[ordered]
    book.title(ws, 0, f"客户分层 · {data.month} · {len(frame):,} 位客户")
    last = book.table(ws, 1, frame, widths={"评级依据": 48, "关键维护动作": 24})
    if frame.empty:
        return ws
    cols = list(frame.columns)
    # Colours as conditional formats: they follow the value when a manager re-sorts or edits.
    if "客户等级" in cols:
        j = cols.index("客户等级")
        for g, fill in GRADE_FILL.items():
            ws.conditional_format(
                2,
                j,
                last,
                j,
                {
                    "type": "cell",
                    "criteria": "==",
                    "value": f'"{g}"',
                    "format": book.fmt(bg_color=fill, font_color=GRADE_FONT[g], bold=True),
                },
            )
    if "客户分层" in cols:
        j = cols.index("客户分层")
        for tier, fill in TIER_FILL.items():
            ws.conditional_format(
                2,
                j,
                last,
                j,
                {"type": "cell", "criteria": "==", "value": f'"{tier}"', "format": book.fmt(bg_color=fill)},
            )
    if "跟进状态" in cols:
        j = cols.index("跟进状态")
        ws.conditional_format(
            2,
            j,
            last,
            j,
            {
                "type": "text",
                "criteria": "containing",
                "value": "逾期",
                "format": book.fmt(font_color="#C00000", bold=True),
            },
        )
    if "健康度得分" in cols:
        j = cols.index("健康度得分")
        ws.conditional_format(
            2,
            j,
            last,
            j,
            {
                "type": "data_bar",
                "bar_color": "#70AD47",
                "bar_solid": True,
                "min_type": "num",
                "min_value": 0,
                "max_type": "num",
                "max_value": 5,
            },
        )
    return ws
