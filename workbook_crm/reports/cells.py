"""The kind of each summary cell: text, number, date or blank — one decision for both write paths.

:meth:`Book.put <workbook_crm.reports.style.Book.put>` (per cell, through xlsxwriter) and
:class:`~workbook_crm.reports.tablexml.Tables` (a table's body, rendered) both ask :func:`cell_value`,
so a value looks the same whichever path wrote it.
"""

from __future__ import annotations

import math
from datetime import date, datetime
from typing import Any

import pandas as pd


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
    if isinstance(value, (int, float)) or is_numpy_number(value):
        number = float(value)
        if math.isinf(number):
            return "s", "∞" if number > 0 else "-∞"
        return "n", number
    return "s", value


def is_numpy_number(value: Any) -> bool:
    return hasattr(value, "dtype") and getattr(value.dtype, "kind", "") in "iuf"


def python_values(series: pd.Series) -> list[Any]:
    """The column as Python values with every kind of missing value (NaN, NaT, pd.NA) as None."""
    values = series.astype(object).tolist()
    missing = series.isna().tolist()
    return [None if m else v for v, m in zip(values, missing, strict=True)]


def utf16_cut(text: str, limit: int = 32767) -> str:
    """Excel's limit for a cell's text: 32,767 UTF-16 code units (what ``write_string`` keeps)."""
    if len(text) <= limit // 2 or len(text.encode("utf-16-le")) // 2 <= limit:
        return text
    return text.encode("utf-16-le")[: 2 * limit].decode("utf-16-le", errors="ignore")
