"""The package side of the run's plan (plan.py): survey the record before planning, keep changes
off formula cells, and apply a plan with the part-by-part editor (writeback.WorkbookEditor).

Everything here reads the record as it was read at the start of the run (``Source.data``, in
memory); nothing re-reads the file during the write.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from ._gc import no_gc
from .excel import col_index, col_letters
from .findings import Change, Finding
from .io.guard import Source
from .io.rawread import read_raw
from .plan import Plan, Survey
from .planvalues import plain
from .schema import registry
from .schema.computed import CHANGES_SHEET, COMPUTED_SHEETS, HISTORY_SHEET, ComputedSheet
from .validators import Checked
from .writeback import WorkbookEditor
from .writeback.newsheet import Columns
from .writeback.ownership import alternative_name

_NOT_OURS = {
    "user": ("没有本工具的标记", "it carries no workbook-crm marker"),
    "additions": (
        "含用户添加的表格、图表、图片或批注",
        "it holds tables, charts, pictures or notes the user added",
    ),
    "not-a-worksheet": ("不是普通工作表", "it is not a worksheet"),
}
_ALTERNATIVES = 9  # 变更记录（workbook-crm）… （workbook-crm 9）: read when present


def open_editor(checked: Checked) -> WorkbookEditor | None:
    try:
        return WorkbookEditor(checked.wb.source.data)
    except Exception:  # the write-back reports it (WriteFailed); the editor guards formulas there too
        return None


def read_existing(source: Source) -> dict[str, tuple[list[str], list[list[Any]]]]:
    """At read time: the rows already in the sheets we append to (变更记录, and 分级历史 where ours
    went elsewhere), read back as typed, with the headers the user added after ours."""
    wanted: list[tuple[str, int]] = []
    for spec, own in ((CHANGES_SHEET, True), (HISTORY_SHEET, False)):
        names = [alternative_name(spec.name, n) for n in range(1, _ALTERNATIVES + 1)]
        width = len(spec.columns or ())
        wanted += [(n, width) for n in ([spec.name] if own else []) + names if n in source.sheet_names]
    if not wanted:
        return {}
    raw = read_raw(source, sheets=[n for n, _ in wanted]).sheets
    out = {}
    for tab, width in wanted:
        sheet = raw.get(tab)
        if sheet is not None and sheet.rows:
            out[tab] = _existing_rows(sheet.rows, width)
    return out


def _existing_rows(rows: Sequence[Sequence[Any]], width: int) -> tuple[list[str], list[list[Any]]]:
    used = max((i + 1 for r in rows for i, v in enumerate(r) if v not in (None, "")), default=0)
    full = max(width, used)
    extra = [
        "" if v in (None, "") else str(v) for v in (list(rows[0][width:full]) + [None] * full)[: full - width]
    ]
    body = [list(r[:full]) + [None] * (full - len(r[:full])) for r in rows[1:]]
    return extra, [r for r in body if any(v not in (None, "") for v in r)]


def survey(
    editor: WorkbookEditor,
    checked: Checked,
    tiers_columns: Sequence[str],
    existing: dict[str, tuple[list[str], list[list[Any]]]],
) -> Survey:
    """Where each computed sheet goes — its own name when that sheet is ours (or absent), else
    ``…（workbook-crm）``: a sheet we did not write is never replaced (issue #14, items 3, 16), and a
    ``sheet-not-ours`` finding says so — and which columns the computed columns must avoid."""
    targets, found = {}, []
    for spec in COMPUTED_SHEETS:
        first = spec.first_header(next(iter(tiers_columns), "客户编号"))
        targets[spec.name], reason = editor.computed_target(
            spec.name, first_header=first, tab_color=spec.tab_color
        )
        if reason is not None:
            zh, en = _NOT_OURS[reason.split(":")[0]]
            params = {"sheet_name": spec.name, "target": targets[spec.name], "reason": zh, "reason_en": en}
            found.append(Finding("sheet-not-ours", sheet=spec.name, params=params))
    usage = {}
    for schema in (registry.EVALUATION, registry.CAMPAIGNS):
        sheet = checked.wb.get(schema.name)
        if sheet is not None:
            usage[sheet.tab] = editor.column_usage(sheet.tab)
    return Survey(targets=targets, not_ours=tuple(found), usage=usage, existing=existing)


def apply_plan(editor: WorkbookEditor, plan: Plan) -> None:
    """Write the plan into the package, in its order; the caller turns the editor into bytes.

    Without collections: millions of short-lived values and strings, no cycles (#16)."""
    with no_gc():
        _apply_plan(editor, plan)


def _apply_plan(editor: WorkbookEditor, plan: Plan) -> None:
    if plan.footer is not None:
        f = plan.footer
        editor.move_rows(f.sheet, f.rows, f.shift, f.formulas, style_row=f.style_row)
    if plan.growth is not None:
        g = plan.growth
        editor.extend_structures(g.sheet, first_data_row=g.first_data_row, rows=g.rows, inserted=g.inserted)
    for c in plan.cells:
        if c.style_from is not None:
            editor.set_cells(c.sheet, c.cells, style_from=c.style_from)
        elif c.as_text:
            editor.set_cells(c.sheet, c.cells, as_text=True)
        else:
            editor.set_cells(c.sheet, c.cells, number_format=c.number_format)
    for s in plan.sheets:  # column by column: a frame's values never go through rows (#16)
        write_computed(editor, s.spec, s.target, s.header, Columns(s.all_columns()), links=s.links)
    for tab, notes in plan.marks.items():
        editor.mark_cells(tab, notes)


def write_computed(
    editor: WorkbookEditor,
    spec: ComputedSheet,
    target: str,
    header: Sequence[str],
    rows: Iterable[Sequence[Any]] | Columns,
    links: dict[tuple[int, int], str] | Any = None,
) -> None:
    """One computed sheet with its spec's tab colour and widths."""
    widths = list(spec.widths) if spec.widths else None
    editor.replace_sheet(
        target, list(header), rows, links=links or None, tab_color=spec.tab_color, widths=widths
    )


def spare_formulas(
    checked: Checked, changes: list[Change], editor: WorkbookEditor | None = None
) -> tuple[list[Change], list[Finding]]:
    """Changes aimed at formula cells (or inside an array formula's range) are not made: the cell
    keeps its formula, the change is reported instead of written or logged (issue #14, items 6, 13).
    A formula with no cached value reads as blank, so intake would otherwise give it a new ID."""
    sheets = {c.sheet for c in changes}
    editor = editor or open_editor(checked)
    if not sheets or editor is None:
        return changes, []
    names = set(editor.sheet_names)
    guards = {s: editor.formula_cells(s) for s in sheets if s in names}
    place, archive = checked.placement, checked.wb.get(registry.ARCHIVE.name)
    moving = (
        set(place.footer)
        if archive is not None and place is not None and not place.blocked and place.shift and place.count
        else set()
    )  # a footer's formulas move down: its old cells are free
    kept, found = [], []
    for c in changes:
        guard = guards.get(c.sheet)
        free = moving and archive is not None and c.sheet == archive.tab and c.row in moving
        kind = guard.kind(c.cell) if guard is not None and not free else None
        if kind is None:
            kept.append(c)
            continue
        params: dict[str, Any] = {"new": plain(c.new)}
        if kind == "array":
            assert guard is not None  # kind came from it
            params["range"] = next(
                f"{col_letters(c1)}{r1}:{col_letters(c2)}{r2}"
                for r1, c1, r2, c2 in guard.ranges
                if _inside(c.cell, (r1, c1, r2, c2))
            )
        found.append(
            Finding(
                "formula-kept" if kind == "formula" else "array-formula-kept",
                sheet=c.sheet,
                cell=c.cell,
                row=c.row,
                field=c.field,
                value=c.old,
                params=params,
            )
        )
    return kept, found


def _inside(ref: str, box: tuple[int, int, int, int]) -> bool:
    col = "".join(ch for ch in ref if ch.isalpha())
    r, c = int(ref[len(col) :]), col_index(col)
    return box[0] <= r <= box[2] and box[1] <= c <= box[3]
