"""The streamed read (#16) equals the whole-sheet read on real workbooks.

``read_workbook`` reads the first ``HEAD_ROWS`` rows of a sheet as lists and streams the rest
(calamine's ``iter_rows``) into the frame builder block by block. Here the same files are read both
ways — streamed with a tiny head and tiny blocks (so every sheet is mostly streamed, across many
blocks) and whole (``to_python``, no streaming) — and every recognised sheet must come out the same:
each cell's value and type at its row, the fields and their columns, the header row, footers, merged
copies, and the findings of reading.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from python_calamine import CalamineWorkbook

from workbook_crm.errors import WorkbookCrmError
from workbook_crm.io import frame, reader
from workbook_crm.io.reader import WorkbookData, read_workbook

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
FILES = sorted(
    [ROOT / "sample_data" / "示例台账.xlsx", *(SHARED / "realworld").glob("*.xls*")],
    key=lambda p: p.name,
)


def _facts(wb: WorkbookData) -> list[Any]:
    out: list[Any] = [[(f.sheet, f.cell, f.code) for f in wb.findings]]
    for name, s in wb.sheets.items():
        cells = [(c, r, type(v).__name__, v) for c in s.frame.columns for r, v in s.frame[c].items()]
        out.append((name, s.tab, s.header_row, s.columns, s.last_row, s.footer_rows, s.merged_copies, cells))
    return out


def _read(path: Path, monkeypatch: pytest.MonkeyPatch, head: int | None, block: int) -> list[Any] | str:
    monkeypatch.setattr(reader, "HEAD_ROWS", head)
    monkeypatch.setattr(frame, "BLOCK", block)
    try:
        return _facts(read_workbook(path))
    except WorkbookCrmError as exc:
        return type(exc).__name__


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_streamed_read_equals_whole_read(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if not path.exists():
        pytest.skip("file absent")
    streamed = _read(path, monkeypatch, 31, 5)
    whole = _read(path, monkeypatch, None, 10**9)
    assert streamed == whole


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_iter_rows_equals_to_python_from_a1(path: Path) -> None:
    """The library property the streaming rests on, for every sheet whose range starts at A1."""
    if not path.exists() or path.suffix != ".xlsx":
        pytest.skip("not an .xlsx here")
    book = CalamineWorkbook.from_path(str(path))
    for name in book.sheet_names:
        sheet = book.get_sheet_by_name(name)
        if sheet.start not in (None, (0, 0)):
            continue
        rows = list(sheet.iter_rows())
        typed = [[(type(v), v) for v in r] for r in rows]
        assert typed == [[(type(v), v) for v in r] for r in sheet.to_python(skip_empty_area=False)]
        assert len(rows) == sheet.height and all(len(r) == sheet.width for r in rows)
