"""The compute step: pure functions over the normalized frames (grades, tiers, health, RFM,
reminders, gap analysis, campaigns, migration). ``grade_month`` runs them all for one month."""

from .gaps import parse_target
from .model import MonthResult
from .month import grade_month

__all__ = ["MonthResult", "grade_month", "parse_target"]
