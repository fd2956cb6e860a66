"""The front door: one test per way a file can be unusable, each checking the message a user sees."""

from __future__ import annotations

import hashlib
import io
import struct
import zipfile
from pathlib import Path

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from workbook_crm.errors import (
    EncryptedWorkbook,
    FileMissing,
    MaliciousWorkbook,
    TooLarge,
    UnreadableWorkbook,
    UnsupportedFormat,
    WorkbookCrmError,
    WrongPassword,
)
from workbook_crm.io import guard, zipscan
from workbook_crm.io.guard import open_source

CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus"  # ../shared beside the clone


def corpus_file(name: str) -> Path:
    p = CORPUS / name
    if not p.exists():
        pytest.skip(f"corpus file {name} not available")
    return p


def refused(path: Path, exc_type: type[WorkbookCrmError], *, password: str | None = None) -> str:
    """Open ``path``, expect ``exc_type`` exactly, and return the zh message (which names the file)."""
    with pytest.raises(WorkbookCrmError) as info:
        open_source(path, password=password)
    assert type(info.value) is exc_type, info.value.message("zh")
    zh = info.value.message("zh")
    assert str(path) in zh and str(path) in info.value.message("en")
    return zh


def make_xlsx(path: Path, rows: list[list[object]] | None = None, *, epoch1904: bool = False) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "客户档案"
    for row in rows or [["客户编号", "客户名称"], ["C001", "华为"]]:
        ws.append(row)
    if epoch1904:
        wb.epoch = openpyxl.utils.datetime.CALENDAR_MAC_1904
    wb.save(path)
    return path


def rewrite_zip(src: Path, dst: Path, replace: dict[str, bytes], compresslevel: int = 6) -> Path:
    """Copy a package, swapping some parts (to plant a DTD, a bomb …)."""
    with (
        zipfile.ZipFile(src) as zin,
        zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED, compresslevel=compresslevel) as zout,
    ):
        for info in zin.infolist():
            zout.writestr(info.filename, replace.get(info.filename, zin.read(info.filename)))
        for name, body in replace.items():
            if name not in zin.namelist():
                zout.writestr(name, body)
    return dst


def make_cfb(stream_name: str = "Workbook") -> bytes:
    """A minimal OLE2 compound file with one 4096-byte stream: a stand-in legacy .xls (BIFF BOF)."""
    end, free = 0xFFFFFFFE, 0xFFFFFFFF
    header = struct.pack(
        "<8s16sHHHHH6sIIIIIIIII",
        bytes.fromhex("d0cf11e0a1b11ae1"),
        b"\0" * 16,
        0x3E,
        3,
        0xFFFE,
        9,
        6,
        b"\0" * 6,
        0,
        1,
        1,
        0,
        4096,
        end,
        0,
        end,
        0,
    )
    header += struct.pack("<I", 0) + struct.pack("<I", free) * 108
    fat = [0xFFFFFFFD, end, *range(3, 10), end]
    fat_sector = struct.pack("<128I", *(fat + [free] * (128 - len(fat))))

    def entry(name: str, typ: int, child: int, start: int, size: int) -> bytes:
        raw = name.encode("utf-16-le") + b"\0\0" if name else b""
        return struct.pack(
            "<64sHBBIII16sIQQIQ",
            raw,
            len(raw),
            typ,
            1 if name else 0,
            free,
            free,
            child,
            b"\0" * 16,
            0,
            0,
            0,
            start,
            size,
        )

    directory = (
        entry("Root Entry", 5, 1, end, 0)
        + entry(stream_name, 2, free, 2, 4096)
        + entry("", 0, free, 0, 0) * 2
    )
    return header + fat_sector + directory + b"\x09\x08\x10\x00\x00\x06\x05\x00".ljust(4096, b"\0")


# --- the happy path and the facts a Source carries ---------------------------------------------


