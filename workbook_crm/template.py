"""The empty workbook of record (`workbook-crm init`) and the sheet layout the sample shares.

Everything is derived from the schemas in ``schema/`` — no header string is typed here — so the
template, the reader and the sample can never disagree about a column.
Layout of every data sheet: row 1 a merged title, row 2 the header, data from row 3, frozen below
the header (seed 003 模板说明: a title above the header is how these ledgers are kept).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from .schema.base import (
    CREDIT_CODE,
    DATE,
    ENUM,
    ID,
    INTEGER,
    MONEY,
    PERCENT,
    PHONE,
    SCORE,
    WAN,
    Field,
    SheetSchema,
)
from .schema.registry import DATA_SHEETS, SETTINGS
from .schema.settings import MAPPING_ROWS

TITLE_ROW = 0  # zero-based: Excel row 1
HEADER_ROW = 1  # Excel row 2
FIRST_DATA_ROW = 2  # Excel row 3
LAST_VALIDATED_ROW = 4999  # Excel row 5000: dropdowns and hints cover rows 3..5000
HEADER_RGB = "#DDEBF7"  # same light blue as writeback/styles.py HEADER_RGB
REQUIRED_MARK = "*"  # seed 000 writes required headers as `联系人姓名*`
DATE_FORMAT = "yyyy-mm-dd"  # seed 002: 日期格式统一为 YYYY-MM-DD
WORKBOOK_OPTIONS = {"strings_to_formulas": False, "strings_to_numbers": False, "strings_to_urls": False}

# Used only until workbook_crm.rules exists (the lead wires the real defaults in).
_FALLBACK_RULES: list[tuple[str, Any, str, str]] = [
    ("S级_年合作金额", 50, "万元", "seed 002 (四)"),
    ("S级_续约率", 0.9, "%", "seed 002 (四)"),
    ("S级_满意度", 4.5, "分", "seed 002 (四)"),
    ("A级_年合作金额", 20, "万元", "seed 002 (四)"),
    ("A级_续约率", 0.8, "%", "seed 002 (四)"),
    ("A级_满意度", 4.0, "分", "seed 002 (四)"),
    ("B级_年合作金额", 5, "万元", "seed 002 (四)"),
    ("B级_续约率", 0.6, "%", "seed 002 (四)"),
    ("B级_满意度", 3.5, "分", "seed 002 (四)"),
    ("高价值_年交易额", 50, "万元", "seed 001 / seed 004"),
    ("高潜力_潜力评分", 7, "分", "seed 004"),
    ("维护周期_核心客户", 30, "天", "seed 004"),
    ("维护周期_潜力客户", 60, "天", "seed 004"),
    ("维护周期_成熟客户", 90, "天", "seed 004"),
    ("维护周期_基础客户", 180, "天", "seed 004"),
    ("客户编号格式", "CX{yyyy}{mm}{seq:03}", "", "seed 003 模板说明"),
]


def rules_rows() -> list[tuple[str, Any, str, str]]:
    """规则配置 defaults from ``workbook_crm.rules`` (imported lazily: it may not exist yet)."""
    try:
        from . import rules  # noqa: PLC0415 - optional until the rules module lands
    except ImportError:
        return list(_FALLBACK_RULES)
    fn = getattr(rules, "rules_rows", None)
    return list(fn()) if callable(fn) else list(_FALLBACK_RULES)


def number_format(f: Field) -> str | None:
    """Excel number format of a column, or None for General."""
    if f.kind == DATE:
        return DATE_FORMAT
    if f.kind in (PHONE, CREDIT_CODE, ID):
        return "@"  # text: Excel must never show a phone as 1.38E+10 (SPEC §3)
    if f.kind == MONEY:
        return "#,##0.00" if f.scale == WAN or "万" in f.header else "#,##0"
    if f.kind == PERCENT:
        return "0.0%"
    if f.kind == SCORE:
        return "0.0"
    if f.kind == INTEGER:
        return "0"
    return None


def header_text(f: Field) -> str:
    return f.header + REQUIRED_MARK if f.required else f.header


class Layout:
    """The formats of one workbook (xlsxwriter formats belong to a workbook)."""

    def __init__(self, wb: Workbook) -> None:
        self.wb = wb
        self.title = wb.add_format({"bold": True, "font_size": 14, "align": "center", "valign": "vcenter"})
        base = {
            "bold": True,
            "bg_color": HEADER_RGB,
            "border": 1,
            "align": "center",
            "valign": "vcenter",
            "text_wrap": True,
        }
        self.header = wb.add_format(base)
        self.header_required = wb.add_format({**base, "font_color": "#C00000"})
        self._num: dict[str, Any] = {}

    def num(self, fmt: str) -> Any:
        if fmt not in self._num:
            self._num[fmt] = self.wb.add_format({"num_format": fmt})
        return self._num[fmt]


def _validation(f: Field) -> dict[str, Any] | None:
    """The one data validation of a column (Excel allows one per cell): list, date, bounds or a hint."""
    v: dict[str, Any]
    if f.kind == ENUM and f.choices:
        v = {
            "validate": "list",
            "source": list(f.choices),
            "error_type": "warning",
            "error_title": f.header[:32],
            "error_message": "请从下拉列表中选择",
        }
    elif f.kind == DATE:
        v = {
            "validate": "date",
            "criteria": "between",
            "minimum": dt.date(1900, 1, 1),
            "maximum": dt.date(2100, 12, 31),
            "error_type": "warning",
            "error_title": f.header[:32],
            "error_message": "请按 YYYY-MM-DD 填写日期，例如 2024-05-10",
        }
    elif f.kind in (SCORE, PERCENT) and f.low is not None and f.high is not None:
        v = {
            "validate": "decimal",
            "criteria": "between",
            "minimum": f.low,
            "maximum": f.high,
            "error_type": "warning",
            "error_title": f.header[:32],
            "error_message": f"请填写 {f.low:g}–{f.high:g} 之间的数值",
        }
    elif f.hint:
        v = {"validate": "any"}
    else:
        return None
    if f.hint:
        # Excel limits: input title <= 32 chars, input message <= 255 chars.
        v["input_title"] = f.header[:32]
        v["input_message"] = f.hint[:255]
    return v


def setup_sheet(
    ws: Worksheet,
    schema: SheetSchema,
    layout: Layout,
    *,
    headers: Sequence[tuple[Field | None, str]] | None = None,
    last_row: int = LAST_VALIDATED_ROW,
) -> None:
    """Title, header, freeze, widths, number formats and validations of one sheet.

    ``headers`` lets the sample write decorated or extra headers (``None`` field = a user column);
    by default every field of the schema with required ones marked.
    """
    cols = headers if headers is not None else [(f, header_text(f)) for f in schema.fields]
    title = f"{schema.name}（{schema.description}）" if schema.description else schema.name
    if len(cols) > 1:
        ws.merge_range(TITLE_ROW, 0, TITLE_ROW, len(cols) - 1, title, layout.title)
    else:
        ws.write_string(TITLE_ROW, 0, title, layout.title)
    ws.set_row(TITLE_ROW, 28)
    ws.set_row(HEADER_ROW, 30)
    for c, (f, text) in enumerate(cols):
        fmt = layout.header_required if f is not None and f.required else layout.header
        ws.write_string(HEADER_ROW, c, text, fmt)
        if f is None:
            ws.set_column(c, c, 12)
            continue
        nf = number_format(f)
        ws.set_column(c, c, f.width, layout.num(nf) if nf else None)
        v = _validation(f)
        if v is not None and last_row >= FIRST_DATA_ROW:
            ws.data_validation(FIRST_DATA_ROW, c, last_row, c, v)
    ws.freeze_panes(FIRST_DATA_ROW, 0)


def write_value(ws: Worksheet, row: int, col: int, value: Any, layout: Layout, f: Field | None) -> None:
    """One cell with the type the user would have typed: dates as dates, text stays text."""
    if value is None or value == "":
        return
    if isinstance(value, (dt.date, dt.datetime)):
        ws.write_datetime(row, col, value, layout.num(DATE_FORMAT))
    elif isinstance(value, bool):
        ws.write_boolean(row, col, value)
    elif isinstance(value, (int, float)):
        nf = number_format(f) if f is not None else None
        # a number in a text (@) column is a deliberately mangled phone: keep it General
        ws.write_number(row, col, value, layout.num(nf) if nf and nf != "@" else None)
    else:
        ws.write_string(row, col, str(value))


def write_settings(ws: Worksheet, layout: Layout) -> int:
    """规则配置 rows from the rules defaults; returns the next free row."""
    row = FIRST_DATA_ROW
    for rule in rules_rows():
        for c, value in enumerate(rule[: len(SETTINGS.fields)]):
            write_value(ws, row, c, value, layout, None)
        row += 1
    row += 1  # a blank row, then the 字段映射 section (issue #11), documented where it is used
    for rule in MAPPING_ROWS:
        for c, value in enumerate(rule):
            write_value(ws, row, c, value, layout, None)
        row += 1
    return row


def write_template(path: Path) -> Path:
    """Write the empty workbook of record (every sheet of DATA_SHEETS, in order) to ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = xlsxwriter.Workbook(str(path), WORKBOOK_OPTIONS)
    layout = Layout(wb)
    for schema in DATA_SHEETS:
        ws = wb.add_worksheet(schema.name)
        setup_sheet(ws, schema, layout)
        if schema is SETTINGS:
            write_settings(ws, layout)
    wb.close()
    return path
