"""Where new rows of a data sheet go (intake files new customers into 客户档案): the one decision.

New rows go right below the last data row. A 合计/汇总 footer (or notes) under the data is never
written over (#14 item 1): when it is in the way it *moves down* below the new rows, which is safe
only when nothing else depends on where it is. The rule (docs/CHOICES.md):

* the footer block is the last thing on the sheet (every row holding anything from the footer's
  first row down is a footer or note row);
* its cells hold values or ordinary formulas (no shared or array formula); a formula's references
  to this sheet move with the rows, and a range ending on the last data row grows to the new last
  data row (``=COUNTA(B3:B45)&"家"`` counts the new customers);
* nothing else points at those rows: no hyperlink or note there, no merged range reaching into
  them from above (one inside the footer moves with it), and no formula elsewhere in the workbook
  refers to them. Tables, filters, formats, validations and defined names follow the rows as with
  Excel's row insert at the footer (``Placement.inserted``; writeback/structures.py) — so a Table's
  totals row stays its last row and the new customers land inside the Table.

Otherwise nothing is placed and the caller reports one finding (``footer-blocks-intake``).
``place_rows`` is what intake and the write-back (structures growing to the new rows) both call.
"""

from __future__ import annotations

import html
import io
import re
import zipfile
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .footrefs import refers, shift_formula
from .guard import Source

__all__ = ["Placement", "place_rows", "shift_formula", "table_totals_rows"]

if TYPE_CHECKING:  # the reader imports table_totals_rows from here
    from .reader import SheetData

_CELL = re.compile(rb'<(?:\w+:)?c\b[^>]*?\br="([A-Z]{1,3})(\d+)"[^>]*?(?:/>|>(.*?)</(?:\w+:)?c>)', re.S)
_CONTENT = re.compile(rb"<(?:\w+:)?(?:v|f|is)\b")
_F = re.compile(rb"<(?:\w+:)?f\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?f>)", re.S)
_RT_TABLE = "relationships/table"


@dataclass(frozen=True)
class Placement:
    """New rows ``first … first+count-1``; ``footer`` rows (before the move) go down by ``shift``.

    ``blocked`` says why nothing can be placed (then ``count`` is 0 and nothing is filed)."""

    first: int
    count: int
    footer: tuple[int, ...] = ()
    shift: int = 0
    data_end: int = 0  # the last data row before the new rows
    blocked: str | None = None
    label: str = ""  # the footer's first text and its cell (for the finding)
    label_cell: str = ""
    formulas: dict[str, str] = field(default_factory=dict)  # moved formula cell (old ref) -> new formula

    @property
    def rows(self) -> range:
        return range(self.first, self.first + self.count)

    @property
    def inserted(self) -> tuple[int, int] | None:
        """The rows that behave as inserted (Excel's row insert at the footer's first row: ranges
        reaching into the footer grow by ``shift``, ranges inside it move), or None when nothing moved."""
        if self.blocked or not (self.shift and self.count and self.footer):
            return None
        return self.footer[0], self.footer[0] + self.shift - 1

    def moved(self, row: int) -> int:
        """Where a footer row ends up."""
        return row + self.shift if row in self.footer else row


def place_rows(source: Source, sheet: SheetData, count: int) -> Placement:
    """Rows for ``count`` new records below the data of ``sheet`` (see the module doc)."""
    end = max(sheet.last_row, sheet.header_row)
    first = end + 1
    tail = sorted(r for r in sheet.footer_rows if r > end)
    if count <= 0 or not tail or tail[0] > end + count:
        return Placement(first, count, data_end=end)
    shift = end + count - tail[0] + 1
    part = source.sheet_parts.get(sheet.tab)
    zf = zipfile.ZipFile(io.BytesIO(source.data))
    xml = _read(zf, part) if part else None
    if xml is None:
        return Placement(
            first, 0, tuple(tail), data_end=end, blocked="工作表无法读取 / sheet part unreadable"
        )
    assert part is not None  # xml was read from it
    at = _tail_offset(xml, tail[0])
    cells = _cells_from(xml[at:], tail[0])
    label, label_cell = next(
        ((_text(c), f"{col}{r}") for r, col, c in cells if r == tail[0] and _text(c)), ("合计", f"A{tail[0]}")
    )

    def blocked(reason: str) -> Placement:
        return Placement(
            first, 0, tuple(tail), data_end=end, blocked=reason, label=label, label_cell=label_cell
        )

    if any(r not in tail for r, _, _ in cells):
        return blocked("合计行下面还有其他内容 / there is more content below the footer")
    formulas: dict[str, str] = {}
    for r, col, body in cells:
        fm = _F.search(body or b"")
        if fm is None:
            continue
        if re.search(rb'\bt="(?:shared|array|dataTable)"', fm.group(1)):
            return blocked("合计行含共享或数组公式 / the footer holds a shared or array formula")
        text = html.unescape((fm.group(2) or b"").decode("utf-8"))
        new = shift_formula(text, sheet.tab, start=tail[0], shift=shift, data_end=end, grow_to=end + count)
        if new is None:
            return blocked("合计行公式无法解析 / a footer formula cannot be parsed")
        formulas[f"{col}{r}"] = new
    reason = _pointed_at(zf, source, part, xml, at, sheet.tab, tail[0], tail[-1])
    if reason:
        return blocked(reason)
    return Placement(first, count, tuple(tail), shift, end, None, label, label_cell, formulas)


