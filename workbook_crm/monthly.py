"""The monthly run (月度校验与评级): check and grade, then write the results back into the record.

The record is edited part by part (writeback/): normalized values and new IDs go into their cells,
computed columns beside the user's, computed sheets are replaced, problem cells marked; every other
part of the package is copied byte for byte. The file is replaced only after a backup, a temporary
copy and a re-read all succeeded.
"""

from __future__ import annotations

import contextlib
from collections import defaultdict
from collections.abc import Callable, Iterable
from collections.abc import Set as AbstractSet
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl.utils import get_column_letter

from . import runstate
from ._gc import bulk_work, settle
from .api import Progress, check, legacy_actuals, no_progress, require_customers
from .errors import WorkbookCrmError, WriteFailed
from .findings import Change, Finding, sort_findings
from .grading.model import MonthResult
from .io.rawread import read_raw
from .io.reader import SheetData
from .period import parse_month
from .reports.job import SummaryJob
from .runresult import Converted, RunResult
from .schema import registry
from .schema.base import CREDIT_CODE, ID, PHONE
from .schema.computed import (
    CAMPAIGN_COLUMNS,
    CHANGE_COLUMNS,
    DUPLICATE_COLUMNS,
    EVAL_COLUMNS,
    HISTORY_COLUMNS,
    ISSUE_COLUMNS,
    PER_ROW,
    REMINDER_COLUMNS,
    TAB_COLORS,
)
from .validators import Checked, reportable
from .validators.returning import fingerprints
from .writeback import WorkbookEditor, check_run_targets, safe_replace, write_new


def run_month(
    path: str | Path,
    *,
    month: str | None = None,
    dry_run: bool = False,
    output: Path | None = None,
    summary: Path | None | bool = True,
    password: str | None = None,
    rules_file: Path | None = None,
    today: date | None = None,
    lang: str = "zh",
    backup_dir: Path | None = None,
    progress: Progress = no_progress,
) -> RunResult:
    """Validate, normalize, grade and write back. ``summary=True`` writes one beside the file."""
    path = Path(path)
    output_sha = None
    if not dry_run:  # refuse outputs that would lose data before any work (see writeback/targets.py)
        planned = (
            summary
            if isinstance(summary, Path)
            else (default_summary_path(path, parse_month(month, today)[0]) if summary else None)
        )
        output, output_sha = check_run_targets(path, output=Path(output) if output else None, summary=planned)
    state = runstate.load(path)
    with bulk_work():  # one frozen GC for both halves (check's own is nested)
        checked, graded = check(
            path,
            password=password,
            month=month,
            today=today,
            rules_file=rules_file,
            progress=progress,
            state=state,
        )
        require_customers(checked, path)
        if checked.wb.source.converted_from and not dry_run:
            return _run_converted(
                path,
                checked,
                output,
                month=month,
                summary=summary,
                rules_file=rules_file,
                today=today,
                lang=lang,
                backup_dir=backup_dir,
                progress=progress,
            )
        findings = reportable(checked, graded.findings)
        # one editor for the formula check and the write-back (the sheets it inflates are read once);
        # handed over in a box so that the write-back's `del` frees it before the file is replaced
        box = {"editor": _open_editor(checked)}
        editor_changes, kept = spare_formulas(
            checked, list(checked.changes) + _computed_changes(checked, graded), box["editor"]
        )
        findings = sort_findings([*findings, *kept]) if kept else findings
        now = runstate.current(checked.wb, editor_changes)
        edits = runstate.hand_edits(checked.wb, state, now, graded.asof)
        graded.lifecycle = edits.lifecycle
        result = RunResult(
            file=str(path),
            findings=findings,
            changes=editor_changes,
            month=graded.month,
            asof=graded.asof.isoformat(),
            dry_run=dry_run,
            hand_edits=list(edits.changes),
            baseline=_baseline_note(path) if edits.baseline else None,
            output=str(output) if output is not None else None,
        )
        if dry_run:
            return result
        after = runstate.RunState(
            month=graded.month,
            asof=graded.asof.isoformat(),
            customers={cid: vals for cid, (_, vals) in now.items()},
            ours=_ours_after(checked, graded),
            events=runstate.events_of(edits.lifecycle),
            registrations=fingerprints(
                checked.wb.get(registry.REGISTRATION.name), editor_changes, checked.duplicates
            ),
        )
        result = _write(
            path,
            checked,
            graded,
            result,
            findings,
            editor_changes,
            output=output,
            summary=summary,
            lang=lang,
            backup_dir=backup_dir,
            progress=progress,
            hand=edits,
            output_sha=output_sha,
            box=box,
        )
        # the record is written: what it holds now is the next run's baseline
        runstate.save(Path(output) if output is not None else path, after)
        return result


