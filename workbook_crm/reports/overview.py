"""概览: the page a manager reads at a glance — KPI tiles on top, native Excel charts below.

The tiles are here; the charts (and their hidden data sheet 图表数据) are in :mod:`.charts`.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from xlsxwriter.worksheet import Worksheet

from ..grading.grades import PENDING
from .data import SummaryData
from .style import ACCENT, GRADE_FILL, GRADE_FONT, GRADES, PERCENT, RED, Book

SHEET = "概览"
COLS = 21  # the page is columns B..V: three charts side by side
COL_WIDTH = 9.0  # Excel character units; about 68 px
NAV = ("客户分层", "负责人看板", "跟进提醒", "效果评估", "渠道分析", "数据质量")


def write(book: Book, data: SummaryData) -> Worksheet:
    ws = book.sheet(SHEET, tab=ACCENT, header_row=None)
    ws.fit_to_pages(1, 1)  # the overview prints on one page
    ws.hide_gridlines(2)
    ws.set_column(0, 0, 2)
    ws.set_column(1, COLS, COL_WIDTH)
    _header(book, ws, data)
    _tiles(book, ws, data)
    return ws


def _header(book: Book, ws: Worksheet, data: SummaryData) -> None:
    ws.set_row(0, 8)
    ws.set_row(1, 34)
    title = f"客户月度汇总 · {data.month}" + (f" · 负责人 {data.owner}" if data.owner else "")
    _merged(
        book,
        ws,
        1,
        1,
        1,
        COLS,
        title,
        book.fmt(bold=True, font_size=18, font_color="#FFFFFF", bg_color=ACCENT, indent=1),
    )
    parts = [f"截至 {data.asof:%Y-%m-%d}"]
    if data.source_name:
        parts.append(f"来源 {data.source_name}")
    parts.append("联系方式已打码" if not book.unmask else "含完整联系方式，请勿外传")
    _merged(book, ws, 2, 1, 2, COLS, " · ".join(parts), book.fmt(font_color="#595959", indent=1))
    link = book.fmt(font_color="#0563C1", underline=1, align="center")
    for i, name in enumerate(NAV):
        # Internal links only: nothing in the summary points outside the file.
        ws.merge_range(3, 1 + 3 * i, 3, 3 + 3 * i, "", link)
        ws.write_url(3, 1 + 3 * i, f"internal:'{name}'!A1", link, string=f"→ {name}")


def _merged(book: Book, ws: Worksheet, r1: int, c1: int, r2: int, c2: int, value: Any, fmt: Any) -> None:
    ws.merge_range(r1, c1, r2, c2, "", fmt)
    book.put(ws, r1, c1, value, fmt)


def _tile(
    book: Book,
    ws: Worksheet,
    row: int,
    col: int,
    label: str,
    value: Any,
    note: str,
    *,
    num_format: str = "#,##0",
    fill: str = "#F2F2F2",
    color: str = ACCENT,
) -> None:
    """A tile: label, big number, small note — three merged rows three columns wide."""
    edge = {
        "left": 5,
        "right": 5,
        "left_color": "#FFFFFF",
        "right_color": "#FFFFFF",
        "bg_color": fill,
        "align": "center",
    }
    _merged(book, ws, row, col, row, col + 2, label, book.fmt(font_color="#404040", bold=True, **edge))
    _merged(
        book,
        ws,
        row + 1,
        col,
        row + 1,
        col + 2,
        value,
        book.fmt(font_size=24, bold=True, font_color=color, num_format=num_format, **edge),
    )
    _merged(
        book, ws, row + 2, col, row + 2, col + 2, note, book.fmt(font_size=9, font_color="#595959", **edge)
    )


def _tiles(book: Book, ws: Worksheet, data: SummaryData) -> None:
    k, q = data.kpis, data.quality
    total = int(k.get("客户总数", 0))
    for r, h in ((5, 20), (6, 40), (7, 18), (9, 20), (10, 40), (11, 18)):
        ws.set_row(r, h)
    ws.set_row(4, 8)
    ws.set_row(8, 8)
    overdue = int(k.get("逾期跟进", 0))
    share = q.share
    met, kpi_total = int(k.get("KPI达标", 0)), int(k.get("KPI总数", 0))
    follow = pd.to_numeric(data.owners.get("本月跟进", pd.Series(dtype=float)), errors="coerce").sum()
    core = int((data.tiers["客户分层"] == "核心客户").sum()) if "客户分层" in data.tiers.columns else 0
    good, bad = ("#E2EFDA", "#375623"), ("#FCE4D6", RED)
    first = [
        ("客户总数", total, f"{data.month} 月末在册", "#,##0", ("#DDEBF7", ACCENT)),
        ("本月新增", int(k.get("本月新增", 0)), "本月首次建档", "#,##0", good),
        ("核心客户", core, "高价值 × 高潜力", "#,##0", ("#F4CCCC", "#C00000")),
        ("逾期跟进", overdue, "超过维护周期未跟进", "#,##0", bad if overdue else good),
        ("本月跟进", int(follow), "各负责人合计", "#,##0", ("#DDEBF7", ACCENT)),
        (
            "数据质量" if data.owner is None else "数据质量(全表)",
            share if share is not None else "—",
            f"无错误行 {q.rows - q.rows_with_errors:,} / {q.rows:,}",
            PERCENT,
            ("#FFF2CC", "#7F6000"),
        ),
        # The cell holds the number of KPIs met; the format shows "3 / 5" (达标 x of y).
        (
            "KPI 达标",
            met,
            f"共 {kpi_total} 项评估指标",
            f'0" / {kpi_total}"',
            good if met == kpi_total else bad,
        ),
    ]
    for i, (label, value, note, num, (fill, color)) in enumerate(first):
        _tile(book, ws, 5, 1 + 3 * i, label, value, note, num_format=num, fill=fill, color=color)
    for i, g in enumerate(GRADES):
        n = int(k.get(g, 0))
        note = f"占 {n / total:.0%}" if total else ""
        _tile(book, ws, 9, 1 + 3 * i, f"{g} 级客户", n, note, fill=GRADE_FILL[g], color=GRADE_FONT[g])
    pending = int(k.get(PENDING, 0))  # missing inputs: counted apart, never as C (issue #12)
    _tile(
        book,
        ws,
        9,
        1 + 3 * len(GRADES),
        PENDING,
        pending,
        "缺少定级所需数据",
        fill="#FFF2CC",
        color="#7F6000",
    )
    for i, (label, key, note, color) in enumerate(
        (
            ("较上月升级", "升级", "等级提高的客户", "#375623"),
            ("较上月降级", "降级", "等级下降的客户", RED),
            ("流失客户", "流失", "上月在册、本月不在", "#404040"),
        )
    ):
        _tile(book, ws, 9, 16 + 3 * i, label, int(k.get(key, 0)), note, fill="#EDEDED", color=color)
    if "NPS" in k:  # issue #13: only when the optional 推荐意愿 (0–10) column has answers
        _tile(
            book,
            ws,
            9,
            25,
            "NPS 净推荐值",
            float(k["NPS"]),
            f"推荐意愿 {int(k.get('NPS样本数', 0))} 位客户作答",
            num_format="0.0",
            fill="#E2EFDA" if k["NPS"] >= 0 else "#FCE4D6",
            color="#375623" if k["NPS"] >= 0 else RED,
        )
