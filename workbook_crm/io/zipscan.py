"""Bounded inflation of zip members: the zip-bomb guard and the cheap sheet pre-scan.

Why our own inflater: every reader (calamine, openpyxl) trusts the sizes a zip declares, so a
1 MB file can make them allocate 1 GiB, and a member that lies about its size inflates past
any check made on the directory alone. Here each member is inflated in bounded chunks, its
actual size compared with the declared one and its CRC checked, before any parser sees it.
"""

from __future__ import annotations

import re
import struct
import zipfile
from collections.abc import Callable
from dataclasses import dataclass

from workbook_crm._zlib import ERROR, lib
from workbook_crm.excel import col_index  # 1-based: "A" → 1; our indices here are 0-based

# Limits (module constants so a caller or a test may tighten them).
# A full-height CRM sheet (1,048,576 rows x 19 columns) is ~0.9 GB of sheet XML, so one member
# may reach 1 GiB and the whole package 2 GiB; anything beyond is refused before inflating.
MAX_MEMBER_BYTES = 1 << 30
MAX_TOTAL_BYTES = 2 << 30
# Sheet XML compresses 5-30:1 and very repetitive sheets ~100:1; a 1 MB zip holding 1 GiB is
# 1000:1. The ratio is only checked for members big enough to hurt (a 200 KB part at 400:1 is
# harmless), so small parts with odd ratios still read.
MAX_RATIO = 200
RATIO_FLOOR_BYTES = 16 << 20
MAX_MEMBERS = 20_000
CHUNK = 1 << 20

_LOCAL_HEADER = struct.Struct("<4s5H3L2H")


class ZipProblem(Exception):
    """Raised here; guard.py maps it to the errors tree (kind: 'too-large' | 'corrupt')."""

    def __init__(self, kind: str, detail: str) -> None:
        super().__init__(detail)
        self.kind = kind
        self.detail = detail


def check_directory(infos: list[zipfile.ZipInfo]) -> None:
    """Refuse on the declared sizes alone, before inflating a byte."""
    if len(infos) > MAX_MEMBERS:
        raise ZipProblem("too-large", f"{len(infos)} parts in the zip (limit {MAX_MEMBERS})")
    total = 0
    for info in infos:
        size, packed = info.file_size, max(info.compress_size, 1)
        if size > MAX_MEMBER_BYTES:
            raise ZipProblem(
                "too-large", f"part {info.filename} declares {size:,} bytes (limit {MAX_MEMBER_BYTES:,})"
            )
        if size > RATIO_FLOOR_BYTES and size / packed > MAX_RATIO:
            raise ZipProblem(
                "too-large",
                f"part {info.filename} expands {size // packed}:1 (limit {MAX_RATIO}:1, zip bomb)",
            )
        total += size
    if total > MAX_TOTAL_BYTES:
        raise ZipProblem("too-large", f"parts total {total:,} bytes uncompressed (limit {MAX_TOTAL_BYTES:,})")


