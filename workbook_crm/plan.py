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
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import pandas as pd
from openpyxl.utils import get_column_letter

from . import runstate
from .findings import Change, Finding
from .grading.model import MonthResult
from .io.reader import SheetData
from .planvalues import cell_value, frame_rows, plain, same
from .schema import registry
from .schema.base import CREDIT_CODE, ID, PHONE
from .schema.computed import (
    CAMPAIGN_COLUMNS,
    CHANGES_SHEET,
    DUPLICATES_SHEET,
    EVAL_COLUMNS,
    HISTORY_COLUMNS,
    HISTORY_SHEET,
    ISSUES_SHEET,
    PER_ROW,
    REMINDERS_SHEET,
    TIERS_SHEET,
    ComputedSheet,
)
from .validators import Checked

RATE_RULE = "计算差异率"
_GRID_COLUMNS = 16384  # XFD: Excel's last column


@dataclass(frozen=True)
class CellEdits:
    """Cells of one sheet written the same way (a number format, text, the style of a header)."""

    sheet: str
    cells: Mapping[str, Any]
    number_format: str | None = None
    as_text: bool = False
    style_from: str | None = None


@dataclass(frozen=True)
class SheetEdit:
    """A computed sheet written fresh into ``target`` (its own name, or ``…（workbook-crm）`` when
    the user owns that name): ``rows`` first, then ``frame``'s rows in ``header`` order."""

    spec: ComputedSheet
    target: str
    header: tuple[str, ...]
    rows: Sequence[Sequence[Any]] = ()
    frame: pd.DataFrame | None = None
    links: Mapping[tuple[int, int], str] = field(default_factory=dict)

    def all_rows(self) -> list[list[Any]]:
        """The rows as plain Python values (converted column by column when they come from a frame)."""
        return [list(r) for r in self.rows] + frame_rows(self.frame, self.header)


@dataclass(frozen=True)
class FooterMove:
    """A 合计 footer under 客户档案's data moving below the customers intake files (io/placement.py)."""

    sheet: str
    rows: tuple[int, ...]
    shift: int
    formulas: Mapping[str, str]
    style_row: int


@dataclass(frozen=True)
class Growth:
    """The user's Table, filter, validations, formats, names and print area taking new rows."""

    sheet: str
    first_data_row: int
    rows: tuple[int, int]
    inserted: bool


@dataclass(frozen=True)
class Survey:
    """What the package holds that the plan depends on, read before anything is written.

    ``targets``: computed sheet → the sheet it goes into; ``not_ours``: a finding per computed sheet
    the user owns; ``usage``: tab → (columns holding anything, hidden columns), 1-based;
    ``existing``: tab → (headers the user added after ours, rows) of the sheets we append to."""

    targets: Mapping[str, str] = field(default_factory=dict)
    not_ours: tuple[Finding, ...] = ()
    usage: Mapping[str, tuple[AbstractSet[int], AbstractSet[int]]] = field(default_factory=dict)
    existing: Mapping[str, tuple[list[str], list[list[Any]]]] = field(default_factory=dict)

    def target(self, name: str) -> str:
        return self.targets.get(name, name)


@dataclass(frozen=True)
class Plan:
    """The edits of one run, in the order they are applied."""

    footer: FooterMove | None
    growth: Growth | None
    cells: tuple[CellEdits, ...]
    sheets: tuple[SheetEdit, ...]
    marks: Mapping[str, Mapping[str, str]]  # tab → cell → note (every data sheet, empty: unmark)

    def sheet(self, name: str) -> SheetEdit:
        """The edit of computed sheet ``name`` (by its spec's name)."""
        return next(s for s in self.sheets if s.spec.name == name)


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


def extra_columns(
    sheet: SheetData, names: Iterable[str], occupied: AbstractSet[int] = frozenset()
) -> dict[str, int]:
    """Column index (0-based) for each computed column: ours from an earlier run, else the next
    column that is empty in every row and not hidden (``occupied``: the columns holding anything —
    a headerless note included — or hidden; issue #14, items 4 and 16)."""
    by_header = {h: c for c, h in sheet.headers.items()}
    taken = set(sheet.headers) | set(sheet.columns.values()) | set(occupied)
    nxt = max([*sheet.headers.keys(), *sheet.columns.values(), -1]) + 1
    out = {}
    for name in names:
        if name in by_header and by_header[name] not in sheet.columns.values():
            out[name] = by_header[name]
        else:
            while nxt in taken:
                nxt += 1
            out[name] = nxt
            nxt += 1
    return out


def computed_columns(checked: Checked, graded: MonthResult, survey: Survey) -> list[CellEdits]:
    """效果评估表's and 市场开拓跟踪表's computed columns beside the user's (headers, then values that
    differ from what the cells hold: a re-run rewrites nothing)."""
    out: list[CellEdits] = []
    for schema, table, cols in (
        (registry.EVALUATION, graded.evaluation, EVAL_COLUMNS),
        (registry.CAMPAIGNS, graded.campaigns, CAMPAIGN_COLUMNS),
    ):
        sheet = checked.wb.get(schema.name)
        if sheet is None or table is None or table.empty:
            continue
        used, hidden = survey.usage.get(sheet.tab, (frozenset(), frozenset()))
        where = extra_columns(sheet, [n for n, _ in cols], {c - 1 for c in set(used) | set(hidden)})
        if max(where.values()) >= _GRID_COLUMNS:
            continue  # no free, visible column left in the grid: the figures stay in the summary only
        last_header = max(sheet.headers) if sheet.headers else 0
        style = f"{get_column_letter(last_header + 1)}{sheet.header_row}"
        new_headers = {
            f"{get_column_letter(c + 1)}{sheet.header_row}": n
            for n, c in where.items()
            if sheet.headers.get(c) != n
        }
        if new_headers:
            out.append(CellEdits(sheet.tab, new_headers, style_from=style))
        for name, fmt in cols:
            if name in table:
                out += _column_edits(sheet, table, name, fmt, where[name])
    return out


