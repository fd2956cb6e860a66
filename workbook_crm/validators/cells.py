"""A finding at one cell of a recognised field: the sheet's tab, the A1 reference, the column letter
and the field's header filled in from the sheet, so every check names the cell the same way."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..findings import Finding
from ..io.reader import SheetData


def at_cell(
    code: str, sheet: SheetData, fname: str, row: Any, value: Any, params: Mapping[str, Any] | None = None
) -> Finding:
    """``code`` at field ``fname`` of Excel row ``row``, quoting ``value`` (what was typed there)."""
    return Finding(
        code,
        sheet=sheet.tab,
        cell=sheet.cell(fname, row),
        row=row,
        column=sheet.letter(fname),
        field=sheet.schema.field(fname).header,
        value=value,
        params=dict(params or {}),
    )
