"""The pieces of ``verify.py`` that read one member: locate its compressed bytes, inflate it to the end
(ISA-L through writeback/deflate.py where installed: 2.3x the standard library's zlib on sheet XML,
0.4 against 0.9 CPU s for the ~480 MB a 100k-customer run rewrites), parse XML as it comes, and parse
a large worksheet's frame.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from collections.abc import Callable
from pathlib import Path
from urllib.parse import unquote
from xml.parsers import expat

from .deflate import ERROR as _ZLIB_ERROR
from .deflate import crc32, decompressobj
from .zipwrite import raw_data

_IN = 256 << 10  # compressed bytes inflated at a time (~2 MB of sheet XML out)
WINDOW = 1 << 20  # rows parsed at each end of a large worksheet's <sheetData>
_SHEET_DATA = re.compile(rb"<(\w+:)?sheetData\b[^>]*?(/?)>")
_AFTER_TAG = (b" ", b">", b"/", b"\t", b"\r", b"\n")


class PackageError(ValueError):
    """The written package is not one we may put in place (the message says why)."""


class XmlError(PackageError):
    """A part is not well-formed XML (or holds a DTD)."""


def raw_member(data: bytes | memoryview, info: zipfile.ZipInfo) -> memoryview:
    """A member's compressed bytes, located through its local header (zipwrite.raw_data, which the
    writer copies untouched members with); refused when the header or the bytes are not there."""
    raw = raw_data(data, info)
    if raw is None:
        raise PackageError(f"{info.filename}: bad local header or truncated")
    return raw


def contents(z: zipfile.ZipFile, data: bytes, info: zipfile.ZipInfo, use: Callable[[bytes], None]) -> None:
    """Inflate a member to its end, handing each piece to ``use``: the deflate stream must end exactly
    at the member's end, and the size and CRC-32 be those of the directory. Methods other than deflate
    and store (never written by us) go through zipfile, which checks the CRC too."""
    if info.compress_type not in (zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED) or info.flag_bits & 0x1:
        with z.open(info) as member:
            while piece := member.read(4 * _IN):
                use(piece)
        return
    raw = raw_member(data, info)
    name, crc, size = info.filename, 0, 0
    if info.compress_type == zipfile.ZIP_STORED:
        for at in range(0, len(raw), 4 * _IN):
            piece = bytes(raw[at : at + 4 * _IN])
            crc, size = crc32(piece, crc), size + len(piece)
            use(piece)
    else:
        d = decompressobj()
        try:
            for at in range(0, len(raw), _IN):
                piece = d.decompress(raw[at : at + _IN])
                crc, size = crc32(piece, crc), size + len(piece)
                use(piece)
            piece = d.flush()
        except _ZLIB_ERROR as exc:
            raise PackageError(f"{name}: damaged deflate stream ({exc})") from exc
        crc, size = crc32(piece, crc), size + len(piece)
        use(piece)
        if not d.eof or d.unused_data:
            raise PackageError(f"{name}: the deflate stream does not end at the member's end")
    if size != info.file_size:
        raise PackageError(f"{name}: {size} bytes inflated, the directory says {info.file_size}")
    if crc != info.CRC:
        raise PackageError(f"{name}: CRC-32 mismatch")


def is_worksheet_name(name: str) -> bool:
    return name.startswith("xl/worksheets/") and name.endswith(".xml")


def xml_parser(name: str) -> expat.XMLParserType:
    parser = expat.ParserCreate()

    def no_dtd(*_: object) -> None:
        raise XmlError(f"{name}: DTD in a written part")

    parser.StartDoctypeDeclHandler = no_dtd
    return parser


def feed(parser: expat.XMLParserType, name: str, piece: bytes, last: bool) -> None:
    try:
        parser.Parse(piece, last)
    except expat.ExpatError as exc:
        raise XmlError(f"{name}: not well-formed XML ({exc})") from exc


def elements(name: str, body: bytes, tag: str) -> list[dict[str, str]]:
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


def part_target(base: str, target: str) -> str:
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(posixpath.dirname(base), target))


def _rel_source(rels: str) -> str:
    """The part a relationships part belongs to: ``xl/_rels/workbook.xml.rels`` -> ``xl/workbook.xml``."""
    folder, base = posixpath.split(rels)
    return posixpath.join(posixpath.dirname(folder), base.removesuffix(".rels"))


def internal_targets(rels: str, body: bytes) -> set[str]:
    source = _rel_source(rels)
    return {
        part_target(source, unquote(a.get("Target", "").split("#", 1)[0]))
        for a in elements(rels, body, "Relationship")
        if a.get("TargetMode") != "External" and a.get("Target")
    }


def malformed_before(original: Path | None, name: str) -> bool:
    """The original package's part ``name`` exists and is not well-formed XML either."""
    if original is None:
        return False
    try:
        with zipfile.ZipFile(original) as z:
            body = z.read(name)
    except (OSError, KeyError, RuntimeError, ValueError, zipfile.BadZipFile):
        return False
    try:
        feed(xml_parser(name), name, body, True)
    except XmlError:
        return True
    return False