def _column_edits(
    sheet: SheetData, table: pd.DataFrame, name: str, fmt: str | None, col: int
) -> list[CellEdits]:
    letter = get_column_letter(col + 1)
    header = sheet.headers.get(col)
    now = sheet.frame[header] if header is not None and header in sheet.frame.columns else None
    cells = {}
    for row, v in table[name].items():
        if row not in sheet.frame.index:
            continue
        value = cell_value(v)
        if now is None or not same(now.at[row], value):
            cells[f"{letter}{row}"] = value
    if fmt == PER_ROW and "percent" in table:
        pct = {f"{letter}{row}" for row, p in table["percent"].items() if bool(p)}
        parts = (
            ({k: v for k, v in cells.items() if k in pct}, "0.0%"),
            ({k: v for k, v in cells.items() if k not in pct}, None),
        )
        return [CellEdits(sheet.tab, part, number_format=f) for part, f in parts if part]
    return [CellEdits(sheet.tab, cells, number_format=None if fmt == PER_ROW else fmt)] if cells else []


def issue_rows(findings: Sequence[Finding], lang: str) -> tuple[list[list[Any]], dict[tuple[int, int], str]]:
    """校验问题: one row per finding, its 单元格 a link to the cell."""
    rows, links = [], {}
    for i, f in enumerate(findings):
        level = "错误" if f.severity == "error" else "警告"
        rows.append([level, f.code, f.sheet, f.cell, f.field, plain(f.value), f.message(lang), f.hint(lang)])
        if f.sheet and f.cell:
            links[(i, 3)] = f"'{f.sheet}'!{f.cell}"
    return rows, links


def computed_sheets(
    checked: Checked,
    graded: MonthResult,
    findings: Sequence[Finding],
    changes: Sequence[Change],
    hand: runstate.Edits,
    lang: str,
    survey: Survey,
    stamp: str,
) -> tuple[SheetEdit, ...]:
    to = survey.target
    tiers = tuple(graded.tiers.columns)
    issues, links = issue_rows(findings, lang)
    extra, log = survey.existing.get(to(CHANGES_SHEET.name), ([], []))
    pad = [None] * len(extra)
    log = [*log]
    log += [
        [stamp, c.sheet, c.cell, plain(c.old), plain(c.new), c.rule, runstate.HAND, hand.period, *pad]
        for c in hand.changes
    ]
    log += [
        [stamp, c.sheet, c.cell, plain(c.old), plain(c.new), c.rule, runstate.TOOL, graded.month, *pad]
        for c in changes
    ]
    return (
        SheetEdit(TIERS_SHEET, to(TIERS_SHEET.name), tiers, frame=graded.tiers),
        SheetEdit(
            REMINDERS_SHEET, to(REMINDERS_SHEET.name), REMINDERS_SHEET.columns or (), frame=graded.reminders
        ),
        SheetEdit(
            DUPLICATES_SHEET,
            to(DUPLICATES_SHEET.name),
            DUPLICATES_SHEET.columns or (),
            frame=checked.duplicates,
        ),
        SheetEdit(ISSUES_SHEET, to(ISSUES_SHEET.name), ISSUES_SHEET.columns or (), rows=issues, links=links),
        SheetEdit(CHANGES_SHEET, to(CHANGES_SHEET.name), (*(CHANGES_SHEET.columns or ()), *extra), rows=log),
        SheetEdit(
            HISTORY_SHEET,
            to(HISTORY_SHEET.name),
            HISTORY_COLUMNS,
            rows=_kept_history(checked, graded, survey),
            frame=graded.history_rows,
        ),
    )


def _kept_history(checked: Checked, graded: MonthResult, survey: Survey) -> list[list[Any]]:
    """分级历史's months this run does not rewrite: from the parsed sheet when it is ours, else from
    the sheet ours went to (the user owns 分级历史)."""
    written = written_months(graded)
    target = survey.target(HISTORY_SHEET.name)
    if target == registry.HISTORY.name:
        hist = checked.clean.get(registry.HISTORY.name)
        if hist is None or hist.empty:
            return []
        records = hist.reindex(columns=[f.name for f in registry.HISTORY.fields]).itertuples(
            index=False, name=None
        )
        return [[plain(v) for v in rec] for rec in records if str(rec[0]) not in written]
    _, rows = survey.existing.get(target, ([], []))
    return [[plain(v) for v in r[: len(HISTORY_COLUMNS)]] for r in rows if str(r[0]) not in written]


def written_months(graded: MonthResult) -> set[str]:
    """分级历史 blocks this run rewrites: its month, and at a quarter's end the quarter (2024Q2, issue #13)."""
    return {graded.month} | set(graded.history_rows.get("月份", pd.Series(dtype=object)).astype(str))


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
