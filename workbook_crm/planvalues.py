"""Values as the run writes them: a frame's rows as plain Python for cells (``frame_rows``, column by
column; one value: ``excel.cell_value``) and values for the text columns of 校验问题/变更记录 (``plain``).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

import pandas as pd

from .excel import cell_value


def frame_rows(frame: pd.DataFrame | None, columns: Iterable[str]) -> list[tuple[Any, ...]]:
    """Rows (tuples) of plain Python values for a computed sheet, converted column by column (not
    cell by cell; #16: at 20k customers tuples instead of lists save ~40 % of the row assembly)."""
    cols = list(columns)
    if frame is None or frame.empty:
        return []
    frame = frame.reindex(columns=cols)
    return list(zip(*(column_values(frame[c]) for c in cols), strict=True))


def column_values(s: pd.Series) -> list[Any]:
    """One column's cell values, by dtype: dates, floats (NaN → None), the rest value by value."""
    if pd.api.types.is_datetime64_any_dtype(s.dtype):
        return [None if v is pd.NaT or v is None else v.date() for v in s.dt.to_pydatetime()]
    if pd.api.types.is_float_dtype(s.dtype):
        return [None if v != v else v for v in s.to_list()]
    if s.dtype.kind in "iub":  # numpy ints and bools: to_list gives Python values, never a blank
        return s.to_list()
    values = s.astype(object).to_list()
    return [cell_value(v) if v is not None and not isinstance(v, str) else v for v in values]


def plain(v: Any) -> Any:
    """A value for a text column of our sheets: dates as ISO text, anything unusual as its str."""
    if v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and pd.isna(v)):
        return None
    if isinstance(v, pd.Timestamp):
        return v.date().isoformat()
    if isinstance(v, (date, datetime)):
        return (
            v.isoformat()[:10]
            if not isinstance(v, datetime) or v.time() == datetime.min.time()
            else v.isoformat(" ")
        )
    if isinstance(v, (int, float, str, bool)):
        return v
    return str(v)


def same(a: Any, b: Any) -> bool:
    """Equal as cell values (numbers within 1e-9)."""
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return abs(float(a) - float(b)) < 1e-9
    return a == b
