"""Prove a written package is a readable workbook before it is put in place — at the cost of what changed.

The editor copies every part it had no reason to touch with its original compressed bytes; on a
workbook saved by Excel or WPS one of those is the shared-strings table (tens of MB at 100k rows).
Re-reading the whole package with openpyxl parsed that table again, object by object, for nothing:
it was read when the file was opened and its bytes did not change. So the check is split:

- **untouched parts** (same name, CRC and size as in the original file) must be *byte-identical*
  to the original's compressed bytes — a memory compare, no inflate;
- **changed and new parts** are inflated to the end (their CRC checked), and every XML part that is
  not a worksheet is parsed (well-formed, no DTD);
- **the package structure**: every changed part has a content type, the package names its workbook
  part and every sheet the workbook lists resolves to a part that exists;
- **the fast reader** (python-calamine, the one ``read`` uses) opens the package, sees the same sheets
  in the same order, and loads every changed or new worksheet completely.
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

from .zipwrite import LOCAL_SIG

_LOCAL_HEADER = struct.Struct("<4s2B4HL2L2H")  # APPNOTE 4.3.7 local file header: 30 bytes
_NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_OFFICE_DOC = _NS_REL + "/officeDocument"
_STRICT_OFFICE_DOC = "http://purl.oclc.org/ooxml/officeDocument/relationships/officeDocument"
_XML_EXTS = (".xml", ".rels", ".vml")
_PIECE = 4 << 20
_KEEP_BYTES = 1 << 20  # small changed XML parts are kept for the structure check


class PackageError(ValueError):
    """The written package is not one we may put in place (the message says why)."""


def verify_package(tmp: Path, new_bytes: bytes, original: Path | None = None) -> None:
    """Raise ``PackageError`` (or the reader's own error) unless ``tmp`` holds ``new_bytes`` and they are
    a sound workbook package whose changed sheets the fast reader loads."""
    if tmp.stat().st_size != len(new_bytes) or sha256_file(tmp) != hashlib.sha256(new_bytes).hexdigest():
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
            body = _check_member(z, info)
            if body is not None:
                xml[info.filename] = body
    sheets = _structure(z, names, xml, changed)
    _read_back(tmp, sheets, changed)


def sha256_file(path: Path) -> str:
    """SHA-256 of a file, read in 1 MB pieces (the record can be hundreds of MB)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _raw(data: bytes | memoryview, info: zipfile.ZipInfo) -> memoryview:
    """A member's compressed bytes, located through its local header (checked against the directory)."""
    head = _LOCAL_HEADER.unpack_from(data, info.header_offset)
    if head[0] != LOCAL_SIG:
        raise PackageError(f"{info.filename}: bad local header")
    start = info.header_offset + _LOCAL_HEADER.size + head[10] + head[11]
    if start + info.compress_size > len(data):
        raise PackageError(f"{info.filename}: truncated")
    return memoryview(data)[start : start + info.compress_size]


def _changed(new_bytes: bytes, infos: list[zipfile.ZipInfo], original: Path | None) -> set[str]:
    """Names of the new or changed members; an unchanged one must match the original byte for byte
    (read from the original file piece by piece: the original is not held in memory)."""
    changed = {i.filename for i in infos}
    if original is None or not original.exists():
        for info in infos:
            _raw(new_bytes, info)  # every local header checked
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
        raw = _raw(new_bytes, info)  # a changed member's local header is checked too
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


def _check_member(z: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes | None:
    """Inflate a changed member to the end (zipfile checks the CRC there), in pieces; XML parts other
    than worksheets (the reader loads those) are parsed on the way. Returns the body of a small XML part."""
    name = info.filename
    parser = _parser(name) if name.lower().endswith(_XML_EXTS) and not _is_worksheet_name(name) else None
    keep = name.lower().endswith((".xml", ".rels")) and info.file_size <= _KEEP_BYTES
    pieces = []
    with z.open(info) as member:
        while piece := member.read(_PIECE):
            if parser is not None:
                _feed(parser, name, piece, False)
            if keep:
                pieces.append(piece)
    if parser is not None:
        _feed(parser, name, b"", True)
    return b"".join(pieces) if keep else None


def _is_worksheet_name(name: str) -> bool:
    return name.startswith("xl/worksheets/") and name.endswith(".xml")


def _parser(name: str) -> expat.XMLParserType:
    parser = expat.ParserCreate()

    def no_dtd(*_: object) -> None:
        raise PackageError(f"{name}: DTD in a written part")

    parser.StartDoctypeDeclHandler = no_dtd
    return parser


def _feed(parser: expat.XMLParserType, name: str, piece: bytes, last: bool) -> None:
    try:
        parser.Parse(piece, last)
    except expat.ExpatError as exc:
        raise PackageError(f"{name}: not well-formed XML ({exc})") from exc


def _elements(name: str, body: bytes, tag: str) -> list[dict[str, str]]:
    """Attributes of every element with local name ``tag`` (namespace-aware, prefixes dropped)."""
    found: list[dict[str, str]] = []
    parser = expat.ParserCreate(namespace_separator="}")

    def start(el: str, attrs: dict[str, str]) -> None:
        if el.rsplit("}", 1)[-1] == tag:
            found.append(attrs)

    parser.StartElementHandler = start
    try:
        parser.Parse(body, True)
    except expat.ExpatError as exc:
        raise PackageError(f"{name}: not well-formed XML ({exc})") from exc
    return found


def _target(base: str, target: str) -> str:
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(posixpath.dirname(base), target))


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
    defaults = {a.get("Extension", "").lower() for a in _elements("[Content_Types].xml", types, "Default")}
    overrides = {
        a.get("PartName", "").lstrip("/") for a in _elements("[Content_Types].xml", types, "Override")
    }
    for name in changed:
        if (
            not name.endswith("/")
            and name not in overrides
            and name.rsplit(".", 1)[-1].lower() not in defaults
        ):
            raise PackageError(f"{name}: no content type")
    main = next(
        (
            _target("", a.get("Target", ""))
            for a in _elements("_rels/.rels", read("_rels/.rels"), "Relationship")
            if a.get("Type") in (_OFFICE_DOC, _STRICT_OFFICE_DOC)
        ),
        None,
    )
    if main is None or main not in names:
        raise PackageError("the package names no workbook part")
    rels_name = posixpath.join(posixpath.dirname(main), "_rels", posixpath.basename(main) + ".rels")
    targets = {}
    for a in _elements(rels_name, read(rels_name), "Relationship"):
        if a.get("TargetMode") == "External":
            continue
        targets[a.get("Id")] = _target(main, a.get("Target", ""))
    sheets: dict[str, str] = {}
    for a in _elements(main, read(main), "sheet"):
        rid = next((v for k, v in a.items() if k.rsplit("}", 1)[-1] == "id" and k != "sheetId"), None)
        if targets.get(rid) not in names:
            raise PackageError(f"{main}: sheet {a.get('name')!r} has no part")
        sheets[a.get("name", "")] = targets[rid]
    if not sheets:
        raise PackageError(f"{main}: no sheets")
    return sheets


def _read_back(tmp: Path, sheets: dict[str, str], changed: set[str]) -> None:
    """The fast reader opens the file (proven to hold our bytes), sees the workbook's sheets, and loads
    every changed worksheet, one at a time."""
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_path(str(tmp))
    if list(book.sheet_names) != list(sheets):
        raise PackageError("the reader does not see the workbook's sheets")
    for name, part in sheets.items():
        if part in changed and _is_worksheet_name(part):
            book.get_sheet_by_name(name)
