"""A small zip writer of our own: raw copies of untouched members, deflate of the rest, ZIP64 when due.

Why not ``zipfile``: it has no public way to copy a member's compressed bytes or to store a member
we deflated ourselves, and writing into its private state (file pointer, name index, directory
offset, modified flag) can break with any CPython release. The format is small; section numbers below are
those of PKWARE's APPNOTE.TXT 6.3.x. Sources are read with the public ``zipfile`` API plus our own
read of the 30-byte local header (4.3.7) to find where a member's data starts.

Everything is written forward to any binary sink (a temp file, a list of pieces): sizes and CRCs are
known before each local header, so no data descriptor (4.3.9) and no seek is ever needed.
"""

from __future__ import annotations

import struct
import zipfile
from collections.abc import Callable
from dataclasses import dataclass

from .deflate import compressobj, crc32

# 4.3.7 local file header; 4.3.12 central directory header; 4.3.14 zip64 end of central directory
# record; 4.3.15 zip64 end of central directory locator; 4.3.16 end of central directory record
LOCAL_SIG = b"PK\x03\x04"
_LOCAL = struct.Struct("<4sHHHHHLLLHH")  # 4.3.7: 30 bytes before the name and the extra field
_CENTRAL = struct.Struct("<4sHHHHHHLLLHHHHHLL")  # 4.3.12: 46 bytes before name, extra, comment
_ZIP64_EOCD = struct.Struct("<4sQHHLLQQQQ")  # 4.3.14: 56 bytes, no extensible data sector
_ZIP64_LOCATOR = struct.Struct("<4sLQL")  # 4.3.15: 20 bytes
_EOCD = struct.Struct("<4sHHHHLLH")  # 4.3.16: 22 bytes, no comment

# 4.4.4 general purpose bit flag: bit 0 encrypted, bit 3 sizes in a data descriptor after the data,
# bit 11 name and comment in UTF-8 (appendix D)
FLAG_ENCRYPTED = 0x0001
FLAG_DATA_DESCRIPTOR = 0x0008
FLAG_UTF8 = 0x0800

# 4.4.3 version needed to extract: 2.0 for deflate, 4.5 for ZIP64 extensions
VERSION_DEFLATE = 20
VERSION_ZIP64 = 45
# 4.4.5 compression method
STORED, DEFLATED = 0, 8
# 4.4.2 version made by, upper byte: 0 = MS-DOS (FAT), 3 = UNIX
SYSTEM_UNIX = 3

# 4.4.8–4.4.10 / 4.4.13 / 4.4.16 / 4.4.21–4.4.24: fields that no longer fit are set to all ones and
# the real value goes in the zip64 extended information extra field (4.5.3, header id 0x0001)
ZIP64_LIMIT = 0xFFFFFFFF
ZIP64_COUNT_LIMIT = 0xFFFF
_ZIP64_EXTRA_ID = 0x0001


@dataclass(frozen=True)
class Entry:
    """What the central directory (4.3.12) says of one member written."""

    name: bytes
    flags: int
    method: int
    dos_time: int
    dos_date: int
    crc: int
    compress_size: int
    file_size: int
    offset: int
    external_attr: int
    create_system: int


