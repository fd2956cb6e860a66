"""The managers' summary workbook (汇总): KPI tiles, charts and the month's tables, safe to forward.

``write_summary`` writes one workbook for the team (or one 负责人); ``write_per_owner`` writes one per
负责人 holding only that owner's customers, reminders and figures. Built with xlsxwriter: the summary
is a new file, never the workbook of record.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from ..findings import Finding
from ..grading.model import MonthResult
from ..writeback.safe import new_file_mode
from . import channels, evaluation, lifecycle, overview, owners, quality, reminders, tiers
from .data import owners_of, prepare
from .safety import mask_text, safe_file_stem, safe_text
from .style import Book

__all__ = ["mask_text", "safe_text", "write_per_owner", "write_summary"]

# Sheet order as a manager reads it: the overview, then who and what, then how well.
_SHEETS = (tiers, owners, reminders, evaluation, channels, lifecycle, quality)


def write_summary(result: MonthResult, findings: list[Finding], out: Path, *, unmask: bool = False,
                  owner: str | None = None, lang: str = "zh", source_name: str = "",
                  n_rows_by_sheet: dict[str, int] | None = None) -> Path:
    """Write the summary workbook to ``out`` and return its path.

    Phones and emails in every text cell are masked unless ``unmask``; with ``owner`` only that
    负责人's rows and figures are written. ``n_rows_by_sheet`` (rows per checked sheet) makes the
    数据质量 tile the share of rows without errors; without it 客户档案 = the customers graded.
    The file is written next to ``out`` and moved into place, so a reader never sees half a file.
    """
    out = Path(out)
    data = prepare(result, list(findings), owner=owner, lang=lang, source_name=source_name,
                   n_rows_by_sheet=n_rows_by_sheet)
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".~summary-", suffix=".xlsx", dir=out.parent)
    os.close(fd)
    try:
        book = Book(Path(tmp), unmask=unmask)
        book.wb.set_properties({"title": f"客户月度汇总 {data.month}", "comments": "workbook-crm"})
        overview_ws = overview.write(book, data)
        for module in _SHEETS:
            module.write(book, data)
        overview.add_charts(book, overview_ws, data)
        overview_ws.activate()
        book.close()
        os.chmod(tmp, new_file_mode())
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return out


def write_per_owner(result: MonthResult, findings: list[Finding], out_dir: Path, *,
                    unmask: bool = False, **options: object) -> list[Path]:
    """One summary per 负责人 (``汇总_2024-05_张三.xlsx``); customers without one go to 未分配."""
    out_dir = Path(out_dir)
    paths: list[Path] = []
    used: set[str] = set()
    for name in owners_of(result):
        stem = safe_file_stem(name)
        candidate, n = stem, 2
        while candidate.casefold() in used:   # 张三 and 张三? both become 张三_: keep files apart
            candidate, n = f"{stem}_{n}", n + 1
        used.add(candidate.casefold())
        path = out_dir / f"汇总_{result.month}_{candidate}.xlsx"
        paths.append(write_summary(result, findings, path, unmask=unmask, owner=name, **options))  # type: ignore[arg-type]
    return paths
