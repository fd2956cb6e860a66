"""workbook_crm.excel against itself (round trips) and against openpyxl's own conversions (an
independent implementation as the oracle), over Excel's whole grid and calendar."""

from __future__ import annotations

import datetime as dt
import json
import math
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from openpyxl.utils import column_index_from_string, get_column_letter
from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel, to_excel

from workbook_crm import excel

columns = st.integers(min_value=1, max_value=excel.MAX_COLS)
rows = st.integers(min_value=1, max_value=excel.MAX_ROWS)
# Excel's calendar after the phantom 1900-02-29, and the 1904 system's whole calendar
dates_1900 = st.dates(min_value=dt.date(1900, 3, 1), max_value=dt.date(9999, 12, 31))
dates_1904 = st.dates(min_value=dt.date(1904, 1, 1), max_value=dt.date(9999, 12, 31))
millis = st.integers(min_value=0, max_value=86_400_000 - 1)


def _at(day: dt.date, ms: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time()) + dt.timedelta(milliseconds=ms)


def _expected(value: dt.datetime) -> dt.date | dt.datetime:
    return value.date() if value.time() == dt.time() else value


# --- columns and references ---------------------------------------------------------------------


@given(columns)
def test_col_letters_round_trip(n: int) -> None:
    letters = excel.col_letters(n)
    assert excel.col_index(letters) == n
    assert excel.col_index(letters.lower()) == n
    assert excel.col_index(letters.encode()) == n


@given(columns)
def test_col_letters_agree_with_openpyxl(n: int) -> None:
    assert excel.col_letters(n) == get_column_letter(n)
    assert excel.col_index(get_column_letter(n)) == column_index_from_string(get_column_letter(n))


def test_column_edges() -> None:
    assert [excel.col_letters(n) for n in (1, 26, 27, 52, 53, 702, 703, 16384)] == [
        "A",
        "Z",
        "AA",
        "AZ",
        "BA",
        "ZZ",
        "AAA",
        "XFD",
    ]
    assert excel.col_index("ZZZ") == 18278  # past XFD still measurable (stray refs in broken files)
    for bad in (0, -1, 16385):
        with pytest.raises(ValueError):
            excel.col_letters(bad)
    for bad in ("", "AAAA", "A1", "中", b"", b"1"):
        with pytest.raises(ValueError):
            excel.col_index(bad)


@given(rows, columns)
def test_cell_ref_round_trip(row: int, col: int) -> None:
    ref = excel.cell_ref(row, col)
    assert ref == f"{get_column_letter(col)}{row}"
    assert excel.split_ref(ref) == (row, col)
    assert excel.split_ref(f"${ref[: len(ref) - len(str(row))]}${row}") == (row, col)


def test_refs_outside_the_grid() -> None:
    for row, col in ((0, 1), (1, 0), (excel.MAX_ROWS + 1, 1), (1, excel.MAX_COLS + 1)):
        with pytest.raises(ValueError):
            excel.cell_ref(row, col)
    for ref in ("A0", "XFE1", "A1048577", "A", "12", "A1:B2", "ZZZ1"):
        with pytest.raises(ValueError):
            excel.split_ref(ref)
    assert excel.split_ref("XFD1048576") == (1_048_576, 16_384)


# --- serial dates -------------------------------------------------------------------------------


@given(dates_1900)
def test_date_round_trip_1900(day: dt.date) -> None:
    serial = excel.to_serial(day)
    assert serial == int(serial) and serial >= 61
    assert excel.from_serial(serial) == day


@given(dates_1904)
def test_date_round_trip_1904(day: dt.date) -> None:
    serial = excel.to_serial(day, date1904=True)
    assert serial == int(serial) and serial >= 0
    assert excel.from_serial(serial, date1904=True) == day


@given(dates_1900, millis)
def test_datetime_round_trip_to_the_millisecond_1900(day: dt.date, ms: int) -> None:
    value = _at(day, ms)
    assert excel.from_serial(excel.to_serial(value)) == _expected(value)


@given(dates_1904, millis)
def test_datetime_round_trip_to_the_millisecond_1904(day: dt.date, ms: int) -> None:
    value = _at(day, ms)
    assert excel.from_serial(excel.to_serial(value, date1904=True), date1904=True) == _expected(value)


@given(dates_1900, millis)
def test_serials_agree_with_openpyxl_1900(day: dt.date, ms: int) -> None:
    value = _at(day, ms)
    serial = excel.to_serial(value)
    assert math.isclose(serial, to_excel(value, CALENDAR_WINDOWS_1900), rel_tol=0, abs_tol=1e-9)
    assert _expected(from_excel(serial, CALENDAR_WINDOWS_1900)) == excel.from_serial(serial)


@given(dates_1904, millis)
def test_serials_agree_with_openpyxl_1904(day: dt.date, ms: int) -> None:
    value = _at(day, ms)
    serial = excel.to_serial(value, date1904=True)
    assert math.isclose(serial, to_excel(value, CALENDAR_MAC_1904), rel_tol=0, abs_tol=1e-9)
    # openpyxl reads a serial below 1 as a time of day (1904-01-01 has serials 0..1): no date to
    # compare with there; the round trip above covers that day
    assume(serial >= 1)
    assert _expected(from_excel(serial, CALENDAR_MAC_1904)) == excel.from_serial(serial, date1904=True)


