"""One tab's header row and fields: the rows calamine gave become a ``SheetData`` (io/frame.py builds
its frame). ``io/reader.py`` decides which tab is which sheet and calls ``map_sheet`` for each.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import chain
from typing import Any

import pandas as pd

from ..excel import col_letters
from ..findings import Finding
from ..schema import registry
from ..schema.base import ENUM, MONEY, PHONE, SheetSchema, norm_token, unit_scale
from . import mapping as mapping_mod
from . import recognise
from .frame import build_frame
from .mapping import Mapping
from .rawread import RawSheet


@dataclass
class SheetData:
    """One recognised sheet: raw values by field, and where each came from."""

    schema: SheetSchema
    tab: str  # the tab name as the user wrote it
    header_row: int  # 1-based Excel row
    columns: dict[str, int]  # field -> 0-based column index
    units: dict[str, str]
    headers: dict[int, str]  # every non-empty header cell: column index -> text (user's columns too)
    frame: pd.DataFrame  # index = Excel row; columns = fields present, then the user's columns by header
    n_cols: int = 0
    last_row: int = 0  # last Excel row holding data (footers excluded); new rows go below it
    # rows below the header skipped as 合计/小计 footers or 填表说明 notes (io/placement.py keeps
    # new customers above the ones under the data)
    footer_rows: list[int] = field(default_factory=list)
    # A1 refs of the hidden cells of vertically merged ranges: read with the merged value, never
    # reported or written (#14 item 16)
    merged_copies: set[str] = field(default_factory=set)
    reason: str = ""  # why the tab was taken for this sheet (inspect)
    # what ``read_workbook(work=…)`` ran on this sheet while the two readers worked (the check's
    # per-sheet half, validators.check_sheet), taken by the check instead of doing it again
    pre: Any = None
    notes: list[str] = field(default_factory=list)  # columns left to the user, and why (inspect)

    @property
    def name(self) -> str:
        return self.schema.name

    def letter(self, field_name: str) -> str:
        return col_letters(self.columns[field_name] + 1)

    def cell(self, field_name: str, row: int) -> str:
        return f"{self.letter(field_name)}{row}"

    def header_cell(self, field_name: str | None = None) -> str:
        col = self.columns.get(field_name, 0) if field_name else 0
        return f"{col_letters(col + 1)}{self.header_row}"

    def scale(self, field_name: str) -> int:
        """Yuan per unit of a money column: the header's unit wins, else the field's default."""
        f = self.schema.field(field_name)
        if f.kind != MONEY:
            return 1
        return unit_scale(self.units.get(field_name, "")) or f.scale

    def user_columns(self) -> dict[int, str]:
        ours = set(self.columns.values())
        return {i: h for i, h in self.headers.items() if i not in ours}


def map_sheet(
    schema: SheetSchema,
    sheet: RawSheet,
    findings: list[Finding],
    mapping: Mapping | None = None,
    *,
    strict: bool = True,
    totals: set[int] | None = None,
) -> SheetData | None:
    """The sheet's first rows are lists (``sheet.rows``: all, or ``HEAD_ROWS``); the rest stream."""
    tab, rows, merged, n_cols = sheet.name, sheet.rows, sheet.merged, sheet.n_cols
    found = recognise.find_header(schema, tab, rows, mapping)
    if found is None:
        findings.append(
            Finding("no-header", sheet=tab, cell="A1", row=1, field=schema.name, params={"sheet_name": tab})
        )
        return None
    hr = found[0]
    header = rows[hr]
    columns: dict[str, int] = {}
    units: dict[str, str] = {}
    headers: dict[int, str] = {}
    phones: list[int] = []  # columns naming a phone: placed after the loop (手机 wins the mobile)
    for c, v in enumerate(header):
        if v is None or (isinstance(v, str) and not v.strip()):
            continue
        headers[c] = str(v).strip()
        name, unit = recognise.match_header(schema, tab, v, mapping)
        target = mapping.header_for(tab, v) if mapping else None
        if target not in (None, mapping_mod.IGNORE) and recognise.resolve_field(schema, str(target)) is None:
            findings.append(
                _at_header("bad-mapping", tab, c, hr + 1, f"表头:{headers[c]}", target, schema.name)
            )
        if name is None:
            continue
        if name == "mobile" and "landline" in schema.field_names:
            phones.append(c)
            continue
        if name in columns:
            findings.append(
                _at_header("duplicate-column", tab, c, hr + 1, schema.field(name).header, headers[c])
            )
            continue
        columns[name] = c
        units[name] = unit
    header_row = hr + 1
    for c in recognise.place_phones(phones, headers, columns, units):
        findings.append(
            _at_header("duplicate-column", tab, c, header_row, schema.field("mobile").header, headers[c])
        )
    for f in schema.required:
        stand_in = recognise.ALTERNATIVES.get(f.name, ())
        if f.name not in columns and not any(a in columns for a in stand_in) and (strict or f.name == "name"):
            findings.append(
                Finding(
                    "missing-column",
                    sheet=tab,
                    cell=f"A{header_row}",
                    row=header_row,
                    column="",
                    field=f.header,
                )
            )
    head = rows[hr + 1 :]
    notes = []
    for name in [n for n, c in columns.items() if schema.field(n).kind == PHONE]:
        c = columns[name]
        if recognise.foreign_phones([r[c] for r in head[:2000] if c < len(r)]):
            del columns[name]  # the user's own column: kept as typed, not checked
            notes.append(f"「{headers[c]}」的号码大多不是中国号码，作为用户自己的列保留原样")
    idle = {c for c, h in headers.items() if norm_token(h) in _SERIAL_HEADERS}
    idle |= {c for n, c in columns.items() if schema.field(n).kind == ENUM}
    index = recognise.index_for(schema)
    # vertical merges inside the body: (first body index, column, last body index)
    vertical = [(r0 - hr - 1, c0, r1 - hr - 1) for r0, c0, r1, _ in merged if r1 > r0 and r0 > hr]
    # 规则配置 rows are rules, never template hints (`可选值-客户类型` names a list, it is not 可选/选填)
    ours = schema.computed or schema.name == registry.SETTINGS.name  # our own sheets hold no template rows
    frame, last_row, skipped, copies = build_frame(
        chain(head, sheet.rest),
        hr + 2,
        columns,
        headers,
        n_cols,
        vertical,
        totals or set(),
        idle=set() if ours else idle,
        artefact=None if ours else (lambda row: recognise.is_template_row(row, header, index)),
    )
    return SheetData(
        schema,
        tab,
        header_row,
        columns,
        units,
        headers,
        frame,
        n_cols,
        last_row,
        footer_rows=skipped,
        merged_copies=copies,
        notes=notes,
    )


def _at_header(
    code: str, tab: str, c: int, row: int, field_label: str, value: Any, sheet_name: str | None = None
) -> Finding:
    """A finding about the header cell of column ``c`` (0-based)."""
    letter = col_letters(c + 1)
    params = {"sheet_name": sheet_name} if sheet_name else {}
    return Finding(
        code,
        sheet=tab,
        cell=f"{letter}{row}",
        row=row,
        column=letter,
        field=field_label,
        value=value,
        params=params,
    )


_SERIAL_HEADERS = frozenset({"序号", "序", "行号", "no", "no.", "#", "index", "编号序号"})
