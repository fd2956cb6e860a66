"""The cheap verification of a written package (writeback/verify.py, issue #16): a package the fast
reader cannot re-read, or whose structure is broken, is never put in place; a sound one is, without a
full openpyxl load of the shared-strings table it copied byte for byte."""

from __future__ import annotations

import io
import re
import zipfile
import zlib

import openpyxl
import pytest
import python_calamine
import xlsxwriter

from workbook_crm.errors import WriteFailed
from workbook_crm.writeback import WorkbookEditor, safe_replace, sha256_file, verify, verifyparts, write_new
from workbook_crm.writeback.verify import PackageError, verify_package
from workbook_crm.writeback.zipwrite import ZipWriter, raw_data


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


# --- the cheaper checks (issue #16 item 2): what each must catch ---------------------------------------
def _rebuilt(
    data: bytes, name: str, *, raw: bytes | None = None, crc: int | None = None, size: int | None = None
) -> bytes:
    """The package with one member's compressed bytes, CRC or size replaced in its entry (our zip writer
    stores what it is given: the damage is in the file exactly as a faulty writer would leave it)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out: list[bytes] = []
    w = ZipWriter(lambda b: out.append(bytes(b)))
    for info in src.infolist():
        old = raw_data(data, info)
        assert old is not None
        if info.filename != name:
            w.copy(info, old)
            continue
        w.deflated(
            name,
            bytes(old) if raw is None else raw,
            crc=info.CRC if crc is None else crc,
            size=info.file_size if size is None else size,
        )
    w.close()
    return b"".join(out)


def _deflate(body: bytes) -> bytes:
    c = zlib.compressobj(1, zlib.DEFLATED, -15)
    return c.compress(body) + c.flush()


def _with_body(data: bytes, name: str, body: bytes) -> bytes:
    """One member's content replaced, with its true CRC and size (only the content is wrong)."""
    return _rebuilt(data, name, raw=_deflate(body), crc=zlib.crc32(body), size=len(body))


def _computed(path, rows=300) -> bytes:
    """The record with a computed sheet written fresh (客户分层), as a run writes one."""
    ed = WorkbookEditor(path.read_bytes())
    ed.set_cells("客户档案", {"D2": "新值"})
    ed.replace_sheet(
        "客户分层",
        ["客户编号", "层级", "得分"],
        [[f"C{r:03d}", "重点客户", r * 1.5] for r in range(1, rows + 1)],
    )
    return ed.to_bytes()


def _part_of(data: bytes, sheet: str) -> str:
    ed = WorkbookEditor(data)
    return ed._part(sheet)


@pytest.fixture(params=["loaded", "frame"])
def sheet_check(request, monkeypatch):
    """Every sheet check twice: a sheet small enough to be loaded by the reader, and the same sheet
    treated as a large one (only its frame and the rows at both ends parsed)."""
    if request.param == "frame":
        monkeypatch.setattr(verify, "READ_FULLY", 0)
        monkeypatch.setattr(verifyparts, "WINDOW", 2048)
    return request.param


def test_sound_package_with_a_computed_sheet_goes_in_place(tmp_path, sheet_check):
    path = _book(tmp_path / "客户.xlsx")
    new = _computed(path)
    safe_replace(path, new, expected_sha256=sha256_file(path), backup_dir=tmp_path / "bk")
    rows = python_calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_name("客户分层").to_python()
    assert rows[0] == ["客户编号", "层级", "得分"] and rows[-1] == ["C300", "重点客户", 450.0]


@pytest.mark.parametrize(
    "where", ["last row", "first row", "frame after the rows", "rows never closed", "no root"]
)
def test_malformed_generated_sheet_is_refused(tmp_path, sheet_check, where):
    path = _book(tmp_path / "客户.xlsx")
    new = _computed(path)
    part = _part_of(new, "客户分层")
    body = zipfile.ZipFile(io.BytesIO(new)).read(part)
    if where == "last row":  # a cell left open in the last row, where a run appends
        at = body.rindex(b"</c></row>")
        broken = body[:at] + body[at + len(b"</c>") :]
    elif where == "first row":
        at = body.index(b"</c>")
        broken = body[:at] + body[at + len(b"</c>") :]
    elif where == "frame after the rows":
        broken = body.replace(b"</sheetData>", b"</sheetData><autoFilter ref=", 1)
    elif where == "rows never closed":
        broken = body[: body.index(b"</sheetData>")]
    else:
        broken = body.replace(b"<worksheet", b"<worksheet><x", 1)
    assert broken != body
    _refused(tmp_path, _with_body(new, part, broken))


