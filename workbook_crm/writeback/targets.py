"""Output paths: what a run or a summary may write to without losing anything.

The record is replaced only by the in-place run (backup, change check); an ``--output`` that is the
record is that run; an existing ``--output`` is backed up like a record; a summary goes to a new file
or over an earlier summary (recognised by its document properties), never over the record, its copy
or any other file, and never while it is open.
"""

from __future__ import annotations

import os
import re
import zipfile
from pathlib import Path

from ..errors import NotOurFile, SameFile
from .locks import check_lock
from .runfiles import clean_stale
from .safe import check_replaceable, real_path, sha256_file


def same_file(a: Path, b: Path) -> bool:
    """Whether ``a`` and ``b`` name one file (symlinks, ``./``, hard links, case-insensitive volumes)."""
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.normcase(os.path.realpath(a)) == os.path.normcase(os.path.realpath(b))


def written_by_us(path: Path) -> bool:
    """A summary workbook-crm wrote (its document properties say so): safe to replace."""
    try:
        with zipfile.ZipFile(path) as z:
            core = z.read("docProps/core.xml")
    except (OSError, KeyError, zipfile.BadZipFile):
        return False
    return re.search(rb"<(?:\w+:)?description>workbook-crm</", core) is not None


def check_summary_target(
    out: Path, *, record: Path | None = None, output: Path | None = None, lock: bool = True
) -> None:
    """A summary goes to a new file or replaces an earlier summary — never the record, its copy,
    or any other existing file; and never one that is open (``lock``; a run checks that only when
    the summary is put in place, so an open summary does not stop the record's run)."""
    for other, what in ((record, "工作簿/the workbook"), (output, "--output")):
        if other is not None and same_file(out, other):
            raise SameFile(out, detail=what)
    if out.exists() and not written_by_us(out):
        raise NotOurFile(out)
    if lock:
        check_lock(out)


def check_run_targets(
    record: Path, *, output: Path | None, summary: Path | None
) -> tuple[Path | None, str | None]:
    """Before a run does any work: refuse outputs that would lose data, remove dead runs' leftovers.

    Returns ``(output, its SHA-256)``: an ``--output`` that is the record itself is the record (the
    in-place run: backup and change check); an existing ``--output`` is backed up like a record."""
    if output is not None and record.exists() and same_file(output, record):
        output = None
    target = output or record  # (a .xls/CSV source is never written: only an .xlsx/.xlsm is checked)
    clean_stale(
        target.parent,
        real_path(target).parent,
        target.parent / ".workbook-crm" / "backups",
        *([summary.parent] if summary is not None else []),
    )
    if summary is not None:
        check_summary_target(summary, record=record, output=output, lock=False)
    sha = None
    if output is None or output.exists():
        check_lock(target)
        if target.exists() and target.suffix.lower() in (".xlsx", ".xlsm"):
            check_replaceable(real_path(target))
        if output is not None:
            sha = sha256_file(output)
    return output, sha