def inflate(data: bytes, info: zipfile.ZipInfo, sink: Callable[[bytes], None] | None = None) -> int:
    """Inflate one member chunk by chunk, feeding ``sink``; return the actual size.

    Stops as soon as the output exceeds the declared size (a forged size is a bomb, not a
    harmless mistake) and checks the CRC, so a damaged part is reported before a reader
    chokes on it.
    """
    if info.flag_bits & 0x1:
        raise ZipProblem("corrupt", f"part {info.filename} is zip-encrypted")
    start = info.header_offset
    head = data[start : start + _LOCAL_HEADER.size]
    if len(head) < _LOCAL_HEADER.size or head[:4] != b"PK\x03\x04":
        raise ZipProblem("corrupt", f"bad local header for part {info.filename}")
    *_, name_len, extra_len = _LOCAL_HEADER.unpack(head)
    begin = start + _LOCAL_HEADER.size + name_len + extra_len
    packed = data[begin : begin + info.compress_size]
    if len(packed) < info.compress_size:
        raise ZipProblem("corrupt", f"part {info.filename} is cut short (truncated file)")
    declared = info.file_size
    crc = 0
    size = 0

    def emit(chunk: bytes) -> None:
        nonlocal crc, size
        size += len(chunk)
        if size > declared:
            raise ZipProblem(
                "too-large",
                f"part {info.filename} inflates beyond its declared {declared:,} bytes (forged size)",
            )
        crc = lib.crc32(chunk, crc)
        if sink is not None:
            sink(chunk)

    if info.compress_type == zipfile.ZIP_STORED:
        for pos in range(0, len(packed), CHUNK):
            emit(packed[pos : pos + CHUNK])
    elif info.compress_type == zipfile.ZIP_DEFLATED:
        d = lib.decompressobj(-15)
        try:
            for pos in range(0, len(packed), CHUNK):
                out = d.decompress(packed[pos : pos + CHUNK], CHUNK)
                emit(out)
                while d.unconsumed_tail:
                    emit(d.decompress(d.unconsumed_tail, CHUNK))
            emit(d.flush())
        except ERROR as exc:
            raise ZipProblem("corrupt", f"part {info.filename} cannot be inflated ({exc})") from exc
        if not d.eof:
            raise ZipProblem("corrupt", f"part {info.filename} ends early (truncated)")
    else:
        raise ZipProblem("corrupt", f"part {info.filename} uses compression method {info.compress_type}")
    if size != declared:
        raise ZipProblem("corrupt", f"part {info.filename} has {size:,} bytes, declares {declared:,}")
    if crc != info.CRC:
        raise ZipProblem("corrupt", f"CRC error in part {info.filename}")
    return size


def read_member(data: bytes, info: zipfile.ZipInfo) -> bytes:
    """Inflate a (small, already size-checked) member to bytes."""
    parts: list[bytes] = []
    inflate(data, info, parts.append)
    return b"".join(parts)


# --- the XML head check --------------------------------------------------------------------

_FIRST_ELEMENT = re.compile(rb"<[A-Za-z_]")


def has_dtd(head: bytes) -> bool:
    """True when the prolog (before the root element) declares a DTD or entities.

    OOXML never uses a DTD; one in a part is the signature of an entity-expansion bomb
    ("billion laughs") or an external-entity (XXE) read. Only the prolog is checked, so a
    cell text that mentions ``<!DOCTYPE`` (escaped as ``&lt;`` anyway) cannot trip it.
    """
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        head = head.decode("utf-16", "replace").encode("utf-8")
    m = _FIRST_ELEMENT.search(head)
    prolog = head[: m.start()] if m else head
    return b"<!DOCTYPE" in prolog or b"<!ENTITY" in prolog


# --- the sheet pre-scan --------------------------------------------------------------------

# A cell reference attribute: r="AB12". Row elements carry digits only, so they never match.
# False positives (a text that reads r="ZZZ9") only send the sheet down the slower safe path.
_REF_COL = re.compile(rb'\sr="([A-Z]{1,3})[0-9]')
_REF_ROW = re.compile(rb'\sr="[A-Z]{1,3}([0-9]{1,9})"')
_ERROR_CELL = re.compile(rb'\st="e"')
# Quick-mode patterns start with a literal so the regex engine skips ahead (10× faster than \s…).
# Writers put `r` first on <row> and a space before `r=` on <c>; anything else (other attribute
# order, tabs or newlines before r=, prefixed tags) leaves rows uncounted or trips _ODD_SPACING,
# and the sheet goes down the precise path.
_ROW_NUM = re.compile(rb'<row r="([0-9]{1,9})"')
_WIDE_COL = re.compile(rb' r="([A-Z]{3}|[B-Z][A-Z])[0-9]')  # columns past AZ: rare in real data
_ODD_SPACING = (b'\tr="', b'\nr="', b'\rr="')
_OVERLAP = 64


@dataclass
class SheetExtent:
    """What the pre-scan learnt about one worksheet part (0-based maxima, -1 when none)."""

    max_row: int = -1
    max_col: int = -1
    n_row_elements: int = 0
    n_cell_elements: int = 0  # the quick pre-scan stops counting at 1 ("the sheet has cells")
    has_error_cells: bool = False
    maybe_formulas: bool = False  # an "f>" was seen (a formula's end tag; false positives are harmless)

    suspicious: bool = False  # a far-away row or column was seen: the reader must look closer

    @property
    def dense_cells(self) -> int:
        """Upper bound of the dense grid a reader allocates for this sheet."""
        rows = max(self.max_row + 1, self.n_row_elements)
        cols = self.max_col + 1 if self.max_col >= 0 else min(self.n_cell_elements, 16384)
        return rows * cols