def table_totals_rows(source: Source, tab: str) -> set[int]:
    """Excel rows that are the totals row of a Table on this sheet (never customers)."""
    part = source.sheet_parts.get(tab)
    if not part:
        return set()
    zf = zipfile.ZipFile(io.BytesIO(source.data))
    out: set[int] = set()
    for target in _related(zf, part, _RT_TABLE):
        xml = _read(zf, target) or b""
        m = re.search(rb"<(?:\w+:)?table\b[^>]*>", xml)
        if not m:
            continue
        ref = re.search(rb'\bref="([^"]+)"', m.group(0))
        totals = re.search(rb'\btotalsRowCount="(\d+)"', m.group(0))
        if ref and totals and int(totals.group(1)) > 0:
            last = int(re.sub(r"[^0-9]", "", ref.group(1).decode().split(":")[-1]) or 0)
            out.update(range(last - int(totals.group(1)) + 1, last + 1))
    return out


def _read(zf: zipfile.ZipFile, name: str) -> bytes | None:
    try:
        return zf.read(name)
    except KeyError:
        return None


def _rels_name(part: str) -> str:
    folder, _, base = part.rpartition("/")
    return f"{folder}/_rels/{base}.rels" if folder else f"_rels/{base}.rels"


def _related(zf: zipfile.ZipFile, part: str, type_suffix: str) -> list[str]:
    rels = _read(zf, _rels_name(part)) or b""
    folder = part.rpartition("/")[0]
    out = []
    for m in re.finditer(rb"<(?:\w+:)?Relationship\b[^>]*>", rels):
        tag = m.group(0).decode("utf-8", "replace")
        typ = re.search(r'\bType="([^"]*)"', tag)
        target = re.search(r'\bTarget="([^"]*)"', tag)
        if typ and target and typ.group(1).endswith(type_suffix) and 'TargetMode="External"' not in tag:
            out.append(_resolve(folder, html.unescape(target.group(1))))
    return out


def _resolve(folder: str, target: str) -> str:
    if target.startswith("/"):
        return target.lstrip("/")
    parts = folder.split("/") if folder else []
    for piece in target.split("/"):
        if piece == "..":
            if parts:
                parts.pop()
        elif piece and piece != ".":
            parts.append(piece)
    return "/".join(parts)


def _tail_offset(xml: bytes, start: int) -> int:
    """Offset of the first ``<row>`` numbered ``start`` or more: rows are in order and the footer is
    at the end, so this walks back from ``</sheetData>`` over a few rows instead of parsing 100k."""
    m = re.search(rb"<(\w+:)?worksheet\b", xml[:4096])
    p = (m.group(1) or b"") if m else b""
    end = xml.rfind(b"</" + p + b"sheetData>")
    if end < 0:
        return len(xml)
    row_open = b"<" + p + b"row"
    pos = end
    while True:
        i = xml.rfind(row_open, 0, pos)
        if i < 0:
            return pos if pos < end else end
        r = re.match(rb'<(?:\w+:)?row\b[^>]*?\br="(\d+)"', xml[i : i + 512])
        if r is None:
            return 0  # rows without numbers: look at every cell
        if int(r.group(1)) < start:
            return pos
        pos = i


def _formulas(xml: bytes) -> list[bytes]:
    """The text of every ``<f>…</f>`` in a part, found from its end tag by one literal search (a
    regex would stop at every tag of a 40 MB sheet)."""
    out = []
    pos = xml.find(b"f>")
    while pos >= 0:
        lt = xml.rfind(b"<", 0, pos)
        if xml[lt + 1 : lt + 2] == b"/" and re.fullmatch(rb"</(?:\w+:)?f", xml[lt : pos + 1]):
            gt = xml.rfind(b">", 0, lt)
            out.append(xml[gt + 1 : lt])
        pos = xml.find(b"f>", pos + 2)
    return out


