"""数据质量: findings by sheet and by code, then the cells to fix first (errors before warnings)."""

from __future__ import annotations

from collections import Counter

import pandas as pd
from xlsxwriter.worksheet import Worksheet

from ..findings import CATALOG, ERROR, sort_findings
from .data import SummaryData
from .style import BAD_FILL, RED, Book

SHEET = "数据质量"
MAX_CELLS = 2000  # the worst cells listed; the full list is 校验问题 in the workbook itself


def write(book: Book, data: SummaryData) -> Worksheet:
    ws = book.sheet(SHEET, tab="#FFC000", header_row=None)
    q, lang = data.quality, data.lang
    book.title(ws, 0, "数据质量 · 按工作表")
    by_sheet = pd.DataFrame(
        [
            (s, rows, bad, e, w, (1 - bad / rows) if rows else None)
            for s, (rows, bad, e, w) in q.by_sheet.items()
        ],
        columns=["工作表", "行数", "有错误的行", "错误", "警告", "无错误行占比"],
    )
    last = book.table(ws, 1, by_sheet, freeze=False, autofilter=False, formats={"有错误的行": "#,##0"})

    top = last + 2
    book.title(ws, top, "按问题类型")
    counts: Counter[tuple[str, str]] = Counter()
    for f in data.findings:
        if f.code in CATALOG:
            counts[(f.code, f.sheet)] += f.count
    by_code = pd.DataFrame(
        [
            (
                "错误" if CATALOG[c].severity == ERROR else "警告",
                c,
                s,
                n,
                CATALOG[c].hint_zh if lang == "zh" else CATALOG[c].hint_en,
            )
            for (c, s), n in counts.most_common()
        ],
        columns=["级别", "代码", "工作表", "数量", "建议"],
    )
    last = book.table(ws, top + 1, by_code, freeze=False, autofilter=False, widths={"代码": 20, "建议": 50})
    _red_errors(book, ws, top + 2, last)
    if data.owner is not None:
        book.text(
            ws,
            last + 2,
            0,
            "单元格明细只在团队汇总中列出（可能涉及其他负责人的客户）。",
            book.fmt(italic=True, font_color="#595959"),
        )
        return ws

    top = last + 2
    worst = sorted(
        sort_findings(f for f in data.findings if f.code in CATALOG), key=lambda f: f.severity != ERROR
    )[:MAX_CELLS]
    shown = f"（前 {MAX_CELLS} 条）" if len(data.findings) > MAX_CELLS else ""
    book.title(ws, top, f"问题单元格{shown}：错误在前")
    cells = pd.DataFrame(
        [
            (
                "错误" if f.severity == ERROR else "警告",
                f.sheet,
                f.cell,
                f.code,
                f.message(lang),
                f.hint(lang),
            )
            for f in worst
        ],
        columns=["级别", "工作表", "单元格", "代码", "问题说明", "建议"],
    )
    last = book.table(ws, top + 1, cells, freeze=False, widths={"代码": 20, "问题说明": 60, "建议": 40})
    _red_errors(book, ws, top + 2, last)
    ws.repeat_rows(top + 1)
    return ws


def _red_errors(book: Book, ws: Worksheet, first: int, last: int) -> None:
    if last >= first:
        ws.conditional_format(
            first,
            0,
            last,
            0,
            {
                "type": "cell",
                "criteria": "==",
                "value": '"错误"',
                "format": book.fmt(bg_color=BAD_FILL, font_color=RED),
            },
        )
