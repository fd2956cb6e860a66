"""Dates: whatever a sales rep typed → a real ``datetime.date`` (SPEC §3, seed 002 "YYYY-MM-DD").

Also :func:`extract_dates`, which finds the deadline inside a free-text next step
(``5月15日前发送A模块资料``, seed 004 表(二)) for the overdue reminders.
"""

from __future__ import annotations

import calendar
import math
import re
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Any

from workbook_crm import excel
from workbook_crm.normalize import Norm
from workbook_crm.normalize.text import is_blank, nfkc, unwrap
from workbook_crm.normalize.workdays import add_workdays

MIN_YEAR, MAX_YEAR = 1900, 2200

_CN_DIGITS = {
    "〇": 0,
    "零": 0,
    "○": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_CN_RUN = re.compile(r"[〇零○一二两三四五六七八九十]+(?=\s*[年月日号])")
_TIME_TAIL = re.compile(r"(?:\s+|T)\d{1,2}[:：]\d{2}(?:[:：]\d{2}(?:\.\d+)?)?(?:\s*[AaPp][Mm])?\s*$")
_CN_TIME_TAIL = re.compile(
    r"(?<=[\d日号])\s*(?:上午|下午|中午|晚上|早上|凌晨)\s*(?:\d{1,2}(?:[:：点]\d{0,2}分?)?)?\s*$"
)
_WEEKDAY_NOTE = re.compile(r"\s*[(（]?\s*(?:周|星期|礼拜)[一二三四五六日天]\s*[)）]?\s*$")

_D = r"(\d{1,2})"
_SEP = r"\s*[-/.]\s*"
_YMD = rf"(\d{{4}})(?:{_SEP}|\s*年\s*){_D}(?:{_SEP}|\s*月\s*){_D}\s*[日号]?"
_RANGE_SEP = r"\s*(?:-|~|至|到|—|–|－|～)\s*"
_FULL = re.compile(rf"^{_YMD}$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_DMY = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})$")
_YEARLESS = re.compile(r"^(\d{1,2})\s*(?:月\s*(\d{1,2})\s*[日号]?|[/\-]\s*(\d{1,2}))$")
_RANGE = re.compile(
    rf"^{_YMD}{_RANGE_SEP}(?:(\d{{4}})(?:{_SEP}|\s*年\s*))?(?:{_D}(?:{_SEP}|\s*月\s*))?{_D}\s*[日号]?$"
)
_SERIAL_TEXT = re.compile(r"^\d{5}(?:\.\d+)?$")


def _cn_number(run: str) -> str:
    """二〇二四 → 2024 (digit by digit); 二十一 → 21, 十 → 10 (with 十)."""
    if "十" in run:
        tens, _, ones = run.partition("十")
        return str((_CN_DIGITS.get(tens, 1) if tens else 1) * 10 + (_CN_DIGITS.get(ones, 0) if ones else 0))
    return "".join(str(_CN_DIGITS[c]) for c in run if c in _CN_DIGITS)


# Traditional spellings (seed 004 is written in 繁體): 號 = 号, 週 = 周, 禮拜 = 礼拜.
_TRAD = str.maketrans({"號": "号", "週": "周", "禮": "礼"})


def _clean(text: str) -> str:
    s = nfkc(text).translate(_TRAD).strip()
    s = _CN_RUN.sub(lambda m: _cn_number(m.group(0)), s)
    s = _WEEKDAY_NOTE.sub("", s)
    s = _CN_TIME_TAIL.sub("", s)
    return _TIME_TAIL.sub("", s).strip()


def has_time_of_day(value: Any) -> bool:
    """A typed date that also says when in the day (``2024-02-05 10:00``, ``5月10日下午3点``, a serial
    with a fraction): rewriting it as a date would delete the time, so the cell is kept as typed."""
    if isinstance(value, str):
        s = nfkc(value).strip()
        tail = _TIME_TAIL.search(s)
        if tail:
            return any(ch not in "0:：. T" for ch in tail.group(0).strip().rstrip("AaPpMm").strip())
        return bool(_CN_TIME_TAIL.search(s)) and bool(re.search(r"[上下中晚早凌]", s))
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        num = float(value)
        return math.isfinite(num) and not num.is_integer() and 1 <= num < 2_958_466
    return False


def _make(y: int, m: int, d: int) -> date | None:
    if not MIN_YEAR <= y <= MAX_YEAR:
        return None
    try:
        return date(y, m, d)
    except ValueError:
        return None


def from_serial(serial: float, *, date1904: bool = False) -> date | None:
    """An Excel serial number → date, or None when it is not a plausible date (1900-01-01..2200-12-31).
    The fraction (time of day) is dropped; the calendar, phantom 1900-02-29 included, is excel.py's."""
    if not math.isfinite(serial):
        return None
    try:
        day = excel.from_serial(math.floor(serial), date1904)
    except ValueError:  # before the epoch, the phantom 29 Feb 1900 (serial 60), past 9999
        return None
    return day if isinstance(day, date) and MIN_YEAR <= day.year <= MAX_YEAR else None


def _bad(value: Any) -> Norm:
    return Norm(value, "bad-date", (("value", value),))


def normalize_date(value: Any, *, date1904: bool = False, context_year: int | None = None) -> Norm:
    """日期 → ``datetime.date`` when certain; ambiguous, yearless and range forms carry a warning."""
    try:
        n = _normalize_date(value, date1904, context_year)
    except Exception:  # never let one odd cell stop the run
        return _bad(value)
    if date1904 and isinstance(n.value, date) and n.value.year < 1904:
        # a 1904-date workbook cannot hold it as a date cell: left as typed, not used (#14 item 11)
        return Norm(value, "date-before-1904", (("value", value),))
    return n


def _normalize_date(value: Any, date1904: bool, context_year: int | None) -> Norm:
    value = unwrap(value)
    if is_blank(value):
        return Norm(value)
    if isinstance(value, (bool, time)):
        return _bad(value)
    if isinstance(value, datetime):
        d = _make(value.year, value.month, value.day)
        return Norm(d) if d else _bad(value)
    if isinstance(value, date):
        return Norm(value) if MIN_YEAR <= value.year <= MAX_YEAR else _bad(value)
    if isinstance(value, (int, float, Decimal)):
        num = float(value)
        if num.is_integer() and 19000101 <= num <= 22001231:  # 20240510 typed as a number
            m = _COMPACT.match(str(int(num)))
            d = _make(int(m[1]), int(m[2]), int(m[3])) if m else None
            return Norm(d) if d else _bad(value)
        d = from_serial(num, date1904=date1904)
        return Norm(d) if d else _bad(value)
    if not isinstance(value, str):
        return _bad(value)
    return _parse_text(value, date1904, context_year)


def _parse_text(value: str, date1904: bool, context_year: int | None) -> Norm:
    s = _clean(value)
    if m := _FULL.match(s) or _COMPACT.match(s):
        d = _make(int(m[1]), int(m[2]), int(m[3]))
        return Norm(d) if d else _bad(value)
    if _SERIAL_TEXT.match(s):  # a serial that a reader or a CSV round-trip turned into text
        d = from_serial(float(s), date1904=date1904)
        return Norm(d) if d else _bad(value)
    if m := _DMY.match(s):
        a, b, y = int(m[1]), int(m[2]), int(m[3])
        if a <= 12 and b <= 12 and a != b:
            # 05/06/2024: 5 June (d/m) or May 6 (m/d)? Never guess silently (SPEC §3).
            opts = [x for x in (_make(y, b, a), _make(y, a, b)) if x]
            return Norm(value, "ambiguous-date", (("value", value), ("options", " / ".join(map(str, opts)))))
        d = _make(y, b, a) if a > 12 else _make(y, a, b)
        return Norm(d) if d else _bad(value)
    if m := _RANGE.match(s):
        return _range(value, m)
    if m := _YEARLESS.match(s):
        month, day = int(m[1]), int(m[2] or m[3])
        if context_year is None:
            if _make(2000, month, day) is None:  # 2000 is a leap year: 2月29日 is fine
                return _bad(value)
            return Norm(
                value, "yearless-date", (("value", value), ("guess", "?")), (("month", month), ("day", day))
            )
        d = _make(context_year, month, day)
        if d is None:
            return _bad(value)
        return Norm(d, "yearless-date", (("value", value), ("guess", d.isoformat())))
    return _bad(value)


def _range(value: str, m: re.Match[str]) -> Norm:
    """2024-04-10-12 (seed 004 表(三)), 2024-04-10至2024-04-12, 2024.4.10~4.12 → start, end."""
    start = _make(int(m[1]), int(m[2]), int(m[3]))
    if start is None:
        return _bad(value)
    y = int(m[4]) if m[4] else start.year
    mo = int(m[5]) if m[5] else start.month
    end = _make(y, mo, int(m[6]))
    if end is None or end < start:
        return _bad(value)
    return Norm(
        start,
        "date-range",
        (("value", value), ("start", start.isoformat()), ("end", end.isoformat())),
        (("end", end),),
    )


# --- deadlines inside free text --------------------------------------------------------------

_WEEKDAYS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6}
_X_FULL = re.compile(r"(?<!\d)(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})(?!\d)\s*[日号]?")
_X_MD = re.compile(r"(?<![\d./-])(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]?")
_X_MD_SLASH = re.compile(r"(?<![\d./-])(\d{1,2})/(\d{1,2})(?![\d/])")
_X_MONTH_END = re.compile(r"(本|这个|当|下个?)?月(?:底|末)")
_X_WEEK = re.compile(r"(下下|下|本|这|这个)?(?:周|星期|礼拜)([一二三四五六日天])")
_X_RELDAY = re.compile(r"今天|今日|明天|明日|后天")
_X_WITHIN = re.compile(r"(\d{1,3})\s*(个工作日|个?自然日|天|日)内")
_RELDAYS = {"今天": 0, "今日": 0, "明天": 1, "明日": 1, "后天": 2}


