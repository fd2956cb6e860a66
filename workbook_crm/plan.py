"""The monthly run's plan of edits: everything it will write into the record, as plain data.

``build_plan`` turns the check (``Checked``), the grading (``MonthResult``), the findings and the
changes into a frozen ``Plan`` — cells to set, computed columns, computed sheets with their spec
and rows, marks, a footer to move and structures to grow — without touching a file, so a test
can read what a run would write. What the plan needs to know about the package itself (which
computed sheets are ours, which columns are taken, the rows of the sheets we append to) comes in
a ``Survey`` made from the editor (apply.py) at read time. Nothing handed in is changed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any

import pandas as pd

from . import runstate
from .findings import Change, Finding
from .grading.model import MonthResult
from .planmodel import CellEdits, FooterMove, Growth, Plan, SheetEdit, Survey
from .plansheets import computed_columns, computed_sheets
from .planvalues import same
from .schema import registry
from .schema.base import CREDIT_CODE, ID, PHONE
from .validators import Checked

__all__ = [
    "CellEdits",
    "FooterMove",
    "Growth",
    "Plan",
    "SheetEdit",
    "Survey",
    "build_plan",
    "computed_changes",
]

RATE_RULE = "计算差异率"


def build_plan(
    checked: Checked,
    graded: MonthResult,
    findings: Sequence[Finding],
    changes: Sequence[Change],
    *,
    hand: runstate.Edits,
    lang: str = "zh",
    survey: Survey | None = None,
    stamp: str | None = None,
) -> Plan:
    """The run's edits; ``findings`` already hold the survey's ``not_ours`` ones; ``stamp``: the
    time written into 变更记录 (now when None)."""
    survey = survey or Survey()
    stamp = stamp or datetime.now().strftime("%Y-%m-%d %H:%M:%S")
    footer, growth = _placement(checked)
    return Plan(
        footer=footer,
        growth=growth,
        cells=(*change_cells(changes), *computed_columns(checked, graded, survey)),
        sheets=computed_sheets(checked, graded, findings, changes, hand, lang, survey, stamp),
        marks=marks(checked, findings, lang),
    )


def computed_changes(checked: Checked, graded: MonthResult, actuals: Mapping[int, Any]) -> list[Change]:
    """The computed 差异率 written into its blank (or still ours) cell of 效果评估表 (seed 004's own
    column); ``actuals``: an older version's computed 实际值 (api.legacy_actuals), which leaves the
    user's column — the computed 实际值 lives in our column 计算实际值, never read back as typed."""
    sheet = checked.wb.get(registry.EVALUATION.name)
    if sheet is None:
        return []
    out = []
    for row, value in graded.rate_fills.items() if "gap_rate" in sheet.columns else ():
        old = sheet.frame.at[row, "gap_rate"] if row in sheet.frame.index else None
        if same(old, value):
            continue
        out.append(
            Change(
                sheet.tab, sheet.cell("gap_rate", row), old, value, RATE_RULE, field="差异率", row=int(row)
            )
        )
    for row, old in actuals.items():
        cell = sheet.cell("actual", row)
        out.append(
            Change(sheet.tab, cell, old, None, "旧版计算实际值移至计算实际值", field="实际值", row=int(row))
        )
    return out


def _placement(checked: Checked) -> tuple[FooterMove | None, Growth | None]:
    place, archive = checked.placement, checked.wb.get(registry.ARCHIVE.name)
    if archive is None or place is None or place.blocked or not place.count:
        return None, None
    footer = (
        FooterMove(archive.tab, tuple(place.footer), place.shift, dict(place.formulas), place.data_end)
        if place.shift
        else None
    )
    # a footer that moved down: the rows behave as inserted at its first row, by as many as it moved
    rows = place.inserted or (place.first, place.first + place.count - 1)
    growth = Growth(archive.tab, archive.header_row + 1, tuple(rows), place.inserted is not None)  # type: ignore[arg-type]
    return footer, growth


def change_cells(changes: Iterable[Change]) -> list[CellEdits]:
    """Cell edits grouped by how they are written: dates, ％ rates, text that looks like a number, the rest."""
    text_headers = {
        f.header for s in registry.DATA_SHEETS for f in s.fields if f.kind in (PHONE, ID, CREDIT_CODE)
    }
    groups: dict[tuple[str, str], dict[str, Any]] = defaultdict(dict)
    for c in changes:
        new = c.new.date() if isinstance(c.new, (pd.Timestamp, datetime)) else c.new
        kind = (
            "date"
            if isinstance(new, date)
            else "rate"
            if c.rule == RATE_RULE
            else "text"
            if c.field in text_headers
            else "plain"
        )
        groups[(c.sheet, kind)][c.cell] = new
    out = []
    for (sheet, kind), cells in groups.items():
        if kind == "date":
            out.append(CellEdits(sheet, cells, number_format="yyyy-mm-dd"))
        elif kind == "rate":  # a number with its ％ format, never text
            out.append(CellEdits(sheet, cells, number_format="0.0%"))
        else:
            out.append(CellEdits(sheet, cells, as_text=kind == "text"))
    return out


def marks(checked: Checked, findings: Iterable[Finding], lang: str) -> dict[str, dict[str, str]]:
    """Fill + comment on every problem cell; a data sheet without problems gets none (last run's go).

    A finding's note depends on its code, field, value and parameters only, so findings repeated down
    a column with the same value share one message (#16: built once per distinct note, not per row)."""
    by_tab: dict[str, dict[str, list[str]]] = {
        s.tab: {} for s in checked.wb.sheets.values() if not s.schema.computed
    }
    notes: dict[Any, str] = {}
    for f in findings:
        cells = by_tab.get(f.sheet)
        if cells is None or not f.cell:
            continue
        key = _note_key(f)
        note = notes.get(key) if key is not None else None
        if note is None:
            note = f"{f.message(lang)}（{f.code}）"
            if key is not None:
                notes[key] = note
        cells.setdefault(f.cell, []).append(note)
    return {tab: {cell: "\n".join(msgs) for cell, msgs in cells.items()} for tab, cells in by_tab.items()}


def _note_key(f: Finding) -> Any:
    """What a finding's message depends on, hashable; None when it cannot be (then it is not shared)."""
    if f.cells:  # a column's merged finding names its cells: one of a kind
        return None
    try:
        key = (f.code, f.field, type(f.value), f.value, tuple(sorted(f.params.items())))
        hash(key)
    except TypeError:
        return None
    return key
