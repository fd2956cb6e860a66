"""The native Excel charts of 概览, drawn from cells of the hidden sheet 图表数据.

Chart data lives in cells, so the charts are real Excel charts that follow the numbers (and a
curious manager can unhide the sheet to see them). Split from overview.py (the tiles).
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from xlsxwriter.worksheet import Worksheet

from .data import SummaryData, grade_counts
from .style import GRADE_CHART, GRADES, RED, TIER_CHART, TIERS, Book

DATA_SHEET = "图表数据"
CHART_W, CHART_H = 470, 380


class _ChartData:
    """Appends small tables to the hidden data sheet and hands back their ranges."""

    def __init__(self, book: Book, ws: Worksheet) -> None:
        self.book, self.ws, self.row = book, ws, 0

    def add(self, title: str, frame: pd.DataFrame) -> tuple[int, int]:
        """Write ``frame`` (first column = categories) under a title; return (first data row, last)."""
        self.book.text(self.ws, self.row, 0, title, self.book.fmt(bold=True))
        self.book.table(self.ws, self.row + 1, frame, freeze=False, autofilter=False)
        first, last = self.row + 2, self.row + 1 + len(frame)
        self.row = last + 2
        return first, last


def add_charts(book: Book, ws: Worksheet, data: SummaryData) -> None:
    """Charts go in last: their data sheet must be the last tab, and xlsxwriter numbers the
    sheets' defined names (print titles, filters) by creation order, so sheets are never reordered."""
    helper = book.sheet(DATA_SHEET, tab="#A5A5A5", header_row=None)
    _charts(book, ws, _ChartData(book, helper), data)
    helper.hide()


def _chart(book: Book, kind: str, subtype: str | None = None):
    opts: dict[str, Any] = {"type": kind}
    if subtype:
        opts["subtype"] = subtype
    chart = book.wb.add_chart(opts)
    chart.set_size({"width": CHART_W, "height": CHART_H})
    chart.set_chartarea({"border": {"none": True}})
    chart.set_legend({"position": "bottom", "font": {"name": "微软雅黑", "size": 9}})
    return chart


def _title(chart: Any, text: str) -> None:
    chart.set_title({"name": text, "name_font": {"name": "微软雅黑", "size": 11, "bold": True}})


def _charts(book: Book, ws: Worksheet, cd: _ChartData, data: SummaryData) -> None:
    slots = [(13, 1), (13, 8), (13, 15), (33, 1), (33, 8)]
    placed: list[Any] = []
    name = cd.ws.get_name()

    # 1. Grade distribution (seed 002 (四)).
    grades = grade_counts(data.tiers)
    f, la = cd.add("客户等级分布", pd.DataFrame({"客户等级": list(grades), "客户数": list(grades.values())}))
    c = _chart(book, "column")
    c.add_series(
        {
            "name": "客户数",
            "categories": [name, f, 0, la, 0],
            "values": [name, f, 1, la, 1],
            "points": [{"fill": {"color": GRADE_CHART[g]}} for g in GRADES],
            "data_labels": {"value": True},
            "gap": 60,
        }
    )
    _title(c, "客户等级分布 (S/A/B/C)")
    c.set_legend({"none": True})
    placed.append(c)

    # 2. Four-quadrant tiers (seed 004 (一)).
    tiers = (
        data.tiers["客户分层"].astype(str).value_counts() if "客户分层" in data.tiers.columns else pd.Series()
    )
    counts = [int(tiers.get(t, 0)) for t in TIERS]
    f, la = cd.add("四象限分层", pd.DataFrame({"客户分层": list(TIERS), "客户数": counts}))
    c = _chart(book, "pie")
    c.add_series(
        {
            "name": "客户分层",
            "categories": [name, f, 0, la, 0],
            "values": [name, f, 1, la, 1],
            "points": [{"fill": {"color": TIER_CHART[t]}} for t in TIERS],
            "data_labels": {"value": True, "percentage": True, "separator": "\n", "position": "best_fit"},
        }
    )
    _title(c, "四象限分层")
    c.set_legend({"position": "right", "font": {"name": "微软雅黑", "size": 9}})
    placed.append(c)

    # 3. Tier migration against last month: stacked columns, one per 上月等级.
    m = data.migration_matrix
    if isinstance(m, pd.DataFrame) and not m.empty:
        m = m.reindex(index=_grade_order(m.index), columns=_grade_order(m.columns), fill_value=0)
        frame = m.reset_index()
        frame.columns = ["上月等级", *[str(x) for x in m.columns]]
        f, la = cd.add("等级迁移", frame)
        c = _chart(book, "column", "stacked")
        for j, col in enumerate(frame.columns[1:], start=1):
            c.add_series(
                {
                    "name": [name, f - 1, j],
                    "categories": [name, f, 0, la, 0],
                    "values": [name, f, j, la, j],
                    "fill": {"color": GRADE_CHART.get(col, "#7F7F7F")},
                    "gap": 60,
                }
            )
        _title(c, "等级迁移（横轴上月，色块本月）")
        c.set_x_axis({"name": "上月等级"})
        placed.append(c)

    # 4. Conversion by 信息来源.
    ch = data.channels
    if not ch.empty and {"信息来源", "转化率"} <= set(ch.columns):
        frame = ch[["信息来源", "转化率"]].sort_values("转化率", kind="stable")
        f, la = cd.add("按信息来源转化率", frame)
        c = _chart(book, "bar")
        c.add_series(
            {
                "name": "转化率",
                "categories": [name, f, 0, la, 0],
                "values": [name, f, 1, la, 1],
                "fill": {"color": "#5B9BD5"},
                "data_labels": {"value": True, "num_format": "0%"},
                "gap": 50,
            }
        )
        c.set_x_axis({"num_format": "0%", "major_gridlines": {"visible": True, "line": {"color": "#E7E6E6"}}})
        c.set_legend({"none": True})
        _title(c, "按信息来源的转化率")
        placed.append(c)

    # 5. Follow-ups per owner this month, next to the overdue count.
    ow = data.owners
    if not ow.empty and {"负责人", "本月跟进"} <= set(ow.columns):
        cols = ["负责人", "本月跟进"] + (["逾期"] if "逾期" in ow.columns else [])
        f, la = cd.add("负责人跟进", ow[cols])
        c = _chart(book, "column")
        for j, (col, colour) in enumerate(zip(cols[1:], ("#4472C4", RED), strict=False), start=1):
            c.add_series(
                {
                    "name": col,
                    "categories": [name, f, 0, la, 0],
                    "values": [name, f, j, la, j],
                    "fill": {"color": colour},
                    "data_labels": {"value": True},
                    "gap": 80,
                }
            )
        _title(c, "各负责人本月跟进与逾期")
        placed.append(c)

    if len(placed) in (2, 4, 5):  # the last chart has free slots to its right: widen it
        placed[-1].set_size({"width": 2 * CHART_W + 10, "height": CHART_H})
    for chart, (row, col) in zip(placed, slots, strict=False):
        ws.insert_chart(row, col, chart, {"x_offset": 4, "y_offset": 4, "object_position": 1})


def _grade_order(labels: Any) -> list[Any]:
    """S, A, B, C first, then anything else (无 = not graded last month) in its own order."""
    rank = {g: i for i, g in enumerate(GRADES)}
    return sorted(labels, key=lambda x: (rank.get(str(x), len(rank)), str(x)))