@lru_cache(maxsize=65536)  # a pure function of three values: next steps repeat 5月20日 on many days
def _nearest_year(month: int, day: int, asof: date) -> date | None:
    """The latest year for which the date is at most ~6 months after ``asof`` (a deadline is near)."""
    for y in (asof.year + 1, asof.year, asof.year - 1):
        d = _make(y, month, day)
        if d and d <= asof + timedelta(days=183):
            return d
    return None


# the order extract_dates weighs them in: an earlier kind takes its span first
_X_KINDS = (_X_FULL, _X_MD, _X_MD_SLASH, _X_MONTH_END, _X_WEEK, _X_RELDAY, _X_WITHIN)
Mention = tuple[int, int, int, str, tuple[Any, ...]]  # kind, start, end, the text matched, its groups


def extract_dates(text: Any, *, asof: date) -> list[date]:
    """Dates named in free text, in order of appearance (duplicates dropped); relative ones from asof."""
    return dates_of(date_mentions(text), asof)


def date_mentions(text: Any) -> tuple[Mention, ...]:
    """The date expressions in free text, whatever the reference date (``dates_of`` resolves them):
    a next step repeated on many rows is scanned once, then resolved against each row's date."""
    if not isinstance(text, str) or not text.strip():
        return ()
    s = _CN_RUN.sub(lambda m: _cn_number(m.group(0)), nfkc(text).translate(_TRAD))
    return tuple(
        (kind, m.start(), m.end(), m.group(0), m.groups())
        for kind, rx in enumerate(_X_KINDS)
        for m in rx.finditer(s)
    )


