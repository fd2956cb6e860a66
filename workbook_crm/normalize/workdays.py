"""Working days (工作日) in mainland China: public holidays off, 调休 weekend makeup days on.

Used for seed 002's "2个工作日内完成录入" (late-entry) and "X个工作日内" deadlines.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import lru_cache

import chinese_calendar

# chinese_calendar only knows the years the State Council has published (2004–2026 in the pinned
# version; each year's schedule appears the November before). For other years we fall back to
# Mon–Fri minus the fixed-date statutory holidays (全国年节及纪念日放假办法, 2024 revision): 元旦 1-1,
# 劳动节 5-1/5-2, 国庆节 10-1..10-3. Lunar holidays (春节, 清明, 端午, 中秋) and 调休 are not guessed:
# update chinesecalendar when a new schedule is out, or add the year to _LOCAL_* below.
_FIXED_HOLIDAYS = {(1, 1), (5, 1), (5, 2), (10, 1), (10, 2), (10, 3)}
_LOCAL_HOLIDAYS: set[date] = set()  # known holidays of years chinese_calendar lacks
_LOCAL_WORKDAYS: set[date] = set()  # known 调休 makeup Saturdays/Sundays of those years


@lru_cache(maxsize=8192)
def is_workday(d: date) -> bool:
    """True when offices work that day (法定节假日 off, 调休 makeup days on)."""
    if isinstance(d, datetime):
        d = d.date()
    try:
        return bool(chinese_calendar.is_workday(d))
    except NotImplementedError:
        pass
    if d in _LOCAL_WORKDAYS:
        return True
    if d in _LOCAL_HOLIDAYS or (d.month, d.day) in _FIXED_HOLIDAYS:
        return False
    return d.weekday() < 5


def workdays_between(a: date, b: date) -> int:
    """Working days after ``a`` up to and including ``b`` (negative when b is before a).

    Entry on the next working day after first contact counts 1, so "≤ 2" is seed 002's 2个工作日内.
    """
    if isinstance(a, datetime):
        a = a.date()
    if isinstance(b, datetime):
        b = b.date()
    if b < a:
        return -workdays_between(b, a)
    return sum(1 for i in range(1, (b - a).days + 1) if is_workday(a + timedelta(days=i)))


def add_workdays(d: date, n: int) -> date:
    """The date ``n`` working days after ``d`` (before it when n < 0); n = 0 returns d itself."""
    if isinstance(d, datetime):
        d = d.date()
    step = 1 if n >= 0 else -1
    left = abs(n)
    while left:
        d += timedelta(days=step)
        if is_workday(d):
            left -= 1
    return d
