"""Prove a written package is a readable workbook before it is put in place — at the cost of what changed.

The editor copies every part it had no reason to touch with its original compressed bytes; on a
workbook saved by Excel or WPS one of those is the shared-strings table (tens of MB at 100k rows).
Re-reading it proves nothing: it was read when the file was opened and its bytes did not change.
And loading every rewritten sheet with the fast reader cost 10.5 s at 100k customers (~480 MB of
sheet XML), as much as reading the workbook in the first place. So the check is split by what can
go wrong where:

- **the bytes**: the temporary file holds exactly the bytes written (size, SHA-256);
- **untouched parts** (same name, CRC and size as in the original file) must be *byte-identical*
  to the original's compressed bytes — a memory compare, no inflate;
- **changed and new parts** are inflated to the end (ISA-L: 2× stdlib zlib): size and CRC-32 as
  the directory says, the deflate stream ending exactly at the member's end;
- **XML**: every changed XML part is parsed (well-formed, no DTD) — except the rows in the middle
  of a worksheet larger than ``READ_FULLY``: there the *frame* is parsed (everything outside
  ``<sheetData>``: dimension, columns, merges, validations, the legacy drawing the editor writes)
  with the first and last ``WINDOW`` bytes of rows (a run appends its new rows at the end). Those
  middle rows come from the two writers (the sheet patcher, the computed-sheet renderer) whose
  output the smaller sheets of the same run (the registration sheet, 校验问题, 变更记录 …) prove
  cell by cell; parsing them too would cost ~3.5 s at 100k customers, 2.5× the whole check.
  A part that is not well-formed passes only if the original's same part was not either;
- **values**: a changed worksheet up to ``READ_FULLY`` is loaded completely by the fast reader
  (python-calamine, the one ``read`` uses): shared-string indices in range, cells it can type;
- **the package structure**: every changed part has a content type, the package names its workbook
  part and every sheet the workbook lists resolves to a part that exists, every part a changed
  relationships part names exists; the fast reader opens the package and sees the same sheets in
  the same order.
"""

from __future__ import annotations

import hashlib
import io
import posixpath
import struct
import zipfile
from pathlib import Path
from typing import BinaryIO
from xml.parsers import expat

from .verifyparts import (
    PackageError,
    SheetFrame,
    TailTooLong,
    XmlError,
    contents,
    elements,
    feed,
    internal_targets,
    is_worksheet_name,
    malformed_before,
    part_target,
    raw_member,
    xml_parser,
)
from .zipwrite import LOCAL_SIG

_LOCAL_HEADER = struct.Struct("<4s2B4HL2L2H")  # APPNOTE 4.3.7 local file header: 30 bytes
_NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_OFFICE_DOC = _NS_REL + "/officeDocument"
_STRICT_OFFICE_DOC = "http://purl.oclc.org/ooxml/officeDocument/relationships/officeDocument"
_XML_EXTS = (".xml", ".rels", ".vml")
_PIECE = 4 << 20  # raw-byte compare of untouched members
_KEEP_BYTES = 1 << 20  # small changed XML parts are kept for the structure check
READ_FULLY = 16 << 20  # a changed worksheet up to this size (uncompressed) is loaded by the reader

__all__ = ["PackageError", "READ_FULLY", "sha256_file", "verify_package"]


def verify_package(
    tmp: Path, new_bytes: bytes, original: Path | None = None, *, sha256: str | None = None
) -> None:
    """Raise ``PackageError`` (or the reader's own error) unless ``tmp`` holds ``new_bytes`` (whose
    SHA-256 the caller may pass: it has it) and they are a sound workbook package (see the module's
    docstring for what is checked where)."""
    want = sha256 or hashlib.sha256(new_bytes).hexdigest()
    if tmp.stat().st_size != len(new_bytes) or sha256_file(tmp) != want:
        raise PackageError("the temporary file does not hold the bytes written")
    z = zipfile.ZipFile(io.BytesIO(new_bytes))
    infos = z.infolist()
    names = {i.filename for i in infos}
    if len(names) != len(infos):
        raise PackageError("duplicate member names")
    changed = _changed(new_bytes, infos, original)
    xml: dict[str, bytes] = {}
    for info in infos:
        if info.filename in changed:
            body = _check_member(z, new_bytes, info, original)
            if body is not None:
                xml[info.filename] = body
    sheets = _structure(z, names, xml, changed)
    _no_dangling(names, xml, changed, original)
    _read_back(
        tmp, sheets, {i.filename for i in infos if i.filename in changed and i.file_size <= READ_FULLY}
    )


