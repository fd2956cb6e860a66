"""The look of the summary and the one place that writes a cell: formats, widths, print setup.

Every value goes through :func:`cell_value`, which decides its kind: text is always a string cell
(``write_string``, never ``write``, which would turn ``=HYPERLINK(...)`` typed by a user into a
live formula), after masking by :func:`safety.safe_text`. :meth:`Book.put` writes one such cell;
:meth:`Book.table` hands a table's body to :mod:`.tablexml`; :mod:`.splice` renders its rows as XML
from one rendering per distinct value into the package xlsxwriter wrote — a
100k-customer summary is ~2.3 M cells, and xlsxwriter's per-cell path costs ~6 µs each.
"""

from __future__ import annotations

import io
import unicodedata
import zipfile
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from .cells import cell_value, is_blank, is_numpy_number, python_values
from .safety import safe_text, safe_texts
from .splice import splice
from .tablexml import Tables

__all__ = ["Book", "cell_value", "is_blank", "text_width", "frame_or_empty"]

# False: every body cell through xlsxwriter's per-cell API (tests compare both paths).
RENDER_TABLES = True

# Grade colours: fill, font, and a stronger chart colour (seed 002 (四) S/A/B/C).
GRADES = ("S", "A", "B", "C")
GRADE_FILL = {"S": "#FFE699", "A": "#F8CBAD", "B": "#DDEBF7", "C": "#EDEDED"}
GRADE_FONT = {"S": "#7F6000", "A": "#843C0C", "B": "#1F4E79", "C": "#404040"}
GRADE_CHART = {"S": "#BF9000", "A": "#ED7D31", "B": "#5B9BD5", "C": "#A5A5A5"}
# Four-quadrant tiers (seed 004 (一)).
TIERS = ("核心客户", "成熟客户", "潜力客户", "基础客户")
TIER_CHART = {"核心客户": "#C00000", "成熟客户": "#ED7D31", "潜力客户": "#70AD47", "基础客户": "#A5A5A5"}
TIER_FILL = {"核心客户": "#F4CCCC", "成熟客户": "#FCE4D6", "潜力客户": "#E2EFDA", "基础客户": "#F2F2F2"}

ACCENT = "#1F4E79"
HEADER_FILL = "#DDEBF7"
RED, GREEN = "#C00000", "#548235"
BAD_FILL, GOOD_FILL = "#FFC7CE", "#C6EFCE"

# Number formats by column header. Money in 万元 shows the unit in the cell, like the seeds' tables.
PERCENT = "0.0%"
WAN = '#,##0.0"万"'
YUAN = '#,##0"元"'
INTEGER = "#,##0"
DECIMAL = "0.0"
DATE = "yyyy-mm-dd"
COLUMN_FORMATS: dict[str, str] = {
    "年交易额(万元)": WAN,
    "利润贡献": '#,##0.00"万"',  # grading/month.py: profit in 万元 (an amount, never a share)
    "潜力评分": DECIMAL,
    "健康度得分": DECIMAL,
    "维护周期(天)": INTEGER,
    "逾期天数": INTEGER,
    "客户数": INTEGER,
    "成交客户数": INTEGER,
    "S": INTEGER,
    "A": INTEGER,
    "B": INTEGER,
    "C": INTEGER,
    "逾期": INTEGER,
    "本月跟进": INTEGER,
    "转化率": PERCENT,
    "跟进完成率": PERCENT,
    "计算差异率": PERCENT,
    "差异率": PERCENT,
    "预算(元)": INTEGER,
    "潜在客户数量": INTEGER,
    "已转化客户数量": INTEGER,
    "获客成本": YUAN,
    "数量": INTEGER,
    "错误": INTEGER,
    "警告": INTEGER,
    "行数": INTEGER,
    "无错误行占比": PERCENT,
}

# Excel limits: 31 characters per sheet name, 255 characters of column width.
MAX_WIDTH = 60


