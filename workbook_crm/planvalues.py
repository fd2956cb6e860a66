"""Values as the run writes them: a frame's columns as plain Python for cells (``frame_columns``,
``frame_rows``; one value: ``excel.cell_value``) and values for the text columns of 校验问题/变更记录
(``plain``).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd

from .excel import cell_value

# value types ``cell_value`` returns unchanged, or as None when missing (a NaN float, NA, NaT):
# a column holding only these is made plain by one missing-value mask, not value by value
_PLAIN_TYPES = frozenset({str, int, float, bool, date, datetime, type(None), type(pd.NA), type(pd.NaT)})
_MISSING_TYPES = frozenset({float, type(pd.NA), type(pd.NaT)})


def frame_rows(frame: pd.DataFrame | None, columns: Iterable[str]) -> list[tuple[Any, ...]]:
    """Rows (tuples) of plain Python values, converted column by column (``frame_columns``)."""
    return list(zip(*frame_columns(frame, columns), strict=True))


def frame_columns(frame: pd.DataFrame | None, columns: Iterable[str]) -> list[list[Any]]:
    """Each column's plain Python values (a column the frame lacks: blanks); [] for no frame or an
    empty one. The computed sheets are rendered column by column (writeback/newsheet.py), so a
    frame's values never go through rows (#16)."""
    cols = list(columns)
    if frame is None or frame.empty:
        return []
    frame = frame.reindex(columns=cols)
    return [column_values(frame.iloc[:, i]) for i in range(len(cols))]


def column_values(s: pd.Series) -> list[Any]:
    """One column's cell values, by dtype: dates, floats (NaN → None), numbers; other columns value by
    value (``excel.cell_value``) unless every value is of a plain type, then by a missing-value mask."""
    if pd.api.types.is_datetime64_any_dtype(s.dtype):
        return [None if v is pd.NaT or v is None else v.date() for v in s.dt.to_pydatetime()]
    if pd.api.types.is_float_dtype(s.dtype) and isinstance(s.dtype, np.dtype):
        arr = s.to_numpy()
        out = arr.tolist()
        for i in np.flatnonzero(np.isnan(arr)).tolist():
            out[i] = None
        return out
    if s.dtype.kind in "iub" and isinstance(s.dtype, np.dtype):
        return s.to_list()  # numpy ints and bools: Python values, never a blank
    values = s.astype(object).to_list()
    types = set(map(type, values))
    if not types <= _PLAIN_TYPES:
        return [cell_value(v) if v is not None and not isinstance(v, str) else v for v in values]
    if types & _MISSING_TYPES:  # a NaN, NA or NaT to make None (None itself is already)
        for i in np.flatnonzero(s.isna().to_numpy(dtype=bool)).tolist():
            values[i] = None
    return values


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
