"""Name what a file really is when it is not an .xlsx, so the message can say how to fix it.

Users rename files: a CSV export saved as ``客户.xlsx``, an HTML report from a web CRM, the
Excel 2003 XML format, an old .xls, a WPS/LibreOffice .ods. Each gets its own message.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from workbook_crm.errors import EncryptedWorkbook, UnreadableWorkbook, UnsupportedFormat, WrongPassword

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
SAVE_AS = "用 Excel/WPS 打开后另存为 .xlsx / open it in Excel or WPS and save as .xlsx"
LOCK_FILE_MAX = 4096  # Excel/WPS lock files (~$name.xlsx) are 162-171 bytes

_BINARY_MAGICS = {
    b"%PDF": "PDF 文件 / a PDF file",
    b"\x89PNG": "PNG 图片 / a PNG image",
    b"\xff\xd8\xff": "JPEG 图片 / a JPEG image",
    b"Rar!": "RAR 压缩包 / a RAR archive",
    b"7z\xbc\xaf": "7z 压缩包 / a 7z archive",
    b"\x1f\x8b": "gzip 压缩包 / a gzip archive",
}


def decrypt_ole(p: Path, raw: bytes, password: str | None) -> bytes:
    """An OLE2 compound file is either encrypted OOXML (decrypt in memory) or a legacy .xls."""
    import msoffcrypto
    import olefile

    try:
        ole = olefile.OleFileIO(io.BytesIO(raw))
        streams = {"/".join(s) for s in ole.listdir()}
        ole.close()
    except Exception as exc:  # olefile raises OSError/IndexError/struct.error on damage
        if p.suffix.lower() in (".xls", ".xlt"):
            raise UnsupportedFormat(p, f"旧版 .xls（且文件已损坏）：{SAVE_AS}") from exc
        raise UnreadableWorkbook(p, f"OLE 复合文件已损坏 / damaged OLE2 compound file: {exc}") from exc
    if "EncryptionInfo" in streams and "EncryptedPackage" in streams:
        if password is None:
            raise EncryptedWorkbook(p)
        try:
            office = msoffcrypto.OfficeFile(io.BytesIO(raw))
            office.load_key(password=password)
            out = io.BytesIO()
            office.decrypt(out)
        except msoffcrypto.exceptions.InvalidKeyError as exc:
            raise WrongPassword(p) from exc
        except Exception as exc:  # unsupported cipher, damaged stream
            raise UnreadableWorkbook(p, f"无法解密 / cannot decrypt: {type(exc).__name__}: {exc}") from exc
        data = out.getvalue()
        if not data.startswith(b"PK"):
            raise WrongPassword(p)
        return data
    if "Workbook" in streams or "Book" in streams:
        raise UnsupportedFormat(p, f"旧版 .xls：请在 Excel/WPS 中打开并另存为 .xlsx / legacy .xls: {SAVE_AS}")
    if "WordDocument" in streams:
        raise UnsupportedFormat(p, "这是 Word 文档（.doc），不是工作簿 / a Word .doc file, not a workbook")
    raise UnsupportedFormat(
        p,
        f"OLE2 复合文件，但不是工作簿 / an OLE2 file that is not a workbook ({', '.join(sorted(streams)[:5])})",
    )


def is_legacy_xls(p: Path, raw: bytes) -> bool:
    """An OLE2 file holding a BIFF workbook stream (and not an encrypted OOXML package)."""
    import olefile

    try:
        ole = olefile.OleFileIO(io.BytesIO(raw))
        streams = {"/".join(s) for s in ole.listdir()}
        ole.close()
    except Exception:  # damaged: decrypt_ole says so
        return False
    return ("Workbook" in streams or "Book" in streams) and "EncryptedPackage" not in streams


def looks_like_csv(raw: bytes) -> bool:
    text = _as_text(raw[:65536])
    return text is not None and not text.lstrip("\ufeff \r\n\t").startswith("<") and _looks_delimited(text)


def refuse_non_zip(p: Path, raw: bytes) -> None:
    """Every .xlsx is a zip; say what this file looks like instead, always raising."""
    if p.name.startswith("~$") and len(raw) <= LOCK_FILE_MAX:
        raise UnsupportedFormat(
            p,
            "这是 Excel/WPS 的锁文件，不是工作簿；请打开不带 ~$ 前缀的文件 / an Excel/WPS lock file, not the workbook",
        )
    for magic, what in _BINARY_MAGICS.items():
        if raw.startswith(magic):
            raise UnsupportedFormat(p, f"这是{what}，不是工作簿")
    text = _as_text(raw[:65536])
    if text is None:
        if p.suffix.lower() in (".xls", ".xlt"):
            raise UnsupportedFormat(p, f"旧版 .xls（或已损坏）：{SAVE_AS}")
        raise UnreadableWorkbook(
            p, "不是 zip 格式的 .xlsx，无法识别内容 / not a zip-based .xlsx; unrecognised content"
        )
    low = text.lstrip("\ufeff \r\n\t").lower()
    if "urn:schemas-microsoft-com:office:spreadsheet" in low or 'progid="excel.sheet"' in low:
        what = "Excel 2003 XML 表格 / an Excel 2003 XML spreadsheet"
    elif low.startswith(("<!doctype html", "<html")) or "<table" in low or "<html" in low:
        what = "HTML 网页（常见于网页系统导出的“Excel”）/ an HTML page"
    elif low.startswith("<"):
        what = "XML 文件 / an XML file"
    elif _looks_delimited(text):
        what = "CSV/文本表格 / a CSV or delimited text file"
    else:
        what = "纯文本文件 / a plain text file"
    raise UnsupportedFormat(p, f"这其实是{what}，只是扩展名为 {p.suffix or '(无)'}；{SAVE_AS}")


def _as_text(head: bytes) -> str | None:
    """Decode a head that looks like text (UTF-8/16 with BOM, UTF-8, GB18030); None if binary."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return head.decode("utf-16", "replace")
    if b"\x00" in head:
        return None
    for enc in ("utf-8-sig", "gb18030"):
        try:
            text = head.decode(enc)
        except UnicodeDecodeError:
            # The head may cut a multi-byte character in half.
            try:
                text = head[:-4].decode(enc)
            except UnicodeDecodeError:
                continue
        control = sum(1 for ch in text if ord(ch) < 32 and ch not in "\r\n\t")
        return text if control <= len(text) // 100 else None
    return None


