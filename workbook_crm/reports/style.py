"""The look of the summary and the one place that writes a cell: formats, widths, print setup.

Every value goes through :func:`cell_value`, which decides its kind: text is always a string cell
(``write_string``, never ``write``, which would turn ``=HYPERLINK(...)`` typed by a user into a
live formula), after masking by :func:`safety.safe_text`. :meth:`Book.put` writes one such cell;
:meth:`Book.table` writes whole tables through :class:`FastSheet`, which renders each row's XML
from per-column fragments (one fragment per distinct value) instead of one xlsxwriter call per
cell — a 100k-customer summary is ~2.3 M cells, and xlsxwriter's per-cell path costs ~6 µs each.
"""

from __future__ import annotations

import math
import unicodedata
import zipfile
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from .fastsheet import FastSheet, fast_path_works
from .safety import safe_text, safe_texts

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
    "利润贡献": PERCENT,
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


def is_blank(value: Any) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def cell_value(value: Any) -> tuple[str, Any]:
    """What a cell holds: ("s", text before masking), ("n", float), ("d", naive datetime) or ("blank", None).

    Booleans are 是/否 and ±inf is ∞/-∞ (text); anything else that is not a number or a date is its text.
    """
    if isinstance(value, str):
        return "s", value
    if is_blank(value):
        return "blank", None
    if isinstance(value, bool):
        return "s", "是" if value else "否"
    if isinstance(value, (datetime, date)):
        return "d", pd.Timestamp(value).to_pydatetime().replace(tzinfo=None)
    if isinstance(value, (int, float)) or _is_numpy_number(value):
        number = float(value)
        if math.isinf(number):
            return "s", "∞" if number > 0 else "-∞"
        return "n", number
    return "s", value


class Book:
    """One summary workbook: the xlsxwriter Workbook, cached formats and the masking switch."""

    def __init__(self, path: Path, *, unmask: bool = False, fast: bool = True) -> None:
        # The three options keep user text as text whatever it looks like (issue #6, point 4).
        self.wb = xlsxwriter.Workbook(
            str(path),
            {
                "strings_to_formulas": False,
                "strings_to_urls": False,
                "strings_to_numbers": False,
                "default_date_format": DATE,
            },
        )
        self.unmask = unmask
        self.fast = fast and fast_path_works()
        self._formats: dict[tuple, Format] = {}
        self._widths: dict[tuple[str, int], float] = {}
        self._safe: dict[str, str] = {}  # text → the text a cell holds (masked), per workbook
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
        ws = self.wb.add_worksheet(name[:31], worksheet_class=FastSheet if self.fast else None)
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
        col_fmts = [self._column_format(name, frame.iloc[:, j], formats) for j, name in enumerate(columns)]
        date_fmt = self.fmt(num_format=DATE, border=1, border_color="#D9D9D9", align="center")
        if isinstance(ws, FastSheet):
            fragments = [
                self._fragments(ws, frame.iloc[:, j], col_fmts[j], date_fmt) for j in range(len(columns))
            ]
            ws.add_block(first_row + 1, first_col, list(zip(*fragments, strict=True)), len(columns))
        else:
            # Column-wise conversion (NA → None, numpy → Python) is ~5× faster than testing each cell.
            columns_values = [_python_values(frame.iloc[:, j]) for j in range(len(columns))]
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

    def _fragments(self, ws: Worksheet, series: pd.Series, fmt: Format, date_fmt: Format) -> list[str]:
        """Each cell of a column as the XML after its ``r`` attribute, as :meth:`put` would write it.

        One fragment per distinct value: text is masked, put in the shared-string table and escaped
        once however often it repeats (the table's reference count still counts every cell).
        """
        style = f' s="{fmt._get_xf_index()}"'
        blank = f"{style}/>"
        dtype = series.dtype
        if isinstance(dtype, np.dtype) and dtype.kind == "f":
            numbers = series.to_numpy()
            if not np.isinf(numbers).any():  # ±inf is text (∞): the general path below
                return [blank if v != v else f"{style}><v>{v:.16G}</v></c>" for v in numbers.tolist()]
        elif isinstance(dtype, np.dtype) and dtype.kind in "iu":
            return [f"{style}><v>{float(v):.16G}</v></c>" for v in series.tolist()]
        elif (
            (isinstance(dtype, np.dtype) and dtype.kind in "bM")
            or isinstance(dtype, (pd.StringDtype, pd.DatetimeTZDtype))
            or (
                isinstance(dtype, np.dtype)
                and dtype.kind == "O"
                and pd.api.types.infer_dtype(series, skipna=True) == "string"
            )
        ):
            # Text, dates and flags repeat: render each distinct value once (NA is code -1: blank;
            # an object column gets here only when all its values are str, so == is exact).
            codes, uniques = pd.factorize(series)
            distinct = pd.Series(uniques).astype(object).tolist()
            table, is_text = self._distinct_fragments(ws, distinct, style, date_fmt)
            table.append(blank)
            code_list = codes.tolist()
            if any(is_text):
                counts = np.bincount(codes[codes >= 0], minlength=len(distinct)).tolist()
                self.wb.str_table.count += sum(n - 1 for n, text in zip(counts, is_text, strict=True) if text)
            return [table[c] for c in code_list]
        return self._object_fragments(ws, _python_values(series), style, date_fmt)

    def _distinct_fragments(
        self, ws: Worksheet, values: list[Any], style: str, date_fmt: Format
    ) -> tuple[list[str], list[bool]]:
        """The fragment of each value (written once) and whether it is a shared string."""
        sst, date_style = self.wb.str_table, f' s="{date_fmt._get_xf_index()}"'
        cells = [cell_value(value) for value in values]
        texts = iter(self._safe_texts([v for kind, v in cells if kind == "s"]))
        frags, is_text = [], []
        for kind, v in cells:
            if kind == "s":
                index = sst._get_shared_string_index(_utf16_cut(next(texts)))
                frags.append(f'{style} t="s"><v>{index}</v></c>')
            elif kind == "blank":
                frags.append(f"{style}/>")
            elif kind == "d":
                frags.append(f"{date_style}><v>{ws._convert_date_time(v):.16G}</v></c>")
            else:
                frags.append(f"{style}><v>{v:.16G}</v></c>")
            is_text.append(kind == "s")
        return frags, is_text

    def _object_fragments(self, ws: Worksheet, values: list[Any], style: str, date_fmt: Format) -> list[str]:
        """Fragments of a column of Python values (None = blank), whatever their types."""
        blank = f"{style}/>"
        sst = self.wb.str_table
        kinds = {value.__class__ for value in values}
        if kinds <= {str, type(None)}:  # a text column: one fragment per distinct text
            shared: dict[str | None, str] = {None: blank}
            texts = [value for value in dict.fromkeys(values) if value is not None]
            for value, text in zip(texts, self._safe_texts(texts), strict=True):
                shared[value] = f'{style} t="s"><v>{sst._get_shared_string_index(_utf16_cut(text))}</v></c>'
            out = [shared[value] for value in values]
            sst.count += len(values) - values.count(None) - (len(shared) - 1)
            return out
        if kinds <= {float, int, type(None)} and not any(v is not None and math.isinf(v) for v in values):
            return [blank if v is None else f"{style}><v>{float(v):.16G}</v></c>" for v in values]
        # Mixed types: one fragment per distinct (type, value); 1, 1.0 and True stay apart.
        keys: dict[tuple[type, Any], int] = {}
        distinct: list[Any] = []
        codes: list[int] = []
        for value in values:
            if value is None:
                codes.append(-1)
                continue
            try:
                key: tuple[type, Any] | None = (value.__class__, value)
                code = keys.get(key)  # type: ignore[arg-type]
            except TypeError:  # unhashable: a fragment of its own
                key, code = None, None
            if code is None:
                code = len(distinct)
                distinct.append(value)
                if key is not None:
                    keys[key] = code
            codes.append(code)
        table, is_text = self._distinct_fragments(ws, distinct, style, date_fmt)
        table.append(blank)
        counts = Counter(codes)
        sst.count += sum(counts[i] - 1 for i, text in enumerate(is_text) if text)
        return [table[c] for c in codes]

    def _safe_texts(self, values: list[Any]) -> list[str]:
        """:func:`safe_text` of each value; a text seen in an earlier table (客户编号, names) costs once."""
        texts = [v if v.__class__ is str else str(v) for v in values]
        seen = self._safe
        new = [t for t in dict.fromkeys(texts) if t not in seen]
        seen.update(zip(new, safe_texts(new, unmask=self.unmask), strict=True))
        return [seen[t] for t in texts]

    def _column_format(self, name: str, series: pd.Series, overrides: dict[str, str] | None) -> Format:
        num = (overrides or {}).get(name) or COLUMN_FORMATS.get(name)
        if num == PERCENT and name == "利润贡献":
            # 利润贡献 is a share (seed 004: 25%) unless the workbook holds amounts.
            numbers = pd.to_numeric(series, errors="coerce").dropna()
            if len(numbers) and numbers.abs().max() > 1.5:
                num = "#,##0.0"
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
        # xlsxwriter deflates at zlib's default level 6; level 1 is ~3× faster for ~20 % larger parts,
        # which Excel does not mind (a 100k-customer summary: ~2.5 s saved). xlsxwriter has no option
        # for it, so its ZipFile is swapped for the duration of the save only.
        import xlsxwriter.workbook as xw

        original = xw.ZipFile
        xw.ZipFile = _FastZip
        try:
            self.wb.close()
        finally:
            xw.ZipFile = original