def test_truncated_member_is_refused(tmp_path):
    path = _book(tmp_path / "客户.xlsx")
    new = _computed(path)
    part = _part_of(new, "客户分层")
    raw = bytes(raw_data(new, zipfile.ZipFile(io.BytesIO(new)).getinfo(part)))
    _refused(tmp_path, _rebuilt(new, part, raw=raw[: len(raw) // 2]))


def test_deflate_stream_longer_than_its_content_is_refused(tmp_path):
    path = _book(tmp_path / "客户.xlsx")
    new = _computed(path)
    part = _part_of(new, "客户分层")
    raw = bytes(raw_data(new, zipfile.ZipFile(io.BytesIO(new)).getinfo(part)))
    _refused(tmp_path, _rebuilt(new, part, raw=raw + b"\x00\x00\x00\x00"))


@pytest.mark.parametrize("field", ["crc", "size"])
def test_crc_or_size_mismatch_is_refused(tmp_path, field):
    path = _book(tmp_path / "客户.xlsx")
    new = _computed(path)
    part = _part_of(new, "客户分层")
    info = zipfile.ZipFile(io.BytesIO(new)).getinfo(part)
    if field == "crc":
        bad = _rebuilt(new, part, crc=info.CRC ^ 0x10)
    else:
        bad = _rebuilt(new, part, size=info.file_size + 1)
    with pytest.raises(PackageError, match="CRC|inflated"):
        (tmp_path / "v").mkdir(exist_ok=True)
        tmp = tmp_path / "v" / "t.tmp"
        tmp.write_bytes(bad)
        verify_package(tmp, bad, path)
    _refused(tmp_path, bad)


def test_a_part_the_rels_name_but_the_zip_lacks_is_refused(tmp_path):
    """Marks add a comments part and a drawing, named by the sheet's relationships: a package that
    names them and lacks one is refused."""
    path = _book(tmp_path / "客户.xlsx")
    ed = WorkbookEditor(path.read_bytes())
    ed.mark_cells("客户档案", {"B3": "名称重复"})
    new = ed.to_bytes()
    comments = next(n for n in zipfile.ZipFile(io.BytesIO(new)).namelist() if "comments" in n)
    with pytest.raises(PackageError, match="lacks"):
        bad = _swap(new, comments, None)
        (tmp_path / "v").mkdir(exist_ok=True)
        tmp = tmp_path / "v" / "t.tmp"
        tmp.write_bytes(bad)
        verify_package(tmp, bad, path)
    _refused(tmp_path, _swap(new, comments, None))


def test_a_dangling_rel_the_original_had_is_not_judged(tmp_path):
    """A workbook whose relationships already named a missing part (a deleted printer-settings
    part) is still written: it was there before and the file opened."""
    path = _book(tmp_path / "客户.xlsx")
    rel = b'<Relationship Id="rId99" Type="x/printerSettings" Target="../printerSettings/gone.bin"/>'
    body = (
        zipfile.ZipFile(path).read("xl/worksheets/_rels/sheet1.xml.rels")
        if "xl/worksheets/_rels/sheet1.xml.rels" in zipfile.ZipFile(path).namelist()
        else None
    )
    src = path.read_bytes()
    if body is None:
        body = b'<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"></Relationships>'
        src = _swap(
            src,
            "",
            None,
            add={
                "xl/worksheets/_rels/sheet1.xml.rels": body.replace(
                    b"</Relationships>", rel + b"</Relationships>"
                )
            },
        )
    path.write_bytes(src)
    ed = WorkbookEditor(path.read_bytes())
    ed.mark_cells("客户档案", {"B3": "名称重复"})  # rewrites the sheet's relationships
    new = ed.to_bytes()
    assert b"gone.bin" in zipfile.ZipFile(io.BytesIO(new)).read("xl/worksheets/_rels/sheet1.xml.rels")
    safe_replace(path, new, expected_sha256=sha256_file(path), backup_dir=tmp_path / "bk")
    assert path.read_bytes() == new


def test_a_run_whose_written_package_is_damaged_exits_2_and_leaves_the_record(tmp_path, monkeypatch):
    """The real CLI: the editor's package with a truncated sheet stream (a faulty writer) is refused
    by the verification; the record stays byte-identical, no temporary file is left, exit 2."""
    from conftest import build_workbook, cli

    path = build_workbook(
        tmp_path / "台账.xlsx",
        {
            "客户档案": [
                [
                    "客户编号",
                    "客户名称",
                    "负责人",
                    "手机号码",
                    "首次接触时间",
                    "年合作金额(万元)",
                    "客户类型",
                    "信息来源",
                ],
                ["C001", "上海甲科技有限公司", "王五", "13800138000", "2023-05-10", 120, "成交客户", "展会"],
                [
                    "C002",
                    "北京乙贸易有限公司",
                    "赵六",
                    "139 0013 9000",
                    "2023-06-01",
                    80,
                    "成交客户",
                    "转介绍",
                ],
            ]
        },
    )
    before = path.read_bytes()
    real = WorkbookEditor.to_bytes

    def damaged(self):
        data = real(self)
        part = self._part("客户档案")
        raw = bytes(raw_data(data, zipfile.ZipFile(io.BytesIO(data)).getinfo(part)))
        return _rebuilt(data, part, raw=raw[: len(raw) - 8])

    monkeypatch.setattr(WorkbookEditor, "to_bytes", damaged)
    code, _, err = cli("run", str(path), "--month", "2024-05")
    assert code == 2 and "Traceback" not in err
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith((".tmp", ".partial"))] == []


def _linked(path, rows=200) -> bytes:
    """A computed sheet with a hyperlink per row: its <hyperlinks> after the rows is long."""
    ed = WorkbookEditor(path.read_bytes())
    ed.replace_sheet(
        "疑似重复",
        ["客户编号", "位置"],
        [[f"C{r:03d}", f"客户档案!A{r + 1}"] for r in range(1, rows + 1)],
        links={(r, 1): f"#'客户档案'!A{r + 1}" for r in range(1, rows + 1)},
    )
    return ed.to_bytes()


@pytest.fixture
def small_pieces(monkeypatch):
    """A large sheet in miniature: inflated 64 bytes at a time, 512-byte windows, nothing loaded."""
    monkeypatch.setattr(verify, "READ_FULLY", 0)
    monkeypatch.setattr(verifyparts, "WINDOW", 512)
    monkeypatch.setattr(verifyparts, "_IN", 64)


def _searching(monkeypatch) -> list[bool]:
    """Which frames were made (search=False first; True for the second pass)."""
    made: list[bool] = []
    real = verifyparts.SheetFrame.__init__

    def init(self, name, *, search=False):
        made.append(search)
        real(self, name, search=search)

    monkeypatch.setattr(verifyparts.SheetFrame, "__init__", init)
    return made


def test_a_tail_longer_than_the_rows_kept_is_parsed_on_a_second_pass(tmp_path, small_pieces, monkeypatch):
    path = _book(tmp_path / "客户.xlsx")
    new = _linked(path)
    part = _part_of(new, "疑似重复")
    body = zipfile.ZipFile(io.BytesIO(new)).read(part)
    assert len(body) - body.index(b"</sheetData>") > 4 * 512  # the tail outgrows what is kept
    made = _searching(monkeypatch)
    safe_replace(path, new, expected_sha256=sha256_file(path), backup_dir=tmp_path / "bk")
    assert path.read_bytes() == new
    assert True in made


@pytest.mark.parametrize("where", ["in the long tail", "rows never closed", "close tag split"])
def test_a_long_tail_is_still_judged(tmp_path, small_pieces, monkeypatch, where):
    path = _book(tmp_path / "客户.xlsx")
    new = _linked(path)
    part = _part_of(new, "疑似重复")
    body = zipfile.ZipFile(io.BytesIO(new)).read(part)
    if where == "in the long tail":
        at = body.rindex(b"<hyperlink ")
        broken = body[:at] + b"<hyperlink" + body[at + len(b"<hyperlink ") :]
    elif where == "rows never closed":
        broken = body.replace(b"</sheetData>", b"", 1)
    else:  # a well-formed sheet whose close tag straddles two inflated pieces: accepted
        broken = None
    if broken is None:
        straddled = []
        real = verifyparts.SheetFrame._drop_last

        def drop(self, n):
            straddled.append(n)
            real(self, n)

        monkeypatch.setattr(verifyparts.SheetFrame, "_drop_last", drop)
        for n in range(40, 90):  # piece boundaries move; some fall inside the tag
            tmp = tmp_path / "v" / f"{n}.tmp"
            tmp.parent.mkdir(exist_ok=True)
            monkeypatch.setattr(verifyparts, "_IN", n)
            tmp.write_bytes(new)
            verify_package(tmp, new, path)
        assert straddled
        return
    _refused(tmp_path, _with_body(new, part, broken))


def test_write_new_from_a_source_compares_its_untouched_parts_instead_of_inflating_them(
    tmp_path, monkeypatch
):
    """``run --output NEW``: the parts copied from the record are judged as for an in-place run."""
    path = _book(tmp_path / "客户.xlsx")
    new = _edited(path)
    inflated: list[str] = []
    real = verifyparts.contents

    def spy(z, data, info, use):
        inflated.append(info.filename)
        real(z, data, info, use)

    monkeypatch.setattr(verify, "contents", spy)
    write_new(tmp_path / "副本.xlsx", new, source=path)
    assert "xl/worksheets/sheet1.xml" in inflated and "xl/sharedStrings.xml" not in inflated
    inflated.clear()
    write_new(tmp_path / "副本2.xlsx", new)
    assert "xl/sharedStrings.xml" in inflated
    assert (tmp_path / "副本.xlsx").read_bytes() == (tmp_path / "副本2.xlsx").read_bytes() == new


def test_a_types_part_with_no_default_for_xml_is_written(tmp_path):
    """[Content_Types].xml is not a part: a package typing every part by Override (no Default for
    xml, as some libraries write) is not refused for leaving the types part itself untyped."""
    path = _book(tmp_path / "客户.xlsx")
    z = zipfile.ZipFile(path)
    types = z.read("[Content_Types].xml")
    overrides = b"".join(
        b'<Override PartName="/%s" ContentType="application/xml"/>' % n.encode()
        for n in z.namelist()
        if n.endswith(".xml") and n.encode() not in types and n != "[Content_Types].xml"
    )
    no_default = re.sub(rb'<Default Extension="xml"[^>]*/>', b"", types).replace(
        b"</Types>", overrides + b"</Types>"
    )
    path.write_bytes(_swap(path.read_bytes(), "[Content_Types].xml", no_default))
    new = _computed(path)
    safe_replace(path, new, expected_sha256=sha256_file(path), backup_dir=tmp_path / "bk")
    assert path.read_bytes() == new


def test_a_part_malformed_in_the_original_is_not_judged_but_one_we_break_is(tmp_path):
    """A VML drawing with an unclosed <br> (as some writers leave it) that a mark rewrites is written;
    the same breakage in a part that was well-formed before is refused."""
    path = _book(tmp_path / "客户.xlsx")
    ed = WorkbookEditor(path.read_bytes())
    ed.mark_cells("客户档案", {"B3": "名称重复"})
    marked = ed.to_bytes()
    vml = next(n for n in zipfile.ZipFile(io.BytesIO(marked)).namelist() if n.endswith(".vml"))
    body = zipfile.ZipFile(io.BytesIO(marked)).read(vml)
    loose = body.replace(b"</o:shapelayout>", b"<br></o:shapelayout>", 1)
    assert loose != body
    path.write_bytes(_with_body(marked, vml, loose))  # the user's file: its drawing was loose before
    ed = WorkbookEditor(path.read_bytes())
    ed.mark_cells("客户档案", {"B4": "电话格式"})
    new = ed.to_bytes()
    assert b"<br>" in zipfile.ZipFile(io.BytesIO(new)).read(vml)  # the loose drawing, rewritten
    safe_replace(path, new, expected_sha256=sha256_file(path), backup_dir=tmp_path / "bk")
    assert path.read_bytes() == new
    fresh = _book(tmp_path / "新.xlsx")
    _refused_at(fresh, _with_body(marked, vml, loose))


def _refused_at(path, new: bytes) -> None:
    before = path.read_bytes()
    with pytest.raises(WriteFailed):
        safe_replace(path, new, expected_sha256=sha256_file(path), backup_dir=path.parent / "bk")
    assert path.read_bytes() == before
