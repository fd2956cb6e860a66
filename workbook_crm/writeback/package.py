"""The OOXML package as a zip of parts: read once, copy untouched parts byte for byte, append new ones.

Why not re-zip everything: a 30 MB workbook re-deflated costs seconds and changes bytes nobody asked
us to change. Untouched members are copied with their original *compressed* bytes (no inflate, no
deflate), in their original order; changed members are re-deflated; new members are appended.

Big parts (patched and computed sheets, 100+ MB of XML at 100k rows) are deflated once, as they are
produced (deflate.py), and stored pre-compressed: no part is deflated twice. A source part read
ahead of its patch may be released and inflated again (``release``, ``peek``): holding 100 MB
inflated through the rest of the write costs more than ~0.1 s of ISA-L inflate (#16). The zip
itself is written by zipwrite.py.

Just over 300 lines: the overlay of members (inflated, changed, deflated, deleted, added) and the
relationship and content-type edits made through it share that state, so they stay one class.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable, Iterator
from typing import Any

from ..errors import UnreadableWorkbook
from .deflate import COMPRESS_LEVEL, Deflated, Deflater, crc32, crc32_combine, inflate
from .partxml import (
    attrs,
    escape,
    insert_before_close,
    relative,
    rels_name,
    resolve,
    root_prefix,
    unescape,
    xml_attr,
)
from .zipwrite import ZipWriter, raw_data

FLAG_ENCRYPTED = 0x0001  # APPNOTE 4.4.4 bit 0

CT_PART = "[Content_Types].xml"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
RT_WORKSHEET = REL_NS + "/worksheet"
RT_COMMENTS = REL_NS + "/comments"
RT_VML = REL_NS + "/vmlDrawing"
RT_CALCCHAIN = REL_NS + "/calcChain"
RT_HYPERLINK = REL_NS + "/hyperlink"
CT_WORKSHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
CT_COMMENTS = "application/vnd.openxmlformats-officedocument.spreadsheetml.comments+xml"
CT_VML = "application/vnd.openxmlformats-officedocument.vmlDrawing"
CT_RELS = "application/vnd.openxmlformats-package.relationships+xml"

_REL_RE = re.compile(
    rb"<(?:\w+:)?Relationship\b[^>]*?/>|<(?:\w+:)?Relationship\b[^>]*?>.*?</(?:\w+:)?Relationship>", re.S
)


class Package:
    """Zip members of the workbook: original bytes kept, edits overlaid, deletions remembered."""

    def __init__(self, data: bytes) -> None:
        self._data = data
        try:
            self._zip = zipfile.ZipFile(io.BytesIO(data))
            infos = self._zip.infolist()
        except (zipfile.BadZipFile, OSError, ValueError) as exc:
            raise UnreadableWorkbook(detail=f"not a zip package: {exc}") from exc
        self._infos = {i.filename: i for i in infos}
        # a name twice in the directory (a corrupt package): readers take the last entry; we write
        # the name once, at its first place, with that entry (a zip writer refuses duplicates)
        self.order = list(dict.fromkeys(i.filename for i in infos))
        self._changed: dict[str, bytes] = {}
        self._deflated: dict[str, Deflated] = {}  # big parts, deflated once as they were produced
        self._cache: dict[
            str, bytes
        ] = {}  # original parts already inflated (a sheet is read by several steps)
        self._deleted: set[str] = set()
        self._added: list[str] = []

    # --- reading ------------------------------------------------------------------------------
    def exists(self, name: str) -> bool:
        if name in self._deleted:
            return False
        return name in self._changed or name in self._deflated or name in self._infos

    def read(self, name: str) -> bytes:
        if name in self._deleted:
            raise KeyError(name)
        if name in self._changed:
            return self._changed[name]
        if name in self._deflated:
            return self._deflated[name].inflate()
        if name in self._cache:
            return self._cache[name]
        info = self._infos.get(name)
        if info is None:
            raise KeyError(name)
        try:
            data = self._inflate(info)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
            raise UnreadableWorkbook(detail=f"{name}: {exc}") from exc
        self._cache[name] = data
        return data

    def _inflate(self, info: zipfile.ZipInfo) -> bytes:
        """A member's bytes: a deflated one inflated by deflate.py (ISA-L's inflate where installed,
        ~1.6× zlib's) with its CRC-32 checked as zipfile does; any other through zipfile."""
        raw = None
        if info.compress_type == zipfile.ZIP_DEFLATED and not info.flag_bits & FLAG_ENCRYPTED:
            raw = raw_data(self._data, info)
        if raw is None:
            return self._zip.read(info)
        data = inflate(raw, info.file_size)
        if crc32(data) != info.CRC:
            raise zipfile.BadZipFile(f"bad CRC-32 for file {info.filename!r}")
        return data

    def peek(self, name: str) -> bytes:
        """``read`` without keeping an inflated source member (one look at a big sheet)."""
        cached = name in self._cache
        data = self.read(name)
        if not cached:
            self._cache.pop(name, None)
        return data

    def release(self, name: str) -> None:
        """Forget an original member's inflated bytes (the next read inflates it again): a 100 MB
        sheet read ahead of time need not be held until it is patched (#16: peak memory)."""
        self._cache.pop(name, None)

    def is_original(self, name: str) -> bool:
        """The member is the source's, unchanged by this package's writes."""
        return name in self._infos and not (
            name in self._changed or name in self._deflated or name in self._deleted
        )

    def names(self) -> list[str]:
        return [n for n in self.order + self._added if self.exists(n)]

    # --- writing ------------------------------------------------------------------------------
    def write(self, name: str, data: bytes) -> None:
        self._replacing(name)
        self._changed[name] = data

    def write_deflated(self, name: str, part: Deflated) -> None:
        """A big part already deflated (``Deflater``): stored as it is at save time."""
        self._replacing(name)
        self._deflated[name] = part

    def _replacing(self, name: str) -> None:
        self._deleted.discard(name)
        self._changed.pop(name, None)
        self._deflated.pop(name, None)
        self._cache.pop(name, None)
        if name not in self._infos and name not in self._added:
            self._added.append(name)

    def delete(self, name: str) -> None:
        """Remove a part, and its Override (a content type for a missing part is an error to Excel)."""
        self._changed.pop(name, None)
        self._deflated.pop(name, None)
        self._cache.pop(name, None)
        self._deleted.add(name)
        if name != CT_PART and self.exists(CT_PART):
            self.remove_override(name)

    def unique_name(self, pattern: str) -> str:
        """First free ``pattern % n`` (n ≥ 1), e.g. 'xl/comments%d.xml'."""
        taken = {n.lower() for n in self.names()}
        n = 1
        while (pattern % n).lower() in taken:
            n += 1
        return pattern % n

    def to_bytes(self) -> bytes:
        """The package as zip bytes: the pieces are joined once (no growing buffer, no second copy)."""
        pieces: list[bytes | memoryview] = []
        self.write_to(pieces.append)
        return b"".join(pieces)

    def write_to(self, sink: Callable[[bytes | memoryview], object]) -> int:
        """Write the package to ``sink`` (a file's ``write``) in member order: untouched members'
        compressed bytes copied as they are (zipwrite.py), changed ones deflated, new ones last.
        Returns the number of bytes written."""
        out = ZipWriter(sink)
        for name in self.order:
            if name in self._deleted:
                continue
            info = self._infos[name]
            if name in self._changed or name in self._deflated:
                self._write_member(out, name, info)
                continue
            raw = None if info.flag_bits & FLAG_ENCRYPTED else raw_data(self._data, info)
            if raw is None:  # odd member: re-deflate, same bytes inside (an encrypted one cannot be read)
                out.deflate(name, self.read(name), level=COMPRESS_LEVEL, **_meta(info))
            else:
                out.copy(info, raw)
        for name in self._added:
            if self.exists(name):
                self._write_member(out, name, None)
        return out.close()

    def _write_member(self, out: ZipWriter, name: str, old: zipfile.ZipInfo | None) -> None:
        meta = _meta(old) if old is not None else {}
        if name in self._changed:
            out.deflate(name, self._changed[name], level=COMPRESS_LEVEL, **meta)
            return
        part = self._deflated[name]
        out.deflated(name, part.data, crc=part.crc, size=part.size, **meta)

    # --- relationships and content types -------------------------------------------------------
    def rels(self, part: str) -> list[dict[str, str]]:
        name = rels_name(part)
        if not self.exists(name):
            return []
        return [attrs(m.group(0)[: m.group(0).find(b">") + 1]) for m in _REL_RE.finditer(self.read(name))]

    def rel_targets(self, part: str, rel_type: str) -> Iterator[tuple[str, str]]:
        """(rId, member name) of internal relationships of that type from ``part``."""
        for rel in self.rels(part):
            if rel.get("Type") == rel_type and rel.get("TargetMode") != "External":
                yield rel["Id"], resolve(part, rel["Target"])

    def add_rel(self, part: str, rel_type: str, target: str, *, external: bool = False) -> str:
        """Append a Relationship (text edit: the other rels keep their bytes); returns the new rId."""
        name = rels_name(part)
        if self.exists(name):
            data = self.read(name)
        else:  # a new .rels part needs a content type: LibreOffice 5 packages declare no Default for it
            data = (
                b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                b'<Relationships xmlns="' + PKG_REL_NS.encode() + b'"></Relationships>'
            )
            self.ensure_default("rels", CT_RELS)
        used = {r.get("Id") for r in self.rels(part)}
        n = 1
        while f"rId{n}" in used:
            n += 1
        rid = f"rId{n}"
        mode = ' TargetMode="External"' if external else ""
        el = root_prefix(data, b"Relationships") + (
            f'Relationship Id="{rid}" Type="{rel_type}" Target={xml_attr(target)}{mode}/>'.encode()
        )
        self.write(name, insert_before_close(data, b"Relationships", b"<" + el))
        return rid

    def remove_rels(self, part: str, rel_type: str) -> None:
        name = rels_name(part)
        if not self.exists(name):
            return
        data = self.read(name)
        type_bytes = b'"' + rel_type.encode() + b'"'
        kept = _REL_RE.sub(lambda m: b"" if type_bytes in m.group(0) else m.group(0), data)
        if kept != data:
            self.write(name, kept)

    def ensure_override(self, part: str, content_type: str) -> None:
        data = self.read(CT_PART)
        needle = b'PartName="/' + part.encode() + b'"'
        if needle in data:
            return
        el = (
            root_prefix(data, b"Types")
            + f'Override PartName="/{part}" ContentType="{content_type}"/>'.encode()
        )
        self.write(CT_PART, insert_before_close(data, b"Types", b"<" + el))

    def ensure_default(self, ext: str, content_type: str) -> None:
        """A ``<Default>`` for the extension unless one exists (under any prefix: ``<ns0:Default``)."""
        data = self.read(CT_PART)
        if re.search(
            rb'<(?:\w+:)?Default\b[^>]*\bExtension\s*=\s*["\']' + re.escape(ext.encode()) + b"[\"']",
            data,
            re.I,
        ):
            return
        el = (
            root_prefix(data, b"Types") + f'Default Extension="{ext}" ContentType="{content_type}"/>'.encode()
        )
        self.write(CT_PART, insert_before_close(data, b"Types", b"<" + el))

    def remove_override(self, part: str) -> None:
        data = self.read(CT_PART)
        pat = rb'<(?:\w+:)?Override\b[^>]*PartName="/' + re.escape(part.encode()) + rb'"[^>]*/>'
        new = re.sub(pat, b"", data, flags=re.I)
        if new != data:
            self.write(CT_PART, new)


def _meta(info: zipfile.ZipInfo) -> dict[str, Any]:
    """What a rewritten member keeps of the original: its time stamp and attributes."""
    return {
        "date_time": info.date_time,
        "external_attr": info.external_attr,
        "create_system": info.create_system,
    }


__all__ = [
    "Package",
    "Deflated",
    "Deflater",
    "COMPRESS_LEVEL",
    "crc32_combine",
    "attrs",
    "unescape",
    "escape",
    "xml_attr",
    "resolve",
    "rels_name",
    "relative",
    "insert_before_close",
    "root_prefix",
    "CT_RELS",
]
