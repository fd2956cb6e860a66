"""Excel primitives, in one place: column letters, cell references, serial dates, cell values.

Every stage meets Excel's own conventions (A1 references, day serials, values that a cell or a JSON
report can hold); each is converted here once, so the readers, the normalizers, the write-back and
the reports cannot disagree about them. Limits are Excel's ("Excel specifications and limits"):
1,048,576 rows, 16,384 columns (XFD), dates 1900-01-00 (serial 0) to 9999-12-31 (serial 2,958,465),
or 1904-01-01 (serial 0) to 9999-12-31 (2,957,003) in the 1904 date system of old Mac workbooks.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any

import numpy as np
import pandas as pd

MAX_ROWS = 1_048_576  # Excel limit: rows per worksheet
MAX_COLS = 16_384  # Excel limit: columns per worksheet, "XFD"
_MAX_LETTERS = 18_278  # "ZZZ": what three letters can spell; readers meet such refs in broken files

# Excel's 1900 system copies Lotus 1-2-3: it counts a 29 Feb 1900 that never was (serial 60), so
# serials 1..59 count from 1899-12-31 and serials from 61 (1900-03-01) on count from 1899-12-30.
_EPOCH_1900_EARLY = dt.datetime(1899, 12, 31)  # serial 0 is "1900-01-00", shown by Excel as such
_EPOCH_1900 = dt.datetime(1899, 12, 30)  # serial 61 → 1900-03-01 counts from here
_EPOCH_1904 = dt.datetime(1904, 1, 1)  # 1904 system: serial 0 = 1904-01-01, no phantom day
PHANTOM_SERIAL = 60  # 1900-02-29 in the 1900 system: shown by Excel, held by no calendar
MAX_SERIAL_1900 = 2_958_465  # 9999-12-31, Excel's last date
MAX_SERIAL_1904 = 2_957_003  # 9999-12-31 in the 1904 system
_MS_PER_DAY = 86_400_000

_REF = re.compile(r"^([A-Za-z]{1,3})(\d+)$")
_LETTERS: dict[int, str] = {}
_INDEX: dict[str | bytes, int] = {}


# --- columns and references ---------------------------------------------------------------------


def col_letters(n: int) -> str:
    """1 → 'A', 28 → 'AB', 16384 → 'XFD' (1-based; a ValueError past Excel's 16,384 columns)."""
    s = _LETTERS.get(n)
    if s is None:
        if not isinstance(n, int) or not 1 <= n <= MAX_COLS:
            raise ValueError(f"column {n!r} is outside Excel's 1..{MAX_COLS} (A..XFD)")
        out, m = "", n
        while m:
            m, rem = divmod(m - 1, 26)
            out = chr(65 + rem) + out
        s = _LETTERS[n] = out
    return s


def col_index(letters: str | bytes) -> int:
    """'A' → 1, 'XFD' → 16384 (1-based; case-insensitive; str or bytes as a byte regex found them).

    Any one to three letters convert (up to 'ZZZ' = 18,278): a reader must be able to measure a
    stray reference past XFD in a broken file; :func:`split_ref` is where the grid is enforced."""
    n = _INDEX.get(letters)
    if n is None:
        text = letters.decode("ascii", "replace") if isinstance(letters, bytes) else letters
        if not 1 <= len(text) <= 3 or not text.isascii() or not text.isalpha():
            raise ValueError(f"not a column name: {letters!r}")
        n = 0
        for ch in text.upper():
            n = n * 26 + ord(ch) - 64
        _INDEX[letters] = n
    return n


def cell_ref(row: int, col: int) -> str:
    """(12, 28) → 'AB12' (both 1-based); a ValueError outside Excel's grid."""
    if not 1 <= row <= MAX_ROWS or not 1 <= col <= MAX_COLS:
        raise ValueError(f"cell (row {row}, column {col}) is outside Excel's grid")
    return f"{col_letters(col)}{row}"


def split_ref(ref: str) -> tuple[int, int]:
    """'AB12' → (row 12, column 28), both 1-based; '$' anchors ignored; a ValueError outside the grid."""
    m = _REF.match(ref.replace("$", "").strip())
    if not m:
        raise ValueError(f"not an A1 cell reference: {ref!r}")
    row, col = int(m.group(2)), col_index(m.group(1))
    if not (1 <= row <= MAX_ROWS and 1 <= col <= MAX_COLS):
        raise ValueError(f"cell {ref!r} is outside Excel's grid")
    return row, col


# --- serial dates -------------------------------------------------------------------------------


def to_serial(value: dt.date | dt.datetime, date1904: bool = False) -> float:
    """The Excel serial of a date or datetime (time of day as the fraction; a time zone is dropped,
    the wall-clock time kept). A ValueError before the system's first day (1899-12-31 / 1904-01-01)."""
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.replace(tzinfo=None)
        day = value.date()
        frac = (value - dt.datetime.combine(day, dt.time())).total_seconds() / 86400
    else:
        day, frac = value, 0.0
    if date1904:
        serial = (day - _EPOCH_1904.date()).days
    else:
        serial = (day - _EPOCH_1900_EARLY.date()).days
        if serial >= PHANTOM_SERIAL:  # from 1900-03-01 on, one more for the phantom 29 Feb
            serial += 1
    if serial < 0:
        raise ValueError(f"{value!r} is before the workbook's first date")
    return serial + frac


def from_serial(serial: float, date1904: bool = False) -> dt.date | dt.datetime:
    """An Excel serial → a date (a whole day) or a datetime (time of day to the millisecond, as Excel
    keeps it). A ValueError for what no calendar holds: 1900-02-29 (serial 60 in the 1900 system),
    negative, past 9999-12-31, NaN or infinite serials."""
    top = MAX_SERIAL_1904 if date1904 else MAX_SERIAL_1900
    if not math.isfinite(serial) or not 0 <= serial < top + 1:
        raise ValueError(f"serial {serial!r} is not an Excel date")
    day, frac = divmod(serial, 1)
    if date1904:
        base = _EPOCH_1904
    elif day == PHANTOM_SERIAL:
        raise ValueError("serial 60 is 1900-02-29, a day Excel counts and no calendar has")
    else:
        base = _EPOCH_1900 if day > PHANTOM_SERIAL else _EPOCH_1900_EARLY
    value = base + dt.timedelta(days=int(day), milliseconds=round(frac * _MS_PER_DAY))
    return value.date() if value.time() == dt.time() else value


# --- cell values --------------------------------------------------------------------------------


def cell_value(v: Any) -> Any:
    """A value as a plain Python object a cell (or our writer) takes: None for None, NaN, NaT and NA;
    numpy scalars as Python numbers; a pandas Timestamp as a date when it is midnight (pandas widens
    every date to one) else a datetime. Anything else is returned as it is."""
    if v is None or v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, float):
        return None if v != v else v
    if isinstance(v, pd.Timestamp):
        if v.tzinfo is None and v.value % 86_400_000_000_000 == 0:
            return dt.date(v.year, v.month, v.day)
        return v.to_pydatetime(warn=False)
    if isinstance(v, np.generic):
        if isinstance(v, np.datetime64):
            return None if np.isnat(v) else cell_value(pd.Timestamp(v))
        v = v.item()
        return None if isinstance(v, float) and v != v else v
    return v


def json_value(v: Any, sep: str = "T") -> Any:
    """A value JSON keeps as it is: None, bool, int, float and str pass (NaN → None); a date, and a
    datetime at midnight, as 'YYYY-MM-DD'; another datetime as ISO with ``sep`` between date and
    time; anything else as its text."""
    v = cell_value(v)
    if v is None or isinstance(v, (bool, int, float, str)):
        return v
    if isinstance(v, dt.datetime):
        return v.date().isoformat() if v.time() == dt.time() and v.tzinfo is None else v.isoformat(sep)
    if isinstance(v, (dt.date, dt.time)):
        return v.isoformat()
    return str(v)
