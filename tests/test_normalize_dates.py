"""Dates, deadlines in free text and working days (SPEC §3, seeds 002/004)."""

from __future__ import annotations

import zipfile
from datetime import date, datetime, time
from decimal import Decimal

import openpyxl
import pytest
import xlsxwriter
from lxml import etree
from python_calamine import CalamineWorkbook

from workbook_crm.normalize import add_workdays, extract_dates, is_workday, normalize_date, workdays_between
from workbook_crm.normalize.dates import from_serial

D = date(2024, 5, 10)

CERTAIN = [
    ("2024-05-10", D),
    ("2024/5/10", D),
    ("2024.5.10", D),
    ("2024年5月10日", D),
    ("2024年5月10号", D),
    ("20240510", D),
    ("２０２４－０５－１０", D),
    ("２０２４年５月１０日", D),
    ("2024年5月10號", D),
    ("二〇二四年五月十日", D),
    ("2024-05-10 14:30", D),
    ("2024-05-10 14:30:59", D),
    ("2024-05-10T14:30:00", D),
    ("2024/05/10 9:05", D),
    (" 2024-05-10 ", D),
    ("2024 年 5 月 10 日", D),
    ("2024-5-10", D),
    ("2024年05月10日", D),
    ("2024-05-10(周五)", D),
    ("2024年5月10日 下午3点", D),
    ("13/06/2024", date(2024, 6, 13)),
    ("06/13/2024", date(2024, 6, 13)),
    ("05/05/2024", date(2024, 5, 5)),
    ("二〇二四年十二月三十一日", date(2024, 12, 31)),
    ("二〇二四年二月二十九日", date(2024, 2, 29)),
    ("45422", D),
    (datetime(2024, 5, 10, 14, 30), D),
    (D, D),
    (20240510, D),
    (45422, D),
    (45422.75, D),
    (Decimal("45422"), D),
]


@pytest.mark.parametrize(("typed", "expected"), CERTAIN)
def test_certain_dates(typed, expected):
    n = normalize_date(typed)
    assert (n.value, n.code) == (expected, None)


BAD = [
    "abc",
    "2024-02-30",
    "2023年2月29日",
    "2024-13-01",
    "2024-5",
    "明天",
    "0000-00-00",
    "1899-12-31",
    "2024/05/10/11/12",
    True,
    time(9, 30),
    0,
    -5,
    60,
    10**9,
    float("inf"),
    "99999999",
]


@pytest.mark.parametrize("typed", BAD)
def test_garbage_is_bad_date_and_unchanged(typed):
    n = normalize_date(typed)
    assert n.code == "bad-date" and n.value is typed and not n.ok


@pytest.mark.parametrize("blank", [None, "", "   ", float("nan")])
def test_blank_is_left_alone(blank):
    n = normalize_date(blank)
    assert n.code is None and n.value is blank


def test_ambiguous_day_month_is_never_guessed():
    n = normalize_date("05/06/2024")
    assert n.code == "ambiguous-date" and n.value == "05/06/2024" and n.ok
    assert "2024-06-05" in dict(n.params)["options"] and "2024-05-06" in dict(n.params)["options"]


@pytest.mark.parametrize(
    ("typed", "start", "end"),
    [
        ("2024-04-10-12", date(2024, 4, 10), date(2024, 4, 12)),  # seed 004 表(三)
        ("2024-04-10至2024-04-12", date(2024, 4, 10), date(2024, 4, 12)),
        ("2024.4.10~4.12", date(2024, 4, 10), date(2024, 4, 12)),
        ("2024年4月10日-12日", date(2024, 4, 10), date(2024, 4, 12)),
        ("2024-12-30～2025-01-02", date(2024, 12, 30), date(2025, 1, 2)),
        ("2024/4/28 - 5/3", date(2024, 4, 28), date(2024, 5, 3)),
    ],
)
def test_ranges_give_start_and_end(typed, start, end):
    n = normalize_date(typed)
    assert (n.value, n.code, n.get("end")) == (start, "date-range", end)
    assert dict(n.params)["end"] == end.isoformat()


def test_range_ending_before_it_starts_is_bad():
    assert normalize_date("2024-04-10-08").code == "bad-date"


def test_yearless_uses_context_year_and_warns():
    n = normalize_date("5月10日", context_year=2024)
    assert (n.value, n.code, dict(n.params)["guess"]) == (D, "yearless-date", "2024-05-10")
    assert normalize_date("5/10", context_year=2023).value == date(2023, 5, 10)
    n = normalize_date("5月10日")  # no context: keep the text, warn
    assert (n.value, n.code) == ("5月10日", "yearless-date")
    assert normalize_date("2月30日", context_year=2024).code == "bad-date"


