"""The library API: each CLI command is one call here (`workbook-crm validate` → ``validate_workbook``)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import date
from pathlib import Path

from . import runstate
from ._gc import bulk_work, no_gc, settle
from ._strings import python_strings
from .findings import Result
from .grading import grade_month
from .grading.common import month_bounds
from .grading.flagged import leave_out_flagged
from .grading.model import MonthResult
from .grading.timeliness import apply_timeliness, without_grades
from .io import sidecar
from .io.reader import read_workbook
from .period import parse_month
from .schema import registry
from .validators import Checked, check_workbook, reportable, sheet_work

Progress = Callable[[str], None]


def no_progress(_: str) -> None:
    """The default ``progress`` callback: say nothing."""
    return None


@python_strings
def check(
    path: str | Path,
    *,
    password: str | None = None,
    month: str | None = None,
    today: date | None = None,
    rules_file: Path | None = None,
    progress: Progress = no_progress,
    state: runstate.RunState | None = None,
) -> tuple[Checked, MonthResult]:
    """Read, normalize, validate and grade — everything the run does before it writes.

    ``state``: what the last run left (runstate); read from beside ``path`` when not given.
    """
    month_s, asof = parse_month(month, today)
    state = state if state is not None else runstate.load(Path(path))
    with bulk_work():
        progress("读取工作簿")
        with no_gc():
            # the second reader (io/sidecar.py) also checks the sheets it reads, sheet by sheet
            wb = read_workbook(
                path, password=password, rules_file=rules_file, work=sheet_work(asof, rules_file)
            )
        settle(trim=False)  # the check and the grading reuse the read's freed pages (the peak is later)
        progress("规范化与校验")
        checked = check_workbook(
            wb,
            asof=asof,
            rules_file=rules_file,
            previous=state.customers,
            settled=state.registrations,
            background=True,  # the similar names are looked for while this grades (finish, below)
        )
        early: sidecar.Job | None = None
        try:
            # a value with an error finding feeds no figure (issue #12 item 3)
            left_out = leave_out_flagged(checked.wb, checked.clean, checked.findings)
            settle(trim=False)
            # the timeliness rules that read no grade are worked out while this grades (#16); grading
            # changes nothing they read (the clean frames, the cells as typed)
            day = month_bounds(month_s, asof)[2]
            archive = checked.clean.get(registry.ARCHIVE.name)
            rows = 0 if archive is None else len(archive)
            early = sidecar.Job(functools.partial(without_grades, checked, day), "timeliness", rows)
            early.start(True)
            progress("评级与分析")
            graded = grade_month(
                checked.clean,
                checked.rules,
                month=month_s,
                today=asof,
                cells=_cells(checked),
                left_out=left_out,
                ours_rates=_ours_rates(checked, state),
                ours_actuals=legacy_actuals(checked),
            )
            # issue #13: needs the cells as typed (times of day)
            apply_timeliness(checked, graded, early.result() if graded.asof == day else None)
            checked.finish()
        finally:
            if early is not None:
                early.stop()  # when grading failed or was interrupted
            checked.stop()
    return checked, graded


def require_customers(checked: Checked, path: str | Path) -> None:
    """run/summary on a file with no customer list: one line, exit 2, nothing written (issue #11)."""
    from .errors import NothingToGrade
    from .schema import registry

    if registry.ARCHIVE.name not in checked.wb.sheets:
        read = "、".join(f"{s.tab}→{name}" for name, s in checked.wb.sheets.items()) or "（无）"
        raise NothingToGrade(path, detail=read)


def legacy_actuals(checked: Checked) -> dict[int, object]:
    """效果评估表 rows whose 实际值 an older version computed into the user's column.

    Before issue #12 a computed 实际值 went into 实际值 with 实际值来源 = 计算 (and there was no
    计算实际值 column); read back, it passed for typed and was never recomputed. Such a cell is ours:
    it is recomputed, and the run moves it out of the user's column (row → the value there).
    """
    sheet = checked.wb.get(registry.EVALUATION.name)
    if sheet is None or "actual" not in sheet.columns or "计算实际值" in sheet.headers.values():
        return {}
    frame = sheet.frame
    if "实际值来源" not in frame.columns:
        return {}
    marked = frame.index[(frame["实际值来源"].astype(str).str.strip() == "计算").to_numpy()]
    return {int(r): frame.at[r, "actual"] for r in marked if frame.at[r, "actual"] is not None}


def _ours_rates(checked: Checked, state: runstate.RunState) -> dict[int, object]:
    """效果评估表 rows whose 差异率 cell the last run filled: row → the value written there."""
    sheet = checked.wb.get(registry.EVALUATION.name)
    if sheet is None or "gap_rate" not in sheet.columns or not state.ours:
        return {}
    letter = sheet.letter("gap_rate")
    out = {}
    for row in sheet.frame.index:
        key = f"{sheet.tab}!{letter}{row}"
        if key in state.ours:
            out[int(row)] = state.ours[key]
    return out


@python_strings
def validate_workbook(
    path: str | Path,
    *,
    password: str | None = None,
    month: str | None = None,
    today: date | None = None,
    rules_file: Path | None = None,
) -> Result:
    """Read-only: every finding at its cell, and the changes a run would make. Writes nothing."""
    checked, graded = check(path, password=password, month=month, today=today, rules_file=rules_file)
    findings = reportable(checked, graded.findings)
    return Result(file=str(path), findings=findings, changes=list(checked.changes))


def _cells(checked: Checked) -> Callable[[str, str, int], str]:
    """cell(sheet, field, row) → A1, for findings raised by the grading step."""

    def cell(sheet: str, field: str, row: int) -> str:
        data = checked.wb.get(sheet)
        if data is None:
            return ""
        if field in data.columns:
            return data.cell(field, row)
        return f"A{row}"

    return cell


@python_strings
def write_summary_for(
    path: str | Path,
    out: Path,
    *,
    month: str | None = None,
    unmask: bool = False,
    per_owner: Path | None = None,
    lang: str = "zh",
    password: str | None = None,
    rules_file: Path | None = None,
    today: date | None = None,
) -> list[Path]:
    """The managers' summary (and one workbook per 负责人); read-only on the record."""
    from .reports import write_per_owner, write_summary
    from .writeback import check_summary_target
    from .writeback.runfiles import clean_stale

    clean_stale(Path(out).parent, *([Path(per_owner)] if per_owner is not None else []))
    check_summary_target(Path(out), record=Path(path))  # never over the record or a user's file
    state = runstate.load(Path(path))
    checked, graded = check(
        path, password=password, month=month, today=today, rules_file=rules_file, state=state
    )
    require_customers(checked, path)
    findings = reportable(checked, graded.findings)
    # the same 客户变动 the run shows: hand edits of 客户类型 since the last run (nothing is saved here)
    graded.lifecycle = runstate.hand_edits(
        checked.wb, state, runstate.current(checked.wb, list(checked.changes)), graded.asof
    ).lifecycle
    rows = {n: len(s.frame) for n, s in checked.wb.sheets.items()}
    paths = [
        write_summary(
            graded,
            findings,
            Path(out),
            unmask=unmask,
            lang=lang,
            source_name=Path(path).name,
            n_rows_by_sheet=rows,
        )
    ]
    if per_owner is not None:
        paths += write_per_owner(graded, findings, Path(per_owner), unmask=unmask)
    return paths
