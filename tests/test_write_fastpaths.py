"""The write-back's fast paths (#16) give what the slower ones they replaced give, on varied input:
the formula-tag search and the regex it replaced, the patcher's row search and its general scan,
column-wise values and value-by-value ``cell_value``, columns and rows, ISA-L's deflate/inflate and
zlib's, a formula scan reused by the patch pass."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
import zlib
from typing import Any

import numpy as np
import pandas as pd
import pytest
import xlsxwriter
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workbook_crm.errors import UnreadableWorkbook
from workbook_crm.excel import cell_value
from workbook_crm.planmodel import SheetEdit
from workbook_crm.planvalues import column_values, frame_columns
from workbook_crm.schema.computed import TIERS_SHEET
from workbook_crm.writeback import WorkbookEditor, deflate
from workbook_crm.writeback.formulas import FormulaCells, formula_tags
from workbook_crm.writeback.package import Package
from workbook_crm.writeback.sheetxml import OldCell, SheetPatcher

_OLD_F = re.compile(rb"<(\w+:)?f\b([^>]*)>")  # the regex formula_tags replaced

# --- formula tags --------------------------------------------------------------------------------

_pieces = st.sampled_from(
    [
        b"<f>",
        b"<f/>",
        b'<f t="array" ref="A1:B2">',
        b'<x:f t="shared" si="0">',
        b"<x:f>",
        b"<ab_1:f ref='C3'>",
        b"<font>",
        b"<fx>",
        b"<a:b:f>",
        b":f>",
        b"a:f ",
        b'<c r="A1">',
        b'<x:c r="B2">',
        b"<v>1</v>",
        b"SUM(A1)",
        b"</f>",
        b"<",
        b">",
        b" ",
        b"x",
        b":",
    ]
)


@settings(max_examples=400, deadline=None)
@given(st.lists(_pieces, max_size=30), st.integers(0, 40))
def test_formula_tags_are_what_the_regex_found(pieces: list[bytes], start: int) -> None:
    xml = b"".join(pieces)
    start = min(start, len(xml))
    want = [(m.start(), m.group(1) or b"", m.group(0)) for m in _OLD_F.finditer(xml, start)]
    assert formula_tags(xml, start) == want


def test_formula_cells_of_a_prefixed_sheet() -> None:
    xml = (
        b'<x:worksheet xmlns:x="main"><x:sheetData><x:row r="2"><x:c r="A2"><x:f>1+1</x:f><x:v>2</x:v>'
        b'</x:c><x:c r="B2"><x:f t="array" ref="B2:C3">A2</x:f></x:c></x:row></x:sheetData></x:worksheet>'
    )
    found = FormulaCells.scan(xml)
    assert found.cells == {(2, 1), (2, 2)} and found.ranges == [(2, 2, 3, 3)]
    assert found.kind("C3") == "array" and found.kind("A2") == "formula" and found.kind("D9") is None


# --- the patcher's row search --------------------------------------------------------------------


@st.composite
def _sheets(draw: st.DrawFn) -> tuple[bytes, list[tuple[int, int]]]:
    rows = sorted(draw(st.sets(st.integers(1, 30), min_size=1, max_size=12)))
    body = []
    prev = 0
    for r in rows:
        form = draw(st.sampled_from(["r", "spans", "none", "quote", "self"]))
        if form == "none":  # an r-less row is the row after the one before it
            r = prev + 1
        prev = r
        cells = b'<c r="A%d" s="1"><v>%d</v></c><c r="C%d" t="inlineStr"><is><t>x</t></is></c>' % (r, r, r)
        tag = {
            "r": b'<row r="%d">' % r,
            "spans": b'<row spans="1:3" r="%d">' % r,
            "none": b"<row>",
            "quote": b"<row r='%d'>" % r,
            "self": b'<row r="%d"/>' % r,
        }[form]
        body.append(tag if form == "self" else tag + cells + b"</row>")
    xml = (
        b'<worksheet xmlns="main"><dimension ref="A1:C30"/><sheetData>'
        + b"".join(body)
        + b"</sheetData></worksheet>"
    )
    edits = draw(st.lists(st.tuples(st.integers(1, 35), st.integers(1, 4)), max_size=8, unique=True))
    return xml, edits


@settings(max_examples=300, deadline=None)
@given(_sheets())
def test_the_row_search_patches_what_the_general_scan_patches(sheet: tuple[bytes, list]) -> None:
    xml, edits = sheet

    def patched(fast: bool) -> tuple[bytes, list[tuple[str, int, bool]]]:
        seen: list[tuple[str, int, bool]] = []

        def fn(old: OldCell) -> bytes:
            seen.append((old.ref, old.style, old.xml is not None))
            return b'<c r="%s"><v>9</v></c>' % old.ref.encode()

        p = SheetPatcher(xml)
        p.fast_rows = fast
        return p.patch({rc: fn for rc in edits}).data, sorted(seen)

    assert patched(True) == patched(False)


# --- values column by column ---------------------------------------------------------------------

_values = st.one_of(
    st.none(),
    st.text(max_size=5),
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=True, allow_infinity=False),
    st.booleans(),
    st.dates(),
    st.datetimes(),
    st.just(pd.NA),
    st.just(pd.NaT),
    st.just(np.int64(7)),
    st.just(np.float64("nan")),
    st.just(pd.Timestamp("2024-05-01")),
    st.just(pd.Timestamp("2024-05-01 10:30")),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_values, max_size=20))
def test_column_values_are_cell_value_of_each(values: list[Any]) -> None:
    s = pd.Series(values, dtype=object)
    got = column_values(s)
    want = [cell_value(v) for v in values]
    assert [(type(g), g) for g in got] == [(type(w), w) for w in want]


@pytest.mark.parametrize(
    "series",
    [
        pd.Series([1.5, None, 3.0], dtype="float64"),
        pd.Series([1, None, 3], dtype="Int64"),
        pd.Series([1.5, None], dtype="Float64"),
        pd.Series(["a", None, "b"], dtype="string"),
        pd.Series([True, None], dtype="boolean"),
        pd.Series([1, 2], dtype="int64"),
        pd.Series(pd.to_datetime(["2024-01-02", None])),
        pd.Series(["x", np.nan], dtype=object),
    ],
)
def test_column_values_of_each_dtype(series: pd.Series) -> None:
    got = column_values(series)
    want = [cell_value(v) for v in series.astype(object).tolist()]
    assert [(type(g), g) for g in got] == [(type(w), w) for w in want]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.lists(_values, max_size=4), max_size=5),
    st.integers(0, 4),
    st.booleans(),
)
def test_all_columns_are_the_rows_transposed(rows: list[list[Any]], n: int, with_frame: bool) -> None:
    header = ("a", "b", "c")
    frame = pd.DataFrame({"a": range(n), "c": [f"t{i}" for i in range(n)]}) if with_frame else None
    edit = SheetEdit(TIERS_SHEET, "客户分层", header, rows=rows, frame=frame)
    framed = [tuple(r) for r in zip(*frame_columns(frame, header), strict=True)]
    width = max([len(header) if framed else 0, *map(len, rows)], default=0)
    want = [tuple(r) + (None,) * (width - len(r)) for r in [*rows, *framed]]
    if width == 0:
        want = []  # rows with no cells: no columns to hold them (the renderer writes nothing either)
    assert edit.all_rows() == want


# --- deflate and inflate ---------------------------------------------------------------------------


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return buf.getvalue()


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=5000), st.sampled_from([0, 1, 2, 3, 6, 9]))
def test_the_deflate_backend_makes_streams_zlib_reads(data: bytes, level: int) -> None:
    c = deflate.compressobj(level)
    raw = c.compress(data) + c.flush()
    assert zlib.decompress(raw, -15) == data == deflate.inflate(raw, len(data))
    assert deflate.crc32(data) == zlib.crc32(data)


def test_package_read_inflates_what_zipfile_reads_and_checks_the_crc() -> None:
    members = {"a.xml": b"<a>" + b"x" * 100_000 + b"</a>", "b.xml": b"", "c.bin": bytes(range(256)) * 50}
    data = _zip(members)
    pkg = Package(data)
    assert {n: pkg.read(n) for n in members} == members
    with pytest.raises(KeyError):
        pkg.read("missing.xml")
    bad = bytearray(data)
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo("a.xml")
    bad[info.header_offset + 30 + len("a.xml") + 5] ^= 0xFF  # a byte of its deflate stream
    with pytest.raises(UnreadableWorkbook):
        Package(bytes(bad)).read("a.xml")


def test_zlib_without_isal_writes_the_same_package_content(monkeypatch: pytest.MonkeyPatch) -> None:
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    wb.add_worksheet("客户档案").write_row(0, 0, ["客户编号", "金额"])
    wb.close()

    def build() -> dict[str, bytes]:
        ed = WorkbookEditor(buf.getvalue())
        ed.set_cells("客户档案", {"A2": "C001", "B2": 3.5})
        ed.replace_sheet("客户分层", ["编号", "日期"], [["C1", dt.date(2024, 1, 2)], ["C2", None]] * 3000)
        z = zipfile.ZipFile(io.BytesIO(ed.to_bytes()))
        assert z.testzip() is None
        return {n: z.read(n) for n in z.namelist()}

    fast = build()
    monkeypatch.setattr(deflate, "_zlib", zlib)
    assert build() == fast


# --- formula cells scanned once ----------------------------------------------------------------------


def _array_book() -> bytes:
    import openpyxl
    from openpyxl.worksheet.formula import ArrayFormula

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "客户档案"
    ws.append(["客户编号", "金额", "翻倍"])
    for i in range(2, 6):
        ws.append([f"C{i:03d}", i * 10])
    ws["C2"] = ArrayFormula("C2:C5", "=B2:B5*2")
    ws["D2"] = "=B2+1"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


@pytest.mark.parametrize("scanned_first", [True, False])
def test_a_formula_scan_reused_by_the_patch_keeps_array_ranges(scanned_first: bool) -> None:
    ed = WorkbookEditor(_array_book())
    if scanned_first:  # as the run does: spare_formulas scans, the patch pass reuses the scan
        cells = ed.formula_cells("客户档案")
        assert cells.kind("C4") == "array" and cells.kind("D2") == "formula"
    ed.set_cells("客户档案", {"C4": 7, "D2": 1, "B3": 99})
    out = zipfile.ZipFile(io.BytesIO(ed.to_bytes()))
    assert sorted(ed.kept_formulas["客户档案"]) == ["C4", "D2"]
    xml = out.read("xl/worksheets/sheet1.xml")
    assert b'ref="C2:C5"' in xml and b"<v>99</v>" in xml and ed._formula_scans == {}
