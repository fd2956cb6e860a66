"""The reporting period: `--month YYYY-MM` and its as-of date."""

from __future__ import annotations

import calendar
import re
from datetime import date

from .errors import BadOption


def parse_month(month: str | None, today: date | None = None) -> tuple[str, date]:
    """(`YYYY-MM`, as-of date): the month's last day, or today when that is earlier.

    Every "in the last N months" counts back from the as-of date, so re-running an old month
    gives that month's answer.
    """
    today = today or date.today()
    if not month:
        month = f"{today.year:04d}-{today.month:02d}"
    m = re.fullmatch(r"\s*(\d{4})[-/.年]?(\d{1,2})月?\s*", month)
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise BadOption(detail=f"月份应写作 2024-05 / month must look like 2024-05, got {month!r}")
    y, mo = int(m.group(1)), int(m.group(2))
    last = date(y, mo, calendar.monthrange(y, mo)[1])
    return f"{y:04d}-{mo:02d}", min(last, today)