def text_width(text: str) -> int:
    """Display width in Excel character units: CJK and full-width characters count double."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


class Book:
    """One summary workbook: the xlsxwriter Workbook, cached formats and the masking switch."""

    def __init__(self, path: Path, *, unmask: bool = False, fast: bool | None = None) -> None:
        # Written into memory, then copied to ``path`` by :func:`tablexml.splice` on close.
        self.path, self.buffer = Path(path), io.BytesIO()
        # The three options keep user text as text whatever it looks like (issue #6, point 4).
        self.wb = xlsxwriter.Workbook(
            self.buffer,
            {
                "in_memory": True,
                "strings_to_formulas": False,
                "strings_to_urls": False,
                "strings_to_numbers": False,
                "default_date_format": DATE,
            },
        )
        self.unmask = unmask
        self.fast = RENDER_TABLES if fast is None else fast
        self.tables = Tables()
        self._formats: dict[tuple, Format] = {}
        self._widths: dict[tuple[str, int], float] = {}
        self.base = {"font_name": "微软雅黑", "font_size": 10, "valign": "vcenter"}

    def fmt(self, **props: Any) -> Format:
        """A cached format; the base font applies unless overridden."""
        key = tuple(sorted(props.items()))
        if key not in self._formats:
            self._formats[key] = self.wb.add_format({**self.base, **props})
        return self._formats[key]

    def sheet(self, name: str, *, tab: str, landscape: bool = True, header_row: int | None = 0) -> Worksheet:
        """A new sheet with tab colour and print setup: A4 landscape, fit to width, repeated header."""
        # <= 31 characters: Excel limit.
        ws = self.wb.add_worksheet(name[:31])
        ws.set_tab_color(tab)
        if landscape:
            ws.set_landscape()
        ws.set_paper(9)  # A4
        ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
        ws.fit_to_pages(1, 0)
        if header_row is not None:
            ws.repeat_rows(header_row)
        ws.set_footer("&C&P / &N")
        return ws

    def title(self, ws: Worksheet, row: int, text: str, *, size: int = 14) -> None:
        """A sheet or section title above a table (row height fits the font)."""
        ws.set_row(row, size * 2)
        self.text(ws, row, 0, text, self.fmt(bold=True, font_size=size, font_color=ACCENT))

    # --- cells -----------------------------------------------------------------------------------
    def text(self, ws: Worksheet, row: int, col: int, value: Any, fmt: Format | None = None) -> None:
        ws.write_string(row, col, safe_text(value, unmask=self.unmask), fmt)

    def put(
        self,
        ws: Worksheet,
        row: int,
        col: int,
        value: Any,
        fmt: Format | None = None,
        date_fmt: Format | None = None,
    ) -> None:
        """Write one value with the writer for its type; text is masked and never a formula."""
        kind, v = cell_value(value)
        if kind == "s":
            ws.write_string(row, col, safe_text(v, unmask=self.unmask), fmt)
        elif kind == "blank":
            ws.write_blank(row, col, None, fmt)
        elif kind == "d":
            ws.write_datetime(row, col, v, date_fmt or self.fmt(num_format=DATE))
        else:
            ws.write_number(row, col, v, fmt)

    def table(
        self,
        ws: Worksheet,
        first_row: int,
        frame: pd.DataFrame,
        *,
        first_col: int = 0,
        formats: dict[str, str] | None = None,
        freeze: bool = True,
        autofilter: bool = True,
        widths: dict[str, float] | None = None,
    ) -> int:
        """Write a header and rows; return the last row written (the header row when empty).

        Widths follow the longest value of the first rows (CJK counts double), frozen header,
        autofilter over the whole table.
        """
        columns = [str(c) for c in frame.columns]
        header = self.fmt(
            bold=True,
            bg_color=HEADER_FILL,
            font_color=ACCENT,
            border=1,
            border_color="#9BC2E6",
            text_wrap=True,
            align="center",
        )
        for j, name in enumerate(columns):
            self.text(ws, first_row, first_col + j, name, header)
        col_fmts = [self._column_format(name, formats) for name in columns]
        date_fmt = self.fmt(num_format=DATE, border=1, border_color="#D9D9D9", align="center")
        if self.fast and len(frame) and columns:
            # The body is rendered by tablexml; the formats are probed in column XFD.
            body = [self.tables.column(frame.iloc[:, j], self._safe_texts) for j in range(len(columns))]
            self.tables.add(ws, first_row + 1, first_col, body, col_fmts, date_fmt)
        else:
            # Column-wise conversion (NA → None, numpy → Python) is ~5× faster than testing each cell.
            columns_values = [python_values(frame.iloc[:, j]) for j in range(len(columns))]
            put = self.put
            for i, values in enumerate(zip(*columns_values, strict=True), start=first_row + 1):
                for j, value in enumerate(values):
                    if value is None:
                        ws.write_blank(i, first_col + j, None, col_fmts[j])
                    else:
                        put(ws, i, first_col + j, value, col_fmts[j], date_fmt)
        last = first_row + len(frame)
        self.fit_widths(ws, frame, first_col=first_col, widths=widths)
        if freeze:
            ws.freeze_panes(first_row + 1, 0)
        if autofilter and columns:
            ws.autofilter(first_row, first_col, max(last, first_row), first_col + len(columns) - 1)
        return last

    def _safe_texts(self, values: list[Any]) -> list[str]:
        """:func:`safe_text` of each value (a column's distinct values), found column-wise."""
        return safe_texts(values, unmask=self.unmask)

    def _column_format(self, name: str, overrides: dict[str, str] | None) -> Format:
        num = (overrides or {}).get(name) or COLUMN_FORMATS.get(name)
        props: dict[str, Any] = {"border": 1, "border_color": "#D9D9D9"}
        if num:
            props["num_format"] = num
        return self.fmt(**props)

    def fit_widths(
        self,
        ws: Worksheet,
        frame: pd.DataFrame,
        *,
        first_col: int = 0,
        widths: dict[str, float] | None = None,
        sample: int = 300,
    ) -> None:
        """Column widths from the header and the first ``sample`` values (CJK counts double)."""
        head = frame.head(sample)
        for j, name in enumerate(frame.columns):
            if widths and name in widths:
                width = float(widths[name])
            else:
                values: Iterable[Any] = head.iloc[:, j]
                longest = max([text_width(str(name))] + [_shown_width(v) for v in values])
                width = float(min(max(longest + 2, 6), MAX_WIDTH))
            # Several tables on one sheet share columns: the widest need wins.
            key = (ws.get_name(), first_col + j)
            self._widths[key] = max(width, self._widths.get(key, 0.0))
            ws.set_column(first_col + j, first_col + j, self._widths[key])

    def close(self) -> None:
        """Close xlsxwriter's workbook (in memory) and write the file with the tables' rows spliced in."""
        self.wb.close()
        with zipfile.ZipFile(self.buffer) as source:
            splice(source, self.path, self.tables)
        self.buffer = io.BytesIO()


def _shown_width(value: Any) -> int:
    if is_blank(value):
        return 0
    if isinstance(value, (datetime, date)):
        return 10
    if isinstance(value, float) or is_numpy_number(value):
        return min(len(f"{float(value):,.1f}") + 1, 14)
    return text_width(str(value))


def frame_or_empty(frame: pd.DataFrame | None, columns: Sequence[str]) -> pd.DataFrame:
    """The frame, or an empty one with the contract's columns (a missing sheet writes headers only)."""
    if frame is None or not isinstance(frame, pd.DataFrame):
        return pd.DataFrame(columns=list(columns))
    return frame
