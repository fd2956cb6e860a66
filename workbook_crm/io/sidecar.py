"""The longest sheets read by a second process while this one reads the others (issue #16).

At 100k customers reading the sheets and checking each one take ~12 s on one core (calamine's
values into Python objects, the frames, the parse of every cell), and the machines we run on have
two cores or more. ``Sidecar`` forks a child right after the guard has checked the zip; the child
reads the tabs handed to it (and runs the caller's per-sheet work on them) and writes what it made
into an anonymous in-memory file (``memfd``: nothing on disk, gone with the two processes), which
the parent loads after reading its own tabs.

Nothing depends on it. Where the OS cannot fork or has no memfd, when the child fails in any way,
and when a handed tab turned out not to be what its name said, the parent reads the tabs itself,
with the same code (``io/readsplit.py`` decides what to hand over and checks what comes back).
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import pickle
from collections.abc import Callable, Iterable
from typing import Any

from .._child import die_with_parent

# Sheet XML handed over, at least: below this the fork and the transfer cost more than they save
# (measured: ~0.1 s for both; 16 MB of follow-up rows take ~0.6 s to read and check).
MIN_BYTES = 16 << 20
# A tab smaller than this stays with the parent: it is read in no time.
MIN_PART = 1 << 20
# From this many customers a step whose result the run needs only later runs in a helper (``Job``):
# below, the fork costs more than the step (the similar-name search, the timeliness rules, #16)
BACKGROUND_ROWS = 20_000
ONE_PROCESS_ENV = "WORKBOOK_CRM_ONE_PROCESS"  # "1": never fork a helper (a test or a user's choice)


def available() -> bool:
    """Whether a helper (a second reader, the fuzzy duplicates) can be forked here (Linux: fork, memfd)."""
    return (
        hasattr(os, "memfd_create")
        and "fork" in multiprocessing.get_all_start_methods()
        and os.environ.get(ONE_PROCESS_ENV) != "1"
    )


class Claims:
    """Tabs either process may read, each taken by the first to ask (made before the fork).

    One pipe a tab holding one byte, its write end closed: ``os.read`` of one byte is atomic, so
    exactly one reader gets the byte and the other meets the end of the pipe.
    """

    def __init__(self, tabs: Iterable[str]) -> None:
        self.fds: dict[str, int] = {}
        try:
            for tab in tabs:
                r, w = os.pipe()
                self.fds[tab] = r
                os.write(w, b"1")
                os.close(w)
        except OSError:
            self.close()
            raise

    def take(self, tab: str) -> bool:
        """Whether this process takes ``tab`` (False: the other did, or these claims are closed)."""
        fd = self.fds.get(tab)
        return fd is not None and os.read(fd, 1) == b"1"

    def close(self) -> None:
        for fd in self.fds.values():
            os.close(fd)
        self.fds.clear()


class Sidecar:
    """A forked child running ``job``; :meth:`result` is what it returned, or None if it failed."""

    def __init__(self, job: Callable[[], Any], name: str = "read") -> None:
        self.parent = os.getpid()
        self.fd: int | None = os.memfd_create(f"workbook-crm-{name}", os.MFD_CLOEXEC)
        ctx = multiprocessing.get_context("fork")
        self.proc = ctx.Process(target=self._child, args=(job,), daemon=True)
        try:
            self.proc.start()
        except OSError:  # no process to be had (the caller works alone): the transfer file goes
            os.close(self.fd)
            self.fd = None
            raise

    def _child(self, job: Callable[[], Any]) -> None:
        die_with_parent(self.parent)  # never outlives the run, even a SIGKILLed one
        try:
            gc.disable()  # reading allocates millions of objects and no cycles
            made = job()
            assert self.fd is not None
            with os.fdopen(os.dup(self.fd), "wb") as fh:
                pickle.dump(made, fh, protocol=pickle.HIGHEST_PROTOCOL)
        except BaseException:  # the parent reads the tabs itself; no traceback on the user's terminal
            os._exit(1)

    def result(self) -> Any | None:
        """Wait for the child; what it made, or None when it did not finish (the caller reads itself)."""
        try:
            self.proc.join()
            if self.proc.exitcode != 0 or self.fd is None:
                return None
            os.lseek(self.fd, 0, os.SEEK_SET)
            with os.fdopen(os.dup(self.fd), "rb") as fh:
                return pickle.load(fh)
        except (OSError, EOFError, pickle.UnpicklingError):
            return None
        finally:
            self.close()

    def close(self) -> None:
        """Stop the child if it still runs and free the transfer file; may be called again."""
        if self.proc.is_alive():
            self.proc.terminate()
            self.proc.join()
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


class Job:
    """``call()`` in a forked helper while this process goes on, or here: the same result either way.

    The helper sees this process as it was at ``start`` (a fork); ``call`` must read only what nobody
    changes afterwards, since a failed helper means :meth:`result` runs ``call`` here, later.
    """

    def __init__(self, call: Callable[[], Any], name: str, rows: int) -> None:
        """``rows``: the customers the step works on; below ``BACKGROUND_ROWS`` it stays in line."""
        self.call, self.name, self.rows = call, name, rows
        self.done: Any = None
        self.finished = False
        self.helper: Sidecar | None = None

    def start(self, background: bool) -> None:
        """Fork the helper when ``background``, the step is big enough and the system can; else
        ``result`` works here, when asked."""
        if background and self.rows >= BACKGROUND_ROWS and available():
            try:
                self.helper = Sidecar(self.call, name=self.name)
            except OSError:  # no process or memfd to be had now: ``result`` works here
                self.helper = None

    def result(self) -> Any:
        """What ``call`` returned (waiting for the helper if it still works)."""
        if not self.finished:
            made = self.helper.result() if self.helper is not None else None
            self.helper = None
            self.done, self.finished = (made if made is not None else self.call()), True
        return self.done

    def stop(self) -> None:
        """The run ended before the result was wanted: stop the helper."""
        if self.helper is not None:
            self.helper.close()
            self.helper = None
