"""Python values as SpreadsheetML cell content: type attribute, inner XML and the number format they need."""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from numbers import Integral, Real
from typing import Any

from workbook_crm.excel import from_serial, to_serial

from .sheetxml import inline_string

DATE_FMT = "yyyy-mm-dd"
DATETIME_FMT = "yyyy-mm-dd hh:mm:ss"


def serial_date(serial: float, date1904: bool = False) -> dt.date | dt.datetime | float:
    """What a date-formatted number cell holds: its date (excel.from_serial); a number no calendar
    has (the phantom 1900-02-29, negative, past 9999-12-31) stays the number it is."""
    try:
        return from_serial(serial, date1904)
    except ValueError:
        return serial


def _number(value: float | int | Real | Decimal) -> bytes:
    if isinstance(value, Integral):
        return str(int(value)).encode()
    f = float(value)
    if math.isinf(f):
        raise ValueError("Excel cannot store infinity")
    return (str(int(f)) if f.is_integer() and abs(f) < 1e15 else repr(f)).encode()


def encode(value: Any, *, date1904: bool = False, as_text: bool = False) -> tuple[str, bytes, bytes]:
    """(kind, t= attribute or b'', inner XML). kind: none | str | num | bool | date | datetime.

    Text is always written as text, never as a formula: a value starting with = + - @ is data
    (formula injection: CWE-1236), so no <f> is ever produced here.
    """
    if (
        value is None
        or (isinstance(value, float) and math.isnan(value))
        or type(value).__name__ in ("NaTType", "NAType")
    ):
        return "none", b"", b""  # NaT/NA: a 从未跟进 lead without 首次接触时间 has no 应跟进日期 or 逾期天数
    if isinstance(value, bool):
        return "bool", b"b", b"<v>" + (b"1" if value else b"0") + b"</v>"
    if isinstance(value, str):
        return "str", b"inlineStr", inline_string(value)
    if as_text and isinstance(value, (Real, Decimal)):
        return "str", b"inlineStr", inline_string(_number(value).decode())
    if isinstance(value, dt.datetime):
        kind = "date" if value.time() == dt.time() else "datetime"
        return kind, b"", b"<v>" + _number(to_serial(value, date1904)) + b"</v>"
    if isinstance(value, dt.date):
        return "date", b"", b"<v>" + _number(to_serial(value, date1904)) + b"</v>"
    if isinstance(value, (Real, Decimal)):
        return "num", b"", b"<v>" + _number(float(value) if isinstance(value, Decimal) else value) + b"</v>"
    raise TypeError(f"cannot write a {type(value).__name__} into a cell: {value!r}")


def cell(ref: str, style: int, t: bytes, inner: bytes) -> bytes:
    s = b' s="' + str(style).encode() + b'"' if style else b""
    ta = b' t="' + t + b'"' if t else b""
    if not inner:
        return b'<c r="' + ref.encode() + b'"' + s + b"/>"
    return b'<c r="' + ref.encode() + b'"' + s + ta + b">" + inner + b"</c>"
