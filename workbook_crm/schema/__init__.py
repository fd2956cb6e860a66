"""Sheet schemas: one module per sheet, one registry (see registry.py)."""

from .base import Field, SheetSchema
from .registry import ALL, DATA_SHEETS, match_sheet_name

__all__ = ["ALL", "DATA_SHEETS", "Field", "SheetSchema", "match_sheet_name"]
