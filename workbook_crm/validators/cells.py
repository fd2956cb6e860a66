"""A finding at one cell of a recognised field: the sheet's tab, the A1 reference, the column letter
and the field's header filled in from the sheet, so every check names the cell the same way."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from ..findings import Finding
from ..io.reader import SheetData

T = TypeVar("T")


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


def by_distinct_text(col: pd.Series, test: Callable[[str], T]) -> list[tuple[Any, Any, T]]:
    """(row, value, verdict) of the non-blank cells whose text ``test`` flags (a truthy verdict).

    A cell's text is ``str(value)``; each distinct text is tested once and the verdicts spread over
    the rows in C — a 300k-row 下一步计划 column holds ~10k distinct steps. Rows come in sheet order.
    """
    col = col[col.notna()]
    if col.empty:
        return []
    values = col.to_list()
    codes, texts = pd.factorize(np.array([v if type(v) is str else str(v) for v in values], dtype=object))
    verdicts = [test(t) for t in texts]
    flagged = np.array([bool(v) for v in verdicts], dtype=bool)
    rows = col.index.tolist()
    return [(rows[i], values[i], verdicts[codes[i]]) for i in np.flatnonzero(flagged[codes]).tolist()]


def repeats(values: pd.Series) -> tuple[pd.Series, dict[Any, Any]]:
    """The values seen before in ``values`` (index → value) and where each one first stood (value →
    index). Only the values that repeat are looked up: at 100k rows most appear once (#16)."""
    again = values.duplicated(keep="first")
    dup = values[again]
    if dup.empty:
        return dup, {}
    firsts = values[~again]
    firsts = firsts[firsts.isin(set(dup))]
    return dup, {v: r for r, v in firsts.items()}
