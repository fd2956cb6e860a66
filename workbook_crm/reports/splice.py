"""The summary package, spliced: xlsxwriter's parts copied with the tables' rows merged in.

After ``Workbook.close()`` (into memory), :func:`splice` copies the package part by part into the
output file: in each sheet with tables the format probes are dropped and the rendered rows merged in
(a cell xlsxwriter wrote over a table afterwards wins, as it would with per-cell writes), the tables'
texts are appended to ``sharedStrings.xml`` and ``<dimension>`` is recomputed. Every part is
deflated at zlib level 1 (xlsxwriter uses the default 6 and has no option for it): ~3× faster for
~20 % larger parts, which Excel does not mind. The zip is written with the standard library's
public ``zipfile`` API; entries keep xlsxwriter's fixed 1980-01-01 time stamps.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from xlsxwriter.utility import xl_col_to_name

from ..writeback.sheetxml import xml_text
from .tablexml import PROBE_COL, Block, Probe, Tables

_S_ATTR = re.compile(r'\ss="(\d+)"')
_ROW = re.compile(r'<row r="(\d+)"([^>]*?)(?:/>|>(.*?)</row>)', re.S)
_CELL = re.compile(r'<c r="([A-Z]+)\d+"[^>]*?(?:/>|>.*?</c>)', re.S)
_SPANS = re.compile(r'\sspans="[^"]*"')
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
LEVEL = 1  # zlib level: ~3× faster than the default 6 for ~20 % larger parts
_CHUNK = 2000  # rows per write into the zip stream


def splice(source: zipfile.ZipFile, out: Path, tables: Tables) -> None:
    """Copy xlsxwriter's package to ``out`` with each table's rows in place of its probe row."""
    by_sheet: dict[str, list[Block]] = {}
    for block in tables.blocks:
        by_sheet.setdefault(block.sheet, []).append(block)
    parts = _sheet_parts(source) if by_sheet else {}
    xml = {parts[name]: source.read(parts[name]).decode("utf-8") for name in by_sheet}
    styles = _probe_styles(xml, parts)
    sst = _SharedStrings(source, tables) if tables.texts else None
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=LEVEL) as dest:
        for info in source.infolist():
            target = zipfile.ZipInfo(info.filename, info.date_time)
            target.compress_type = zipfile.ZIP_DEFLATED
            target.external_attr = info.external_attr
            if info.filename in xml:
                name = next(n for n, p in parts.items() if p == info.filename)
                # Opened by name: zipfile makes the entry with the archive's level and a 1980 stamp.
                with dest.open(info.filename, "w", force_zip64=True) as fh:
                    for piece in _sheet(xml[info.filename], by_sheet[name], styles, sst):
                        fh.write(piece.encode("utf-8"))
            elif sst is not None and info.filename == sst.part:
                dest.writestr(target, sst.xml(), compresslevel=LEVEL)
            else:
                dest.writestr(target, source.read(info), compresslevel=LEVEL)


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
                if _col(cell.group(1)) == PROBE_COL:
                    s = _S_ATTR.search(cell.group(0))
                    styles[(name, int(row.group(1)) - 1)] = int(s.group(1)) if s else 0
    return styles


class _SharedStrings:
    """xlsxwriter's sharedStrings.xml with the tables' texts appended (a text already there is reused)."""

    def __init__(self, source: zipfile.ZipFile, tables: Tables) -> None:
        self.part = "xl/sharedStrings.xml"
        self.head, items, self.count = _read_sst(source.read(self.part).decode("utf-8"))
        seen = {si: i for i, si in enumerate(items)}
        self.items = items
        self.index: list[int] = []
        for text in tables.texts:
            si = _si(text)
            i = seen.get(si)
            if i is None:
                i = seen[si] = len(self.items)
                self.items.append(si)
            self.index.append(i)
        self.count += tables.refs

    def xml(self) -> bytes:
        return (
            f'{self.head}<sst xmlns="{_MAIN}" count="{self.count}" uniqueCount="{len(self.items)}">'
            + "".join(self.items)
            + "</sst>"
        ).encode("utf-8")


def _read_sst(text: str) -> tuple[str, list[str], int]:
    start = text.index("<sst")
    open_end = text.index(">", start)
    count = re.search(r'\scount="(\d+)"', text[start:open_end])
    body = text[open_end + 1 : text.rindex("</sst>")] if text[open_end - 1] != "/" else ""
    return text[:start], re.findall(r"<si>.*?</si>", body, re.S), int(count.group(1)) if count else 0


def _si(text: str) -> str:
    space = ' xml:space="preserve"' if text[:1].isspace() or text[-1:].isspace() else ""
    return f"<si><t{space}>{xml_text(text).decode('utf-8')}</t></si>"


def _col(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


def _sheet(
    text: str,
    blocks: list[Block],
    styles: dict[Probe, int],
    sst: _SharedStrings | None,
) -> Iterator[str]:
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
        cells = {_col(c.group(1)): c.group(0) for c in _CELL.finditer(m.group(3) or "")}
        attrs = _SPANS.sub("", m.group(2))
        if cells.pop(PROBE_COL, None) is None or cells or attrs:
            theirs[int(m.group(1))] = (attrs, cells)
    ours: dict[int, tuple[Block, int]] = {}
    rendered: dict[int, list[tuple[str, ...]]] = {}
    for block in blocks:
        date_style = styles[block.date_style] if block.date_style else 0
        rendered[id(block)] = _render(block, [styles[p] for p in block.styles], date_style, sst)
        for i in range(block.n_rows):
            ours[block.first_row + 1 + i] = (block, i)
    rows = sorted(set(theirs) | set(ours))
    cols = [c for _, cells in theirs.values() for c in cells]
    cols += [b.first_col + k for b in blocks for k in (0, len(b.columns) - 1)]
    ref = f"{xl_col_to_name(min(cols))}{rows[0]}:{xl_col_to_name(max(cols))}{rows[-1]}" if rows else "A1"
    yield re.sub(r'<dimension ref="[^"]*"/>', f'<dimension ref="{ref}"/>', before, count=1)
    yield "<sheetData>"
    letters = {id(b): [xl_col_to_name(b.first_col + j) for j in range(len(b.columns))] for b in blocks}
    out: list[str] = []
    for r in rows:
        attrs, cells = theirs.get(r, ("", {}))
        found = ours.get(r)
        if found is not None:
            block, i = found
            frags = rendered[id(block)][i]
            names = letters[id(block)]
            if not cells:
                out.append(
                    f'<row r="{r}"{attrs}>'
                    + "".join([f'<c r="{a}{r}"{f}' for a, f in zip(names, frags, strict=True)])
                    + "</row>"
                )
            else:  # a cell written over the table afterwards wins, as it would in xlsxwriter
                merged = {
                    block.first_col + j: f'<c r="{a}{r}"{f}'
                    for j, (a, f) in enumerate(zip(names, frags, strict=True))
                }
                merged.update(cells)
                out.append(f'<row r="{r}"{attrs}>' + "".join(merged[c] for c in sorted(merged)) + "</row>")
        elif cells:
            out.append(f'<row r="{r}"{attrs}>' + "".join(cells[c] for c in sorted(cells)) + "</row>")
        else:
            out.append(f'<row r="{r}"{attrs}/>')
        if len(out) >= _CHUNK:
            yield "".join(out)
            out = []
    yield "".join(out)
    yield "</sheetData>"
    yield after


def _render(
    block: Block, styles: list[int], date_style: int, sst: _SharedStrings | None
) -> list[tuple[str, ...]]:
    """Each row of the block as one tuple of cell XML after the ``r`` attribute."""
    columns = []
    for column, style in zip(block.columns, styles, strict=True):
        table = [_cell_xml(kind, payload, style, date_style, sst) for kind, payload in column.cells]
        columns.append(table if column.codes is None else [table[c] for c in column.codes])
    return list(zip(*columns, strict=True))


def _cell_xml(kind: str, payload: Any, style: int, date_style: int, sst: _SharedStrings | None) -> str:
    s = f' s="{style}"' if style else ""
    if kind == "s":
        assert sst is not None
        return f'{s} t="s"><v>{sst.index[payload]}</v></c>'
    if kind == "d":
        return f' s="{date_style}"><v>{payload}</v></c>' if date_style else f"><v>{payload}</v></c>"
    if kind == "n":
        return f"{s}><v>{payload}</v></c>"
    return f"{s}/>"