def dos_date_time(date_time: tuple[int, int, int, int, int, int]) -> tuple[int, int]:
    """(time, date) in MS-DOS form (4.4.6): 2-second resolution, years 1980–2107."""
    y, mo, d, h, mi, s = date_time
    y = min(max(y, 1980), 2107)
    return (h << 11) | (mi << 5) | (s // 2), ((y - 1980) << 9) | (mo << 5) | d


def encode_name(name: str) -> tuple[bytes, int]:
    """The name's bytes and the flag it needs: ASCII as is, anything else UTF-8 with bit 11 (4.4.4)."""
    try:
        return name.encode("ascii"), 0
    except UnicodeEncodeError:
        return name.encode("utf-8"), FLAG_UTF8


def raw_data(source: bytes | memoryview, info: zipfile.ZipInfo) -> memoryview | None:
    """A source member's compressed bytes, found after its local header (4.3.7: 30 bytes, then the
    name and extra field, whose lengths may differ from the central directory's), or None when the
    header is not where the central directory points."""
    view = memoryview(source)
    off = info.header_offset
    head = bytes(view[off : off + _LOCAL.size])
    if len(head) < _LOCAL.size or head[:4] != LOCAL_SIG:
        return None
    name_len, extra_len = struct.unpack("<HH", head[26:30])
    start = off + _LOCAL.size + name_len + extra_len
    if start + info.compress_size > len(view):
        return None
    return view[start : start + info.compress_size]


class ZipWriter:
    """Write members in order to ``sink`` (any ``write(bytes)``), then ``close()`` the directory.

    ``zip64_limit`` is the largest size, offset or count written in the classic fields; tests lower
    it to reach the ZIP64 forms (4.3.14–4.3.16, 4.5.3) without writing 4 GB."""

    def __init__(self, sink: Callable[[bytes | memoryview], object], *, zip64_limit: int = ZIP64_LIMIT):
        self._write = sink
        self._limit = zip64_limit
        self._count_limit = min(zip64_limit, ZIP64_COUNT_LIMIT)
        self._offset = 0
        self._entries: list[Entry] = []
        self._names: set[bytes] = set()

    def _emit(self, data: bytes | memoryview) -> None:
        if len(data):
            self._write(data)
            self._offset += len(data)

    def copy(self, info: zipfile.ZipInfo, raw: bytes | memoryview) -> None:
        """A source member's compressed bytes as they are, with its own CRC and sizes (taken from
        the central directory: with bit 3 the local header holds zeros). Bit 3 is cleared: the
        sizes go in our local header and no data descriptor follows (4.3.9, 4.4.4)."""
        name, utf8 = encode_name(info.filename)
        flags = (info.flag_bits & ~(FLAG_DATA_DESCRIPTOR | FLAG_UTF8)) | utf8
        dos_time, dos_date = dos_date_time(info.date_time)
        self._member(
            Entry(
                name,
                flags,
                info.compress_type,
                dos_time,
                dos_date,
                info.CRC,
                len(raw),
                info.file_size,
                self._offset,
                info.external_attr,
                info.create_system,
            ),
            raw,
        )

    def deflated(
        self,
        name: str,
        raw: bytes | memoryview,
        *,
        crc: int,
        size: int,
        date_time: tuple[int, int, int, int, int, int] = (1980, 1, 1, 0, 0, 0),
        external_attr: int = 0o600 << 16,
        create_system: int = SYSTEM_UNIX,
    ) -> None:
        """A member we deflated ourselves (a raw deflate stream, wbits -15) with its CRC-32 and size."""
        encoded, utf8 = encode_name(name)
        dos_time, dos_date = dos_date_time(date_time)
        entry = Entry(
            encoded,
            utf8,
            DEFLATED,
            dos_time,
            dos_date,
            crc,
            len(raw),
            size,
            self._offset,
            external_attr,
            create_system,
        )
        self._member(entry, raw)

    def deflate(self, name: str, data: bytes, *, level: int, **meta) -> None:
        """Deflate ``data`` (raw stream, deflate.py's compressor) and write it as a member."""
        c = compressobj(level)
        raw = c.compress(data) + c.flush()
        self.deflated(name, raw, crc=crc32(data), size=len(data), **meta)

    def _member(self, e: Entry, raw: bytes | memoryview) -> None:
        if e.name in self._names:
            raise ValueError(f"duplicate zip member {e.name!r}")
        self._names.add(e.name)
        big = e.file_size > self._limit or e.compress_size > self._limit
        extra = b""
        if big:  # 4.5.3: in the local header both sizes, and both header fields all ones
            extra = struct.pack("<HHQQ", _ZIP64_EXTRA_ID, 16, e.file_size, e.compress_size)
        self._emit(
            _LOCAL.pack(
                LOCAL_SIG,
                VERSION_ZIP64 if big else VERSION_DEFLATE,
                e.flags,
                e.method,
                e.dos_time,
                e.dos_date,
                e.crc,
                ZIP64_LIMIT if big else e.compress_size,
                ZIP64_LIMIT if big else e.file_size,
                len(e.name),
                len(extra),
            )
        )
        self._emit(e.name)
        self._emit(extra)
        self._emit(raw)
        self._entries.append(e)

    def _central(self, e: Entry) -> bytes:
        """4.3.12, with a 4.5.3 extra field holding, in this order, only the values that overflow."""
        usize, csize, offset = e.file_size, e.compress_size, e.offset
        values = []
        if usize > self._limit:
            values.append(usize)
            usize = ZIP64_LIMIT
        if csize > self._limit:
            values.append(csize)
            csize = ZIP64_LIMIT
        if offset > self._limit:
            values.append(offset)
            offset = ZIP64_LIMIT
        extra = b""
        if values:
            extra = struct.pack(f"<HH{len(values)}Q", _ZIP64_EXTRA_ID, 8 * len(values), *values)
        version = VERSION_ZIP64 if values else VERSION_DEFLATE
        head = _CENTRAL.pack(
            b"PK\x01\x02",
            (e.create_system << 8) | version,
            version,
            e.flags,
            e.method,
            e.dos_time,
            e.dos_date,
            e.crc,
            csize,
            usize,
            len(e.name),
            len(extra),
            0,  # comment length
            0,  # disk number start
            0,  # internal attributes
            e.external_attr & 0xFFFFFFFF,
            offset,
        )
        return head + e.name + extra

    def close(self) -> int:
        """Central directory, then the end records (ZIP64 ones first when a count, size or offset
        overflows, 4.3.6); returns the total number of bytes written."""
        cd_start = self._offset
        for e in self._entries:
            self._emit(self._central(e))
        cd_size = self._offset - cd_start
        count = len(self._entries)
        zip64 = count > self._count_limit or cd_size > self._limit or cd_start > self._limit
        if zip64:
            eocd64 = self._offset
            self._emit(
                _ZIP64_EOCD.pack(
                    b"PK\x06\x06",
                    _ZIP64_EOCD.size - 12,  # 4.3.14.1: size of the record after this field
                    (SYSTEM_UNIX << 8) | VERSION_ZIP64,
                    VERSION_ZIP64,
                    0,
                    0,
                    count,
                    count,
                    cd_size,
                    cd_start,
                )
            )
            self._emit(_ZIP64_LOCATOR.pack(b"PK\x06\x07", 0, eocd64, 1))
        self._emit(
            _EOCD.pack(
                b"PK\x05\x06",
                0,
                0,
                ZIP64_COUNT_LIMIT if zip64 else count,
                ZIP64_COUNT_LIMIT if zip64 else count,
                ZIP64_LIMIT if zip64 else cd_size,
                ZIP64_LIMIT if zip64 else cd_start,
                0,
            )
        )
        return self._offset


__all__ = ["ZipWriter", "raw_data", "encode_name", "dos_date_time", "LOCAL_SIG", "ZIP64_LIMIT"]
