"""deflate.py: the background Deflater gives the same stream as the plain one, and a failure in its
worker reaches the caller; a streamed sheet patch (``sink``) gives the same part as a kept one."""

from __future__ import annotations

import zlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workbook_crm.writeback.deflate import Deflater
from workbook_crm.writeback.sheetxml import OldCell, SheetPatcher


@settings(max_examples=40, deadline=None)
@given(st.lists(st.binary(max_size=3000), max_size=60), st.integers(min_value=1, max_value=5000))
def test_background_deflate_is_the_same_stream(pieces: list[bytes], batch: int) -> None:
    plain = Deflater()
    threaded = Deflater(background=True)
    threaded._BATCH = batch  # small batches: many hand-overs to the worker
    for p in pieces:
        plain.write(p)
        threaded.write(memoryview(p))
    a, b = plain.finish(), threaded.finish()
    whole = b"".join(pieces)
    assert (b.data, b.crc, b.size) == (a.data, a.crc, a.size)
    assert b.inflate() == whole and b.crc == zlib.crc32(whole) and b.size == len(whole)


def test_a_worker_failure_is_raised_by_finish() -> None:
    d = Deflater(background=True)
    d._BATCH = 1
    d.write(b"ok")
    d.write("not bytes")  # type: ignore[arg-type]  # zlib refuses it in the worker
    with pytest.raises(TypeError):
        d.finish()
    assert d._thread is None


def test_close_stops_the_worker_without_a_result() -> None:
    with Deflater(background=True) as d:
        d._BATCH = 1
        d.write(b"abc")
        worker = d._thread
        assert worker is not None and worker.is_alive()
    assert not worker.is_alive()


def _sheet(rows: int) -> bytes:
    body = b"".join(
        b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>x%d</t></is></c><c r="B%d"><v>%d</v></c></row>'
        % (r, r, r, r, r)
        for r in range(1, rows + 1)
    )
    return (
        b'<?xml version="1.0" encoding="UTF-8"?>'
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b'<dimension ref="A1:B%d"/><sheetData>' % rows + body + b"</sheetData><autoFilter/></worksheet>"
    )


@pytest.mark.parametrize("rows_to_edit", [[], [1], [2, 50, 99], [3, 120]])
def test_a_streamed_patch_is_the_same_part(rows_to_edit: list[int]) -> None:
    xml = _sheet(100)

    def edits() -> dict:
        def put(old: OldCell) -> bytes:
            return b'<c r="%s"><v>7</v></c>' % old.ref.encode()

        return {(r, 2): put for r in rows_to_edit}

    kept = SheetPatcher(xml).patch(edits())
    streamed: list[bytes] = []
    result = SheetPatcher(xml).patch(edits(), sink=lambda p: streamed.append(bytes(p)))
    assert len(result.pieces) == 1 and bytes(result.pieces[0]).startswith(b"</sheetData>")
    assert result.head == bytes(kept.pieces[0])
    assert b"".join(streamed) + bytes(result.pieces[0]) == kept.data
    assert (b'<c r="B50"><v>7</v></c>' in kept.data) == (50 in rows_to_edit)
