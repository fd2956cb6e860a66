"""A flagged value is not used (issue #12 item 3).

A number or date cell with an *error* finding (满意度 60 on a 1–5 scale, a date that cannot be
read) would otherwise still feed the grade, the health score and the KPIs. Before grading, such
cells are blanked in the normalized frames, so every figure treats them as missing (待评级, a
dimension left out of the health mean), and the customer's 评级依据 says which value was left out.
Warnings are advice and keep their value.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

import numpy as np
import pandas as pd

from ..findings import Finding
from ..io.reader import WorkbookData
from ..schema.base import DATE, INTEGER, MONEY, NUMBER, PERCENT, SCORE

_NUMERIC = (MONEY, PERCENT, NUMBER, INTEGER, SCORE, DATE)


def leave_out_flagged(
    wb: WorkbookData, clean: dict[str, pd.DataFrame], findings: Iterable[Finding]
) -> dict[str, dict[int, list[str]]]:
    """Blank every number/date cell holding an error in ``clean`` (in place).

    Returns sheet → Excel row → the words for each value left out (``满意度(5分制) 60 未采用（超出范围）``).
    """
    out: dict[str, dict[int, list[str]]] = defaultdict(lambda: defaultdict(list))
    by_tab = {s.tab: s for s in wb.sheets.values()}
    rows: dict[tuple[str, str], list[int]] = defaultdict(list)  # (sheet, field) → rows to blank
    for f in findings:
        if f.severity != "error" or not f.row or not f.column:
            continue
        sheet = by_tab.get(f.sheet)
        frame = clean.get(sheet.name) if sheet is not None else None
        if sheet is None or frame is None or f.row not in frame.index:
            continue
        col = _column_index(f.column)
        name = next((n for n, c in sheet.columns.items() if c == col), None)
        if name is None or sheet.schema.field(name).kind not in _NUMERIC:
            continue
        rows[(sheet.name, name)].append(f.row)
        words = f"{f.field or sheet.schema.field(name).header} {_shown(f.value)} 未采用（{f.code}）"
        if words not in out[sheet.name][f.row]:
            out[sheet.name][f.row].append(words)
    for (sheet_name, name), where in rows.items():
        frame = clean[sheet_name]
        for c in (name, f"{name}_yuan"):
            if c in frame.columns:
                frame[c] = _blanked(frame[c], where)
    return {k: dict(v) for k, v in out.items()}


def _blanked(s: pd.Series, rows: list[int]) -> pd.Series:
    s = s.copy()
    if pd.api.types.is_datetime64_any_dtype(s.dtype):
        s.loc[rows] = pd.NaT
    elif pd.api.types.is_float_dtype(s.dtype):
        s.loc[rows] = np.nan
    else:
        s = s.astype(object)
        s.loc[rows] = None
    return s


def _shown(v: object) -> str:
    if isinstance(v, float) and v == v:
        return f"{v:g}"
    return "" if v is None else str(v)


def _column_index(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n - 1