def _baseline_note(path: Path) -> str:
    return (
        f"未找到上次运行的记录（{runstate.state_path(path).parent.parent.name}/state/{path.name}.json），"
        "本次运行作为对比基线，下次运行起记录人工修改"
    )


def _ours_after(checked: Checked, graded: MonthResult) -> dict[str, Any]:
    """The user's cells this run fills (a blank 差异率): the next run recognises them as ours."""
    sheet = checked.wb.get(registry.EVALUATION.name)
    if sheet is None or "gap_rate" not in sheet.columns:
        return {}
    return {
        f"{sheet.tab}!{sheet.cell('gap_rate', row)}": runstate.plain(v)
        for row, v in graded.rate_fills.items()
    }


def converted_target(path: Path) -> Path:
    """Where `run` puts the record of a .xls/CSV: NAME.xlsx beside it, else NAME-workbook-crm.xlsx."""
    from .errors import OutputExists

    for candidate in (path.with_suffix(".xlsx"), path.with_name(f"{path.stem}-workbook-crm.xlsx")):
        if not candidate.exists():
            return candidate
    raise OutputExists(path, detail=str(path.with_name(f"{path.stem}-workbook-crm.xlsx")))


def _run_converted(path: Path, checked: Checked, output: Path | None, **kw: Any) -> RunResult:
    """A .xls/CSV is never written: its values become a new .xlsx, and the run works on that (issue #11)."""
    target = Path(output) if output is not None else converted_target(path)
    write_new(target, checked.wb.source.data)
    try:
        result = run_month(target, dry_run=False, output=None, password=None, **kw)
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    result.converted = Converted(str(path), str(target), str(checked.wb.source.converted_from))
    if result.backup:  # a backup of the copy made a moment ago would only be clutter
        backup = Path(result.backup)
        backup.unlink(missing_ok=True)
        with contextlib.suppress(OSError):
            backup.parent.rmdir()
            backup.parent.parent.rmdir()
        result.backup = None
    return result


def _write(
    path: Path,
    checked: Checked,
    graded: MonthResult,
    result: RunResult,
    findings: list[Finding],
    editor_changes: list[Change],
    *,
    output: Path | None,
    summary: Path | bool | None,
    lang: str,
    backup_dir: Path | None,
    progress: Progress,
    hand: runstate.Edits,
    output_sha: str | None = None,
    box: dict[str, WorkbookEditor | None] | None = None,
) -> RunResult:
    # the normalized frames were for grading; only 分级历史 is still read (to keep other months)
    for name in [n for n in checked.clean if n != registry.HISTORY.name]:
        del checked.clean[name]
    settle()
    job = None
    if summary:
        out = summary if isinstance(summary, Path) else default_summary_path(path, graded.month)
        progress("生成汇总")
        job = SummaryJob(
            graded,
            findings,
            out,
            source_name=path.name,
            lang=lang,
            n_rows={n: len(s.frame) for n, s in checked.wb.sheets.items()},
        )
    written: list[bool] = []
    try:
        _write_record(
            path,
            checked,
            graded,
            result,
            findings,
            editor_changes,
            output=output,
            lang=lang,
            backup_dir=backup_dir,
            progress=progress,
            hand=hand,
            output_sha=output_sha,
            box=box,
            on_swapped=lambda: written.append(True),
        )
    except BaseException as exc:
        if job is not None:
            job.cancel()  # the record was not written (or the run was stopped): no summary of it
        exc.written = bool(written)  # type: ignore[attr-defined]  # what Ctrl-C's one line says
        raise
    if job is not None:
        try:
            error = job.finish()
        except BaseException as exc:  # Ctrl-C while the summary is finished: the record is written
            job.cancel()
            exc.written = True  # type: ignore[attr-defined]
            raise
        result.summary = None if error else str(job.out)
        result.summary_error = error
    return result


