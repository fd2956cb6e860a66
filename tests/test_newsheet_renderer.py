"""The computed-sheet renderer's column-wise fast paths write exactly what the careful per-cell path
(``values.encode`` for every cell) writes, byte for byte, and what they write reads back as the
values given, through openpyxl and calamine."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from typing import Any

import openpyxl
import pytest
import xlsxwriter
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from python_calamine import CalamineWorkbook

from workbook_crm.writeback import WorkbookEditor, newsheet
from workbook_crm.writeback.styles import Styles

STYLES = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    b'<cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellXfs></styleSheet>'
)


class _PerCell(newsheet._Renderer):
    """The oracle: every cell through ``_cell`` (``values.encode``), no column-wise path."""

    def _column(self, c0: int, col: tuple[Any, ...], rnums: list[str]) -> list[str]:
        return [self._cell(c0, v, self.letters[c0] + r) for r, v in zip(rnums, col, strict=True)]


def _render(
    rows: list[Sequence[Any]],
    links: dict[tuple[int, int], str],
    date1904: bool,
    renderer: type,
    columns: bool = False,
) -> bytes:
    saved = newsheet._Renderer
    newsheet._Renderer = renderer
    width = max(map(len, rows), default=1)
    body: Any = rows
    if columns:  # the same body given column by column (planmodel.SheetEdit.all_columns)
        body = newsheet.Columns([[r[c] if c < len(r) else None for r in rows] for c in range(width)])
    try:
        part, external = newsheet.write_sheet(
            Styles(STYLES),
            [f"列{i}" for i in range(width)],
            body,
            widths=None,
            formats={1: "0.00"},
            links=links,
            freeze_header=True,
            autofilter=True,
            tab_color=None,
            date1904=date1904,
        )
    finally:
        newsheet._Renderer = saved
    return part.inflate() + repr(external).encode()


plain_text = st.sampled_from(
    ["张三", "A", "上海测试有限公司", "C0001", "x y", "季度回访", "A&B <贸易> → C", "1 < 2"]
)
any_text = st.text(max_size=12)
first_day = dt.date(1904, 1, 1)
kinds = [
    st.one_of(plain_text, any_text),
    plain_text,
    st.integers(min_value=-(2**62), max_value=2**62),
    st.floats(allow_infinity=False, width=64),
    st.one_of(st.integers(-1000, 1000), st.floats(-1e17, 1e17), st.sampled_from([3.0, -0.0, 1e15, 1e16])),
    st.dates(min_value=first_day),
    st.datetimes(min_value=dt.datetime(1904, 1, 1)),
    st.booleans(),
]


@st.composite
def sheets(draw: st.DrawFn) -> tuple[list[list[Any]], dict[tuple[int, int], str]]:
    width = draw(st.integers(1, 5))
    columns = [draw(st.sampled_from(kinds)) for _ in range(width)]
    blank = draw(st.booleans())
    n = draw(st.integers(1, 12))
    rows = [[draw(st.one_of(st.none(), c) if blank else c) for c in columns] for _ in range(n)]
    if draw(st.booleans()):  # now and then a stray value of another kind
        r, c = draw(st.integers(0, n - 1)), draw(st.integers(0, width - 1))
        rows[r][c] = draw(draw(st.sampled_from(kinds)))
    links = {
        (r, c): f"'客户档案'!A{r + 2}"
        for r, c in draw(st.sets(st.tuples(st.integers(0, n - 1), st.integers(0, width - 1)), max_size=3))
    }
    return rows, links


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sheets(), st.booleans(), st.sampled_from([2, 5, 2000]))
def test_fast_paths_write_the_bytes_of_the_per_cell_path(sheet, date1904: bool, chunk_rows: int) -> None:
    rows, links = sheet
    saved = newsheet._CHUNK_ROWS
    newsheet._CHUNK_ROWS = chunk_rows  # small chunks: the per-column text cache spans chunks
    try:
        assert _render(rows, links, date1904, newsheet._Renderer) == _render(rows, links, date1904, _PerCell)
    finally:
        newsheet._CHUNK_ROWS = saved


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sheets(), st.booleans(), st.sampled_from([2, 5, 2000]))
def test_columns_render_as_the_rows(sheet, date1904: bool, chunk_rows: int) -> None:
    rows, links = sheet
    saved = newsheet._CHUNK_ROWS
    newsheet._CHUNK_ROWS = chunk_rows
    try:
        by_columns = _render(rows, links, date1904, newsheet._Renderer, columns=True)
        assert by_columns == _render(rows, links, date1904, newsheet._Renderer)
    finally:
        newsheet._CHUNK_ROWS = saved


def test_a_date_before_the_epoch_is_refused_by_both_paths() -> None:
    rows: list[Sequence[Any]] = [[dt.date(1903, 12, 31)]]
    for renderer in (newsheet._Renderer, _PerCell):
        with pytest.raises(ValueError, match="first date"):
            _render(rows, {}, True, renderer)


def _record() -> bytes:
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    wb.add_worksheet("客户档案").write_row(0, 0, ["客户编号", "客户名称"])
    wb.close()
    return buf.getvalue()


def test_a_rendered_sheet_reads_back_through_openpyxl_and_calamine() -> None:
    rows = [
        [
            f"C{i:04d}",
            "A&B <贸易>" if i % 3 == 0 else "上海测试有限公司",
            "待定_回访 备注 " if i % 4 == 0 else None,
            i * 7,
            i * 1.25,
            float(i),
            dt.date(2024, 1, 1) + dt.timedelta(days=i),
            dt.datetime(2024, 5, 1, 9, 30) if i % 2 else None,
        ]
        for i in range(1, 2501)  # more than one chunk
    ]
    ed = WorkbookEditor(_record())
    ed.replace_sheet("客户分层", [f"列{i}" for i in range(8)], rows, links={(0, 0): "'客户档案'!A2"})
    out = ed.to_bytes()

    def day(v: Any) -> Any:
        return v.date() if isinstance(v, dt.datetime) and v.time() == dt.time() else v

    got_o = [
        [day(v) for v in r]
        for r in openpyxl.load_workbook(io.BytesIO(out))["客户分层"].iter_rows(min_row=2, values_only=True)
    ]
    cal = CalamineWorkbook.from_filelike(io.BytesIO(out)).get_sheet_by_name("客户分层").to_python()
    got_c = [[day(v) if v != "" else None for v in r] for r in cal[1:]]
    want = [[v if not isinstance(v, float) or not v.is_integer() else int(v) for v in r] for r in rows]
    assert got_o == want
    assert [[float(v) if isinstance(v, (int, float)) else v for v in r] for r in got_c] == [
        [float(v) if isinstance(v, (int, float)) else v for v in r] for r in want
    ]
