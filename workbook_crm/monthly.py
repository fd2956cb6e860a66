"""The monthly run (月度校验与评级): check → plan of edits → apply with the package editor → safe replace.

The record is edited part by part (writeback/): normalized values and new IDs go into their cells,
computed columns beside the user's, computed sheets are replaced, problem cells marked; every other
part of the package is copied byte for byte. What is written is decided by plan.py (pure data)
and applied by apply.py; this module only orders the steps. The file is replaced only after a
backup, a temporary copy and a re-read all succeeded.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from contextlib import nullcontext
from datetime import date
from pathlib import Path
from typing import Any

from . import runstate
from ._gc import bulk_work, settle
from ._strings import python_strings
from .api import Progress, check, legacy_actuals, no_progress, require_customers
from .apply import apply_plan, open_editor, read_existing, spare_formulas, survey
from .errors import WorkbookChanged, WorkbookCrmError, WriteFailed
from .findings import Change, Finding, sort_findings
from .grading.model import MonthResult
from .io import sidecar
from .legacy import conversion_of, converted_target
from .period import parse_month
from .plan import build_plan, computed_changes
from .reports.job import SummaryJob
from .runresult import Converted, RunResult
from .schema import registry
from .validators import Checked, reportable
from .validators.returning import fingerprints
from .writeback import WorkbookEditor, check_run_targets, safe_replace, write_new

_open_editor = open_editor  # the names bench/run_bench.py drives the write-back stage with


@python_strings
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
    """Validate, normalize, grade and write back. ``summary=True`` writes one beside the file.

    A .xls/CSV is never written: its record is a new .xlsx (``--output``, else beside it), decided
    here before the check so that the file is read, checked and graded once (issue #11)."""
    path = Path(path)
    converted = "" if dry_run else conversion_of(path)
    record = converted_target(path, Path(output) if output else None) if converted else path
    output_sha = None
    if converted:
        output = record
    if not dry_run:  # refuse outputs that would lose data before any work (see writeback/targets.py)
        planned = (
            summary
            if isinstance(summary, Path)
            else (_summary_path(record, month, today) if summary else None)
        )
        output, output_sha = check_run_targets(path, output=Path(output) if output else None, summary=planned)
    state = runstate.load(record)
    # one frozen GC for both halves (check's own is nested); the summary's writer is forked now,
    # while the process is small, and stopped if the run ends before handing it the month
    job = SummaryJob(lang=lang) if summary and not dry_run else None
    with bulk_work(), job or nullcontext():
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
        _drop_normalized(checked)  # the parent's peak is ahead (the editor's sheets): not with these
        settle()  # and their pages go back to the system (_gc.settle)
        if not dry_run and checked.wb.source.converted_from != converted:
            raise WorkbookChanged(path)  # it was replaced by another kind of file since we looked
        findings = reportable(checked, graded.findings)
        # one editor for the formula check and the write-back (the sheets it inflates are read once);
        # handed over in a box so that the write-back's `del` frees it before the file is replaced
        box = {"editor": open_editor(checked)}
        changes, kept = spare_formulas(
            checked, list(checked.changes) + _computed_changes(checked, graded), box["editor"]
        )
        findings = sort_findings([*findings, *kept]) if kept else findings
        now = runstate.current(checked.wb, changes)
        edits = runstate.hand_edits(checked.wb, state, now, graded.asof)
        graded.lifecycle = edits.lifecycle
        result = RunResult(
            file=str(record),
            findings=findings,
            changes=changes,
            month=graded.month,
            asof=graded.asof.isoformat(),
            dry_run=dry_run,
            hand_edits=list(edits.changes),
            baseline=_baseline_note(record) if edits.baseline else None,
            output=str(output) if output is not None else None,
            converted=Converted(str(path), str(record), converted) if converted else None,
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
                checked.wb.get(registry.REGISTRATION.name), changes, checked.duplicates
            ),
        )
        # the state as JSON is made by a helper while the record is written (~0.5 s at 100k, #16)
        state_text = sidecar.Job(functools.partial(runstate.encode, after), "state", len(after.customers))
        state_text.start(True)
        try:
            existing = read_existing(checked.wb.source)  # 变更记录's rows, read now like 分级历史's
            summary_out = (
                summary
                if isinstance(summary, Path)
                else (_summary_path(record, graded.month) if summary else None)
            )
            _write(
                record,
                checked,
                graded,
                result,
                findings,
                changes,
                output=output,
                summary=summary_out,
                lang=lang,
                backup_dir=backup_dir,
                progress=progress,
                hand=edits,
                output_sha=output_sha,
                box=box,
                existing=existing,
                job=job,
            )
            # the record is written: what it holds now is the next run's baseline
            runstate.save(Path(output) if output is not None else path, state_text.result())
        finally:
            state_text.stop()  # the record was not written: no state to save
        return result


