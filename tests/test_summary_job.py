"""The run's summary written in line (no ``fork``: Windows, or ``can_fork`` false) — the same workbook
the forked child writes, read back by openpyxl and by calamine."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from workbook_crm.monthly import run_month
from workbook_crm.reports import job
from workbook_crm.sample import write_sample

TODAY = date(2026, 11, 30)


def _sheets(path: Path) -> dict[str, list[list[object]]]:
    """Every sheet's values as calamine reads them."""
    wb = CalamineWorkbook.from_path(str(path))
    return {name: wb.get_sheet_by_name(name).to_python() for name in wb.sheet_names}


def _same(v: object) -> object:
    """One value as both readers agree on it: blank, a float, a date, or text."""
    if v is None or v == "":
        return ""
    if isinstance(v, datetime):
        return v.date()
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return float(v)
    return v


def _run(tmp_path: Path, name: str) -> Path:
    record = write_sample(tmp_path / f"{name}.xlsx", customers=60, seed=3, today=TODAY)
    result = run_month(record, month="2026-11", today=TODAY)
    assert result.summary is not None, result.summary_error
    return Path(result.summary)


def test_summary_without_fork_is_written_and_readable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    forked = _run(tmp_path, "forked")
    monkeypatch.setattr(job, "can_fork", lambda: False)

    def no_processes(*args: object, **kwargs: object) -> None:
        raise AssertionError("the in-line path must not start a process")

    monkeypatch.setattr(job.multiprocessing, "get_context", no_processes)
    inline = _run(tmp_path, "inline")

    assert inline.name == "inline-汇总-2026-11.xlsx" and inline.exists()
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".~")]  # no temporary folder left
    book = openpyxl.load_workbook(inline, read_only=True)
    values = _sheets(inline)
    assert book.sheetnames == list(values) and "概览" in values and "客户分层" in values
    tiers = [list(r) for r in book["客户分层"].iter_rows(values_only=True)]
    assert [[_same(v) for v in r] for r in tiers] == [[_same(v) for v in r] for r in values["客户分层"]]
    # the in-line summary is the forked one's twin, apart from the file name it names as its source
    assert _sheets(forked)["客户分层"] == values["客户分层"]
    assert len(values["客户分层"]) > 10


def test_a_month_that_cannot_be_sent_to_the_writer_is_written_in_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """The month goes to the forked writer as a pickle without memo (no cycles expected); one that
    cannot be sent (here: a cycle) is written in line, not lost."""
    real = job._for_summary

    def with_a_cycle(graded):  # type: ignore[no-untyped-def]
        month = real(graded)
        loop: list[object] = []
        loop.append(loop)
        month.extra = loop  # type: ignore[attr-defined]
        return month

    monkeypatch.setattr(job, "_for_summary", with_a_cycle)
    summary = _run(tmp_path, "cycle")
    assert "客户分层" in _sheets(summary)
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".~")]


def test_where_there_is_no_memfd_the_month_goes_through_the_pipe(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """The month is handed over in an in-memory file (memfd, Linux); elsewhere it is streamed through
    the pipe: the two summaries are the same, cell for cell."""
    if not hasattr(job.os, "memfd_create"):
        pytest.skip("no memfd here: the pipe is the only path")
    through_file = _run(tmp_path, "file")
    monkeypatch.delattr(job.os, "memfd_create")
    through_pipe = _run(tmp_path, "pipe")
    a, b = _sheets(through_file), _sheets(through_pipe)
    assert list(a) == list(b) and len(a["客户分层"]) > 10
    for name in a:
        if name != "概览":  # names its source file
            assert a[name] == b[name], name
