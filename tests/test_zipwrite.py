"""Our zip writer (writeback/zipwrite.py): what it writes is read back by zipfile (CRCs checked by
testzip), openpyxl and python-calamine; ZIP64 forms, UTF-8 names and data-descriptor sources."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter
from python_calamine import CalamineWorkbook

from workbook_crm.writeback import WorkbookEditor
from workbook_crm.writeback.package import Package
from workbook_crm.writeback.zipwrite import ZipWriter, raw_data


def write_zip(source: bytes, *, limit: int = 0xFFFFFFFF, extra: dict[str, bytes] | None = None) -> bytes:
    """Every member of ``source`` copied raw, then ``extra`` deflated, through ZipWriter."""
    pieces: list[bytes | memoryview] = []
    out = ZipWriter(pieces.append, zip64_limit=limit)
    with zipfile.ZipFile(io.BytesIO(source)) as z:
        for info in z.infolist():
            raw = raw_data(source, info)
            assert raw is not None
            out.copy(info, raw)
    for name, data in (extra or {}).items():
        out.deflate(name, data, level=6)
    total = out.close()
    data = b"".join(pieces)
    assert total == len(data)
    return data


def contents(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert z.testzip() is None
        return {i.filename: z.read(i) for i in z.infolist()}


def book(path: Path, rows: int = 5) -> bytes:
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("客户档案")
    ws.write_row(0, 0, ["客户编号", "客户名称", "年合作金额"])
    for i in range(rows):
        ws.write_row(i + 1, 0, [f"C{i + 1:03}", f"公司{i + 1}", (i + 1) * 10])
    wb.close()
    return path.read_bytes()


def cells_both_ways(path: Path) -> tuple[list[tuple], list[list]]:
    wb = openpyxl.load_workbook(path)
    by_openpyxl = list(wb["客户档案"].iter_rows(values_only=True))
    by_calamine = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("客户档案").to_python()
    return by_openpyxl, by_calamine


def test_a_copied_package_is_member_for_member_the_same_and_readable(tmp_path: Path) -> None:
    src = book(tmp_path / "a.xlsx")
    out = write_zip(src)
    assert contents(out) == contents(src)
    with zipfile.ZipFile(io.BytesIO(src)) as a, zipfile.ZipFile(io.BytesIO(out)) as b:
        assert [i.filename for i in a.infolist()] == [i.filename for i in b.infolist()]
        for x, y in zip(a.infolist(), b.infolist(), strict=True):
            assert (x.CRC, x.compress_size, x.file_size, x.compress_type, x.date_time) == (
                y.CRC,
                y.compress_size,
                y.file_size,
                y.compress_type,
                y.date_time,
            )
    (tmp_path / "b.xlsx").write_bytes(out)
    assert cells_both_ways(tmp_path / "a.xlsx") == cells_both_ways(tmp_path / "b.xlsx")


def test_zip64_forms_when_the_limit_is_passed(tmp_path: Path) -> None:
    """A lowered limit forces 4.5.3 extra fields (sizes and offsets) and the 4.3.14/4.3.15 records."""
    src = book(tmp_path / "a.xlsx", rows=200)
    out = write_zip(src, limit=100)
    assert b"PK\x06\x06" in out and b"PK\x06\x07" in out
    eocd = out[-22:]
    assert eocd[:4] == b"PK\x05\x06"
    entries, cd_size, cd_offset = struct.unpack("<HLL", eocd[10:20])
    assert (entries, cd_size, cd_offset) == (0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF)
    assert contents(out) == contents(src)
    with zipfile.ZipFile(io.BytesIO(out)) as z:
        big = [i for i in z.infolist() if i.file_size > 100]
        assert big and all(i.extract_version == 45 for i in big)
    (tmp_path / "b.xlsx").write_bytes(out)
    assert cells_both_ways(tmp_path / "a.xlsx") == cells_both_ways(tmp_path / "b.xlsx")


def test_utf8_names_get_bit_11_and_read_back_exactly(tmp_path: Path) -> None:
    src = book(tmp_path / "a.xlsx")
    out = write_zip(src, extra={"docs/客户说明.txt": "备注".encode()})
    with zipfile.ZipFile(io.BytesIO(out)) as z:
        info = z.getinfo("docs/客户说明.txt")
        assert info.flag_bits & 0x800
        assert z.read(info) == "备注".encode()
        assert all(not i.flag_bits & 0x800 for i in z.infolist() if i.filename.isascii())
    assert "docs/客户说明.txt".encode() in out


class _Unseekable(io.RawIOBase):
    """A write-only stream: zipfile then writes data descriptors (bit 3) after each member."""

    def __init__(self) -> None:
        self.buf = bytearray()

    def writable(self) -> bool:
        return True

    def write(self, b) -> int:  # type: ignore[override]
        self.buf += b
        return len(b)


def test_a_data_descriptor_source_member_is_copied_with_its_sizes(tmp_path: Path) -> None:
    src = book(tmp_path / "a.xlsx")
    sink = _Unseekable()
    with zipfile.ZipFile(io.BytesIO(src)) as zi, zipfile.ZipFile(sink, "w", zipfile.ZIP_DEFLATED) as zo:
        for info in zi.infolist():
            zo.writestr(info.filename, zi.read(info))
    streamed = bytes(sink.buf)
    with zipfile.ZipFile(io.BytesIO(streamed)) as z:
        assert all(i.flag_bits & 0x08 for i in z.infolist())
        first = z.infolist()[0]
    # the local header of a bit-3 member holds zero CRC and sizes: they come from the central directory
    assert struct.unpack("<LLL", streamed[14:26]) == (0, 0, 0)
    out = write_zip(streamed)
    assert contents(out) == contents(src)
    with zipfile.ZipFile(io.BytesIO(out)) as z:
        assert all(not i.flag_bits & 0x08 for i in z.infolist())
    crc, csize, usize = struct.unpack("<LLL", out[14:26])
    assert (crc, csize, usize) == (first.CRC, first.compress_size, first.file_size)
    (tmp_path / "b.xlsx").write_bytes(out)
    assert cells_both_ways(tmp_path / "a.xlsx") == cells_both_ways(tmp_path / "b.xlsx")


def test_the_editor_on_a_data_descriptor_package(tmp_path: Path) -> None:
    """The editor takes a bit-3 package, copies its untouched members raw and patches the sheet."""
    src = book(tmp_path / "a.xlsx")
    sink = _Unseekable()
    with zipfile.ZipFile(io.BytesIO(src)) as zi, zipfile.ZipFile(sink, "w", zipfile.ZIP_DEFLATED) as zo:
        for info in zi.infolist():
            zo.writestr(info.filename, zi.read(info))
    ed = WorkbookEditor(bytes(sink.buf))
    ed.set_cells("客户档案", {"C2": 99})
    path = tmp_path / "b.xlsx"
    path.write_bytes(ed.to_bytes())
    before, after = contents(src), contents(path.read_bytes())
    assert [n for n in before if before[n] != after[n]] == ["xl/worksheets/sheet1.xml"]
    by_openpyxl, by_calamine = cells_both_ways(path)
    assert by_openpyxl[1] == ("C001", "公司1", 99)
    assert by_calamine[1] == ["C001", "公司1", 99.0]


def test_package_write_to_streams_the_same_bytes_as_to_bytes(tmp_path: Path) -> None:
    src = book(tmp_path / "a.xlsx")
    pkg = Package(src)
    pkg.write("xl/extra.xml", b"<x/>")
    pieces: list[bytes | memoryview] = []
    n = pkg.write_to(pieces.append)
    assert b"".join(pieces) == pkg.to_bytes()
    assert n == len(pkg.to_bytes())
    assert contents(pkg.to_bytes())["xl/extra.xml"] == b"<x/>"


def test_duplicate_member_names_are_refused() -> None:
    out = ZipWriter(lambda b: None)
    out.deflate("a.xml", b"<a/>", level=1)
    with pytest.raises(ValueError, match="duplicate"):
        out.deflate("a.xml", b"<b/>", level=1)


def test_deflated_member_keeps_crc_and_size() -> None:
    data = b"<row/>" * 1000
    c = zlib.compressobj(1, zlib.DEFLATED, -15)
    raw = c.compress(data) + c.flush()
    pieces: list[bytes | memoryview] = []
    out = ZipWriter(pieces.append)
    out.deflated("x.xml", raw, crc=zlib.crc32(data), size=len(data), date_time=(2024, 5, 6, 7, 8, 10))
    out.close()
    with zipfile.ZipFile(io.BytesIO(b"".join(pieces))) as z:
        info = z.getinfo("x.xml")
        assert (info.CRC, info.file_size, info.compress_size) == (zlib.crc32(data), len(data), len(raw))
        assert info.date_time == (2024, 5, 6, 7, 8, 10)
        assert z.read("x.xml") == data