def test_excel_1900_phantom_leap_day():
    # Excel's 1900 system counts a 29 Feb 1900 that never was: serials below 61 are one day off.
    assert from_serial(1) == date(1900, 1, 1)
    assert from_serial(59) == date(1900, 2, 28)
    assert from_serial(60) is None
    assert from_serial(61) == date(1900, 3, 1)
    assert from_serial(0, date1904=True) == date(1904, 1, 1)
    assert normalize_date(45422, date1904=True).value == date(2028, 5, 11)  # 1462 days later
    assert normalize_date(80000).code is None and normalize_date(200000).code == "bad-date"


def _raw_serials(path, sheet="xl/worksheets/sheet1.xml") -> list[float]:
    with zipfile.ZipFile(path) as z:
        root = etree.fromstring(z.read(sheet))
    ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
    return [float(v.text) for v in root.iterfind(".//m:c/m:v", ns)]


@pytest.mark.parametrize("date1904", [False, True])
def test_serials_match_two_readers(tmp_path, date1904):
    days = [
        date(1900, 2, 28),
        date(1900, 3, 1),
        date(1901, 1, 1),
        date(1999, 12, 31),
        date(2024, 2, 29),
        date(2024, 5, 10),
    ]
    if date1904:
        days = days[3:]
    path = tmp_path / "d.xlsx"
    wb = xlsxwriter.Workbook(str(path), {"date_1904": date1904})
    ws = wb.add_worksheet()
    fmt = wb.add_format({"num_format": "yyyy-mm-dd"})
    for r, d in enumerate(days):
        ws.write_datetime(r, 0, datetime(d.year, d.month, d.day), fmt)
    wb.close()
    serials = _raw_serials(path)
    ours = [normalize_date(s, date1904=date1904).value for s in serials]
    via_openpyxl = [c.value.date() for (c,) in openpyxl.load_workbook(path).active.iter_rows()]
    via_calamine = [row[0] for row in CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()]
    via_calamine = [v.date() if isinstance(v, datetime) else v for v in via_calamine]
    assert ours == via_openpyxl == days
    assert ours[-3:] == via_calamine[-3:]


ASOF = date(2024, 3, 20)  # a Wednesday


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("5月15日前发送A模块资料", [date(2024, 5, 15)]),
        ("3月18日前发送A模块资料，预约4月演示", [date(2024, 3, 18)]),  # seed 004 表(二)
        ("4月5日前跟进评估进展，提供报价方案", [date(2024, 4, 5)]),
        ("2024-06-05前提供报价方案", [date(2024, 6, 5)]),
        ("下周三前", [date(2024, 3, 27)]),
        ("本周五", [date(2024, 3, 22)]),
        ("月底前", [date(2024, 3, 31)]),
        ("下月底前提交合同", [date(2024, 4, 30)]),
        ("12月1日前", [date(2023, 12, 1)]),  # more than ~6 months ahead → last year
        ("四月五日前跟进", [date(2024, 4, 5)]),
        ("明天回电", [date(2024, 3, 21)]),
        ("３月２５日前寄样品", [date(2024, 3, 25)]),
        ("下週三前", [date(2024, 3, 27)]),
        ("继续跟进", []),
        ("5月10日演示，5月20日前签约", [date(2024, 5, 10), date(2024, 5, 20)]),
    ],
)
def test_extract_dates(text, expected):
    assert extract_dates(text, asof=ASOF) == expected


def test_extract_dates_year_turn():
    assert extract_dates("1月5日前回款", asof=date(2024, 12, 20)) == [date(2025, 1, 5)]


def test_working_days_count_holidays_and_makeup_days():
    assert not is_workday(date(2024, 10, 1))  # 国庆
    assert is_workday(date(2024, 9, 29))  # Sunday 调休 makeup day
    assert not is_workday(date(2024, 2, 12))  # 春节
    assert is_workday(date(2024, 2, 4))  # Sunday 调休
    # Friday 2024-09-27 → Sunday 09-29 is a makeup workday, Monday 09-30 too
    assert workdays_between(date(2024, 9, 27), date(2024, 9, 30)) == 2
    assert workdays_between(date(2024, 9, 30), date(2024, 10, 8)) == 1
    assert add_workdays(date(2024, 9, 30), 1) == date(2024, 10, 8)
    assert add_workdays(date(2024, 10, 8), -1) == date(2024, 9, 30)
    assert workdays_between(date(2024, 10, 8), date(2024, 9, 30)) == -1
    assert add_workdays(D, 0) == D


def test_working_days_fallback_for_unknown_years():
    assert is_workday(date(2030, 1, 2)) and not is_workday(date(2030, 1, 1))  # 元旦 is fixed
    assert not is_workday(date(2030, 1, 5))  # Saturday
    assert not is_workday(date(2030, 10, 2))
    assert workdays_between(date(2030, 1, 4), date(2030, 1, 8)) == 2