def sha256_file(path: Path) -> str:
    """SHA-256 of a file, read in 1 MB pieces (the record can be hundreds of MB)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _changed(new_bytes: bytes, infos: list[zipfile.ZipInfo], original: Path | None) -> set[str]:
    """Names of the new or changed members; an unchanged one must match the original byte for byte
    (read from the original file piece by piece: the original is not held in memory)."""
    changed = {i.filename for i in infos}
    if original is None or not original.exists():
        for info in infos:
            raw_member(new_bytes, info)  # every local header checked
        return changed
    try:
        with open(original, "rb") as fh:
            return _unchanged_removed(fh, new_bytes, infos, changed)
    except OSError:
        return {i.filename for i in infos}


def _unchanged_removed(
    fh: BinaryIO, new_bytes: bytes, infos: list[zipfile.ZipInfo], changed: set[str]
) -> set[str]:
    """Drop from ``changed`` every member whose directory entry and compressed bytes equal the original's."""
    try:
        before = {i.filename: i for i in zipfile.ZipFile(fh).infolist()}
    except zipfile.BadZipFile:
        before = {}
    for info in infos:
        raw = raw_member(new_bytes, info)  # a changed member's local header is checked too
        prev = before.get(info.filename)
        if prev is None or (
            (prev.CRC, prev.file_size, prev.compress_size, prev.compress_type)
            != (info.CRC, info.file_size, info.compress_size, info.compress_type)
        ):
            continue
        if _same_raw(fh, prev, raw):
            changed.discard(info.filename)
    return changed


def _same_raw(fh: BinaryIO, info: zipfile.ZipInfo, raw: memoryview) -> bool:
    fh.seek(info.header_offset)
    head = fh.read(_LOCAL_HEADER.size)
    if len(head) != _LOCAL_HEADER.size:
        return False
    fields = _LOCAL_HEADER.unpack(head)
    if fields[0] != LOCAL_SIG:
        return False
    fh.seek(info.header_offset + _LOCAL_HEADER.size + fields[10] + fields[11])
    for at in range(0, len(raw), _PIECE):
        piece = raw[at : at + _PIECE]
        if fh.read(len(piece)) != piece:
            return False
    return True


