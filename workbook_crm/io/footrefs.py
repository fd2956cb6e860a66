"""A footer's formula references when its rows move down (io/placement.py): which references move,
which ranges grow to the new last data row, and whether any formula points at the footer rows.

Formulas are tokenized with openpyxl's Tokenizer (the one formula grammar the project already
trusts); only RANGE operands are touched, so strings, names and functions are kept as written.
"""

from __future__ import annotations

import re

_REF = re.compile(
    r"^(?:(?P<sheet>'(?:[^']|'')+'|[^'!]+)!)?(?P<a>\$?[A-Z]{0,3}\$?\d*)(?::(?P<b>\$?[A-Z]{0,3}\$?\d*))?$"
)
_PART = re.compile(r"^(\$?)([A-Z]{0,3})(\$?)(\d*)$")


def shift_formula(text: str, tab: str, *, start: int, shift: int, data_end: int, grow_to: int) -> str | None:
    """A footer formula after its rows moved down by ``shift``: references to this sheet at row
    ``start`` or below move with them; a range ending on a row from ``data_end`` to ``start - 1``
    (the bottom of the data) ends on ``grow_to``. References to other sheets and names stay."""
    from openpyxl.formula.tokenizer import Tokenizer  # here: importing openpyxl costs 0.1 s a run

    try:
        tok = Tokenizer("=" + text)
    except Exception:
        return None
    for item in tok.items:
        if item.type != "OPERAND" or item.subtype != "RANGE":
            continue
        m = _REF.match(item.value)
        if m is None or not _same_sheet(m.group("sheet"), tab):
            continue
        a, b = m.group("a"), m.group("b")
        if not _PART.match(a) or (b is not None and not _PART.match(b)) or not (a or b):
            continue  # a defined name or a structured reference: not a cell of this sheet
        prefix = f"{m.group('sheet')}!" if m.group("sheet") else ""
        if b is None:
            item.value = prefix + _move(a, start, shift)
        else:
            b2 = _move(b, start, shift)
            row_b = _row(b)
            if row_b is not None and data_end <= row_b < start:
                b2 = _with_row(b, grow_to)
            item.value = f"{prefix}{_move(a, start, shift)}:{b2}"
    return tok.render()[1:]


def _same_sheet(prefix: str | None, tab: str) -> bool:
    if prefix is None:
        return True
    name = prefix[1:-1].replace("''", "'") if prefix.startswith("'") else prefix
    return name == tab


def _row(part: str) -> int | None:
    m = _PART.match(part)
    return int(m.group(4)) if m and m.group(4) else None


def _with_row(part: str, row: int) -> str:
    m = _PART.match(part)
    assert m is not None
    return f"{m.group(1)}{m.group(2)}{m.group(3)}{row}"


def _move(part: str, start: int, shift: int) -> str:
    r = _row(part)
    return _with_row(part, r + shift) if r is not None and r >= start else part


def refers(formula: str, tab: str, start: int, *, own_sheet: bool) -> bool:
    """Does a formula refer to rows ``start``… of ``tab`` (unprefixed references count on its own sheet)?"""
    from openpyxl.formula.tokenizer import Tokenizer

    try:
        items = Tokenizer("=" + formula).items
    except Exception:
        return True  # cannot tell: assume it does
    for item in items:
        if item.type != "OPERAND" or item.subtype != "RANGE":
            continue
        m = _REF.match(item.value)
        if m is None:
            continue
        if m.group("sheet") is None and not own_sheet:
            continue
        if m.group("sheet") is not None and not _same_sheet(m.group("sheet"), tab):
            continue
        rows = [r for p in (m.group("a"), m.group("b")) if p and (r := _row(p)) is not None]
        if rows and max(rows) >= start:
            return True
    return False
