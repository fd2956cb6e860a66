"""The managers' summary written beside the run's write-back (``SummaryJob``).

The two are independent and each takes ~10 s on one core at 100k customers, so where the OS can
fork, the summary is written by a child process (which shares the parent's memory copy-on-write;
the GC is frozen, so collections do not touch those pages) into a temporary file that becomes the
summary only once the record was written. Elsewhere (Windows), or with ``fork=False``, it is
written in line, after the record.
"""

from __future__ import annotations

import errno
import multiprocessing
import os
import shutil
from pathlib import Path
from typing import Any

from ..errors import WorkbookCrmError, WriteFailed
from ..findings import Finding
from ..grading.model import MonthResult
from ..writeback.runfiles import die_with_parent, temp_dir
from ..writeback.targets import check_summary_target


def can_fork() -> bool:
    """Whether the summary may be written by a forked child (tests force the in-line path here)."""
    return "fork" in multiprocessing.get_all_start_methods()


class SummaryJob:
    """The managers' summary, written beside the write-back (see the module's docstring)."""

    def __init__(
        self,
        graded: MonthResult,
        findings: list[Finding],
        out: Path,
        *,
        source_name: str,
        lang: str,
        n_rows: dict[str, int],
    ) -> None:
        self.out = out
        # a private folder beside the summary: whatever the writer leaves there (even when it is
        # stopped half-way) goes with the folder; one left by a killed run is removed by the next
        try:
            out.parent.mkdir(parents=True, exist_ok=True)
            self.folder = temp_dir(out.parent)
        except OSError as exc:
            raise WriteFailed(
                out, detail=f"汇总文件夹不可写 / the summary's folder is not writable: {exc}"
            ) from exc
        self.tmp = self.folder / out.name
        self.parent_pid = os.getpid()
        self.kwargs: dict[str, Any] = {"source_name": source_name, "lang": lang, "n_rows_by_sheet": n_rows}
        self.graded, self.findings = graded, findings
        self.proc: Any = None
        if can_fork():
            ctx = multiprocessing.get_context("fork")
            self.queue = ctx.SimpleQueue()
            self.proc = ctx.Process(target=self._child, daemon=True)
            self.proc.start()

    def _child(self) -> None:
        die_with_parent(self.parent_pid)  # never outlives the run, even a SIGKILLed one
        try:
            self._write(self.tmp)
            self.queue.put(None)
        except BaseException as exc:  # reported by the parent; no traceback on the user's terminal
            self.queue.put(_explain(exc, self.kwargs["lang"]))

    def _write(self, target: Path) -> None:
        from . import write_summary

        write_summary(self.graded, self.findings, target, **self.kwargs)

    def finish(self) -> str | None:
        """Wait for the summary; None when it is in place, else what went wrong."""
        if self.proc is None:
            shutil.rmtree(self.folder, ignore_errors=True)
            try:
                check_summary_target(self.out)
                self._write(self.out)
            except Exception as exc:
                return _explain(exc, self.kwargs["lang"])
            return None
        self.proc.join()
        error = (
            self.queue.get() if not self.queue.empty() else f"summary process ended with {self.proc.exitcode}"
        )
        try:
            if error is None and self.proc.exitcode == 0:
                check_summary_target(self.out)  # opened (or replaced by another file) meanwhile: keep it
                os.replace(self.tmp, self.out)
                return None
            return error or f"summary process ended with {self.proc.exitcode}"
        except (WorkbookCrmError, OSError) as exc:
            return _explain(exc, self.kwargs["lang"])
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)

    def cancel(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.join()
        shutil.rmtree(self.folder, ignore_errors=True)


def _explain(exc: BaseException, lang: str) -> str:
    """One line for the user: our own messages as they are, disk full named, anything else short."""
    if isinstance(exc, WorkbookCrmError):
        return exc.message(lang)
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
        return "磁盘已满 / disk full"
    return f"{type(exc).__name__}: {exc}"[:300]