def _computed_changes(checked: Checked, graded: MonthResult) -> list[Change]:
    """The cells of 效果评估表 the grading fills (plan.computed_changes); bench/run_bench.py calls it too."""
    return computed_changes(checked, graded, legacy_actuals(checked))


def _summary_path(record: Path, month: str | None, today: date | None = None) -> Path:
    return default_summary_path(record, parse_month(month, today)[0])


def default_summary_path(path: Path, month: str) -> Path:
    return path.with_name(f"{path.stem}-汇总-{month}.xlsx")


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


def _write(
    path: Path,
    checked: Checked,
    graded: MonthResult,
    result: RunResult,
    findings: list[Finding],
    changes: list[Change],
    *,
    summary: Path | None,
    job: SummaryJob | None = None,
    **kw: Any,
) -> None:
    """The record, with the managers' summary written beside it by ``job`` (reports/job.py); the
    summary is kept only when the record was written (run_month has let the normalized frames go)."""
    if summary is not None:
        kw["progress"]("生成汇总")
        rows = {n: len(s.frame) for n, s in checked.wb.sheets.items()}
        job = job or SummaryJob(lang=kw["lang"])
        job.start(graded, findings, summary, source_name=path.name, n_rows=rows)
    else:
        job = None
    written: list[bool] = []
    try:
        _write_record(
            path, checked, graded, result, findings, changes, on_swapped=lambda: written.append(True), **kw
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


def _drop_normalized(checked: Checked) -> None:
    """The normalized frames were for grading; only 分级历史 is still read (to keep other months)."""
    for name in [n for n in checked.clean if n != registry.HISTORY.name]:
        del checked.clean[name]


def _write_record(
    path: Path,
    checked: Checked,
    graded: MonthResult,
    result: Any,
    findings: list[Finding],
    changes: list[Change],
    *,
    output: Path | None,
    lang: str,
    backup_dir: Path | None,
    progress: Progress,
    hand: runstate.Edits,
    output_sha: str | None = None,
    box: dict[str, WorkbookEditor | None] | None = None,
    existing: dict[str, tuple[list[str], list[list[Any]]]] | None = None,
    on_swapped: Callable[[], None] | None = None,
) -> None:
    """Survey the package, plan, apply, and put the bytes in place (the backup goes to ``result``).

    ``findings`` gains the survey's ``sheet-not-ours`` findings (they are listed in 校验问题)."""
    progress("写回工作簿")
    try:
        editor = (box or {}).pop("editor", None) or WorkbookEditor(checked.wb.source.data)
        where = survey(
            editor,
            checked,
            list(graded.tiers.columns),
            read_existing(checked.wb.source) if existing is None else existing,
        )
        findings.extend(where.not_ours)
        plan = build_plan(checked, graded, findings, changes, hand=hand, lang=lang, survey=where)
        # the plan holds all the write needs: the frames read from the workbook (~500 MB of texts at
        # 100k customers) go before the editor's parts and the new package make the run's peak
        checked.wb.sheets.clear()
        checked.clean.clear()
        settle()
        apply_plan(editor, plan)
        del plan
        data = editor.to_bytes()
    except WorkbookCrmError as exc:
        exc.path = exc.path or str(path)  # the editor's refusals (protection) name no file
        raise
    except Exception as exc:  # a package the editor cannot take apart safely: refuse, write nothing
        raise WriteFailed(path, detail=f"{type(exc).__name__}: {exc}"[:300]) from exc
    del editor
    settle()
    progress("校验并保存")
    backup = None
    if output is not None and output_sha is None:
        write_new(Path(output), data, on_swapped=on_swapped, source=path)
    elif output is not None:  # an existing --output is backed up and checked like a record
        assert output_sha is not None  # the branch above took output_sha None
        backup = safe_replace(Path(output), data, expected_sha256=output_sha, on_swapped=on_swapped)
    else:
        sha = checked.wb.source.sha256
        backup = safe_replace(path, data, expected_sha256=sha, backup_dir=backup_dir, on_swapped=on_swapped)
    result.backup = str(backup) if backup else None
    del data
    settle()
