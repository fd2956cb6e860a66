"""Where a sheet holds formulas, so that a write never turns one into a constant (issue #14, items 6, 13)."""

from __future__ import annotations

import re
from typing import cast

from .package import attrs
from .sheetxml import split_ref

# ``<f`` and ``<x:f`` found by their literal start (``<f`` / ``:f``): the regex engine skips to each
# occurrence at C speed, where ``<(\w+:)?f\b`` tries the optional prefix at every ``<`` (#16: 0.6 s
# → 0.1 s on a 100 MB sheet that holds no formula)
_PLAIN_F = re.compile(rb"<f\b[^>]*>")
_COLON_F = re.compile(rb":f\b")
_PREFIXED_F = re.compile(rb"<\w+:f\b[^>]*>")


def formula_tags(xml: bytes, start: int = 0) -> list[tuple[int, bytes, bytes]]:
    r"""Every ``<f …>`` / ``<p:f …>`` start tag from ``start``, in document order, as (position of
    its ``<``, its prefix with the colon or b"", the tag): what ``<(\w+:)?f\b([^>]*)>`` finds.

    A tag ends at the first ``>``, so the regex's matches are the candidates (plain and prefixed)
    taken in order, each one that starts inside the one before skipped."""
    found = [(m.start(), b"", m.group(0)) for m in _PLAIN_F.finditer(xml, start)]
    for m in _COLON_F.finditer(xml, start):
        lt = xml.rfind(b"<", start, m.start())
        t = _PREFIXED_F.match(xml, lt) if lt >= 0 else None  # its ':' is m's: \w has none
        if t is not None:
            found.append((lt, xml[lt + 1 : m.start() + 1], t.group(0)))
    if len(found) < 2:
        return found
    found.sort()
    out, end = [], -1
    for at, prefix, tag in found:
        if at >= end:
            out.append((at, prefix, tag))
            end = at + len(tag)
    return out


class FormulaCells:
    """Where a sheet holds formulas: cells with an ``<f>``, and the ranges of array (and data-table)
    formulas, whose other cells hold only a cached value."""

    def __init__(self, cells: set[tuple[int, int]], ranges: list[tuple[int, int, int, int]]) -> None:
        self.cells, self.ranges = cells, ranges

    @classmethod
    def scan(cls, xml: bytes, *, cells: bool = True) -> FormulaCells:
        found: set[tuple[int, int]] = set()
        ranges: list[tuple[int, int, int, int]] = []
        if not cells and b'"array"' not in xml and b'"dataTable"' not in xml:
            return cls(found, ranges)
        for at, prefix, tag in formula_tags(xml, max(xml.find(b"sheetData"), 0)):
            fa = attrs(tag)
            if fa.get("t") in ("array", "dataTable") and fa.get("ref"):
                first, _, last = fa["ref"].partition(":")
                try:
                    (r1, c1), (r2, c2) = split_ref(first), split_ref(last or first)
                except ValueError:
                    continue
                ranges.append((r1, c1, r2, c2))
            if cells:
                start = max(
                    xml.rfind(b"<" + prefix + b"c ", 0, at),
                    xml.rfind(b"<" + prefix + b"c\t", 0, at),
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