class _FastZip(zipfile.ZipFile):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("compresslevel", 1)
        super().__init__(*args, **kwargs)

    def writestr(
        self, zinfo_or_arcname: Any, data: Any, compress_type: Any = None, compresslevel: int | None = None
    ) -> None:
        super().writestr(zinfo_or_arcname, data, compress_type, 1 if compresslevel is None else compresslevel)


def _python_values(series: pd.Series) -> list[Any]:
    """The column as Python values with every kind of missing value (NaN, NaT, pd.NA) as None."""
    values = series.astype(object).tolist()
    missing = series.isna().tolist()
    return [None if m else v for v, m in zip(values, missing, strict=True)]


def _utf16_cut(text: str, limit: int = 32767) -> str:
    """xlsxwriter's limit for a string cell: 32,767 UTF-16 code units (what ``write_string`` keeps)."""
    if len(text) <= limit // 2 or len(text.encode("utf-16-le")) // 2 <= limit:
        return text
    return text.encode("utf-16-le")[: 2 * limit].decode("utf-16-le", errors="ignore")


def _is_numpy_number(value: Any) -> bool:
    return hasattr(value, "dtype") and getattr(value.dtype, "kind", "") in "iuf"


def _shown_width(value: Any) -> int:
    if is_blank(value):
        return 0
    if isinstance(value, (datetime, date)):
        return 10
    if isinstance(value, float) or _is_numpy_number(value):
        return min(len(f"{float(value):,.1f}") + 1, 14)
    return text_width(str(value))


def frame_or_empty(frame: pd.DataFrame | None, columns: Sequence[str]) -> pd.DataFrame:
    """The frame, or an empty one with the contract's columns (a missing sheet writes headers only)."""
    if frame is None or not isinstance(frame, pd.DataFrame):
        return pd.DataFrame(columns=list(columns))
    return frame
