"""Where a sheet holds formulas, so that a write never turns one into a constant (issue #14, items 6, 13)."""

from __future__ import annotations

import re
from typing import cast

from .package import attrs
from .sheetxml import split_ref


class FormulaCells:
    """Where a sheet holds formulas: cells with an ``<f>``, and the ranges of array (and data-table)
    formulas, whose other cells hold only a cached value."""

    _F = re.compile(rb"<(\w+:)?f\b([^>]*)>")

    def __init__(self, cells: set[tuple[int, int]], ranges: list[tuple[int, int, int, int]]) -> None:
        self.cells, self.ranges = cells, ranges

    @classmethod
    def scan(cls, xml: bytes, *, cells: bool = True) -> FormulaCells:
        found: set[tuple[int, int]] = set()
        ranges: list[tuple[int, int, int, int]] = []
        if not cells and b'"array"' not in xml and b'"dataTable"' not in xml:
            return cls(found, ranges)
        for m in cls._F.finditer(xml, max(xml.find(b"sheetData"), 0)):
            fa = attrs(m.group(0))
            if fa.get("t") in ("array", "dataTable") and fa.get("ref"):
                first, _, last = fa["ref"].partition(":")
                try:
                    (r1, c1), (r2, c2) = split_ref(first), split_ref(last or first)
                except ValueError:
                    continue
                ranges.append((r1, c1, r2, c2))
            if cells:
                start = max(
                    xml.rfind(b"<" + (m.group(1) or b"") + b"c ", 0, m.start()),
                    xml.rfind(b"<" + (m.group(1) or b"") + b"c\t", 0, m.start()),
                )
                ref = attrs(xml[start : xml.find(b">", start) + 1]).get("r") if start >= 0 else None
                if ref:
                    found.add(split_ref(ref))
        return cls(found, ranges)

    def __contains__(self, rc: object) -> bool:
        if rc in self.cells:
            return True
        r, c = cast("tuple[int, int]", rc)
        return any(r1 <= r <= r2 and c1 <= c <= c2 for r1, c1, r2, c2 in self.ranges)

    def kind(self, ref: str) -> str | None:
        """'formula', 'array' (inside an array formula's range, not its first cell) or None."""
        rc = split_ref(ref)
        if rc in self.cells:
            return "formula"
        return "array" if rc in self else None
