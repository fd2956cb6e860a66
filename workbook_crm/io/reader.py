"""The workbook model: find each sheet, its header row and its fields; keep every value's source cell.

Reading stops at *what was typed*: values are raw (as the fast reader gives them), the frame index is
the Excel row number, and the column letters are kept so every finding names the cell a user clicks.
Parsing (normalize/) and checking (validators/) come after.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from openpyxl.utils import get_column_letter

from ..errors import NoRecognisableSheet
from ..findings import Finding
from ..schema import registry
from ..schema.base import MONEY, SheetSchema, norm_token, unit_scale
from .guard import Source, open_source
from .placement import table_totals_rows
from .rawread import iter_raw

HEADER_SCAN_ROWS = 30  # title rows, merged titles and 填表说明 notes sit above the header
_FOOTER_WORDS = ("合计", "小计", "总计", "汇总", "total")
_NOTE_WORDS = ("填表说明", "说明:", "注:", "备注:", "填写说明", "示例")


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

    @property
    def name(self) -> str:
        return self.schema.name

    def letter(self, field_name: str) -> str:
        return get_column_letter(self.columns[field_name] + 1)

    def cell(self, field_name: str, row: int) -> str:
        return f"{self.letter(field_name)}{row}"

    def header_cell(self, field_name: str | None = None) -> str:
        col = self.columns.get(field_name, 0) if field_name else 0
        return f"{get_column_letter(col + 1)}{self.header_row}"

    def scale(self, field_name: str) -> int:
        """Yuan per unit of a money column: the header's unit wins, else the field's default."""
        f = self.schema.field(field_name)
        if f.kind != MONEY:
            return 1
        return unit_scale(self.units.get(field_name, "")) or f.scale

    def user_columns(self) -> dict[int, str]:
        ours = set(self.columns.values())
        return {i: h for i, h in self.headers.items() if i not in ours}


@dataclass
class WorkbookData:
    path: Path
    source: Source
    tabs: list[str]
    sheets: dict[str, SheetData] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)

    @property
    def date1904(self) -> bool:
        return self.source.date1904

    def get(self, name: str) -> SheetData | None:
        return self.sheets.get(name)


def read_workbook(path: str | Path, *, password: str | None = None, source: Source | None = None) -> WorkbookData:
    """Open through the guarded front door and map every recognisable sheet."""
    src = source or open_source(Path(path), password=password)
    tabs = list(src.sheet_names)
    wanted: dict[str, str] = {}  # tab -> canonical
    for tab in tabs:
        canonical = registry.match_sheet_name(tab)
        if canonical and canonical not in wanted.values():
            wanted[tab] = canonical
    # Unnamed tabs (`Sheet1`) are sniffed by their headers only when a data sheet is missing.
    missing = [s.name for s in registry.DATA_SHEETS if s.name not in wanted.values()]
    sniff = [t for t in tabs if t not in wanted and registry.match_sheet_name(t) is None
             and t not in registry.COMPUTED_SHEETS] if missing else []
    wb = WorkbookData(path=Path(path), source=src, tabs=tabs)
    # one sheet at a time: its rows become a frame and are let go before the next is read
    for sheet in iter_raw(src, sheets=[*wanted, *sniff], blank_as_none=False):
        tab = sheet.name
        schema = (registry.ALL[wanted[tab]] if tab in wanted
                  else _best_schema(sheet.rows, exclude={*wb.sheets, *wanted.values()}))
        if schema is None or schema.name in wb.sheets:
            continue
        data = _map_sheet(schema, tab, sheet.rows, wb.findings, merged=sheet.merged,
                          totals=table_totals_rows(src, tab))
        if data is not None:
            wb.sheets[schema.name] = data
        del sheet
    if not any(s in wb.sheets for s in (d.name for d in registry.DATA_SHEETS if d.name != "规则配置")):
        raise NoRecognisableSheet(path, detail="、".join(tabs) or "（无）")
    if registry.ARCHIVE.name not in wb.sheets:  # the master: without it nothing can be graded or linked
        wb.findings.append(Finding("missing-sheet", sheet=registry.ARCHIVE.name, params={"sheet_name": registry.ARCHIVE.name}))
    return wb


def _best_schema(rows: list[list[Any]], exclude: set[str]) -> SheetSchema | None:
    """The data sheet an unnamed tab holds: most headers matched, then most required fields present."""
    scored = []
    for schema in registry.DATA_SHEETS:
        if schema.name in exclude:
            continue
        found = _find_header(schema, rows)
        if not found or found[1] < max(3, len(schema.required) + 1):
            continue
        index = registry.header_index(schema.name)
        names = {index.match(v)[0] for v in rows[found[0]] if isinstance(v, str)}
        required = sum(f.name in names for f in schema.required) / max(1, len(schema.required))
        scored.append(((found[1], required), schema))
    return max(scored, key=lambda t: t[0])[1] if scored else None


def _find_header(schema: SheetSchema, rows: list[list[Any]]) -> tuple[int, int] | None:
    """The row (0-based) naming the most fields of the schema, and how many it names."""
    index = registry.header_index(schema.name)
    best: tuple[int, int] | None = None
    for r, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        names = {index.match(v)[0] for v in row if isinstance(v, str)}
        names.discard(None)
        if len(names) >= schema.min_header_matches and (best is None or len(names) > best[1]):
            best = (r, len(names))
    return best


def _map_sheet(schema: SheetSchema, tab: str, rows: list[list[Any]], findings: list[Finding],
               merged: Sequence[tuple[int, int, int, int]] = (), totals: set[int] | None = None) -> SheetData | None:
    found = _find_header(schema, rows)
    if found is None:
        findings.append(Finding("no-header", sheet=tab, cell="A1", row=1, field=schema.name,
                                params={"sheet_name": tab}))
        return None
    hr = found[0]
    index = registry.header_index(schema.name)
    header = rows[hr]
    columns: dict[str, int] = {}
    units: dict[str, str] = {}
    headers: dict[int, str] = {}
    for c, v in enumerate(header):
        if v is None or (isinstance(v, str) and not v.strip()):
            continue
        headers[c] = str(v).strip()
        name, unit = index.match(v)
        if name is None:
            continue
        if name in columns:
            findings.append(Finding("duplicate-column", sheet=tab, cell=f"{get_column_letter(c + 1)}{hr + 1}",
                                    row=hr + 1, column=get_column_letter(c + 1), field=schema.field(name).header,
                                    value=headers[c]))
            continue
        columns[name] = c
        units[name] = unit
    header_row = hr + 1
    for f in schema.required:
        if f.name not in columns:
            findings.append(Finding("missing-column", sheet=tab, cell=f"A{header_row}", row=header_row,
                                    column="", field=f.header))
    n_cols = max((len(r) for r in rows), default=0)
    body = rows[hr + 1:]
    # vertical merges inside the body: (first body index, column, last body index)
    vertical = [(r0 - hr - 1, c0, r1 - hr - 1) for r0, c0, r1, _ in merged if r1 > r0 and r0 > hr]
    frame, last_row, skipped, copies = _frame(body, hr + 2, columns, headers, n_cols, vertical, totals or set())
    return SheetData(schema, tab, header_row, columns, units, headers, frame, n_cols, last_row,
                     footer_rows=skipped, merged_copies=copies)


def _frame(body: list[list[Any]], first_row: int, columns: dict[str, int], headers: dict[int, str],
           n_cols: int, vertical: Sequence[tuple[int, int, int]] = (), totals: set[int] | None = None) -> tuple[pd.DataFrame, int, list[int], set[str]]:
    """Raw values of the data rows: blank, note and footer rows dropped; index = Excel row.

    Column-wise over plain lists (a 100k-row sheet is millions of cells): strings stripped, empty
    strings become None, then rows are kept by a boolean mask. A row is data only when one of *our*
    fields holds something: a 序号 filled down or `=ROW()-2` in the user's column is not a customer.
    The hidden cells of a vertical merge take the merged value (for reading only), but do not make
    a row data by themselves. Also returns the skipped footer/note rows and the merged copies.
    """
    order = list(columns.items())
    ours = set(columns.values())
    extra = [(h, c) for c, h in headers.items() if c not in ours]
    names = [n for n, _ in order] + _unique_labels([h for h, _ in extra], {n for n, _ in order})
    picks = [c for _, c in order] + [c for _, c in extra]
    n = len(body)
    if n == 0:
        return pd.DataFrame(columns=names, index=pd.Index([], name="row"), dtype=object), first_row - 1, [], set()
    width = max(picks) + 1
    if any(len(r) < width for r in body):
        body = [r if len(r) >= width else [*r, *([None] * (width - len(r)))] for r in body]
    columns_t = list(zip(*body, strict=False)) if body else []
    cols = [_clean_column(columns_t[c]) for c in picks]
    # blank rows: nothing in any field of ours (a value only in the user's columns, or elsewhere in
    # the row without a header, is not a customer)
    keep = np.zeros(n, dtype=bool)
    for col in cols[:len(order)]:
        keep |= np.fromiter((v is not None for v in col), dtype=bool, count=n)
    # footer (合计/小计) and note (填表说明) rows: judged by their first non-empty cell
    any_value = keep.copy()
    for col in cols[len(order):]:
        any_value |= np.fromiter((v is not None for v in col), dtype=bool, count=n)
    skipped: list[int] = []
    for i in np.flatnonzero(any_value):
        first = next((col[i] for col in cols if col[i] is not None), None)
        if (totals and int(i) + first_row in totals) or (  # a Table's totals row is its footer
                isinstance(first, str) and _is_footer_or_note(first, sum(col[i] is not None for col in cols))):
            keep[i] = False
            skipped.append(int(i) + first_row)
    copies = _fill_merged(cols, picks, vertical, keep, first_row)
    rows = (np.flatnonzero(keep) + first_row).tolist()
    data = {name: [col[i] for i in np.flatnonzero(keep)] for name, col in zip(names, cols, strict=True)}
    frame = pd.DataFrame(data, index=pd.Index(rows, name="row"), columns=names, dtype=object)
    return frame, (rows[-1] if rows else first_row - 1), skipped, copies


def _fill_merged(cols: list[list[Any]], picks: list[int], vertical: Sequence[tuple[int, int, int]],
                 keep: np.ndarray, first_row: int) -> set[str]:
    """Give the hidden cells of each vertical merge the merged (top-left) value; their A1 refs."""
    copies: set[str] = set()
    where = {c: j for j, c in enumerate(picks)}
    for r0, c0, r1 in vertical:
        j = where.get(c0)
        if j is None or r0 >= len(cols[j]):
            continue
        col, value = cols[j], cols[j][r0]
        letter = get_column_letter(c0 + 1)
        for r in range(r0 + 1, min(r1, len(col) - 1) + 1):
            if col[r] is None and value is not None and keep[r]:
                col[r] = value
                copies.add(f"{letter}{r + first_row}")
    return copies


def _clean_column(values: tuple[Any, ...]) -> list[Any]:
    """Strip text, blank → None, and share one str object per distinct text.

    The reader hands every cell its own str; a column of statuses, owners or industries repeats a
    handful of texts 100k times, so sharing them saves hundreds of MB on a large workbook.
    """
    shared: dict[str, str] = {}
    share = shared.setdefault
    return [(share(t, t) if (t := v.strip()) else None) if type(v) is str else v for v in values]


def _unique_labels(labels: list[str], taken: set[str]) -> list[str]:
    out = []
    for h in labels:
        label = h
        n = 2
        while label in taken:
            label = f"{h}#{n}"
            n += 1
        taken.add(label)
        out.append(label)
    return out


_LEADS = frozenset("合小总總汇匯tTｔＴ填说說注备備示")  # first characters of the words above (any width/script)


def _is_footer_or_note(first: str, filled: int) -> bool:
    if first[:1] not in _LEADS:
        return False  # the common case, decided without normalizing the text
    token = norm_token(first)
    if any(token.startswith(w) for w in _FOOTER_WORDS) and len(token) <= 6:
        return True
    return any(token.startswith(norm_token(w)) for w in _NOTE_WORDS) and filled <= 2
