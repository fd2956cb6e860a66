"""The next sheet parsed by calamine in a thread while the reader turns this one into Python values."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any


class Ahead:
    """calamine parses the next sheet in a thread while this one becomes Python values (#16).

    Parsing a sheet lets go of the GIL (python-calamine; measured at 100k customers: 2.3 s for the
    follow-up log, 0.8 s for the deals) and turning it into values holds it, so the two overlap on
    two cores. One parse at a time: a workbook is never used from two threads at once.
    """

    def __init__(self, book: Any) -> None:
        self.book = book
        self.pool: ThreadPoolExecutor | None = None
        self.pending: tuple[str, Future[Any]] | None = None

    def get(self, name: str) -> Any:
        if self.pending is not None:
            ahead, future = self.pending
            self.pending = None
            if ahead == name:
                return future.result()
            _wait(future)  # another sheet was asked for: the workbook must be free first
        return self.book.get_sheet_by_name(name)

    def start(self, name: str | None) -> None:
        if name is None or self.pending is not None:
            return
        if self.pool is None:  # created late: no thread exists when the reader forks (io/sidecar.py)
            self.pool = ThreadPoolExecutor(1, thread_name_prefix="calamine")
        self.pending = (name, self.pool.submit(self.book.get_sheet_by_name, name))

    def close(self) -> None:
        if self.pending is not None:
            _wait(self.pending[1])
            self.pending = None
        if self.pool is not None:
            self.pool.shutdown(wait=True)
            self.pool = None


def _wait(future: Future[Any]) -> None:
    """Let a parse nobody wants finish (its error is the asker's to meet, if it asks)."""
    with contextlib.suppress(BaseException):
        future.result()


def in_thread(fn: Callable[..., Any], *args: Any) -> Future[Any]:
    """``fn(*args)`` in a thread of its own; the future holds its result or its error."""
    future: Future[Any] = Future()

    def run() -> None:
        try:
            future.set_result(fn(*args))
        except BaseException as exc:  # the asker meets it at result()
            future.set_exception(exc)

    threading.Thread(target=run, name="calamine-open", daemon=True).start()
    return future