def test_the_phantom_leap_day_and_the_early_serials() -> None:
    """Serials 1..59 are 1900-01-01..1900-02-28, 60 is Excel's 1900-02-29 (no such day), 61 is 1 March."""
    assert excel.from_serial(1) == dt.date(1900, 1, 1)
    assert excel.from_serial(59) == dt.date(1900, 2, 28)
    assert excel.from_serial(61) == dt.date(1900, 3, 1)
    assert excel.from_serial(0) == dt.date(1899, 12, 31)  # Excel's "1900-01-00"
    assert excel.from_serial(59.5) == dt.datetime(1900, 2, 28, 12)
    for serial in (60, 60.25):
        with pytest.raises(ValueError):
            excel.from_serial(serial)
    assert [excel.to_serial(dt.date(1900, 1, 1)), excel.to_serial(dt.date(1900, 2, 28))] == [1, 59]
    assert excel.to_serial(dt.date(1900, 3, 1)) == 61
    assert excel.to_serial(dt.date(1899, 12, 31)) == 0
    with pytest.raises(ValueError):
        excel.to_serial(dt.date(1899, 12, 30))
    with pytest.raises(ValueError):
        excel.to_serial(dt.date(1903, 12, 31), date1904=True)


def test_serial_range_ends() -> None:
    assert excel.to_serial(dt.date(9999, 12, 31)) == excel.MAX_SERIAL_1900
    assert excel.to_serial(dt.date(9999, 12, 31), date1904=True) == excel.MAX_SERIAL_1904
    assert excel.from_serial(excel.MAX_SERIAL_1900 + 0.5) == dt.datetime(9999, 12, 31, 12)
    for serial in (-1, -0.5, excel.MAX_SERIAL_1900 + 1, float("nan"), float("inf")):
        with pytest.raises(ValueError):
            excel.from_serial(serial)
    with pytest.raises(ValueError):
        excel.from_serial(excel.MAX_SERIAL_1904 + 1, date1904=True)
    assert excel.from_serial(0, date1904=True) == dt.date(1904, 1, 1)
    # the two systems are 1,462 days apart (4 years and the phantom day)
    assert excel.to_serial(dt.date(2024, 5, 1)) - excel.to_serial(dt.date(2024, 5, 1), True) == 1462


def test_time_zone_is_dropped_wall_clock_kept() -> None:
    aware = dt.datetime(2024, 5, 1, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    assert excel.from_serial(excel.to_serial(aware)) == dt.datetime(2024, 5, 1, 9, 30)


# --- cell and JSON values -----------------------------------------------------------------------


def test_cell_value_conversions() -> None:
    cases = [
        (None, None),
        (float("nan"), None),
        (pd.NaT, None),
        (pd.NA, None),
        (np.float64("nan"), None),
        (np.datetime64("NaT"), None),
        (np.int64(7), 7),
        (np.float32(1.5), 1.5),
        (np.bool_(True), True),
        (pd.Timestamp("2024-05-01"), dt.date(2024, 5, 1)),
        (pd.Timestamp("1969-07-20"), dt.date(1969, 7, 20)),
        (pd.Timestamp("2024-05-01 09:30:15"), dt.datetime(2024, 5, 1, 9, 30, 15)),
        (np.datetime64("2024-05-01"), dt.date(2024, 5, 1)),
        ("=1+1", "=1+1"),
        (3, 3),
        (dt.datetime(2024, 5, 1), dt.datetime(2024, 5, 1)),
    ]
    got = [excel.cell_value(v) for v, _ in cases]
    assert got == [want for _, want in cases]
    assert [type(g) for g in got] == [type(want) for _, want in cases]


def test_json_value_is_what_json_keeps() -> None:
    cases = [
        (None, None),
        (float("nan"), None),
        (pd.NaT, None),
        (True, True),
        (np.int64(7), 7),
        (2.5, 2.5),
        ("中文", "中文"),
        (dt.date(2024, 5, 1), "2024-05-01"),
        (dt.datetime(2024, 5, 1), "2024-05-01"),
        (pd.Timestamp("2024-05-01"), "2024-05-01"),
        (dt.datetime(2024, 5, 1, 9, 30), "2024-05-01T09:30:00"),
        (pd.Timestamp("2024-05-01 09:30"), "2024-05-01T09:30:00"),
        (Decimal("1.10"), "1.10"),
        (dt.time(9, 30), "09:30:00"),
    ]
    got = [excel.json_value(v) for v, _ in cases]
    assert got == [want for _, want in cases]
    assert json.loads(json.dumps(got)) == got
    assert excel.json_value(dt.datetime(2024, 5, 1, 9, 30), sep=" ") == "2024-05-01 09:30:00"


@given(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(allow_infinity=False),
        st.text(),
        st.dates(),
        st.datetimes(),
    )
)
def test_json_value_always_survives_json(v: object) -> None:
    out = excel.json_value(v)
    assert json.loads(json.dumps(out)) == out


@given(st.lists(st.one_of(st.none(), st.dates(min_value=dt.date(1899, 12, 31))), max_size=30), st.booleans())
def test_day_serials_equal_to_serial_day_by_day(days: list[dt.date | None], date1904: bool) -> None:
    first = dt.date(1904, 1, 1) if date1904 else dt.date(1899, 12, 31)
    if any(d is not None and d < first for d in days):
        with pytest.raises(ValueError):
            excel.day_serials(days, date1904)
    else:
        assert excel.day_serials(days, date1904) == [
            None if d is None else excel.to_serial(d, date1904) for d in days
        ]
