"""Table bodies as sheet XML, spliced into the package xlsxwriter wrote: the summary's fast path.

A 100k-customer summary is ~2.3 M cells and xlsxwriter's per-cell path costs ~6 µs each. So
:meth:`Book.table <workbook_crm.reports.style.Book.table>` hands a table's body to :class:`Tables`
as columns of *distinct* values (one rendering per distinct text, date or flag), and xlsxwriter
writes everything else through its public API: header, formats, widths, charts, print setup, and
one **probe** per format the bodies use — a blank cell with that format in column XFD, where
nothing else writes — so the formats are in ``styles.xml`` and their ``s`` indices can be read
back from the sheet XML instead of from xlsxwriter's internals.

After ``Workbook.close()`` (into memory), :func:`splice` copies the package part by part into the
output file: in each sheet with tables the probes are dropped and the rendered rows merged in (a
cell xlsxwriter wrote over a table afterwards wins, as it would with per-cell writes), the table's
texts are appended to ``sharedStrings.xml`` and ``<dimension>`` is recomputed. Every part is
deflated at zlib level 1 (xlsxwriter uses the default 6 and has no option for it): ~3× faster for
~20 % larger parts, which Excel does not mind. The zip is written with the standard library's
public ``zipfile`` API; entries keep xlsxwriter's fixed 1980-01-01 time stamps.
"""

from __future__ import annotations

import math
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import numpy as np
import pandas as pd
from xlsxwriter.utility import xl_col_to_name

from ..writeback.sheetxml import xml_text
from ..writeback.values import date_serial

PROBE_COL = 16383  # XFD, Excel's last column: the probes of the formats table bodies use
_S_ATTR = re.compile(r'\ss="(\d+)"')
_ROW = re.compile(r'<row r="(\d+)"([^>]*?)(?:/>|>(.*?)</row>)', re.S)
_CELL = re.compile(r'<c r="([A-Z]+)\d+"[^>]*?(?:/>|>.*?</c>)', re.S)
_SPANS = re.compile(r'\sspans="[^"]*"')
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_CHUNK = 2000  # rows per write into the zip stream


# --- cell kinds (shared with style.Book.put) ------------------------------------------------------
def is_blank(value: Any) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def cell_value(value: Any) -> tuple[str, Any]:
    """What a cell holds: ("s", text before masking), ("n", float), ("d", naive datetime) or ("blank", None).

    Booleans are 是/否 and ±inf is ∞/-∞ (text); anything else that is not a number or a date is its text.
    """
    if isinstance(value, str):
        return "s", value
    if is_blank(value):
        return "blank", None
    if isinstance(value, bool):
        return "s", "是" if value else "否"
    if isinstance(value, (datetime, date)):
        return "d", pd.Timestamp(value).to_pydatetime().replace(tzinfo=None)
    if isinstance(value, (int, float)) or is_numpy_number(value):
        number = float(value)
        if math.isinf(number):
            return "s", "∞" if number > 0 else "-∞"
        return "n", number
    return "s", value


def is_numpy_number(value: Any) -> bool:
    return hasattr(value, "dtype") and getattr(value.dtype, "kind", "") in "iuf"


def python_values(series: pd.Series) -> list[Any]:
    """The column as Python values with every kind of missing value (NaN, NaT, pd.NA) as None."""
    values = series.astype(object).tolist()
    missing = series.isna().tolist()
    return [None if m else v for v, m in zip(values, missing, strict=True)]


def utf16_cut(text: str, limit: int = 32767) -> str:
    """Excel's limit for a cell's text: 32,767 UTF-16 code units (what ``write_string`` keeps)."""
    if len(text) <= limit // 2 or len(text.encode("utf-16-le")) // 2 <= limit:
        return text
    return text.encode("utf-16-le")[: 2 * limit].decode("utf-16-le", errors="ignore")


# --- the tables' data -----------------------------------------------------------------------------
_BLANK = ("b", "")


@dataclass
class Column:
    """A table column: its distinct cells (kind, payload) and each row's index into them.

    ``codes`` is None when every row has its own entry (numbers); code -1 is the blank appended last.
    Kinds: "s" (payload: index into :class:`Tables`' strings), "n"/"d" (the number's XML text), "b".
    """

    cells: list[tuple[str, Any]]
    codes: list[int] | None = None
    dates: bool = False


Probe = tuple[str, int]  # (sheet, 0-based row) of a format's probe cell in column XFD


@dataclass
class Block:
    sheet: str
    first_row: int  # 0-based, the table's first body row
    first_col: int
    n_rows: int
    columns: list[Column]
    styles: list[Probe]  # each column's format
    date_style: Probe | None  # the date format, when a column holds dates