def _looks_delimited(text: str) -> bool:
    lines = [ln for ln in text.splitlines()[:20] if ln.strip()]
    return bool(lines) and any(all(ln.count(d) >= 1 for ln in lines) for d in (",", "\t", ";", "，"))


def refuse_other_packages(p: Path, zf: zipfile.ZipFile, names: set[str]) -> None:
    """Zip-based files that are not workbooks: ODS, .xlsb, Word, PowerPoint, plain zips."""
    if "mimetype" in names:
        mime = zf.read("mimetype")[:200].decode("ascii", "replace").strip()
        if "opendocument.spreadsheet" in mime:
            raise UnsupportedFormat(
                p, f"OpenDocument 表格（.ods）：请另存为 .xlsx / an ODS spreadsheet: {SAVE_AS}"
            )
        if "opendocument" in mime:
            raise UnsupportedFormat(
                p, f"OpenDocument 文件（{mime}），不是工作簿 / an OpenDocument file, not a workbook"
            )
    if "xl/workbook.bin" in names:
        raise UnsupportedFormat(
            p, f"Excel 二进制工作簿（.xlsb）：请另存为 .xlsx / an .xlsb binary workbook: {SAVE_AS}"
        )
    if "word/document.xml" in names:
        raise UnsupportedFormat(p, "这是 Word 文档（.docx），不是工作簿 / a Word .docx file, not a workbook")
    if "ppt/presentation.xml" in names:
        raise UnsupportedFormat(
            p, "这是 PowerPoint 文件（.pptx），不是工作簿 / a PowerPoint file, not a workbook"
        )
    if not names:
        raise UnreadableWorkbook(p, "空的 zip 压缩包，没有任何内容 / an empty zip archive")
    if "[Content_Types].xml" not in names and not any(n.startswith("xl/") for n in names):
        sample = ", ".join(sorted(names)[:5])
        raise UnsupportedFormat(
            p, f"普通 zip 压缩包，不是 .xlsx（含 {sample}）/ a plain zip archive, not an .xlsx"
        )
