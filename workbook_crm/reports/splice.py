"""The summary package, spliced: xlsxwriter's parts copied with the tables' rows merged in.

After ``Workbook.close()`` (into memory), :func:`splice` copies the package part by part into the
output file: in each sheet with tables the format probes are dropped and the rendered rows merged in
(a cell xlsxwriter wrote over a table afterwards wins, as it would with per-cell writes), the tables'
texts are appended to ``sharedStrings.xml`` and ``<dimension>`` is recomputed. Every part is
deflated at level 1 by the record's deflate (writeback/deflate.py: ISA-L where installed; the big
sheets by a second thread while their rows are rendered) and the zip is written by the record's
zip writer (writeback/zipwrite.py); entries keep xlsxwriter's fixed 1980-01-01 time stamps.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import numpy as np

from ..excel import col_index, col_letters
from ..writeback.deflate import COMPRESS_LEVEL, Deflater
from ..writeback.sheetxml import inline_string
from ..writeback.zipwrite import ZipWriter
from .sharedstrings import SharedStrings
from .tablexml import PROBE_COL, Block, Probe, Tables

_S_ATTR = re.compile(r'\ss="(\d+)"')
_ROW = re.compile(r'<row r="(\d+)"([^>]*?)(?:/>|>(.*?)</row>)', re.S)
_CELL = re.compile(r'<c r="([A-Z]+)\d+"[^>]*?(?:/>|>.*?</c>)', re.S)
_SPANS = re.compile(r'\sspans="[^"]*"')
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"


def splice(source: zipfile.ZipFile, out: Path, tables: Tables) -> None:
    """Copy xlsxwriter's package to ``out``: the tables' rows merged into their sheets, probes dropped."""
    by_sheet: dict[str, list[Block]] = {}
    for block in tables.blocks:
        by_sheet.setdefault(block.sheet, []).append(block)
    parts = _sheet_parts(source) if by_sheet else {}
    xml = {parts[name]: source.read(parts[name]).decode("utf-8") for name in by_sheet}
    styles = _probe_styles(xml, parts)
    # xlsxwriter writes sharedStrings.xml whenever a cell holds text (every table's header does);
    # without it the bodies' texts are written inline.
    has_sst = "xl/sharedStrings.xml" in source.namelist()
    sst = (
        SharedStrings(source.read(SharedStrings.part).decode("utf-8"), tables)
        if tables.texts and has_sst
        else None
    )
    with open(out, "wb") as fh:
        dest = ZipWriter(fh.write)
        for info in source.infolist():
            meta: dict[str, Any] = {
                "date_time": info.date_time,
                "external_attr": info.external_attr,
                "create_system": info.create_system,
            }
            if info.filename in xml:
                name = next(n for n, p in parts.items() if p == info.filename)
                # deflated by a second thread while the next rows are rendered
                with Deflater(background=True) as deflater:
                    for piece in _sheet(xml[info.filename], by_sheet[name], styles, sst, tables.texts):
                        deflater.write(piece)
                    part = deflater.finish()
                dest.deflated(info.filename, part.data, crc=part.crc, size=part.size, **meta)
            elif sst is not None and info.filename == SharedStrings.part:
                dest.deflate(info.filename, sst.xml(), level=COMPRESS_LEVEL, **meta)
            else:
                dest.deflate(info.filename, source.read(info), level=COMPRESS_LEVEL, **meta)
        dest.close()


def _sheet_parts(source: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name → part name, from workbook.xml and its relationships."""
    book = ElementTree.fromstring(source.read("xl/workbook.xml"))
    rels = ElementTree.fromstring(source.read("xl/_rels/workbook.xml.rels"))
    targets = {r.get("Id"): r.get("Target", "") for r in rels.iter(f"{{{_PKG_REL}}}Relationship")}
    out = {}
    for sheet in book.iter(f"{{{_MAIN}}}sheet"):
        target = targets[sheet.get(f"{{{_REL}}}id")]
        out[sheet.get("name", "")] = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    return out


def _probe_styles(xml: dict[str, str], parts: dict[str, str]) -> dict[Probe, int]:
    """The ``s`` index of each probe cell xlsxwriter wrote in column XFD."""
    styles: dict[Probe, int] = {}
    for name, part in parts.items():
        for row in _ROW.finditer(xml.get(part, "")):
            for cell in _CELL.finditer(row.group(3) or ""):
                if col_index(cell.group(1)) - 1 == PROBE_COL:
                    s = _S_ATTR.search(cell.group(0))
                    styles[(name, int(row.group(1)) - 1)] = int(s.group(1)) if s else 0
    return styles