def _inflate(z: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    with z.open(info) as member:
        return member.read()


def _check_member(
    z: zipfile.ZipFile, data: bytes, info: zipfile.ZipInfo, original: Path | None
) -> bytes | None:
    """``_parse_member``; a part that is not well-formed passes only if the original's same part was
    not either (it was there before, and the file opened: a VML drawing with an unclosed ``<br>``,
    a sheet a library wrote loosely) — and its zip check is finished first."""
    try:
        return _parse_member(z, data, info)
    except XmlError:
        contents(z, data, info, lambda piece: None)  # size, CRC and stream end, which the error cut short
        if not malformed_before(original, info.filename):
            raise
        return None


def _parse_member(z: zipfile.ZipFile, data: bytes, info: zipfile.ZipInfo) -> bytes | None:
    """Inflate a changed member to its end (``contents``); an XML part is parsed on the way, or, for a
    worksheet over ``READ_FULLY``, its frame and the rows at both ends (``SheetFrame``). Returns the body
    of a small XML part (the structure check reads it)."""
    name = info.filename
    is_xml = name.lower().endswith(_XML_EXTS)
    keep = name.lower().endswith((".xml", ".rels")) and info.file_size <= _KEEP_BYTES
    pieces: list[bytes] = []
    frame: SheetFrame | None = None
    parser: expat.XMLParserType | None = None
    if is_worksheet_name(name) and info.file_size > READ_FULLY:
        frame = SheetFrame(name)
    elif is_xml:
        parser = xml_parser(name)

    def use(piece: bytes) -> None:
        if parser is not None:
            feed(parser, name, piece, False)
        if frame is not None:
            frame.feed(piece)
        if keep:
            pieces.append(piece)

    contents(z, data, info, use)
    if parser is not None:
        feed(parser, name, b"", True)
    if frame is not None:
        try:
            frame.check()
        except TailTooLong:  # rare: a tail longer than the rows kept; inflate again, searching
            frame = SheetFrame(name, search=True)
            contents(z, data, info, frame.feed)
            frame.check()
    return b"".join(pieces) if keep else None


def _structure(
    z: zipfile.ZipFile, names: set[str], xml: dict[str, bytes], changed: set[str]
) -> dict[str, str]:
    """Content types of the changed parts, package and workbook relationships; returns sheet name -> part,
    in workbook order. What the original already had (a dangling rel to a deleted printer-settings
    part, an untyped extra file) is not judged: it was there before and the file opened."""

    def read(name: str) -> bytes:
        if name not in names:
            raise PackageError(f"missing part {name}")
        if name not in xml:
            xml[name] = _inflate(z, z.getinfo(name))
        return xml[name]

    types = read("[Content_Types].xml")
    defaults = {a.get("Extension", "").lower() for a in elements("[Content_Types].xml", types, "Default")}
    overrides = {
        a.get("PartName", "").lstrip("/") for a in elements("[Content_Types].xml", types, "Override")
    }
    for name in changed - {"[Content_Types].xml"}:  # the types part is not a part: it has no type
        if (
            not name.endswith("/")
            and name not in overrides
            and name.rsplit(".", 1)[-1].lower() not in defaults
        ):
            raise PackageError(f"{name}: no content type")
    main = next(
        (
            part_target("", a.get("Target", ""))
            for a in elements("_rels/.rels", read("_rels/.rels"), "Relationship")
            if a.get("Type") in (_OFFICE_DOC, _STRICT_OFFICE_DOC)
        ),
        None,
    )
    if main is None or main not in names:
        raise PackageError("the package names no workbook part")
    rels_name = posixpath.join(posixpath.dirname(main), "_rels", posixpath.basename(main) + ".rels")
    targets = {}
    for a in elements(rels_name, read(rels_name), "Relationship"):
        if a.get("TargetMode") == "External":
            continue
        targets[a.get("Id")] = part_target(main, a.get("Target", ""))
    sheets: dict[str, str] = {}
    for a in elements(main, read(main), "sheet"):
        rid = next((v for k, v in a.items() if k.rsplit("}", 1)[-1] == "id" and k != "sheetId"), None)
        if targets.get(rid) not in names:
            raise PackageError(f"{main}: sheet {a.get('name')!r} has no part")
        sheets[a.get("name", "")] = targets[rid]
    if not sheets:
        raise PackageError(f"{main}: no sheets")
    return sheets


def _no_dangling(names: set[str], xml: dict[str, bytes], changed: set[str], original: Path | None) -> None:
    """Every part a changed relationships part names exists (a rel we added to a part we failed to
    write); one the original's same relationships part already named in vain is not judged."""
    for rels in sorted(n for n in changed if n.endswith(".rels") and n in xml):
        missing = internal_targets(rels, xml[rels]) - names
        if missing and original is not None:
            missing -= _dangling_before(original, rels)
        if missing:
            raise PackageError(f"{rels} names {sorted(missing)[0]}, which the package lacks")


def _dangling_before(original: Path, rels: str) -> set[str]:
    try:
        with zipfile.ZipFile(original) as z:
            return internal_targets(rels, z.read(rels)) - set(z.namelist())
    except (OSError, KeyError, zipfile.BadZipFile, PackageError):
        return set()


def _read_back(tmp: Path, sheets: dict[str, str], load: set[str]) -> None:
    """The fast reader opens the file (proven to hold our bytes), sees the workbook's sheets, and loads
    every changed worksheet in ``load`` (the ones up to ``READ_FULLY``), one at a time."""
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_path(str(tmp))
    if list(book.sheet_names) != list(sheets):
        raise PackageError("the reader does not see the workbook's sheets")
    for name, part in sheets.items():
        if part in load and is_worksheet_name(part):
            book.get_sheet_by_name(name)
