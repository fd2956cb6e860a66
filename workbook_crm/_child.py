"""Forked helper processes (the summary's writer, the second sheet reader) never outlive the run."""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import threading
import time


def die_with_parent(parent: int) -> None:
    """In a forked child: end when the parent ends (even by SIGKILL), never outlive the run."""
    with contextlib.suppress(Exception):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_DEATHSIG (Linux)
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)

    def watch() -> None:  # elsewhere (and as a second guard): poll the parent
        while True:
            if os.getppid() != parent:
                os._exit(1)
            time.sleep(0.2)

    threading.Thread(target=watch, daemon=True).start()