def _cells_from(xml: bytes, start: int) -> list[tuple[int, str, bytes | None]]:
    """Cells holding something (a value, formula or text) at row ``start`` or below."""
    out = []
    for m in _CELL.finditer(xml):
        r = int(m.group(2))
        if r >= start and m.group(3) and _CONTENT.search(m.group(3)):
            out.append((r, m.group(1).decode(), m.group(3)))
    return out


def _text(body: bytes | None) -> str:
    m = re.search(rb"<(?:\w+:)?t\b[^>]*>([^<]*)<", body or b"")
    return html.unescape(m.group(1).decode("utf-8", "replace")).strip() if m else ""


def _rows_in(ref: str) -> list[int]:
    return [int(n) for n in re.findall(r"[A-Z]*\$?(\d+)", ref.replace("$", ""))]


def _reaches(ref: str, start: int) -> bool:
    """Does a space-separated sqref/ref reach row ``start`` or below?"""
    for piece in ref.split():
        rows = _rows_in(piece)
        if rows and max(rows) >= start:
            return True
    return False


def _pointed_at(
    zf: zipfile.ZipFile, source: Source, part: str, xml: bytes, at: int, tab: str, start: int, end: int
) -> str | None:
    """Why the footer rows ``start``…``end`` of ``tab`` cannot move, or None."""
    head_end, close = xml.find(b"sheetData"), xml.rfind(b"sheetData>")
    outside = xml[:head_end] + (xml[close:] if close > head_end else xml[head_end:])  # all but the cells
    for m in re.finditer(rb'<(?:\w+:)?mergeCell\b[^>]*?\bref="([^"]+)"', outside):
        rows = _rows_in(m.group(1).decode())
        if rows and max(rows) >= start and not (min(rows) >= start and max(rows) <= end):
            return "合并单元格跨越合计行 / a merged range crosses the footer"  # one inside the footer moves with it
    for m in re.finditer(rb'<(?:\w+:)?hyperlink\b[^>]*?\bref="([^"]+)"', outside):
        if _reaches(m.group(1).decode(), start):
            return "合计行上有超链接 / a hyperlink sits on the footer"
    for m in re.finditer(rb'<(?:\w+:)?autoFilter\b[^>]*?\bref="([^"]+)"', outside):
        rows = _rows_in(m.group(1).decode())
        if rows and min(rows) >= start:  # one reaching from the header into the footer grows with it
            return "筛选范围在合计行中 / an autoFilter starts in the footer"
    for target in _related(zf, part, "relationships/comments"):
        for m in re.finditer(rb'<(?:\w+:)?comment\b[^>]*?\bref="([^"]+)"', _read(zf, target) or b""):
            if _reaches(m.group(1).decode(), start):
                return "合计行上有批注 / a note sits on the footer"
    for target in _related(zf, part, _RT_TABLE):
        tm = re.search(rb'<(?:\w+:)?table\b[^>]*?\bref="([^"]+)"', _read(zf, target) or b"")
        rows = _rows_in(tm.group(1).decode()) if tm else []
        if rows and min(rows) >= start:  # a Table reaching into the footer grows with the insert
            return "合计行中有表格（Table）/ an Excel Table starts in the footer"
    # this sheet's own formulas outside the footer, other sheets' formulas, defined names
    own = source.extents.get(tab)
    for text in _formulas(xml[:at]) if own is None or own.maybe_formulas else ():  # the rows above the footer
        if refers(html.unescape(text.decode("utf-8", "replace")), tab, start, own_sheet=True):
            return "其他单元格的公式引用了合计行 / a formula on the sheet refers to the footer"
    quoted = [tab.encode(), html.escape(tab.replace("'", "''"), quote=False).encode()]
    for name, other in source.sheet_parts.items():
        ext = source.extents.get(name)
        if other == part or (ext is not None and not ext.maybe_formulas):
            continue  # the guard's scan saw no formula there: not worth inflating
        data = _read(zf, other) or b""
        if not any(q in data for q in quoted):
            continue
        for text in _formulas(data):
            if refers(html.unescape(text.decode("utf-8", "replace")), tab, start, own_sheet=False):
                return f"工作表「{name}」的公式引用了合计行 / a formula on '{name}' refers to the footer"
    return None  # defined names move or grow with the rows (writeback/structures.py)