class SheetScanner:
    """A sink for :func:`inflate` that finds the sheet's extent without parsing the XML.

    The quick mode (the guard's, on every sheet) reads only row numbers and looks for the rare
    column references past AZ, so a 300k-row sheet costs a few regex passes, not millions of
    matches; a sheet whose last row lies far beyond its row count, or that uses a column past AZ,
    is flagged ``suspicious`` and the reader rescans it precisely (``precise=True``) before any
    native reader sees it.
    """

    def __init__(self, precise: bool = False) -> None:
        self.extent = SheetExtent()
        self.precise = precise
        self._cols: set[bytes] = set()
        self._rows: set[bytes] = set()
        self._tail = b""
        self._rows_seen = 0

    def __call__(self, chunk: bytes) -> None:
        buf = self._tail + chunk
        tail = self._tail
        ext = self.extent
        # Element starts are counted once: in the joined buffer, minus those wholly in the overlap.
        if self.precise:
            self._cols.update(_REF_COL.findall(buf))
            self._rows.update(_REF_ROW.findall(buf))
        else:
            rows = _ROW_NUM.findall(buf)
            # matches lying wholly in the overlap were counted with the previous chunk
            self._rows_seen += len(rows) - len(_ROW_NUM.findall(tail))
            if rows:
                ext.max_row = max(ext.max_row, max(map(int, rows)) - 1)
            wide = _WIDE_COL.findall(buf)
            if wide:
                ext.suspicious = True
                ext.max_col = max(ext.max_col, max(col_index(c) for c in wide) - 1)
            # (a one-byte find runs at memory speed: most chunks hold no tab, CR or LF at all)
            if not ext.suspicious and any(buf.find(p[:1]) >= 0 and buf.find(p) >= 0 for p in _ODD_SPACING):
                ext.suspicious = True
        ext.n_row_elements += (buf.count(b"<row ") + buf.count(b":row ")) - (
            tail.count(b"<row ") + tail.count(b":row ")
        )
        if self.precise:
            ext.n_cell_elements += (buf.count(b"<c ") + buf.count(b"<c>")) - (
                tail.count(b"<c ") + tail.count(b"<c>")
            )
        elif not ext.n_cell_elements and (buf.find(b"<c ") >= 0 or buf.find(b"<c>") >= 0):
            ext.n_cell_elements = 1  # quick mode needs "some cell" only (see ``finish``)
        if not ext.maybe_formulas and buf.find(b"f>") >= 0:
            ext.maybe_formulas = True
        if not ext.has_error_cells and buf.find(b't="e"') >= 0 and _ERROR_CELL.search(buf):
            ext.has_error_cells = True
        self._tail = buf[-_OVERLAP:]

    def finish(self, keep: bool = False) -> SheetExtent:
        """Compute the maxima; drop the sets of used rows/columns unless ``keep``."""
        ext = self.extent
        if not self.precise:
            # rows far past the number of <row> elements: a stray cell (A1048576) or rows without r=
            if (
                ext.max_row + 1 > 2 * ext.n_row_elements + 1024
                or (ext.n_row_elements and ext.max_row < 0)
                or self._rows_seen < ext.n_row_elements
            ):
                ext.suspicious = True
            ext.max_col = max(
                ext.max_col, 51 if ext.n_cell_elements else -1
            )  # ≤ AZ unless a wide one was seen
            return ext
        if self._cols:
            ext.max_col = max(col_index(c) for c in self._cols) - 1
        if self._rows:
            ext.max_row = max(int(r) for r in self._rows) - 1
        if not keep:
            self._cols.clear()
            self._rows.clear()
        return ext

    def used(self) -> tuple[list[int], list[int]]:
        """Sorted 0-based used row and column indices (after ``finish(keep=True)``)."""
        return sorted(int(r) - 1 for r in self._rows), sorted(col_index(c) - 1 for c in self._cols)