def _write_record(
    path: Path,
    checked: Checked,
    graded: MonthResult,
    result: RunResult,
    findings: list[Finding],
    editor_changes: list[Change],
    *,
    output: Path | None,
    lang: str,
    backup_dir: Path | None,
    progress: Progress,
    hand: runstate.Edits,
    output_sha: str | None = None,
    box: dict[str, WorkbookEditor | None] | None = None,
    on_swapped: Callable[[], None] | None = None,
) -> None:
    progress("写回工作簿")
    try:
        editor = (box or {}).pop("editor", None) or WorkbookEditor(checked.wb.source.data)
        _move_footer(editor, checked)
        _grow_structures(editor, checked)
        _apply_changes(editor, checked, editor_changes)
        _write_computed_columns(editor, checked, graded)
        _write_sheets(editor, checked, graded, findings, editor_changes, lang, hand)
        _mark(editor, checked, findings, lang)
        data = editor.to_bytes()
    except WorkbookCrmError as exc:
        exc.path = exc.path or str(path)  # the editor's refusals (protection) name no file
        raise
    except Exception as exc:  # a package the editor cannot take apart safely: refuse, write nothing
        raise WriteFailed(path, detail=f"{type(exc).__name__}: {exc}"[:300]) from exc
    del editor
    settle()
    progress("校验并保存")
    if output is not None and output_sha is None:
        write_new(Path(output), data, on_swapped=on_swapped)
    elif output is not None:  # an existing --output is backed up and checked like a record
        assert output_sha is not None  # the branch above took output_sha None
        backup = safe_replace(Path(output), data, expected_sha256=output_sha, on_swapped=on_swapped)
        result.backup = str(backup) if backup else None
    else:
        backup = safe_replace(
            path, data, expected_sha256=checked.wb.source.sha256, backup_dir=backup_dir, on_swapped=on_swapped
        )
        result.backup = str(backup) if backup else None
    del data
    # the record's frames are done with: let them go (peak memory)
    checked.wb.sheets.clear()
    checked.clean.clear()
    settle()


def default_summary_path(path: Path, month: str) -> Path:
    return path.with_name(f"{path.stem}-汇总-{month}.xlsx")


RATE_RULE = "计算差异率"


def _computed_changes(checked: Checked, graded: MonthResult) -> list[Change]:
    """The computed 差异率 written into its blank (or still ours) cell of 效果评估表 (seed 004's own column).

    The computed 实际值 never goes into the user's 实际值 (it would read back as typed next month):
    it lives in our column 计算实际值.
    """
    sheet = checked.wb.get(registry.EVALUATION.name)
    if sheet is None:
        return []
    out = []
    for row, value in graded.rate_fills.items() if "gap_rate" in sheet.columns else ():
        old = sheet.frame.at[row, "gap_rate"] if row in sheet.frame.index else None
        if _same(old, value):
            continue
        out.append(
            Change(
                sheet.tab, sheet.cell("gap_rate", row), old, value, RATE_RULE, field="差异率", row=int(row)
            )
        )
    for row, old in legacy_actuals(
        checked
    ).items():  # an older version's computed 实际值 leaves the user's column
        out.append(
            Change(
                sheet.tab,
                sheet.cell("actual", row),
                old,
                None,
                "旧版计算实际值移至计算实际值",
                field="实际值",
                row=int(row),
            )
        )
    return out


def _open_editor(checked: Checked) -> WorkbookEditor | None:
    try:
        return WorkbookEditor(checked.wb.source.data)
    except Exception:  # the write-back reports it (WriteFailed); the editor guards formulas there too
        return None


