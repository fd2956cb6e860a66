"""Structures follow the data (issue #14, item 12): new rows join the user's Table, filter, data
validations, conditional formats, named ranges and print area.

A range "covers a whole data column" when it starts at or above the first data row and ends at
the last one (``r1 - 1``, the row above the new rows) — or already reaches into the new rows. Such a
range is extended down to ``r2``. When the new rows were *inserted* (a 合计 footer moved down to make
room), a range reaching into the footer grows by the rows inserted and a range lying wholly in
the footer moves down with it, as Excel does on an insert. Nothing is ever shrunk, and a range
that does not cover the data (a single cell, a block beside it) is left as it is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .package import attrs, unescape

_REF = re.compile(r"(\$?)([A-Za-z]{1,3})(\$?)(\d+)(?::(\$?)([A-Za-z]{1,3})(\$?)(\d+))?")


@dataclass(frozen=True)
class Growth:
    first: int  # first data row (below the header)
    r1: int  # first new row
    r2: int  # last new row
    inserted: bool  # rows from r1 on (a footer) moved down by r2 - r1 + 1

    def rows(self, top: int, bottom: int) -> tuple[int, int]:
        n = self.r2 - self.r1 + 1
        if self.inserted:
            if top >= self.r1:
                return top + n, bottom + n
            if bottom >= self.r1:
                return top, bottom + n
        if top <= self.first and self.r1 - 1 <= bottom < self.r2:
            return top, self.r2
        return top, bottom


def grow_ref(ref: str, g: Growth) -> str:
    """One A1 reference or area (``$A$2:$M$5``) grown by ``g``; anything else unchanged."""
    m = _REF.fullmatch(ref)
    if m is None:
        return ref
    top = int(m.group(4))
    bottom = int(m.group(8)) if m.group(8) else top
    new_top, new_bottom = g.rows(top, bottom)
    if (new_top, new_bottom) == (top, bottom) or new_bottom > 1_048_576:
        return ref
    left = f"{m.group(1)}{m.group(2)}{m.group(3)}{new_top}"
    if m.group(8):
        return f"{left}:{m.group(5)}{m.group(6)}{m.group(7)}{new_bottom}"
    if new_top == new_bottom:  # a single cell that moved with the footer
        return left
    return f"{left}:{m.group(1)}{m.group(2)}{m.group(3)}{new_bottom}"


def grow_sqref(sqref: str, g: Growth) -> str:
    return " ".join(grow_ref(part, g) for part in sqref.split())


def grow_sheet_tail(tail: bytes, g: Growth) -> bytes:
    """The worksheet XML after </sheetData>: the sheet autoFilter, data validations and conditional
    formats (and their x14 twins' <xm:sqref>) grown."""

    def attr(m: re.Match[bytes]) -> bytes:
        return m.group(1) + grow_sqref(m.group(2).decode(), g).encode() + m.group(3)

    tail = re.sub(rb'(<(?:\w+:)?autoFilter\b[^>]*?\bref=")([^"]*)(")', attr, tail)
    tail = re.sub(
        rb'(<(?:\w+:)?(?:dataValidation|conditionalFormatting)\b[^>]*?\bsqref=")([^"]*)(")', attr, tail
    )
    return re.sub(rb"(<xm:sqref>)([^<]*)(</xm:sqref>)", attr, tail)


def grow_table(xml: bytes, g: Growth) -> bytes:
    """A Table part: ``ref`` and its autoFilter grow when the table's data ends at the last data row
    (its totals row, if any, stays its last row)."""
    m = re.search(rb"<(?:\w+:)?table\b[^>]*>", xml)
    if m is None:
        return xml
    a = attrs(m.group(0))
    ref = a.get("ref", "")
    totals = int(a.get("totalsRowCount", "0") or 0)
    rm = _REF.fullmatch(ref)
    if rm is None or not rm.group(8):
        return xml
    top, bottom = int(rm.group(4)), int(rm.group(8))
    data_end = bottom - totals
    table_g = Growth(first=top, r1=g.r1, r2=g.r2, inserted=g.inserted)
    if g.inserted:
        new_top, new_bottom = table_g.rows(top, bottom)
        if new_top != top:
            return xml  # a table wholly below the new rows is the footer's own: not ours to move
        filter_end = new_bottom - totals
    elif data_end == g.r1 - 1:
        new_bottom, filter_end = g.r2 + totals, g.r2
    else:
        return xml
    if new_bottom == bottom:
        return xml
    left = f"{rm.group(2)}{top}"
    right_col = rm.group(6)
    new_ref = f"{left}:{right_col}{new_bottom}".encode()
    tag = m.group(0).replace(b'ref="' + ref.encode() + b'"', b'ref="' + new_ref + b'"', 1)
    xml = xml[: m.start()] + tag + xml[m.end() :]
    af = re.search(rb'(<(?:\w+:)?autoFilter\b[^>]*?\bref=")([^"]*)(")', xml)
    if af is not None:
        fm = _REF.fullmatch(af.group(2).decode())
        if fm is not None and fm.group(8):
            new_af = f"{fm.group(2)}{fm.group(4)}:{fm.group(6)}{max(int(fm.group(8)), filter_end)}".encode()
            xml = xml[: af.start(2)] + new_af + xml[af.end(2) :]
    return xml


_SHEET_REF = re.compile(
    r"((?:'(?:[^']|'')+'|[^\s!,()'\"=+\-*/&^<>;{}]+)!)(\$?[A-Za-z]{1,3}\$?\d+(?::\$?[A-Za-z]{1,3}\$?\d+)?)"
)


def grow_defined_names(wb_xml: bytes, sheet: str, g: Growth) -> bytes:
    """Defined names (print area, _FilterDatabase, the user's named ranges) that refer to ``sheet``."""

    def fix_name(m: re.Match[bytes]) -> bytes:
        text = m.group(2).decode()

        def fix_ref(rm: re.Match[str]) -> str:
            name = rm.group(1)[:-1]
            if name.startswith("'"):
                name = name[1:-1].replace("''", "'")
            if unescape(name) != sheet:
                return rm.group(0)
            return rm.group(1) + grow_ref(rm.group(2), g)

        return m.group(1) + _SHEET_REF.sub(fix_ref, text).encode() + m.group(3)

    return re.sub(
        rb"(<(?:\w+:)?definedName\b[^>]*>)(.*?)(</(?:\w+:)?definedName>)", fix_name, wb_xml, flags=re.S
    )


__all__ = ["Growth", "grow_ref", "grow_sqref", "grow_sheet_tail", "grow_table", "grow_defined_names"]
