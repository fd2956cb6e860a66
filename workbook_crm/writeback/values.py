"""Python values as SpreadsheetML cell content: type attribute, inner XML and the number format they need."""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from numbers import Integral, Real
from typing import Any

from .sheetxml import inline_string

DATE_FMT = "yyyy-mm-dd"
DATETIME_FMT = "yyyy-mm-dd hh:mm:ss"


def date_serial(value: dt.date | dt.datetime, date1904: bool = False) -> float:
    """Excel serial of a date. Excel's 1900 system counts a 29 Feb 1900 that never was: serials from
    61 (1 Mar 1900) on are one more than the true day count from 1899-12-31."""
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.replace(tzinfo=None)
        day, frac = (
            value.date(),
            (value - dt.datetime.combine(value.date(), dt.time())).total_seconds() / 86400,
        )
    else:
        day, frac = value, 0.0
    if date1904:
        serial = (day - dt.date(1904, 1, 1)).days
    else:
        serial = (day - dt.date(1899, 12, 31)).days
        if serial >= 60:
            serial += 1
    if serial < 0:
        raise ValueError(f"{value!r} is before the workbook's first date")
    return serial + frac


def serial_date(serial: float, date1904: bool = False) -> dt.date | dt.datetime:
    if date1904:
        base = dt.datetime(1904, 1, 1)
    else:
        base = dt.datetime(1899, 12, 30) if serial >= 61 else dt.datetime(1899, 12, 31)
    value = base + dt.timedelta(days=serial)
    value = value.replace(microsecond=0) + dt.timedelta(seconds=round(value.microsecond / 1e6))
    return value.date() if value.time() == dt.time() else value


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
        return kind, b"", b"<v>" + _number(date_serial(value, date1904)) + b"</v>"
    if isinstance(value, dt.date):
        return "date", b"", b"<v>" + _number(date_serial(value, date1904)) + b"</v>"
    if isinstance(value, (Real, Decimal)):
        return "num", b"", b"<v>" + _number(float(value) if isinstance(value, Decimal) else value) + b"</v>"
    raise TypeError(f"cannot write a {type(value).__name__} into a cell: {value!r}")


def cell(ref: str, style: int, t: bytes, inner: bytes) -> bytes:
    s = b' s="' + str(style).encode() + b'"' if style else b""
    ta = b' t="' + t + b'"' if t else b""
    if not inner:
        return b'<c r="' + ref.encode() + b'"' + s + b"/>"
    return b'<c r="' + ref.encode() + b'"' + s + ta + b">" + inner + b"</c>"