def test_source_facts_match_the_file(tmp_path: Path) -> None:
    p = make_xlsx(tmp_path / "crm.xlsx", epoch1904=True)
    src = open_source(p)
    assert src.sha256 == hashlib.sha256(p.read_bytes()).hexdigest()
    assert src.size == p.stat().st_size and src.mtime_ns == p.stat().st_mtime_ns
    assert src.data == p.read_bytes()  # not encrypted: the bytes as on disk
    assert src.date1904 is True and src.strict is False and src.ext == ".xlsx"
    assert src.sheet_names == CalamineWorkbook.from_path(str(p)).sheet_names == ["客户档案"]


def test_macro_package_is_xlsm(tmp_path: Path) -> None:
    p = rewrite_zip(make_xlsx(tmp_path / "a.xlsx"), tmp_path / "m.xlsm", {"xl/vbaProject.bin": b"\0" * 64})
    assert open_source(p).ext == ".xlsm"


# --- missing, empty, not a zip ---------------------------------------------------------------


def test_missing_file(tmp_path: Path) -> None:
    zh = refused(tmp_path / "nope.xlsx", FileMissing)
    assert "找不到文件" in zh


def test_directory_is_not_a_workbook(tmp_path: Path) -> None:
    d = tmp_path / "folder.xlsx"
    d.mkdir()
    assert "找不到文件" in refused(d, FileMissing)


def test_empty_file(tmp_path: Path) -> None:
    p = tmp_path / "empty.xlsx"
    p.write_bytes(b"")
    assert "0 字节" in refused(p, UnreadableWorkbook)


def test_legacy_xls_is_read_not_refused(tmp_path: Path) -> None:
    """Issue #11: a legacy .xls is read (as an in-memory .xlsx); an empty one then has no sheet to use."""
    from workbook_crm.errors import NoRecognisableSheet
    from workbook_crm.io.reader import read_workbook

    p = tmp_path / "old.xls"
    p.write_bytes(make_cfb("Workbook"))
    src = open_source(p)
    assert src.converted_from == ".xls" and src.data.startswith(b"PK")
    with pytest.raises(NoRecognisableSheet):
        read_workbook(p)


def test_csv_renamed(tmp_path: Path) -> None:
    p = tmp_path / "客户.xlsx"
    p.write_text(
        "客户编号,客户名称,手机号码\nC001,华为,13800138000\nC002,腾讯,13900139000\n", encoding="gb18030"
    )
    zh = refused(p, UnsupportedFormat)
    assert "CSV" in zh and "另存为 .xlsx" in zh


def test_html_renamed(tmp_path: Path) -> None:
    p = tmp_path / "export.xlsx"
    p.write_text("<html><body><table><tr><td>客户</td></tr></table></body></html>", encoding="utf-8")
    zh = refused(p, UnsupportedFormat)
    assert "HTML" in zh and "另存为 .xlsx" in zh


def test_xml_spreadsheet_2003_renamed(tmp_path: Path) -> None:
    p = tmp_path / "x2003.xlsx"
    p.write_text(
        '<?xml version="1.0"?>\n<?mso-application progid="Excel.Sheet"?>\n'
        '<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"></Workbook>',
        encoding="utf-8",
    )
    assert "Excel 2003 XML" in refused(p, UnsupportedFormat)


def test_lock_file(tmp_path: Path) -> None:
    p = tmp_path / "~$客户管理.xlsx"
    p.write_bytes(b"\x05zhang" + b"\x00" * 50 + "张三".encode("utf-16-le") + b"\x20" * 100)
    assert "锁文件" in refused(p, UnsupportedFormat)


# --- other zip packages --------------------------------------------------------------------------


