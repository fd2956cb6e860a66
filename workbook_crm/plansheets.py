"""The plan's computed sheets (客户分层 … 分级历史, rows and targets) and computed columns (效果评估表,
市场开拓跟踪表): pure functions of the check, the grading and the survey (plan.py puts them together)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from collections.abc import Set as AbstractSet
from typing import Any

import pandas as pd

from . import runstate
from .excel import cell_value, col_letters
from .findings import Change, Finding
from .grading.model import MonthResult
from .io.reader import SheetData
from .planmodel import CellEdits, SheetEdit, Survey
from .planvalues import plain, same
from .schema import registry
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
)
from .validators import Checked

_GRID_COLUMNS = 16384  # XFD: Excel's last column


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
        style = f"{col_letters(last_header + 1)}{sheet.header_row}"
        new_headers = {
            f"{col_letters(c + 1)}{sheet.header_row}": n
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
    letter = col_letters(col + 1)
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
    months = graded.history_rows.get("月份", pd.Series(dtype=object))
    return {graded.month} | set(months.astype(str).unique())  # distinct first (#16: 100k rows)
