"""Streaming patch of a worksheet part: only the rows holding changed cells are touched.

A 100k-row sheet is ~20 MB of XML; a DOM of it costs seconds and hundreds of MB. We find ``<row``
start tags with a byte regex, and only the rows we change are cut into ``<c>`` elements and
re-joined; every other byte of the part is copied as it is (the gaps between cells included).

Over 300 lines on purpose: the fast row search and the general row scan of one streaming pass, and
the cell patching they share, stay side by side so that both paths keep the same semantics.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from workbook_crm.excel import col_index, col_letters, split_ref

from .package import attrs

_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\r\ufffe\uffff\ud800-\udfff]")
_ESCAPE_LIKE = re.compile(r"_(x[0-9A-Fa-f]{4}_)")
_S_ATTR = re.compile(rb'\ss\s*=\s*["\'](\d*)["\']')
EXCEL_MAX_TEXT = 32767  # characters in one cell: Excel limit


def make_ref(row: int, col: int) -> str:
    return f"{col_letters(col)}{row}"


def xml_text(text: str) -> bytes:
    """Cell text as XML: escaped, with characters XML 1.0 forbids written the way Excel does (_xHHHH_)."""
    if len(text) > EXCEL_MAX_TEXT:
        raise ValueError(f"text of {len(text)} characters exceeds Excel's {EXCEL_MAX_TEXT} per cell")
    if "_" in text:
        text = _ESCAPE_LIKE.sub(r"_x005F_\1", text)  # a literal '_x0041_' must not decode to 'A'
    if not text.isprintable():  # every character _ILLEGAL matches is unprintable (#16: most are not)
        text = _ILLEGAL.sub(lambda m: f"_x{ord(m.group(0)):04X}_", text)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text.encode("utf-8")


def inline_string(text: str) -> bytes:
    """``<is><t>``: inline strings keep sharedStrings.xml (often the biggest part) untouched."""
    space = b' xml:space="preserve"' if text != text.strip() or "\n" in text else b""
    return b"<is><t" + space + b">" + xml_text(text) + b"</t></is>"


@dataclass
class OldCell:
    """What a cell edit needs to know about the cell it replaces (xml is None for a new cell)."""

    ref: str
    style: int
    xml: bytes | None


CellFn = Callable[[OldCell], bytes]


@dataclass
class PatchResult:
    pieces: list[bytes | memoryview]  # the new part, in order (slices of the old one where unchanged)
    formula_dropped: bool
    head: bytes = b""  # the first piece (up to <sheetData>'s content), also when pieces were streamed

    @property
    def data(self) -> bytes:
        return b"".join(self.pieces)


class _Pieces:
    """The new part's pieces: kept in a list, or passed to ``sink`` as they come, all but the last
    (the tail after </sheetData>, which the caller may still rewrite)."""

    def __init__(self, sink: Callable[[bytes | memoryview], object] | None) -> None:
        self.sink = sink
        self.kept: list[bytes | memoryview] = []
        self.head: bytes | None = None

    def append(self, piece: bytes | memoryview) -> None:
        if self.head is None:
            self.head = bytes(piece)
        if self.sink is not None and self.kept:
            self.sink(self.kept.pop())
        self.kept.append(piece)

    def result(self, formula_dropped: bool) -> PatchResult:
        return PatchResult(self.kept, formula_dropped, self.head or b"")


class SheetPatcher:
    """One pass over one worksheet part applying ``edits[(row, col)] -> fn(old) -> new <c> bytes``."""

    fast_rows = True  # rows found by a byte search for ``<row r="N"`` (tests compare it with False)

    def __init__(self, xml: bytes) -> None:
        self.xml = xml
        m = re.search(rb"<(\w+:)?worksheet\b", xml)
        self.p = (m.group(1) or b"") if m else b""
        p = re.escape(self.p)
        self._row_re = re.compile(b"<" + p + rb"row\b[^>]*?(/?)>")
        self._cell_re = re.compile(b"<" + p + rb"c\b[^>]*?(?:/>|>.*?</" + p + rb"c>)", re.S)
        self._cell_r = re.compile(rb'\sr="\$?([A-Za-z]{1,3})\$?\d*"')
        self._sd_open = re.compile(b"<" + p + rb"sheetData\b[^>]*?(/?)>")
        self.formula_dropped = False
        self._shared: dict[str, tuple[str, str, int]] = {}  # si -> (formula, origin, last row)

    # --- helpers ----------------------------------------------------------------------------
    def col_styles(self) -> dict[int, int]:
        """Column default styles from <cols>: a new cell in a styled column takes that style (as in Excel)."""
        out: dict[int, int] = {}
        head_end = self.xml.find(b"sheetData")
        for m in re.finditer(b"<" + re.escape(self.p) + rb"col\b[^>]*>", self.xml[:head_end]):
            a = attrs(m.group(0))
            if "style" in a:
                for c in range(int(a.get("min", "1")), min(int(a.get("max", "1")), 16384) + 1):
                    out[c] = int(a["style"])
        return out

    def find_styled(self, styles: set[int]) -> list[tuple[int, int]]:
        """Cells whose s= is in ``styles`` (our earlier marks), found without parsing rows: one regex
        scan for the literal ' s="N"' (fast: a literal prefix), then a look back at the tag holding it.
        Only if the part writes a tab or line break before an attribute does the slow general scan run."""
        if not styles:
            return []
        xml, p = self.xml, self.p
        alt = b"|".join(str(s).encode() for s in sorted(styles))
        if b'\ts="' in xml or b'\ns="' in xml or b'\rs="' in xml:
            pat = re.compile(b"<" + re.escape(p) + rb'c\b[^>]*?\bs="(?:' + alt + rb')"[^>]*?>')
            return [split_ref(r) for m in pat.finditer(xml) if (r := attrs(m.group(0)).get("r"))]
        ctag = b"<" + p + b"c"
        out = []
        for m in re.finditer(rb' s="(?:' + alt + rb')"', xml):
            lt = xml.rfind(b"<", 0, m.start())
            if xml.startswith(ctag, lt) and xml[lt + len(ctag) : lt + len(ctag) + 1] in (
                b" ",
                b"\t",
                b"\r",
                b"\n",
            ):
                r = attrs(xml[lt : xml.index(b">", m.end()) + 1]).get("r")
                if r:
                    out.append(split_ref(r))
        return out

    # --- the pass ---------------------------------------------------------------------------
    def patch(
        self, edits: dict[tuple[int, int], CellFn], sink: Callable[[bytes | memoryview], object] | None = None
    ) -> PatchResult:
        """``sink``: the pieces go there as they are made (a Deflater), all but the last (``_Pieces``).
        Rows to change are found by a byte search for ``<row r="N"`` when every row of the part
        starts that way (Excel, LibreOffice, openpyxl, XlsxWriter all write it), else by the general
        scan of every row tag; the general scan also takes over where a row is missing (new rows) or
        a shared formula's master was overwritten (the group's next cell must get the formula)."""
        xml, p = self.xml, self.p
        by_row: dict[int, dict[int, CellFn]] = {}
        for (r, c), fn in edits.items():
            by_row.setdefault(r, {})[c] = fn
        todo = sorted(by_row)
        m = self._sd_open.search(xml)
        if m is None:
            raise ValueError("worksheet has no <sheetData>")
        col_styles = self.col_styles()
        view = memoryview(xml)
        out = _Pieces(sink)
        if m.group(1):  # <sheetData/>: nothing yet
            out.append(self._grow_dimension(xml[: m.start()], edits) + b"<" + p + b"sheetData>")
            for r in todo:
                out.append(self._new_row(r, by_row[r], col_styles))
            out.append(b"</" + p + b"sheetData>")
            out.append(view[m.end() :])
            return out.result(self.formula_dropped)
        body, close = m.end(), xml.rfind(b"</" + p + b"sheetData>")
        out.append(self._grow_dimension(xml[:body], edits))
        pos, i = body, 0
        row_open = b"<" + p + b"row"
        row_close = b"</" + p + b"row>"
        # inside <sheetData> only <row> elements start with "<row". A row found by ``<row r="N"`` is
        # row N whatever the other rows look like; the first one not found so (r-less, attributes in
        # another order, a new row) hands over to the general scan, whose row count starts from the
        # last row passed here (found by its r=). No count of the part's row tags first (#16: two
        # passes over 100 MB)
        while self.fast_rows and i < len(todo) and not self._shared:
            r = todo[i]
            at = xml.find(row_open + b' r="%d"' % r, pos, close)
            if at < 0:
                break  # a new row: the general scan from here places it
            rm = self._row_re.match(xml, at)
            assert rm is not None  # a row tag starts at `at`
            tag = rm.group(0)
            end = rm.end() if rm.group(1) else xml.index(row_close, rm.end()) + len(row_close)
            row_style = None
            if b"customFormat" in tag:
                ra = attrs(tag)
                row_style = int(ra["s"]) if ra.get("customFormat") in ("1", "true") and "s" in ra else None
            out.append(view[pos:at])
            out.append(self._patch_row(xml[at:end], r, by_row[r], row_style, col_styles))
            pos = end
            i += 1
        prev = 0
        if i < len(todo) or self._shared:
            if pos > body:  # the general scan needs the last row number before pos for r-less rows
                last = self._row_re.search(xml, xml.rfind(row_open, body, pos))
                assert last is not None  # pos > body: a row precedes pos
                prev = int(attrs(last.group(0)).get("r", 0))
            for rm in self._row_re.finditer(xml, pos, close):
                if i >= len(todo) and not self._shared:
                    break
                tag = rm.group(0)
                ra = attrs(tag)
                r = int(ra["r"]) if "r" in ra else prev + 1
                prev = r
                while i < len(todo) and todo[i] < r:  # rows that do not exist yet go before this one
                    out.append(view[pos : rm.start()])
                    pos = rm.start()
                    out.append(self._new_row(todo[i], by_row[todo[i]], col_styles))
                    i += 1
                in_shared = any(r <= last for _, _, last in self._shared.values())
                if (i < len(todo) and todo[i] == r) or in_shared:
                    end = rm.end() if rm.group(1) else xml.index(row_close, rm.end()) + len(row_close)
                    fns = by_row[r] if i < len(todo) and todo[i] == r else {}
                    if fns:
                        i += 1
                    row_style = (
                        int(ra["s"]) if ra.get("customFormat") in ("1", "true") and "s" in ra else None
                    )
                    out.append(view[pos : rm.start()])
                    out.append(self._patch_row(xml[rm.start() : end], r, fns, row_style, col_styles))
                    pos = end
        out.append(view[pos:close])
        for r in todo[i:]:
            out.append(self._new_row(r, by_row[r], col_styles))
        out.append(view[close:])
        return out.result(self.formula_dropped)

    def _grow_dimension(self, data: bytes, edits: dict[tuple[int, int], CellFn]) -> bytes:
        """``data``: the part up to the start of <sheetData>'s content (<dimension> comes before it)."""
        if not edits:
            return data
        m = re.search(b"<" + re.escape(self.p) + rb'dimension\b[^>]*?\bref="([^"]*)"', data[:4096])
        if m is None:
            return data
        parts = m.group(1).decode().split(":")
        try:
            (r1, c1), (r2, c2) = split_ref(parts[0]), split_ref(parts[-1])
        except ValueError:
            return data
        rows = [r for r, _ in edits] + [r1, r2]
        cols = [c for _, c in edits] + [c1, c2]
        new = f"{make_ref(min(rows), min(cols))}:{make_ref(max(rows), max(cols))}".encode()
        if new == m.group(1) or (r1, c1) == (r2, c2) == (1, 1) and not edits:
            return data
        return data[: m.start(1)] + new + data[m.end(1) :]

    def _new_row(self, r: int, fns: dict[int, CellFn], col_styles: dict[int, int]) -> bytes:
        cells = b"".join(fns[c](OldCell(make_ref(r, c), col_styles.get(c, 0), None)) for c in sorted(fns))
        p = self.p
        return b"<" + p + b'row r="' + str(r).encode() + b'">' + cells + b"</" + p + b"row>"

    def _patch_row(
        self, row: bytes, r: int, fns: dict[int, CellFn], row_style: int | None, col_styles: dict[int, int]
    ) -> bytes:
        p = self.p
        start_end = row.index(b">") + 1
        if row[start_end - 2 : start_end] == b"/>":  # <row .../> becomes <row ...></row>
            start, inner, tail = row[: start_end - 2] + b">", b"", b"</" + p + b"row>"
        else:
            start, inner, tail = row[:start_end], row[start_end : -(len(p) + 6)], b"</" + p + b"row>"
        if fns and not self._shared:
            fast = self._patch_cells(inner, r, fns)
            if fast is not None:
                return self._grow_spans(start, fns) + fast + tail
        pending = dict(fns)
        out: list[bytes] = []
        pos, prev = 0, 0
        cell_r = self._cell_r
        first = min(pending) if pending else 1 << 30  # the smallest column still to write
        for cm in self._cell_re.finditer(inner):
            cell = cm.group(0)
            head_end = cell.index(b">") + 1
            rm = cell_r.search(cell, 0, head_end)
            c = col_index(rm.group(1)) if rm else prev + 1
            prev = c
            if c < first and not (self._shared and b"<" + p + b"f" in cell):
                continue  # a cell we neither change nor need to place a new cell before
            ca = attrs(cell[:head_end])
            for nc in sorted(k for k in pending if k < c):  # new cells go before the next larger column
                out.append(inner[pos : cm.start()])
                pos = cm.start()
                out.append(pending.pop(nc)(self._blank(r, nc, row_style, col_styles)))
            first = min(pending) if pending else 1 << 30
            if c in pending:
                self._note_formula(cell, ca, r)
                out.append(inner[pos : cm.start()])
                out.append(pending.pop(c)(OldCell(make_ref(r, c), int(ca.get("s", "0")), cell)))
                pos = cm.end()
                first = min(pending) if pending else 1 << 30
            elif self._shared and b"<" + p + b"f" in cell:
                promoted = self._promote(cell, make_ref(r, c))
                if promoted is not cell:
                    out.append(inner[pos : cm.start()])
                    out.append(promoted)
                    pos = cm.end()
        rest = inner[pos:]
        ext = rest.find(b"<" + p + b"extLst")  # row extensions stay after the cells
        split = ext if ext >= 0 else len(rest)
        out.append(rest[:split])
        for nc in sorted(pending):
            out.append(pending[nc](self._blank(r, nc, row_style, col_styles)))
        out.append(rest[split:])
        if fns:
            start = self._grow_spans(start, fns)
        self._shared = {si: v for si, v in self._shared.items() if v[2] > r}
        return start + b"".join(out) + tail

    def _patch_cells(self, inner: bytes, r: int, fns: dict[int, CellFn]) -> bytes | None:
        """The usual case: every cell to change exists and is found by its ``r="REF"``; None otherwise
        (new cells must be placed in column order: the general scan of the row does that)."""
        found = []
        needle = b"<" + self.p + b'c r="'
        for c in sorted(fns):
            ref = make_ref(r, c)
            at = inner.find(needle + ref.encode() + b'"')
            if at < 0:
                return None
            found.append((at, c, ref))
        found.sort()
        out: list[bytes] = []
        pos = 0
        for at, c, ref in found:
            cm = self._cell_re.match(inner, at)
            if cm is None or at < pos:
                return None
            cell = cm.group(0)
            sm = _S_ATTR.search(cell, 0, cell.index(b">"))
            if b"<" + self.p + b"f" in cell:
                self._note_formula(cell, attrs(cell[: cell.index(b">") + 1]), r)
                if self._shared:  # a shared formula's master: its group's next cell may be in this row
                    return None
            out.append(inner[pos:at])
            out.append(fns[c](OldCell(ref, int(sm.group(1) or b"0") if sm else 0, cell)))
            pos = cm.end()
        out.append(inner[pos:])
        return b"".join(out)

    @staticmethod
    def _blank(r: int, c: int, row_style: int | None, col_styles: dict[int, int]) -> OldCell:
        return OldCell(make_ref(r, c), row_style if row_style is not None else col_styles.get(c, 0), None)

    @staticmethod
    def _grow_spans(start: bytes, fns: dict[int, CellFn]) -> bytes:
        m = re.search(rb'\bspans="(\d+):(\d+)"', start)
        if m is None:
            return start
        lo, hi = min(int(m.group(1)), *fns), max(int(m.group(2)), *fns)
        return start[: m.start()] + f'spans="{lo}:{hi}"'.encode() + start[m.end() :]

    def _note_formula(self, cell: bytes, ca: dict[str, str], r: int) -> None:
        """An overwritten formula: drop calcChain; an overwritten shared-formula master hands its
        formula text to the next cell of the group (otherwise the group's other cells lose theirs)."""
        fm = re.search(
            b"<" + re.escape(self.p) + rb"f\b([^>]*?)(/>|>(.*?)</" + re.escape(self.p) + rb"f>)", cell, re.S
        )
        if fm is None:
            return
        self.formula_dropped = True
        fa = attrs(b"<f" + fm.group(1) + b">")
        if fa.get("t") == "shared" and "ref" in fa and fm.group(3):
            from .package import unescape

            last = split_ref(fa["ref"].split(":")[-1])[0]
            self._shared[fa["si"]] = (unescape(fm.group(3).decode()), ca.get("r", ""), last)
            self._shared_ref = getattr(self, "_shared_ref", {})
            self._shared_ref[fa["si"]] = fa["ref"]

    def _promote(self, cell: bytes, ref: str) -> bytes:
        from openpyxl.formula.translate import Translator

        p = re.escape(self.p)
        fm = re.search(b"<" + p + rb"f\b([^>]*?)(/>|></" + p + rb"f>)", cell)
        if fm is None:
            return cell
        fa = attrs(b"<f" + fm.group(1) + b">")
        si = fa.get("si")
        if fa.get("t") != "shared" or si not in self._shared:
            return cell
        text, origin, _ = self._shared.pop(si)
        moved = Translator("=" + text, origin=origin).translate_formula(ref)[1:]
        f = (
            b"<"
            + self.p
            + b'f t="shared" ref="'
            + self._shared_ref[si].encode()
            + b'" si="'
            + si.encode()
            + b'">'
            + xml_text(moved)
            + b"</"
            + self.p
            + b"f>"
        )
        return cell[: fm.start()] + f + cell[fm.end() :]