class TailTooLong(Exception):
    """The part after ``</sheetData>`` is longer than what ``SheetFrame`` kept: feed it again, searching."""


class SheetFrame:
    """What is parsed of a worksheet too large to load: everything outside ``<sheetData>`` and the
    first and last ``WINDOW`` bytes of rows (cut at row starts), as one document. Fed piece by piece:
    the part is never held whole.

    The body is not searched for ``</sheetData>`` as it streams by (a scan of every byte, 0.3 s at
    100k customers): the last pieces are kept and the tag is looked for there at the end. A tail
    longer than those (a sheet with tens of thousands of hyperlinks) raises ``TailTooLong``; the
    caller feeds the part again to a frame made with ``search=True``."""

    def __init__(self, name: str, *, search: bool = False) -> None:
        self.name = name
        self.search = search
        self.head = bytearray()  # up to the end of the <sheetData> start tag (all of it if none)
        self.first: list[bytes] = []  # the first pieces of the body, WINDOW bytes or more
        self.first_len = 0
        self.last: list[bytes] = []  # the latest pieces, 2 * WINDOW bytes or more
        self.last_len = 0
        self.tail = bytearray()  # from </sheetData> on (search=True, or once found)
        self.state = "head"  # head -> body -> tail
        self.close = b""
        self.row = b""
        self.carry = b""  # search=True: the body's last bytes, where a close tag may have begun
        self.dropped = False  # pieces of the body were let go (the close tag may be among them)

    def feed(self, piece: bytes) -> None:
        if self.state == "tail":
            self.tail += piece
        elif self.state == "body":
            self._body(piece)
        else:
            self.head += piece
            m = _SHEET_DATA.search(self.head, max(0, len(self.head) - len(piece) - 4096))
            if m is None:
                return
            rest = bytes(self.head[m.end() :])
            del self.head[m.end() :]
            prefix = m.group(1) or b""
            self.close, self.row = b"</" + prefix + b"sheetData>", b"<" + prefix + b"row"
            if m.group(2):  # <sheetData/>: no rows
                self.state = "tail"
                self.tail += rest
            else:
                self.state = "body"
                self._body(rest)

    def _body(self, piece: bytes) -> None:
        if self.search:
            window = self.carry + piece
            end = window.find(self.close)
            if end >= 0:
                back = len(self.carry) - end  # bytes of the tag already kept as body
                if back > 0:
                    self._drop_last(back)
                else:
                    self._keep(piece[: end - len(self.carry)])
                self.state = "tail"
                self.tail += window[end:]
                return
            self.carry = window[-(len(self.close) - 1) :]
        self._keep(piece)

    def _drop_last(self, n: int) -> None:
        """Take the last ``n`` bytes off the kept body (the start of the close tag)."""
        while n > 0 and self.last:
            p = self.last[-1]
            if len(p) <= n:
                self.last.pop()
                self.last_len -= len(p)
                n -= len(p)
            else:
                self.last[-1] = p[: len(p) - n]
                self.last_len -= n
                n = 0

    def _keep(self, piece: bytes) -> None:
        if not piece:
            return
        if self.first_len < WINDOW:
            self.first.append(piece)
            self.first_len += len(piece)
        self.last.append(piece)
        self.last_len += len(piece)
        while self.last_len - len(self.last[0]) >= 2 * WINDOW:
            self.last_len -= len(self.last.pop(0))
            self.dropped = True

    def _row_start(self, data: bytes, *, last: bool) -> int:
        """Offset of the first (or last) row start tag in ``data``, or -1."""
        n = len(self.row)
        at = data.rfind(self.row) if last else data.find(self.row)
        while at >= 0 and data[at + n : at + n + 1] not in _AFTER_TAG:
            at = data.rfind(self.row, 0, at) if last else data.find(self.row, at + 1)
        return at

    def check(self) -> None:
        """Parse the frame and the two windows of rows as one document (``PackageError`` if not
        well-formed, or if ``<sheetData>`` is opened and never closed)."""
        if self.state == "head":  # no <sheetData> start tag: the whole part is in head
            doc = bytes(self.head)
        else:
            last = b"".join(self.last)
            tail = bytes(self.tail)
            if self.state == "body":
                end = last.rfind(self.close)
                if end < 0:
                    if self.search or not self.dropped:
                        raise XmlError(f"{self.name}: <sheetData> is never closed")
                    raise TailTooLong(self.name)
                last, tail = last[:end], last[end:]
            first = b"".join(self.first)[:WINDOW]
            cut = self._row_start(first, last=True)
            start = self._row_start(last, last=False)
            doc = b"".join((self.head, first[: max(cut, 0)], last[start:] if start >= 0 else b"", tail))
        parser = xml_parser(self.name)
        feed(parser, self.name, doc, True)