def spare_formulas(
    checked: Checked, changes: list[Change], editor: WorkbookEditor | None = None
) -> tuple[list[Change], list[Finding]]:
    """Changes aimed at formula cells (or inside an array formula's range) are not made: the cell
    keeps its formula, the change is reported instead of written or logged (issue #14, items 6, 13).
    A formula with no cached value reads as blank, so intake would otherwise give it a new ID."""
    sheets = {c.sheet for c in changes}
    editor = editor or _open_editor(checked)
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
        params: dict[str, Any] = {"new": _plain(c.new)}
        if kind == "array":
            assert guard is not None  # kind came from it
            params["range"] = next(
                f"{get_column_letter(c1)}{r1}:{get_column_letter(c2)}{r2}"
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
    r, c = int(ref[len(col) :]), _col_index(col) + 1
    return box[0] <= r <= box[2] and box[1] <= c <= box[3]


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return abs(float(a) - float(b)) < 1e-9
    return a == b


def _move_footer(editor: WorkbookEditor, checked: Checked) -> None:
    """A 合计 footer under 客户档案's data moves below the customers intake files (io/placement.py)."""
    place = checked.placement
    archive = checked.wb.get(registry.ARCHIVE.name)
    if archive is None or place is None or place.blocked or not (place.shift and place.count):
        return
    editor.move_rows(archive.tab, place.footer, place.shift, place.formulas, style_row=place.data_end)


def _grow_structures(editor: WorkbookEditor, checked: Checked) -> None:
    """The user's Table, filter, validations, formats, names and print area take intake's new rows
    (issue #14, item 12; the rows are where io/placement.py put them)."""
    place = checked.placement
    archive = checked.wb.get(registry.ARCHIVE.name)
    if archive is None or place is None or place.blocked or not place.count:
        return
    # a footer that moved down: the rows behave as inserted at its first row, by as many as it moved
    rows = place.inserted or (place.first, place.first + place.count - 1)
    editor.extend_structures(
        archive.tab, first_data_row=archive.header_row + 1, rows=rows, inserted=place.inserted is not None
    )


def _apply_changes(editor: WorkbookEditor, checked: Checked, changes: Iterable[Change]) -> None:
    """Cell edits grouped by how they are written: dates, text that looks like a number, the rest."""
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
    for (sheet, kind), cells in groups.items():
        if kind == "date":
            editor.set_cells(sheet, cells, number_format="yyyy-mm-dd")
        elif kind == "rate":  # a number with its ％ format, never text
            editor.set_cells(sheet, cells, number_format="0.0%")
        else:
            editor.set_cells(sheet, cells, as_text=kind == "text")


def _extra_columns(
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


def _write_computed_columns(editor: WorkbookEditor, checked: Checked, graded: MonthResult) -> None:
    for schema, table, cols in (
        (registry.EVALUATION, graded.evaluation, EVAL_COLUMNS),
        (registry.CAMPAIGNS, graded.campaigns, CAMPAIGN_COLUMNS),
    ):
        sheet = checked.wb.get(schema.name)
        if sheet is None or table is None or table.empty:
            continue
        used, hidden = editor.column_usage(sheet.tab)
        where = _extra_columns(sheet, [n for n, _ in cols], {c - 1 for c in used | hidden})
        if max(where.values()) >= 16384:
            continue  # no free, visible column left in the grid: the figures stay in the summary only
        last_header = max(sheet.headers) if sheet.headers else 0
        style = f"{get_column_letter(last_header + 1)}{sheet.header_row}"
        new_headers = {
            f"{get_column_letter(c + 1)}{sheet.header_row}": n
            for n, c in where.items()
            if sheet.headers.get(c) != n
        }
        if new_headers:
            editor.set_cells(sheet.tab, new_headers, style_from=style)
        for name, fmt in cols:
            if name not in table:
                continue
            letter = get_column_letter(where[name] + 1)
            cells = {
                f"{letter}{row}": _cell_value(v) for row, v in table[name].items() if row in sheet.frame.index
            }
            cells = {k: v for k, v in cells.items() if not _same(_typed(sheet, k), v)}
            if fmt == PER_ROW and "percent" in table:
                pct = {f"{letter}{row}" for row, p in table["percent"].items() if bool(p)}
                for part, f in (
                    ({k: v for k, v in cells.items() if k in pct}, "0.0%"),
                    ({k: v for k, v in cells.items() if k not in pct}, None),
                ):
                    if part:
                        editor.set_cells(sheet.tab, part, number_format=f)
            elif cells:
                editor.set_cells(sheet.tab, cells, number_format=None if fmt == PER_ROW else fmt)


def _typed(sheet: SheetData, ref: str) -> Any:
    """What the sheet holds now in one of our computed columns (so a re-run rewrites nothing)."""
    col = "".join(ch for ch in ref if ch.isalpha())
    row = int(ref[len(col) :])
    header = sheet.headers.get(_col_index(col))
    if header is None or header not in sheet.frame.columns or row not in sheet.frame.index:
        return object()
    return sheet.frame.at[row, header]


def _col_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


def _cell_value(v: Any) -> Any:
    if v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and pd.isna(v)):
        return None
    if isinstance(v, pd.Timestamp):
        return v.date()
    return v.item() if hasattr(v, "item") else v


def _rows(frame: pd.DataFrame | None, columns: Iterable[str]) -> list[list[Any]]:
    """Rows of plain Python values for a computed sheet, converted column by column (not cell by cell)."""
    cols = list(columns)
    if frame is None or frame.empty:
        return []
    frame = frame.reindex(columns=cols)
    return [list(r) for r in zip(*(_column_values(frame[c]) for c in cols), strict=True)]


def _column_values(s: pd.Series) -> list[Any]:
    if pd.api.types.is_datetime64_any_dtype(s.dtype):
        return [None if v is pd.NaT or v is None else v.date() for v in s.dt.to_pydatetime()]
    if pd.api.types.is_float_dtype(s.dtype):
        return [None if v != v else v for v in s.to_list()]
    values = s.astype(object).to_list()
    return [_cell_value(v) if v is not None and not isinstance(v, str) else v for v in values]


_NOT_OURS = {
    "user": ("没有本工具的标记", "it carries no workbook-crm marker"),
    "additions": (
        "含用户添加的表格、图表、图片或批注",
        "it holds tables, charts, pictures or notes the user added",
    ),
    "not-a-worksheet": ("不是普通工作表", "it is not a worksheet"),
}


def _targets(editor: WorkbookEditor, graded: MonthResult, findings: list[Finding]) -> dict[str, str]:
    """Where each computed sheet goes: its own name when that sheet is ours (or absent), else a
    sheet named ``…（workbook-crm）`` — a sheet we did not write is never replaced (issue #14, items 3,
    16); a ``sheet-not-ours`` finding says so in one line."""
    first = {
        "客户分层": next(iter(graded.tiers.columns), "客户编号"),
        "跟进提醒": REMINDER_COLUMNS[0],
        "疑似重复": DUPLICATE_COLUMNS[0],
        "校验问题": ISSUE_COLUMNS[0],
        "变更记录": CHANGE_COLUMNS[0],
        "分级历史": HISTORY_COLUMNS[0],
    }
    out = {}
    for name, color in TAB_COLORS.items():
        out[name], reason = editor.computed_target(name, first_header=first[name], tab_color=color)
        if reason is not None:
            zh, en = _NOT_OURS[reason.split(":")[0]]
            findings.append(
                Finding(
                    "sheet-not-ours",
                    sheet=name,
                    params={"sheet_name": name, "target": out[name], "reason": zh, "reason_en": en},
                )
            )
    return out


def _write_sheets(
    editor: WorkbookEditor,
    checked: Checked,
    graded: MonthResult,
    findings: list[Finding],
    changes: list[Change],
    lang: str,
    hand: runstate.Edits,
) -> None:
    to = _targets(editor, graded, findings)
    tiers_cols = list(graded.tiers.columns)
    editor.replace_sheet(
        to["客户分层"], tiers_cols, _rows(graded.tiers, tiers_cols), tab_color=TAB_COLORS["客户分层"]
    )
    editor.replace_sheet(
        to["跟进提醒"],
        list(REMINDER_COLUMNS),
        _rows(graded.reminders, REMINDER_COLUMNS),
        tab_color=TAB_COLORS["跟进提醒"],
    )
    editor.replace_sheet(
        to["疑似重复"],
        list(DUPLICATE_COLUMNS),
        _rows(checked.duplicates, DUPLICATE_COLUMNS),
        tab_color=TAB_COLORS["疑似重复"],
    )
    issue_rows, links = [], {}
    for i, f in enumerate(findings):
        issue_rows.append(
            [
                "错误" if f.severity == "error" else "警告",
                f.code,
                f.sheet,
                f.cell,
                f.field,
                _plain(f.value),
                f.message(lang),
                f.hint(lang),
            ]
        )
        if f.sheet and f.cell:
            links[(i, 3)] = f"'{f.sheet}'!{f.cell}"
    editor.replace_sheet(
        to["校验问题"],
        list(ISSUE_COLUMNS),
        issue_rows,
        links=links,
        tab_color=TAB_COLORS["校验问题"],
        widths=[6, 18, 14, 8, 14, 20, 50, 40],
    )
    extra, log = _existing_rows(checked, to["变更记录"], len(CHANGE_COLUMNS))
    stamp = datetime.now().strftime("%Y-%m-%d %H:%M:%S")
    pad = [None] * len(extra)
    log += [
        [stamp, c.sheet, c.cell, _plain(c.old), _plain(c.new), c.rule, runstate.HAND, hand.period, *pad]
        for c in hand.changes
    ]
    log += [
        [stamp, c.sheet, c.cell, _plain(c.old), _plain(c.new), c.rule, runstate.TOOL, graded.month, *pad]
        for c in changes
    ]
    editor.replace_sheet(
        to["变更记录"],
        [*CHANGE_COLUMNS, *extra],
        log,
        tab_color=TAB_COLORS["变更记录"],
        widths=[20, 14, 8, 24, 24, 18, 6, 24],
    )
    if to["分级历史"] == registry.HISTORY.name:
        hist = checked.clean.get(registry.HISTORY.name)
        kept = (
            []
            if hist is None or hist.empty
            else [
                [_plain(v) for v in rec]
                for rec in hist.reindex(columns=[f.name for f in registry.HISTORY.fields]).itertuples(
                    index=False, name=None
                )
                if str(rec[0]) not in _written_months(graded)
            ]
        )
    else:  # ours went elsewhere because the user owns 分级历史: keep the months already there
        _, rows = _existing_rows(checked, to["分级历史"], len(HISTORY_COLUMNS))
        kept = [
            [_plain(v) for v in r[: len(HISTORY_COLUMNS)]]
            for r in rows
            if str(r[0]) not in _written_months(graded)
        ]
    editor.replace_sheet(
        to["分级历史"],
        list(HISTORY_COLUMNS),
        kept + _rows(graded.history_rows, HISTORY_COLUMNS),
        tab_color=TAB_COLORS["分级历史"],
    )


def _written_months(graded: MonthResult) -> set[str]:
    """分级历史 blocks this run rewrites: its month, and at a quarter's end the quarter (2024Q2, issue #13)."""
    return {graded.month} | set(graded.history_rows.get("月份", pd.Series(dtype=object)).astype(str))


def _existing_rows(checked: Checked, tab: str, width: int) -> tuple[list[str], list[list[Any]]]:
    """Rows already in one of our accumulating sheets (变更记录), read back as typed, with every
    column the user added after ours (their headers are returned first: they are kept too)."""
    if tab not in checked.wb.source.sheet_names:
        return [], []
    raw = read_raw(checked.wb.source, sheets=[tab]).sheets.get(tab)
    if raw is None or not raw.rows:
        return [], []
    used = max((i + 1 for r in raw.rows for i, v in enumerate(r) if v not in (None, "")), default=0)
    full = max(width, used)
    extra = [
        "" if v in (None, "") else str(v)
        for v in (list(raw.rows[0][width:full]) + [None] * full)[: full - width]
    ]
    rows = [list(r[:full]) + [None] * (full - len(r[:full])) for r in raw.rows[1:]]
    return extra, [r for r in rows if any(v not in (None, "") for v in r)]


def _plain(v: Any) -> Any:
    if v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and pd.isna(v)):
        return None
    if isinstance(v, pd.Timestamp):
        return v.date().isoformat()
    if isinstance(v, (date, datetime)):
        return (
            v.isoformat()[:10]
            if not isinstance(v, datetime) or v.time() == datetime.min.time()
            else v.isoformat(" ")
        )
    if isinstance(v, (int, float, str, bool)):
        return v
    return str(v)


def _mark(editor: WorkbookEditor, checked: Checked, findings: list[Finding], lang: str) -> None:
    """Fill + comment on every problem cell; sheets without problems lose last run's marks."""
    by_tab: dict[str, dict[str, list[str]]] = {
        s.tab: {} for s in checked.wb.sheets.values() if not s.schema.computed
    }
    for f in findings:
        if f.sheet in by_tab and f.cell:
            by_tab[f.sheet].setdefault(f.cell, []).append(f"{f.message(lang)}（{f.code}）")
    for tab, marks in by_tab.items():
        editor.mark_cells(tab, {cell: "\n".join(msgs) for cell, msgs in marks.items()})
