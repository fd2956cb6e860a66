"""Rows moving and growing: a 合计 footer moved down to make room for new customers, and the sheet's
structures (Tables, filters, validations, formats, defined names) following the new rows.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from .editor_base import RT_TABLE, EditorBase, RawCell, xml_escape
from .package import (
    attrs,
)
from .sheetxml import SheetPatcher, make_ref, split_ref
from .structures import Growth, grow_defined_names, grow_table


class RowMoves(EditorBase):
    """``move_rows`` and ``extend_structures`` (io/placement.py decides when either is safe)."""

    def move_rows(
        self, sheet: str, rows: Sequence[int], shift: int, formulas: Mapping[str, str], style_row: int
    ) -> None:
        """Move the cells of ``rows`` down by ``shift`` (a 合计 footer making room for new rows;
        io/placement.py decides when that is safe). Each cell keeps its style and value; a formula
        takes its new text from ``formulas`` (old ref -> formula). The cells left behind are
        emptied and take the style of row ``style_row`` (the last data row), not the footer's.

        The sheet is not kept inflated afterwards: its patch pass comes after the computed sheets
        are rendered, and holding 100 MB through them costs more than inflating again (#16)."""
        try:
            self._move_rows(sheet, rows, shift, formulas, style_row)
        finally:
            self.pkg.release(self._part(sheet))

    def _move_rows(
        self, sheet: str, rows: Sequence[int], shift: int, formulas: Mapping[str, str], style_row: int
    ) -> None:
        self._apply(sheet)
        xml = self.pkg.read(self._part(sheet))
        p = re.escape(SheetPatcher(xml[:4096]).p)
        cell_re = re.compile(
            b"<" + p + rb'c\b[^>]*?\br="([A-Z]{1,3})(\d+)"[^>]*?(?:/>|>.*?</' + p + rb"c>)", re.S
        )
        moved: dict[tuple[int, int], bytes] = {}
        for r in sorted(set(rows)):
            m = re.search(
                b"<" + p + rb'row\b[^>]*?\br="' + str(r).encode() + rb'"[^>]*?(?:/>|>(.*?)</' + p + rb"row>)",
                xml,
                re.S,
            )
            for cm in cell_re.finditer(m.group(1) or b"") if m else ():
                ref = (cm.group(1) + cm.group(2)).decode()
                new_ref = f"{cm.group(1).decode()}{r + shift}"
                raw = cm.group(0).replace(b'r="' + ref.encode() + b'"', b'r="' + new_ref.encode() + b'"', 1)
                if ref in formulas:
                    text = xml_escape(formulas[ref])

                    def _put(fm: re.Match[bytes], text: bytes = text) -> bytes:
                        return fm.group(1) + text + fm.group(2)

                    raw = re.sub(
                        b"(<" + p + rb"f\b[^>]*>).*?(</" + p + rb"f>)", _put, raw, count=1, flags=re.S
                    )
                moved[split_ref(new_ref)] = raw
        if not moved:
            return
        self._move_merges(sheet, xml, min(rows), max(rows), shift)
        left = {(r, c) for r in set(rows) for (_, c) in moved} - set(moved)
        above = self._find_cells(sheet, [make_ref(style_row, c) for _, c in left]) if style_row > 0 else {}
        queue = self._values.setdefault(sheet, {})
        for r, c in left:
            found = above.get((style_row, c))
            style = int(attrs(found[: found.index(b">") + 1]).get("s", "0")) if found else 0
            queue[(r, c)] = (None, None, style, False, True)
        for rc, raw in moved.items():
            queue[rc] = (RawCell(raw), None, None, False, True)
        self._drop_calc_chain()  # formula cells changed places

    def extend_structures(
        self, sheet: str, *, first_data_row: int, rows: tuple[int, int], inserted: bool = False
    ) -> None:
        """New data rows ``rows`` = (r1, r2) join the structures that cover the sheet's data columns:
        Tables (ref and autoFilter), the sheet autoFilter, data validations, conditional formats,
        defined names and the print area (structures.py says which ranges, and why). ``inserted``:
        the rows from r1 on (a footer) were moved down to make room. Never shrinks or moves data ranges."""
        r1, r2 = rows
        if r2 < r1:
            return
        g = Growth(first=first_data_row, r1=r1, r2=r2, inserted=inserted)
        part = self._part(sheet)
        self._grow[sheet] = g  # the sheet's own ranges: applied to its tail by the patch pass (_apply)
        for _, target in self.pkg.rel_targets(part, RT_TABLE):
            if self.pkg.exists(target):
                xml = self.pkg.read(target)
                new = grow_table(xml, g)
                if new != xml:
                    self.pkg.write(target, new)
        wb = self.pkg.read(self.wb_part)
        new = grow_defined_names(wb, sheet, g)
        if new != wb:
            self.pkg.write(self.wb_part, new)

    def _move_merges(self, sheet: str, xml: bytes, lo: int, hi: int, shift: int) -> None:
        """Merged ranges lying within rows ``lo``…``hi`` move down with them (<mergeCells> follows
        <sheetData>, so only the part's tail is rewritten). Filters, formats and validations follow
        through ``extend_structures`` (structures.py, told the rows were inserted)."""
        pre = SheetPatcher(xml[:4096]).p
        end = xml.rfind(b"</" + pre + b"sheetData>")
        if end < 0:
            return

        def one(ref: str) -> str:
            try:
                cells = [split_ref(x) for x in ref.split(":")]
            except ValueError:
                return ref
            if not all(lo <= r <= hi for r, _ in cells):
                return ref
            return ":".join(make_ref(r + shift, c) for r, c in cells)

        tail = re.sub(
            b"(<" + re.escape(pre) + rb'mergeCell\b[^>]*?\bref=")([^"]+)(")',
            lambda m: m.group(1) + one(m.group(2).decode()).encode() + m.group(3),
            xml[end:],
        )
        if tail != xml[end:]:
            self.pkg.write(self._part(sheet), xml[:end] + tail)