def dates_of(mentions: tuple[Mention, ...], asof: date) -> list[date]:
    """``extract_dates`` of the text the mentions were found in."""
    found: list[tuple[int, date]] = []
    taken: list[tuple[int, int]] = []
    for kind, a, b, whole, g in mentions:
        d: date | None
        if kind == 0:
            d = _make(int(g[0]), int(g[1]), int(g[2]))
        elif kind in (1, 2):
            d = _nearest_year(int(g[0]), int(g[1]), asof)
        elif kind == 3:
            y, mo = asof.year, asof.month
            if g[0] and g[0].startswith("下"):
                y, mo = (y + 1, 1) if mo == 12 else (y, mo + 1)
            d = date(y, mo, calendar.monthrange(y, mo)[1])
        elif kind == 4:
            monday = asof - timedelta(days=asof.weekday())
            weeks = {"下下": 2, "下": 1}.get(g[0] or "", 0)
            d = monday + timedelta(days=7 * weeks + _WEEKDAYS[g[1]])
        elif kind == 5:
            d = asof + timedelta(days=_RELDAYS[whole])
        else:
            n = int(g[0])
            d = add_workdays(asof, n) if "工作日" in g[1] else asof + timedelta(days=n)
        if d is not None and not any(x < b and a < y for x, y in taken):
            taken.append((a, b))
            found.append((a, d))
    out: list[date] = []
    for _, d in sorted(found, key=lambda t: t[0]):
        if d not in out:
            out.append(d)
    return out