def _sheet(
    text: str,
    blocks: list[Block],
    styles: dict[Probe, int],
    sst: SharedStrings | None,
    texts: list[str],
) -> Iterator[bytes]:
    """The sheet XML in pieces: xlsxwriter's rows merged with the blocks' rendered rows."""
    start = text.index("<sheetData")
    head_end = text.index(">", start) + 1
    if text[head_end - 2] == "/":  # <sheetData/>
        before, body, after = text[:start], "", text[head_end:]
    else:
        end = text.index("</sheetData>", head_end)
        before, body, after = text[:start], text[head_end:end], text[end + len("</sheetData>") :]
    # xlsxwriter's rows without the probes (a row that held only a probe is dropped).
    theirs: dict[int, tuple[str, dict[int, str]]] = {}
    for m in _ROW.finditer(body):
        cells = {col_index(c.group(1)) - 1: c.group(0) for c in _CELL.finditer(m.group(3) or "")}
        attrs = _SPANS.sub("", m.group(2))
        if cells.pop(PROBE_COL, None) is None or cells or attrs:
            theirs[int(m.group(1))] = (attrs, cells)
    bodies = [_Body(b, styles, sst, texts) for b in blocks]
    firsts = [b.first for b in bodies if b.n] + list(theirs)
    lasts = [b.last for b in bodies if b.n] + list(theirs)
    cols = [c for _, cells in theirs.values() for c in cells]
    cols += [b.first_col + k for b in blocks for k in (0, len(b.columns) - 1)]
    ref = (
        f"{col_letters(min(cols) + 1)}{min(firsts)}:{col_letters(max(cols) + 1)}{max(lasts)}"
        if firsts
        else "A1"
    )
    yield re.sub(r'<dimension ref="[^"]*"/>', f'<dimension ref="{ref}"/>', before, count=1).encode("utf-8")
    yield b"<sheetData>"
    # Rows in runs: between two bounds the same blocks cover every row, and xlsxwriter wrote none.
    bounds = sorted(
        {x for b in bodies if b.n for x in (b.first, b.last + 1)} | {x for r in theirs for x in (r, r + 1)}
    )
    out: list[bytes] = []
    for x, y in zip(bounds, bounds[1:], strict=False):
        cover = [b for b in bodies if b.first <= x <= b.last]
        if len(cover) == 1 and x not in theirs and cover[0].fast:
            yield b"".join(out)
            out = []
            yield from cover[0].rows(x, y)  # a few MB at a time
        else:
            out.extend(
                _row(r, theirs.get(r), [b for b in cover]) for r in range(x, y) if cover or r in theirs
            )
        if len(out) >= 64:
            yield b"".join(out)
            out = []
    yield b"".join(out)
    yield b"</sheetData>"
    yield after.encode("utf-8")


def _row(r: int, theirs: tuple[str, dict[int, str]] | None, cover: list[_Body]) -> bytes:
    """One row cell by cell: where xlsxwriter wrote cells too, or blocks side by side."""
    attrs, cells = theirs or ("", {})
    head = f'<row r="{r}"{attrs}'.encode()
    if not cover and not cells:
        return head + b"/>"
    merged: dict[int, bytes] = {}
    for body in cover:
        merged.update(body.cells(r))
    # a cell written over a table afterwards wins, as it would in xlsxwriter
    merged.update((c, x.encode()) for c, x in cells.items())
    return head + b">" + b"".join(merged[c] for c in sorted(merged)) + b"</row>"


