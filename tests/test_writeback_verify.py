"""The cheap verification of a written package (writeback/verify.py, issue #16): a package the fast
reader cannot re-read, or whose structure is broken, is never put in place; a sound one is, without a
full openpyxl load of the shared-strings table it copied byte for byte."""

from __future__ import annotations

import io
import zipfile

import openpyxl
import pytest
import python_calamine
import xlsxwriter

from workbook_crm.errors import WriteFailed
from workbook_crm.writeback import WorkbookEditor, safe_replace, sha256_file, write_new
from workbook_crm.writeback.verify import PackageError, verify_package


def _book(path, rows=50):
    """Saved with a shared-strings table (xlsxwriter's normal mode), as Excel and WPS save."""
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("客户档案")
    ws.write_row(0, 0, ["编号", "名称", "行业"])
    for r in range(1, rows + 1):
        ws.write_row(r, 0, [f"C{r:03d}", f"公司{r}", "制造业"])
    wb.add_worksheet("跟进记录").write_row(0, 0, ["编号", "日期"])
    wb.close()
    return path


def _edited(path) -> bytes:
    ed = WorkbookEditor(path.read_bytes())
    ed.set_cells("客户档案", {"D2": "新值", "A60": "C060"})
    return ed.to_bytes()


def _swap(data: bytes, name: str, body: bytes | None, *, add: dict[str, bytes] | None = None) -> bytes:
    """The package with one member's content replaced (a correct CRC: only the content is wrong)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename == name:
                if body is not None:
                    dst.writestr(info.filename, body)
            else:
                dst.writestr(info, src.read(info))
        for extra, content in (add or {}).items():
            dst.writestr(extra, content)
    return out.getvalue()


def _sheet_part(data: bytes, n: int = 1) -> str:
    return f"xl/worksheets/sheet{n}.xml"


def _refused(tmp_path, new: bytes) -> None:
    path = tmp_path / "客户.xlsx"
    before = path.read_bytes()
    with pytest.raises(WriteFailed):
        safe_replace(path, new, expected_sha256=sha256_file(path), backup_dir=tmp_path / "bk")
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_sound_package_goes_in_place_without_openpyxl(tmp_path, monkeypatch):
    path = _book(tmp_path / "客户.xlsx")
    new = _edited(path)

    def no_full_load(*a, **k):
        raise AssertionError("verification must not load the package with openpyxl")

    monkeypatch.setattr(openpyxl, "load_workbook", no_full_load)
    safe_replace(path, new, expected_sha256=sha256_file(path), backup_dir=tmp_path / "bk")
    monkeypatch.undo()
    assert path.read_bytes() == new
    ws = openpyxl.load_workbook(path)["客户档案"]
    assert (ws["D2"].value, ws["A60"].value, ws["B3"].value) == ("新值", "C060", "公司2")
    rows = python_calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_name("客户档案").to_python()
    assert rows[1][3] == "新值" and rows[59][0] == "C060"


def test_changed_sheet_the_reader_cannot_load_is_refused(tmp_path):
    path = _book(tmp_path / "客户.xlsx")
    new = _edited(path)
    part = _sheet_part(new)
    body = zipfile.ZipFile(io.BytesIO(new)).read(part)
    broken = body.replace(b"</sheetData>", b'<row r="70"><c r="A70"><v>1</v></row></sheetData>', 1)
    assert broken != body
    _refused(tmp_path, _swap(new, part, broken))


def test_shared_string_index_out_of_range_is_refused(tmp_path):
    path = _book(tmp_path / "客户.xlsx")
    new = _edited(path)
    part = _sheet_part(new)
    body = zipfile.ZipFile(io.BytesIO(new)).read(part)
    broken = body.replace(
        b"</sheetData>", b'<row r="70"><c r="A70" t="s"><v>99999</v></c></row></sheetData>', 1
    )
    with pytest.raises(python_calamine.CalamineError):  # the table has ~55 strings
        python_calamine.CalamineWorkbook.from_filelike(
            io.BytesIO(_swap(new, part, broken))
        ).get_sheet_by_name("客户档案")
    _refused(tmp_path, _swap(new, part, broken))


def test_changed_xml_part_not_well_formed_is_refused(tmp_path):
    path = _book(tmp_path / "客户.xlsx")
    new = _edited(path)
    styles = zipfile.ZipFile(io.BytesIO(new)).read("xl/styles.xml")
    _refused(tmp_path, _swap(new, "xl/styles.xml", styles[: len(styles) // 2]))


def test_sheet_without_its_part_is_refused(tmp_path):
    path = _book(tmp_path / "客户.xlsx")
    new = _edited(path)
    _refused(tmp_path, _swap(new, "xl/worksheets/sheet2.xml", None))


def test_new_part_without_content_type_is_refused(tmp_path):
    path = _book(tmp_path / "客户.xlsx")
    new = _edited(path)
    _refused(tmp_path, _swap(new, "", None, add={"xl/extra.bin": b"\0\1"}))


def test_corrupt_copy_of_an_untouched_part_is_refused(tmp_path):
    """The shared-strings table is copied, not re-read; a copy whose bytes differ from the original's
    (same directory entry) is caught by the byte compare, then by its CRC."""
    path = _book(tmp_path / "客户.xlsx")
    new = bytearray(_edited(path))
    z = zipfile.ZipFile(io.BytesIO(bytes(new)))
    info = z.getinfo("xl/sharedStrings.xml")
    old = zipfile.ZipFile(path).getinfo("xl/sharedStrings.xml")
    assert (info.CRC, info.compress_size) == (old.CRC, old.compress_size)  # copied untouched
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    new[start + info.compress_size // 2] ^= 0x01
    tmp = tmp_path / "t.tmp"
    tmp.write_bytes(bytes(new))
    with pytest.raises((PackageError, zipfile.BadZipFile)):
        verify_package(tmp, bytes(new), path)


def test_temp_file_must_hold_the_bytes(tmp_path):
    path = _book(tmp_path / "客户.xlsx")
    new = _edited(path)
    tmp = tmp_path / "t.tmp"
    tmp.write_bytes(new[:-1] + bytes([new[-1] ^ 1]))
    with pytest.raises(PackageError):
        verify_package(tmp, new, path)


def test_write_new_checks_every_part_when_there_is_no_original(tmp_path):
    path = _book(tmp_path / "客户.xlsx")
    new = _edited(path)
    out = tmp_path / "副本.xlsx"
    write_new(out, new)
    assert openpyxl.load_workbook(out)["客户档案"]["D2"].value == "新值"
    bad = _swap(new, "xl/sharedStrings.xml", b"<sst><si><t>unterminated</si></sst>")
    with pytest.raises(WriteFailed):
        write_new(tmp_path / "坏.xlsx", bad)
    assert not (tmp_path / "坏.xlsx").exists()
