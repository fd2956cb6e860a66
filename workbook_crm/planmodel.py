"""The plan of edits as data (plan.py builds it, apply.py writes it): frozen dataclasses, no I/O."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from .findings import Finding
from .planvalues import frame_columns
from .schema.computed import ComputedSheet


@dataclass(frozen=True)
class CellEdits:
    """Cells of one sheet written the same way (a number format, text, the style of a header)."""

    sheet: str
    cells: Mapping[str, Any]
    number_format: str | None = None
    as_text: bool = False
    style_from: str | None = None


@dataclass(frozen=True)
class SheetEdit:
    """A computed sheet written fresh into ``target`` (its own name, or ``…（workbook-crm）`` when
    the user owns that name): ``rows`` first, then ``frame``'s rows in ``header`` order."""

    spec: ComputedSheet
    target: str
    header: tuple[str, ...]
    rows: Sequence[Sequence[Any]] = ()
    frame: pd.DataFrame | None = None
    links: Mapping[tuple[int, int], str] = field(default_factory=dict)

    def all_rows(self) -> list[Sequence[Any]]:
        """The rows as plain Python values (``all_columns`` turned into rows)."""
        return list(zip(*self.all_columns(), strict=True))

    def all_columns(self) -> list[list[Any]]:
        """The sheet's body column by column, as plain Python values: ``rows`` (a short row padded
        with blanks) then the frame's columns (planvalues.frame_columns), as wide as the widest."""
        framed = frame_columns(self.frame, self.header)
        width = max([len(self.header) if framed else 0, *map(len, self.rows)], default=0)
        if not self.rows:
            return framed
        head = [[r[c] if c < len(r) else None for r in self.rows] for c in range(width)]
        if not framed:
            return head
        return [h + (framed[c] if c < len(framed) else [None] * len(framed[0])) for c, h in enumerate(head)]


@dataclass(frozen=True)
class FooterMove:
    """A 合计 footer under 客户档案's data moving below the customers intake files (io/placement.py)."""

    sheet: str
    rows: tuple[int, ...]
    shift: int
    formulas: Mapping[str, str]
    style_row: int


@dataclass(frozen=True)
class Growth:
    """The user's Table, filter, validations, formats, names and print area taking new rows."""

    sheet: str
    first_data_row: int
    rows: tuple[int, int]
    inserted: bool


@dataclass(frozen=True)
class Survey:
    """What the package holds that the plan depends on, read before anything is written.

    ``targets``: computed sheet → the sheet it goes into; ``not_ours``: a finding per computed sheet
    the user owns; ``usage``: tab → (columns holding anything, hidden columns), 1-based;
    ``existing``: tab → (headers the user added after ours, rows) of the sheets we append to."""

    targets: Mapping[str, str] = field(default_factory=dict)
    not_ours: tuple[Finding, ...] = ()
    usage: Mapping[str, tuple[AbstractSet[int], AbstractSet[int]]] = field(default_factory=dict)
    existing: Mapping[str, tuple[list[str], list[list[Any]]]] = field(default_factory=dict)

    def target(self, name: str) -> str:
        return self.targets.get(name, name)


@dataclass(frozen=True)
class Plan:
    """The edits of one run, in the order they are applied."""

    footer: FooterMove | None
    growth: Growth | None
    cells: tuple[CellEdits, ...]
    sheets: tuple[SheetEdit, ...]
    marks: Mapping[str, Mapping[str, str]]  # tab → cell → note (every data sheet, empty: unmark)

    def sheet(self, name: str) -> SheetEdit:
        """The edit of computed sheet ``name`` (by its spec's name)."""
        return next(s for s in self.sheets if s.spec.name == name)
