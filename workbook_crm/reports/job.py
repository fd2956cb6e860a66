"""The managers' summary written beside the run's write-back (``SummaryJob``).

The two are independent and each takes seconds on one core at 100k customers, so where the OS can
fork, the summary is written by a child process into a temporary file that becomes the summary
only once the record was written. Elsewhere (Windows), or with ``can_fork()`` false, it is written
in line, after the record.

The child is forked when the run **starts** (``SummaryJob()``), while the process is small, and
waits; ``start()`` streams it the month (pickled, through a pipe) once the grading is done. A
child forked at that point instead would begin with every page the parent then holds (the
workbook's frames, the editor's parts: ~1.2 GB resident at 100k customers), and a process's
peak memory counts them, even shared.
"""

from __future__ import annotations

import dataclasses
import errno
import gc
import multiprocessing
import os
import pickle
import shutil
from pathlib import Path
from typing import Any

import pandas as pd

from .._child import die_with_parent
from ..errors import WorkbookCrmError, WriteFailed
from ..findings import Finding
from ..grading.model import MonthResult
from ..writeback.runfiles import temp_dir
from ..writeback.targets import check_summary_target


def can_fork() -> bool:
    """Whether the summary may be written by a forked child (tests force the in-line path here)."""
    return "fork" in multiprocessing.get_all_start_methods()


class SummaryJob:
    """The managers' summary, written beside the write-back (see the module's docstring)."""

    def __init__(self, *, lang: str) -> None:
        """Fork the writer now (where the OS can); it waits for :meth:`start`."""
        self.lang = lang
        self.parent_pid = os.getpid()
        self.out: Path | None = None
        self.folder: Path | None = None
        self.args: tuple[MonthResult, list[Finding], dict[str, Any]] | None = None
        self.proc: Any = None
        self._pipe: int | None = None
        # the month goes through an anonymous in-memory file where there is one: written at the
        # parent's speed (a pipe makes it wait for the child's slower load: 1.7 s → 1.0 s at 100k)
        self._file: int | None = None
        if can_fork():
            try:
                self._fork()
            except OSError:  # no process to be had (a process limit): the summary is written in line
                self.proc = None
                self._close_file()

    def _fork(self) -> None:
        if hasattr(os, "memfd_create"):
            self._file = os.memfd_create("workbook-crm-month")
        ctx = multiprocessing.get_context("fork")
        self.queue = ctx.SimpleQueue()
        read, write = os.pipe()
        try:
            proc = ctx.Process(target=self._child, args=(read, write), daemon=True)
            proc.start()
        except OSError:
            os.close(read)
            os.close(write)
            raise
        self.proc = proc
        os.close(read)
        self._pipe = write

    def __enter__(self) -> SummaryJob:
        return self

    def __exit__(self, kind: object, *_: object) -> None:
        if kind is not None or self.out is None:  # the run failed, or never handed over a month
            self.cancel()

    def start(
        self,
        graded: MonthResult,
        findings: list[Finding],
        out: Path,
        *,
        source_name: str,
        n_rows: dict[str, int],
    ) -> None:
        """Hand the month to the writer: the summary is written while the caller goes on."""
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
        kwargs = {"source_name": source_name, "lang": self.lang, "n_rows_by_sheet": n_rows}
        self.args = (_for_summary(graded), findings, kwargs)
        if self._pipe is None:
            return
        try:  # streamed: no second copy of the month in memory
            with os.fdopen(self._pipe, "wb") as fh:
                self._pipe = None
                if self._file is None:
                    self._send(fh)
                else:
                    with os.fdopen(os.dup(self._file), "wb") as month:
                        self._send(month)
                    fh.write(b"\x01")  # the month is in the file
        except OSError:  # the writer is gone: finish() reports how it ended
            pass
        except Exception:  # a month pickle cannot send: written in line by finish() instead
            self.proc.terminate()
            self.proc.join()
            self.proc = None
            self._close_file()
            return
        self.args = None
        self._close_file()

    def _send(self, fh: Any) -> None:
        assert self.args is not None and self.folder is not None and self.out is not None
        pickler = pickle.Pickler(fh, protocol=pickle.HIGHEST_PROTOCOL)
        # No memo: the month holds no cycles, and a memo of its ~1M objects costs the parent
        # ~80 MB at its peak (texts repeated across tables are sent twice).
        pickler.fast = True
        pickler.dump((self.folder / self.out.name, *self.args))

    def _close_file(self) -> None:
        if self._file is not None:
            os.close(self._file)
            self._file = None

    def _child(self, read: int, write: int) -> None:
        die_with_parent(self.parent_pid)  # never outlives the run, even a SIGKILLed one
        try:
            os.close(write)
            gc.disable()  # loading allocates a million objects and no cycles
            with os.fdopen(read, "rb") as fh:
                try:
                    if self._file is None:
                        target, graded, findings, kwargs = pickle.load(fh)
                    elif fh.read(1) != b"\x01":
                        return  # cancelled before the month was sent
                    else:
                        os.lseek(self._file, 0, os.SEEK_SET)
                        with os.fdopen(self._file, "rb") as month:
                            self._file = None
                            target, graded, findings, kwargs = pickle.load(month)
                except EOFError:  # cancelled before the month was sent
                    return
            gc.freeze()
            gc.enable()
            from . import write_summary

            write_summary(graded, findings, target, **kwargs)
            self.queue.put(None)
        except BaseException as exc:  # reported by the parent; no traceback on the user's terminal
            self.queue.put(_explain(exc, self.lang))

    def finish(self) -> str | None:
        """Wait for the summary; None when it is in place, else what went wrong."""
        assert self.out is not None and self.folder is not None  # start() was called
        if self.proc is None:
            shutil.rmtree(self.folder, ignore_errors=True)
            assert self.args is not None
            graded, findings, kwargs = self.args
            self.args = None
            try:
                from . import write_summary

                check_summary_target(self.out)
                write_summary(graded, findings, self.out, **kwargs)
            except Exception as exc:
                return _explain(exc, self.lang)
            return None
        self.proc.join()
        error = (
            self.queue.get() if not self.queue.empty() else f"summary process ended with {self.proc.exitcode}"
        )
        try:
            if error is None and self.proc.exitcode == 0:
                check_summary_target(self.out)  # opened (or replaced by another file) meanwhile: keep it
                os.replace(self.folder / self.out.name, self.out)
                return None
            return error or f"summary process ended with {self.proc.exitcode}"
        except (WorkbookCrmError, OSError) as exc:
            return _explain(exc, self.lang)
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)

    def cancel(self) -> None:
        """No summary (the record was not written, or the run was stopped); may be called again."""
        self._close_file()
        if self._pipe is not None:
            os.close(self._pipe)  # the waiting writer reads the end of the pipe and stops
            self._pipe = None
        if self.proc is not None:
            self.proc.terminate()
            self.proc.join()
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)


def _for_summary(graded: MonthResult) -> MonthResult:
    """The month without what the summary never reads (the 分级历史 rows, the grading's findings)."""
    return dataclasses.replace(graded, history_rows=pd.DataFrame(), findings=[], rate_fills={})


def _explain(exc: BaseException, lang: str) -> str:
    """One line for the user: our own messages as they are, disk full named, anything else short."""
    if isinstance(exc, WorkbookCrmError):
        return exc.message(lang)
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
        return "磁盘已满 / disk full"
    return f"{type(exc).__name__}: {exc}"[:300]