def _zip(path: Path, parts: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as z:
        for name, body in parts.items():
            z.writestr(name, body)
    return path


def test_ods(tmp_path: Path) -> None:
    p = _zip(
        tmp_path / "a.xlsx",
        {"mimetype": b"application/vnd.oasis.opendocument.spreadsheet", "content.xml": b"<x/>"},
    )
    assert ".ods" in refused(p, UnsupportedFormat)


def test_xlsb(tmp_path: Path) -> None:
    p = _zip(tmp_path / "b.xlsx", {"[Content_Types].xml": b"<Types/>", "xl/workbook.bin": b"\0" * 10})
    assert ".xlsb" in refused(p, UnsupportedFormat)


def test_word_file_renamed(tmp_path: Path) -> None:
    p = _zip(tmp_path / "w.xlsx", {"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w/>"})
    assert "Word" in refused(p, UnsupportedFormat)


def test_plain_zip(tmp_path: Path) -> None:
    p = _zip(tmp_path / "z.xlsx", {"photos/a.jpg": b"\xff\xd8\xff", "readme.txt": b"hi"})
    assert "zip" in refused(p, UnsupportedFormat)


# --- damage ----------------------------------------------------------------------------------------


def test_truncated_zip(tmp_path: Path) -> None:
    whole = make_xlsx(tmp_path / "whole.xlsx").read_bytes()
    p = tmp_path / "half.xlsx"
    p.write_bytes(whole[: len(whole) // 2])
    assert "损坏" in refused(p, UnreadableWorkbook)


def test_crc_error_in_a_part(tmp_path: Path) -> None:
    p = make_xlsx(tmp_path / "crc.xlsx")
    buf = bytearray(p.read_bytes())
    info = zipfile.ZipFile(p).getinfo("xl/worksheets/sheet1.xml")
    # Flip the stored CRC in the central directory entry: the data inflates but does not match.
    entry = buf.find(b"xl/worksheets/sheet1.xml", buf.find(b"PK\x01\x02")) - 46
    assert buf[entry : entry + 4] == b"PK\x01\x02"
    struct.pack_into("<I", buf, entry + 16, info.CRC ^ 0xFFFF)
    p.write_bytes(bytes(buf))
    assert "CRC" in refused(p, UnreadableWorkbook)


# --- bombs and hostile XML --------------------------------------------------------------------


def test_zip_bomb_by_ratio(tmp_path: Path) -> None:
    base = make_xlsx(tmp_path / "base.xlsx")
    sheet = zipfile.ZipFile(base).read("xl/worksheets/sheet1.xml")
    # 40 MiB of whitespace inside the sheet compresses ~1000:1.
    bomb = sheet.replace(b"<sheetData>", b"<sheetData>" + b" " * (40 << 20), 1)
    p = rewrite_zip(base, tmp_path / "bomb.xlsx", {"xl/worksheets/sheet1.xml": bomb}, compresslevel=1)
    assert p.stat().st_size < 1 << 20
    assert "zip bomb" in refused(p, TooLarge)


def test_total_size_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    p = make_xlsx(tmp_path / "t.xlsx")
    monkeypatch.setattr(zipscan, "MAX_TOTAL_BYTES", 1000)
    assert "limit" in refused(p, TooLarge)


def test_forged_declared_size(tmp_path: Path) -> None:
    base = make_xlsx(tmp_path / "base.xlsx")
    sheet = zipfile.ZipFile(base).read("xl/worksheets/sheet1.xml")
    big = sheet.replace(b"<sheetData>", b"<sheetData>" + b" " * (4 << 20), 1)
    p = rewrite_zip(base, tmp_path / "forged.xlsx", {"xl/worksheets/sheet1.xml": big})
    buf = bytearray(p.read_bytes())
    info = zipfile.ZipFile(p).getinfo("xl/worksheets/sheet1.xml")
    name = b"xl/worksheets/sheet1.xml"
    central = buf.find(name, buf.find(b"PK\x01\x02")) - 46
    struct.pack_into("<I", buf, central + 24, 1000)  # central directory: uncompressed size
    struct.pack_into("<I", buf, info.header_offset + 22, 1000)  # local header: uncompressed size
    p.write_bytes(bytes(buf))
    assert zipfile.ZipFile(p).getinfo("xl/worksheets/sheet1.xml").file_size == 1000
    assert "forged" in refused(p, TooLarge)


def test_entity_bomb_in_a_sheet(tmp_path: Path) -> None:
    base = make_xlsx(tmp_path / "base.xlsx")
    sheet = zipfile.ZipFile(base).read("xl/worksheets/sheet1.xml")
    lol = (
        b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>\n'
    )
    p = rewrite_zip(base, tmp_path / "lol.xlsx", {"xl/worksheets/sheet1.xml": lol + sheet})
    assert "xl/worksheets/sheet1.xml" in refused(p, MaliciousWorkbook)


def test_xxe_in_workbook_part(tmp_path: Path) -> None:
    base = make_xlsx(tmp_path / "base.xlsx")
    wb = zipfile.ZipFile(base).read("xl/workbook.xml")
    xxe = b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>' + wb
    p = rewrite_zip(base, tmp_path / "xxe.xlsx", {"xl/workbook.xml": xxe})
    assert "xl/workbook.xml" in refused(p, MaliciousWorkbook)


def test_corpus_billion_laughs() -> None:
    assert "DTD" in refused(corpus_file("poi__poc-xmlbomb.xlsx"), MaliciousWorkbook)


# --- encryption --------------------------------------------------------------------------------


def _encrypted(tmp_path: Path, password: str) -> Path:
    from msoffcrypto.format.ooxml import OOXMLFile

    plain = make_xlsx(tmp_path / "plain.xlsx", [["客户编号"], ["C042"]])
    out = io.BytesIO()
    with plain.open("rb") as f:
        OOXMLFile(f).encrypt(password, out)
    p = tmp_path / "locked.xlsx"
    p.write_bytes(out.getvalue())
    return p


def test_encrypted_without_password(tmp_path: Path) -> None:
    assert "--password" in refused(_encrypted(tmp_path, "s3cret"), EncryptedWorkbook)


def test_encrypted_wrong_password(tmp_path: Path) -> None:
    assert "密码不正确" in refused(_encrypted(tmp_path, "s3cret"), WrongPassword, password="guess")


def test_encrypted_right_password_decrypts_in_memory(tmp_path: Path) -> None:
    p = _encrypted(tmp_path, "s3cret")
    before = set(tmp_path.iterdir())
    src = open_source(p, password="s3cret")
    assert (
        src.encrypted
        and src.data.startswith(b"PK")
        and src.sha256 == hashlib.sha256(p.read_bytes()).hexdigest()
    )
    assert set(tmp_path.iterdir()) == before  # nothing decrypted was written to disk
    cal = CalamineWorkbook.from_filelike(io.BytesIO(src.data))
    assert cal.get_sheet_by_name("客户档案").to_python() == [["客户编号"], ["C042"]]
    assert openpyxl.load_workbook(io.BytesIO(src.data))["客户档案"]["A2"].value == "C042"


def test_corpus_encrypted_tika() -> None:
    p = corpus_file("poi__protected_passtika.xlsx")
    refused(p, EncryptedWorkbook)
    refused(p, WrongPassword, password="nope")
    src = open_source(p, password="tika")
    assert src.sheet_names and src.data.startswith(b"PK")


# --- Strict OOXML --------------------------------------------------------------------------------


def test_strict_ooxml_lists_its_sheets() -> None:
    strict = open_source(corpus_file("poi__SampleSS.strict.xlsx"))
    twin = open_source(corpus_file("poi__SampleSS.xlsx"))
    assert strict.strict and not twin.strict
    assert strict.sheet_names == twin.sheet_names and len(strict.sheet_parts) == len(strict.sheet_names) > 0


def test_limits_are_documented_constants() -> None:
    assert zipscan.MAX_RATIO == 200 and zipscan.MAX_MEMBER_BYTES >= 1 << 30 > guard.MAX_FILE_BYTES
