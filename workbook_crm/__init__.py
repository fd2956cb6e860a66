"""workbook-crm: make a hand-kept Chinese B2B CRM workbook trustworthy, in place.

The library is complete without the CLI::

    import workbook_crm
    result = workbook_crm.validate_workbook("台账.xlsx")
    result = workbook_crm.run_month("台账.xlsx", month="2024-05")
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"
__all__ = ["__version__", "read_workbook", "run_month", "validate_workbook", "write_summary_for"]


def __getattr__(name: str) -> Any:  # lazy: `workbook-crm --help` should not import pandas
    if name in ("validate_workbook", "write_summary_for"):
        from . import api

        return getattr(api, name)
    if name == "run_month":
        from .monthly import run_month

        return run_month
    if name == "read_workbook":
        from .io.reader import read_workbook

        return read_workbook
    raise AttributeError(name)
