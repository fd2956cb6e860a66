"""Temporary files of a run: named after the run that owns them, removed on signals and by the next run.

Every temporary file or folder a run creates beside the user's files carries a tag ``wc<pid>h<host>``
(``host`` = 6 hex digits of the host name), so a later run can tell a leftover of a run that died
(SIGKILL, power cut) from the working file of one still running: on this host, a dead PID means
stale. Leftovers of another host are left alone unless older than a day (a shared folder).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
import signal
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from ..errors import Interrupted

HOST = hashlib.sha1(socket.gethostname().encode()).hexdigest()[:6]
_TAG = re.compile(r"wc(\d+)h([0-9a-f]{6})")
_OURS = re.compile(r"^(?:\.~workbook-crm-|\.~summary-|\..+-|.+\.)wc\d+h[0-9a-f]{6}[-.]")
# names written by versions before the tag (no owner known): removed when older than an hour
_LEGACY = re.compile(
    r"^(?:\.~workbook-crm-[a-z0-9_]{8}|\.~summary-[a-z0-9_]{8}\.xlsx|\..+-[a-z0-9_]{8}\.xls[xm]\.tmp)$"
)
LEGACY_AGE = 3600.0
FOREIGN_AGE = 86400.0


def tag() -> str:
    """The owner tag of this process."""
    return f"wc{os.getpid()}h{HOST}"


def temp_file(folder: Path, prefix: str, suffix: str) -> tuple[int, Path]:
    fd, name = tempfile.mkstemp(prefix=f"{prefix}{tag()}-", suffix=suffix, dir=folder)
    return fd, Path(name)


def temp_dir(folder: Path) -> Path:
    return Path(tempfile.mkdtemp(prefix=f".~workbook-crm-{tag()}-", dir=folder))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # EPERM: it exists, run by someone else
        return True
    return True


def is_stale(entry: Path, now: float | None = None) -> bool:
    """A leftover of a run that is no longer running (see the module docstring)."""
    name = entry.name
    now = time.time() if now is None else now
    try:
        age = now - entry.lstat().st_mtime
    except OSError:
        return False
    if _OURS.match(name) and (
        name.endswith((".tmp", ".partial")) or name.startswith((".~workbook-crm-", ".~summary-"))
    ):
        m = _TAG.search(name)
        if m is None:
            return False
        pid, host = int(m.group(1)), m.group(2)
        if host == HOST:
            return pid != os.getpid() and not _alive(pid)
        return age > FOREIGN_AGE
    return bool(_LEGACY.match(name)) and age > LEGACY_AGE


def clean_stale(*folders: Path) -> list[str]:
    """Remove the leftovers of dead runs in ``folders``; returns their names (best effort, never raises)."""
    removed = []
    for folder in {Path(f) for f in folders}:
        try:
            entries = list(folder.iterdir())
        except OSError:
            continue
        for entry in entries:
            if not is_stale(entry):
                continue
            with contextlib.suppress(OSError):
                if entry.is_dir() and not entry.is_symlink():
                    shutil.rmtree(entry)
                else:
                    entry.unlink()
                removed.append(entry.name)
    return removed


# --- signals ---------------------------------------------------------------------------------
def _raise_interrupted(signum: int, _frame: object) -> None:
    raise Interrupted(signum)


def install_signal_handlers() -> None:
    """SIGTERM/SIGHUP unwind like Ctrl-C (KeyboardInterrupt), so every ``finally`` removes its files."""
    if threading.current_thread() is not threading.main_thread():
        return
    for name in ("SIGTERM", "SIGHUP"):
        sig = getattr(signal, name, None)
        if sig is not None:
            with contextlib.suppress(OSError, ValueError):
                signal.signal(sig, _raise_interrupted)


@contextlib.contextmanager
def signals_deferred() -> Iterator[list[int]]:
    """A critical section (the swap and its check): a signal arriving here is only recorded; the
    caller re-raises it with :func:`raise_pending` once the files are in a known state."""
    pending: list[int] = []
    if threading.current_thread() is not threading.main_thread():
        yield pending
        return
    sigs = [
        s for s in (signal.SIGINT, getattr(signal, "SIGTERM", None), getattr(signal, "SIGHUP", None)) if s
    ]
    old = {s: signal.getsignal(s) for s in sigs}
    for s in sigs:
        signal.signal(s, lambda signum, _f: pending.append(signum))
    try:
        yield pending
    finally:
        for s, h in old.items():
            signal.signal(s, h)


def raise_pending(pending: list[int], *, written: bool) -> None:
    """Re-raise the first signal that arrived in a deferred section (``written``: the record was replaced)."""
    if not pending:
        return
    exc: BaseException = KeyboardInterrupt() if pending[0] == signal.SIGINT else Interrupted(pending[0])
    exc.written = written  # type: ignore[attr-defined]
    raise exc
