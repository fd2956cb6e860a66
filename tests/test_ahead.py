"""io/ahead.py: the next sheet is parsed in a thread, and a workbook is never used by two threads at once."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from workbook_crm.io.ahead import Ahead


class Book:
    """A stand-in for python-calamine's workbook: raises if two calls overlap, as pyo3's borrow does."""

    def __init__(self, fail: str = "") -> None:
        self.busy = threading.Lock()
        self.calls: list[tuple[str, str]] = []
        self.fail = fail

    def get_sheet_by_name(self, name: str) -> Any:
        if not self.busy.acquire(blocking=False):
            raise RuntimeError("Already borrowed")
        try:
            self.calls.append((name, threading.current_thread().name))
            time.sleep(0.05)
            if name == self.fail:
                raise ValueError(f"cannot parse {name}")
            return f"sheet {name}"
        finally:
            self.busy.release()


def test_the_next_sheet_is_parsed_in_a_thread_and_handed_over() -> None:
    book = Book()
    ahead = Ahead(book)
    assert ahead.get("A") == "sheet A"
    ahead.start("B")
    assert ahead.get("B") == "sheet B"
    ahead.close()
    assert [n for n, _ in book.calls] == ["A", "B"]
    assert book.calls[0][1] == threading.current_thread().name
    assert book.calls[1][1].startswith("calamine")


def test_asking_for_another_sheet_waits_for_the_parse_under_way() -> None:
    book = Book()
    ahead = Ahead(book)
    ahead.start("B")
    assert ahead.get("C") == "sheet C"  # no "Already borrowed": the parse of B ended first
    ahead.close()
    assert [n for n, _ in book.calls] == ["B", "C"]


def test_a_failed_parse_is_the_askers_error_and_close_waits() -> None:
    book = Book(fail="B")
    ahead = Ahead(book)
    ahead.start("B")
    with pytest.raises(ValueError, match="cannot parse B"):
        ahead.get("B")
    ahead.start("C")
    ahead.close()  # waits for C's parse, then stops the thread
    assert ahead.pool is None and ahead.pending is None
    assert [n for n, _ in book.calls] == ["B", "C"]
