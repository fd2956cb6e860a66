"""Garbage-collector handling for whole-workbook work (private: the run's stages use it, users do not).

A 100k-customer workbook is millions of live Python objects; every full collection walks all of
them (measured: +60 % on the check step). These helpers keep the collector off those objects while
still freeing the garbage with cycles (writers, editors) that each stage leaves.
"""

from __future__ import annotations

import ctypes
import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager

_BULK_DEPTH = 0


@contextmanager
def bulk_work() -> Iterator[None]:
    """Freeze what exists after each stage, so later collections see only new objects.

    ``gc.freeze()`` moves what exists into the permanent generation. Reentrant: only the outermost
    one unfreezes, so a run does not walk the whole workbook again between its halves.
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


@contextmanager
def no_gc() -> Iterator[None]:
    """Reading allocates millions of objects and no cycles: collections there are pure cost."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's ``malloc_trim``: freed heap pages go back to the system (elsewhere: nothing)."""
    try:  # the process's own symbols, as _child.die_with_parent finds prctl: no ldconfig
        return ctypes.CDLL(None).malloc_trim  # type: ignore[no-any-return]
    except (OSError, AttributeError, TypeError):  # TypeError: Windows takes no None here
        return None


_TRIM = _malloc_trim()


def settle(trim: bool = True) -> None:
    """Between stages: collect what the last stage left, then freeze what remains.

    A stage frees millions of small objects; glibc keeps the pages for reuse, so the process stays
    as big as its busiest stage and the next stage's peak comes on top of it. ``malloc_trim`` hands
    them back (measured at 100k customers: see docs/CHOICES.md, "Giving freed memory back").
    ``trim=False`` where the next stage reuses them anyway: pages handed back are faulted in again
    (session 6: no trim after the read and the check, 40.7 → 33.2 s, same peak)."""
    gc.collect()
    gc.freeze()
    if trim and _TRIM is not None:
        _TRIM(0)