class _Body:
    """A block's rows as XML: one rendering per distinct cell, put together column by column.

    A run of rows is rendered with numpy: each row is a record of fixed-width byte fields (the row
    number, then each column's distinct cell XML picked by the row's code), padded with NUL — a
    character XML never holds — which is removed from the joined records in one pass."""

    _CHUNK_BYTES = 4 << 20  # a run's records are built this many bytes at a time

    def __init__(
        self, block: Block, styles: dict[Probe, int], sst: SharedStrings | None, texts: list[str]
    ) -> None:
        date_style = styles[block.date_style] if block.date_style else 0
        self.block, self.n = block, block.n_rows
        self.first, self.last = block.first_row + 1, block.first_row + block.n_rows  # 1-based rows
        self.letters = [col_letters(block.first_col + j + 1).encode() for j in range(len(block.columns))]
        self.codes = [column.codes for column in block.columns]
        # Each column's distinct cells as the record's field: the cell's XML after ``r="A1``, then
        # the text up to the next cell's row number.
        self.ends = [b'<c r="' + a for a in self.letters[1:]] + [b"</row>"]
        self.tables = [
            _table(column.cells, styles[p], date_style, sst, texts, end.decode())
            for column, p, end in zip(block.columns, block.styles, self.ends, strict=True)
        ]
        width = sum(t.dtype.itemsize for t in self.tables) + len(self.letters) * len(str(self.last))
        # long inline texts would make every record as wide as the widest: those go cell by cell
        self.fast = width < 16384

    def cells(self, r: int) -> dict[int, bytes]:
        i, rb = r - self.first, str(r).encode()
        out = {}
        for j, (a, table, codes, end) in enumerate(
            zip(self.letters, self.tables, self.codes, self.ends, strict=True)
        ):
            field = bytes(table[codes[i]])
            out[self.block.first_col + j] = b'<c r="' + a + rb + field[: len(field) - len(end)]
        return out

    def rows(self, x: int, y: int) -> Iterator[bytes]:
        """Rows ``x`` .. ``y - 1`` (1-based), all of this block's and nothing else's."""
        digits = len(str(y))
        head = b'"><c r="' + self.letters[0]
        fields: list[tuple[str, Any]] = [("a", "S8"), ("r", f"S{digits}"), ("b", f"S{len(head)}")]
        for j, table in enumerate(self.tables):
            fields += [(f"r{j}", f"S{digits}"), (f"t{j}", table.dtype)]
        dtype = np.dtype(fields)
        step = max(1, min(y - x, self._CHUNK_BYTES // dtype.itemsize))
        buffer = np.empty(step, dtype=dtype)  # reused: every field is assigned (NUL-padded) per chunk
        buffer["a"], buffer["b"] = b'<row r="', head
        for lo in range(x, y, step):
            hi = min(y, lo + step)
            rec = buffer[: hi - lo]
            numbers = np.arange(lo, hi).astype(f"S{digits}")
            rec["r"] = numbers
            i0, i1 = lo - self.first, hi - self.first
            for j, (table, codes) in enumerate(zip(self.tables, self.codes, strict=True)):
                rec[f"r{j}"] = numbers
                np.take(table, codes[i0:i1], out=rec[f"t{j}"], mode="wrap")  # code -1: the blank, last
            yield rec.tobytes().replace(b"\x00", b"")


def _table(
    cells: list[tuple[str, Any]],
    style: int,
    date_style: int,
    sst: SharedStrings | None,
    texts: list[str],
    end: str,
) -> np.ndarray:
    """A column's distinct cells, each as ``"`` + its XML after ``r="A1`` + ``end`` (numpy bytes)."""
    s = f' s="{style}"' if style else ""
    if sst is not None:  # the common cell, a shared text, written here without a call
        head, tail, index = f'"{s} t="s"><v>', f"</v></c>{end}", sst.index
        xml = [
            f"{head}{index[p]}{tail}" if k == "s" else f'"{_cell_xml(k, p, s, date_style, texts)}{end}'
            for k, p in cells
        ]
    else:
        xml = [f'"{_cell_xml(k, p, s, date_style, texts)}{end}' for k, p in cells]
    # one encode for the column (no cell holds NUL: XML cannot)
    return np.array("\x00".join(xml).encode("utf-8").split(b"\x00"))


def _cell_xml(kind: str, payload: Any, s: str, date_style: int, texts: list[str]) -> str:
    """A cell's XML after its ``r`` attribute (``s``: the style attribute; texts inline)."""
    if kind == "s":
        return f'{s} t="inlineStr">{inline_string(texts[payload]).decode("utf-8")}</c>'
    if kind == "d":
        return f' s="{date_style}"><v>{payload}</v></c>' if date_style else f"><v>{payload}</v></c>"
    if kind == "n":
        return f"{s}><v>{payload}</v></c>"
    return f"{s}/>"
