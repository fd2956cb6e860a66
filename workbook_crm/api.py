"""The library API: each CLI command is one call here (`workbook-crm validate` → ``validate_workbook``)."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

from .findings import Result, sort_findings
from .grading import grade_month
from .grading.model import MonthResult
from .grading.timeliness import apply_timeliness
from .io.reader import read_workbook
from .period import parse_month
from .validators import Checked, check_workbook

Progress = Callable[[str], None]


def _noop(_: str) -> None:
    return None


@contextmanager
def bulk_work() -> Iterator[None]:
    """Keep the cyclic garbage collector off the workbook's millions of long-lived objects.

    A 100k-customer workbook is millions of live Python objects; every full collection walks all of
    them (measured here: +60 % on the check step). ``gc.freeze()`` after each stage moves what exists
    into the permanent generation, so later collections see only new objects — and garbage with
    cycles (writers, editors) is still freed, which keeps peak memory flat. Reentrant: only the
    outermost one unfreezes, so a run does not walk the whole workbook again between its halves.
    """
    global _BULK_DEPTH
    if _BULK_DEPTH == 0:
        gc.collect()
        gc.freeze()
    _BULK_DEPTH += 1
    try:
        yield
    finally:
        _BULK_DEPTH -= 1
        if _BULK_DEPTH == 0:
            gc.unfreeze()


_BULK_DEPTH = 0


@contextmanager
def _no_gc() -> Iterator[None]:
    """Reading allocates millions of objects and no cycles: collections there are pure cost."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def settle() -> None:
    """Between stages: collect what the last stage left, then freeze what remains."""
    gc.collect()
    gc.freeze()


def check(path: str | Path, *, password: str | None = None, month: str | None = None, today: date | None = None,
          rules_file: Path | None = None, progress: Progress = _noop) -> tuple[Checked, MonthResult]:
    """Read, normalize, validate and grade — everything the run does before it writes."""
    month_s, asof = parse_month(month, today)
    with bulk_work():
        progress("读取工作簿")
        with _no_gc():
            wb = read_workbook(path, password=password)
        settle()
        progress("规范化与校验")
        checked = check_workbook(wb, asof=asof, rules_file=rules_file)
        settle()
        progress("评级与分析")
        graded = grade_month(checked.clean, checked.rules, month=month_s, today=asof,
                             cells=_cells(checked))
        apply_timeliness(checked, graded)  # issue #13: needs the cells as typed (times of day)
    return checked, graded


def validate_workbook(path: str | Path, *, password: str | None = None, month: str | None = None,
                      today: date | None = None, rules_file: Path | None = None) -> Result:
    """Read-only: every finding at its cell, and the changes a run would make. Writes nothing."""
    checked, graded = check(path, password=password, month=month, today=today, rules_file=rules_file)
    findings = sort_findings([*checked.findings, *graded.findings])
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


def write_summary_for(path: str | Path, out: Path, *, month: str | None = None, unmask: bool = False,
                      per_owner: Path | None = None, lang: str = "zh", password: str | None = None,
                      rules_file: Path | None = None, today: date | None = None) -> list[Path]:
    """The managers' summary (and one workbook per 负责人); read-only on the record."""
    from .reports import write_per_owner, write_summary
    from .writeback import check_summary_target
    from .writeback.runfiles import clean_stale

    clean_stale(Path(out).parent)
    check_summary_target(Path(out), record=Path(path))   # never over the record or a user's file
    checked, graded = check(path, password=password, month=month, today=today, rules_file=rules_file)
    findings = sort_findings([*checked.findings, *graded.findings])
    rows = {n: len(s.frame) for n, s in checked.wb.sheets.items()}
    paths = [write_summary(graded, findings, Path(out), unmask=unmask, lang=lang, source_name=Path(path).name,
                           n_rows_by_sheet=rows)]
    if per_owner is not None:
        paths += write_per_owner(graded, findings, Path(per_owner), unmask=unmask)
    return paths