@dataclass
class Tables:
    """The tables of one workbook waiting for :func:`splice`, and the texts they need."""

    blocks: list[Block] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    index: dict[str, int] = field(default_factory=dict)
    refs: int = 0  # cells referring to a text: sharedStrings.xml's count
    probes: dict[int, Probe] = field(default_factory=dict)  # id(Format) → its probe
    _next_probe: dict[str, int] = field(default_factory=dict)  # per sheet: the next free probe row

    def add(
        self,
        ws: Any,
        first_row: int,
        first_col: int,
        columns: list[Column],
        formats: list[Any],
        date_fmt: Any,
    ) -> None:
        """Register a table body (its first row, 0-based) to be rendered with these column formats."""
        dates = any(column.dates for column in columns)
        n_rows = len(columns[0].codes if columns[0].codes is not None else columns[0].cells)
        styles = [self._probe(ws, fmt) for fmt in formats]
        block = Block(ws.get_name(), first_row, first_col, n_rows, columns, styles, None)
        block.date_style = self._probe(ws, date_fmt) if dates else None
        self.blocks.append(block)

    def _probe(self, ws: Any, fmt: Any) -> Probe:
        """A blank cell with ``fmt`` in column XFD (one per format and workbook: the index is global)."""
        found = self.probes.get(id(fmt))
        if found is None:
            sheet = ws.get_name()
            row = self._next_probe.get(sheet, 0)
            self._next_probe[sheet] = row + 1
            ws.write_blank(row, PROBE_COL, None, fmt)
            found = self.probes[id(fmt)] = (sheet, row)
        return found

    def text_index(self, text: str) -> int:
        i = self.index.get(text)
        if i is None:
            i = self.index[text] = len(self.texts)
            self.texts.append(text)
        return i

    def column(self, series: pd.Series, safe_texts: Callable[[list[Any]], list[str]]) -> Column:
        """A column of the body, as ``Book.put`` would write each cell (text masked by ``safe_texts``)."""
        dtype = series.dtype
        if isinstance(dtype, np.dtype) and dtype.kind == "f":
            numbers = series.to_numpy()
            if not np.isinf(numbers).any():  # ±inf is text (∞): the general path below
                return Column([_BLANK if v != v else ("n", f"{v:.16G}") for v in numbers.tolist()])
        elif isinstance(dtype, np.dtype) and dtype.kind in "iu":
            return Column([("n", f"{float(v):.16G}") for v in series.tolist()])
        elif (
            (isinstance(dtype, np.dtype) and dtype.kind in "bM")
            or isinstance(dtype, (pd.StringDtype, pd.DatetimeTZDtype))
            or (
                isinstance(dtype, np.dtype)
                and dtype.kind == "O"
                and pd.api.types.infer_dtype(series, skipna=True) == "string"
            )
        ):
            # Text, dates and flags repeat: each distinct value once (NA is code -1: the blank last;
            # an object column gets here only when all its values are str, so == is exact).
            codes, uniques = pd.factorize(series)
            return self._coded(pd.Series(uniques).astype(object).tolist(), codes, safe_texts)
        return self._objects(python_values(series), safe_texts)

    def _objects(self, values: list[Any], safe_texts: Callable[[list[Any]], list[str]]) -> Column:
        """A column of Python values (None = blank), whatever their types."""
        kinds = {value.__class__ for value in values}
        if kinds <= {float, int, type(None)} and not any(v is not None and math.isinf(v) for v in values):
            return Column([_BLANK if v is None else ("n", f"{float(v):.16G}") for v in values])
        # One entry per distinct (type, value): 1, 1.0 and True stay apart.
        keys: dict[tuple[type, Any], int] = {}
        distinct: list[Any] = []
        codes: list[int] = []
        for value in values:
            if value is None:
                codes.append(-1)
                continue
            try:
                key: tuple[type, Any] | None = (value.__class__, value)
                code = keys.get(key)  # type: ignore[arg-type]
            except TypeError:  # unhashable: an entry of its own
                key, code = None, None
            if code is None:
                code = len(distinct)
                distinct.append(value)
                if key is not None:
                    keys[key] = code
            codes.append(code)
        return self._coded(distinct, np.asarray(codes, dtype=np.int64), safe_texts)

    def _coded(
        self, distinct: list[Any], codes: np.ndarray, safe_texts: Callable[[list[Any]], list[str]]
    ) -> Column:
        kinds = [cell_value(value) for value in distinct]
        texts = iter(safe_texts([v for kind, v in kinds if kind == "s"]))
        cells: list[tuple[str, Any]] = []
        for kind, v in kinds:
            if kind == "s":
                cells.append(("s", self.text_index(utf16_cut(next(texts)))))
            elif kind == "blank":
                cells.append(_BLANK)
            elif kind == "d":
                cells.append(("d", f"{date_serial(v):.16G}"))
            else:
                cells.append(("n", f"{v:.16G}"))
        cells.append(_BLANK)  # code -1
        is_text = np.array([kind == "s" for kind, _ in cells], dtype=bool)
        self.refs += int(is_text[codes].sum()) if len(codes) else 0
        return Column(cells, codes.tolist(), dates=any(kind == "d" for kind, _ in cells))


# --- after close: the package, spliced -------------------------------------------------------------
def splice(source: zipfile.ZipFile, out: Path, tables: Tables) -> None:
    """Copy xlsxwriter's package to ``out`` with each table's rows in place of its probe row."""
    by_sheet: dict[str, list[Block]] = {}
    for block in tables.blocks:
        by_sheet.setdefault(block.sheet, []).append(block)
    parts = _sheet_parts(source) if by_sheet else {}
    xml = {parts[name]: source.read(parts[name]).decode("utf-8") for name in by_sheet}
    styles = _probe_styles(xml, parts)
    sst = _SharedStrings(source, tables) if tables.texts else None
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as dest:
        for info in source.infolist():
            target = zipfile.ZipInfo(info.filename, info.date_time)
            target.compress_type = zipfile.ZIP_DEFLATED
            target.external_attr = info.external_attr
            if info.filename in xml:
                name = next(n for n, p in parts.items() if p == info.filename)
                with dest.open(target, "w", force_zip64=True) as fh:
                    for piece in _sheet(xml[info.filename], by_sheet[name], styles, sst):
                        fh.write(piece.encode("utf-8"))
            elif sst is not None and info.filename == sst.part:
                dest.writestr(target, sst.xml())
            else:
                dest.writestr(target, source.read(info))


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
