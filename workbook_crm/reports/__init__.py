"""The managers' summary workbook (汇总): KPI tiles, charts and the month's tables, safe to forward.

``write_summary`` writes one workbook for the team (or one 负责人); ``write_per_owner`` writes one per
负责人 holding only that owner's customers, reminders and figures. Built with xlsxwriter: the summary
is a new file, never the workbook of record.
"""

from __future__ import annotations

import errno
import gc
import os
import sys
import traceback
from pathlib import Path

from ..errors import WriteFailed
from ..findings import Finding
from ..grading.model import MonthResult
from ..writeback.locks import check_lock
from ..writeback.runfiles import temp_file
from ..writeback.safe import new_file_mode
from ..writeback.targets import check_summary_target
from . import channels, charts, evaluation, lifecycle, overview, owners, quality, reminders, tiers
from .data import owners_of, prepare
from .safety import mask_text, safe_file_stem, safe_text
from .style import Book

__all__ = ["mask_text", "safe_text", "write_per_owner", "write_summary"]

# Sheet order as a manager reads it: the overview, then who and what, then how well.
_SHEETS = (tiers, owners, reminders, evaluation, channels, lifecycle, quality)


def write_summary(
    result: MonthResult,
    findings: list[Finding],
    out: Path,
    *,
    unmask: bool = False,
    owner: str | None = None,
    lang: str = "zh",
    source_name: str = "",
    n_rows_by_sheet: dict[str, int] | None = None,
) -> Path:
    """Write the summary workbook to ``out`` and return its path.

    Phones and emails in every text cell are masked unless ``unmask``; with ``owner`` only that
    负责人's rows and figures are written. ``n_rows_by_sheet`` (rows per checked sheet) makes the
    数据质量 tile the share of rows without errors; without it 客户档案 = the customers graded.
    The file is written next to ``out`` and moved into place, so a reader never sees half a file.
    """
    out = Path(out)
    data = prepare(
        result,
        list(findings),
        owner=owner,
        lang=lang,
        source_name=source_name,
        n_rows_by_sheet=n_rows_by_sheet,
    )
    check_summary_target(out)  # a new file or an earlier summary, not open
    tmp = None
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = temp_file(out.parent, ".~summary-", ".xlsx")
        os.close(fd)
        book = Book(Path(tmp), unmask=unmask)
        book.wb.set_properties({"title": f"客户月度汇总 {data.month}", "comments": "workbook-crm"})
        overview_ws = overview.write(book, data)
        for module in _SHEETS:
            module.write(book, data)
        charts.add_charts(book, overview_ws, data)
        overview_ws.activate()
        book.close()
        os.chmod(tmp, new_file_mode())
        check_lock(out)  # opened while we wrote: not replaced
        os.replace(tmp, out)
    except BaseException as exc:
        if tmp is not None:
            tmp.unlink(missing_ok=True)
        os_error = _os_error(exc)
        if os_error is None:
            raise
        # read-only folder, full disk: one line. The writer's half-closed zip would print a traceback
        # when collected ("Exception ignored in ZipFile.__del__"): collect it now, quietly.
        _collect_quietly(exc)
        why = (
            "磁盘已满 / disk full"
            if os_error.errno == errno.ENOSPC
            else f"{type(os_error).__name__}: {os_error}"
        )
        raise WriteFailed(out, detail=why) from None
    return out


def _os_error(exc: BaseException | None) -> OSError | None:
    """The OSError behind ``exc`` (xlsxwriter wraps it in FileCreateError)."""
    seen = 0
    while exc is not None and seen < 5:
        if isinstance(exc, OSError):
            return exc
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return None


def _collect_quietly(exc: BaseException) -> None:
    hook = sys.unraisablehook
    sys.unraisablehook = lambda _: None
    try:
        e: BaseException | None = exc
        while e is not None:
            traceback.clear_frames(e.__traceback__)
            e = e.__cause__ or e.__context__
        gc.collect()
    finally:
        sys.unraisablehook = hook


def write_per_owner(
    result: MonthResult, findings: list[Finding], out_dir: Path, *, unmask: bool = False, **options: object
) -> list[Path]:
    """One summary per 负责人 (``汇总_2024-05_张三.xlsx``); customers without one go to 未分配."""
    out_dir = Path(out_dir)
    paths: list[Path] = []
    used: set[str] = set()
    for name in owners_of(result):
        stem = safe_file_stem(name)
        candidate, n = stem, 2
        while candidate.casefold() in used:  # 张三 and 张三? both become 张三_: keep files apart
            candidate, n = f"{stem}_{n}", n + 1
        used.add(candidate.casefold())
        path = out_dir / f"汇总_{result.month}_{candidate}.xlsx"
        paths.append(write_summary(result, findings, path, unmask=unmask, owner=name, **options))  # type: ignore[arg-type]
    return paths
