"""The workbook model: find each sheet, its header row and its fields; keep every value's source cell.

Reading stops at *what was typed*: values are raw (as the fast reader gives them), the frame index is
the Excel row number, and the column letters are kept so every finding names the cell a user clicks.
Parsing (normalize/) and checking (validators/) come after.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import NoRecognisableSheet
from ..excel import col_letters
from ..findings import Finding
from ..schema import registry
from ..schema.base import ENUM, MONEY, PHONE, SheetSchema, norm_token, unit_scale
from . import mapping as mapping_mod
from . import recognise
from .frame import build_frame
from .guard import Source, open_source
from .mapping import Mapping
from .placement import table_totals_rows
from .rawread import RawSheet, iter_raw

HEADER_SCAN_ROWS = recognise.HEADER_SCAN_ROWS
# rows of a sheet read as lists before its header is known: the header scan's, then the 2,000 body
# rows that tell a foreign phone column; the rest stream into the frame (io/frame.py)
HEAD_ROWS = HEADER_SCAN_ROWS + 2048


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


@dataclass
class WorkbookData:
    path: Path
    source: Source
    tabs: list[str]
    sheets: dict[str, SheetData] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    verdicts: dict[str, recognise.Verdict] = field(default_factory=dict)  # every tab read: its kind and why
    mapping: Mapping = field(default_factory=Mapping)

    @property
    def date1904(self) -> bool:
        return self.source.date1904

    def get(self, name: str) -> SheetData | None:
        return self.sheets.get(name)


def read_workbook(
    path: str | Path,
    *,
    password: str | None = None,
    source: Source | None = None,
    rules_file: Path | None = None,
) -> WorkbookData:
    """Open through the guarded front door and map every recognisable sheet (see ``recognise``)."""
    src = source or open_source(Path(path), password=password)
    tabs = list(src.sheet_names)
    wb = WorkbookData(path=Path(path), source=src, tabs=tabs)
    order = [t for t in tabs if t not in registry.COMPUTED_SHEETS or t in registry.ALL]
    # 规则配置 first: its 字段映射 lines (then the --rules file's) apply to every other sheet
    settings = [t for t in order if registry.match_sheet_name(t) == registry.SETTINGS.name][:1]
    order = settings + [t for t in order if t not in settings]
    wb.mapping = mapping_mod.from_toml(rules_file, Mapping()) if not settings else Mapping()
    # one sheet at a time: its rows become a frame and are let go before the next is read
    for sheet in iter_raw(src, sheets=order, blank_as_none=False, head=HEAD_ROWS):
        tab = sheet.name
        if tab in settings:
            sheet.rows.extend(sheet.rest)  # a few rules: every row is read
            wb.mapping = mapping_mod.from_toml(rules_file, mapping_mod.from_rows(sheet.rows))
        verdict = recognise.judge(tab, sheet.rows, wb.mapping, set(wb.sheets))
        wb.verdicts[tab] = verdict
        if verdict.schema is not None:
            data = _map_sheet(
                verdict.schema,
                sheet,
                wb.findings,
                wb.mapping,
                strict=verdict.how != "headers" and recognise.strict_name(tab, verdict.schema.name),
                totals=table_totals_rows(src, tab),
            )
            if data is not None:
                data.reason = verdict.reason
                wb.sheets[verdict.schema.name] = data
        del sheet
    wb.sheets = dict(sorted(wb.sheets.items(), key=lambda kv: tabs.index(kv[1].tab)))  # workbook order
    _lone_list(wb)
    if not any(s in wb.sheets for s in (d.name for d in registry.DATA_SHEETS if d.name != "规则配置")):
        raise NoRecognisableSheet(path, detail=_why_not(wb) or "（无）")
    if registry.ARCHIVE.name not in wb.sheets:  # the master: without it nothing can be graded or linked
        wb.findings.append(
            Finding(
                "missing-sheet", sheet=registry.ARCHIVE.name, params={"sheet_name": registry.ARCHIVE.name}
            )
        )
    return wb


def _lone_list(wb: WorkbookData) -> None:
    """A workbook whose only customer list is lead-shaped: that list is the 客户档案 (it gets graded)."""
    reg = wb.sheets.get(registry.REGISTRATION.name)
    if (
        reg is None
        or registry.ARCHIVE.name in wb.sheets
        or recognise.strict_name(reg.tab, registry.REGISTRATION.name)
    ):
        return  # our own 客户信息登记表 stays the intake sheet
    sheet = next(iter_raw(wb.source, sheets=[reg.tab], blank_as_none=False, head=HEAD_ROWS))
    data = _map_sheet(recognise.LONE_ARCHIVE, sheet, [], wb.mapping, strict=False)
    if data is None:
        return
    wb.findings = [f for f in wb.findings if f.sheet != reg.tab]
    data.reason = f"{reg.reason}；工作簿中只有这一份客户名单，作为「客户档案」评级"
    wb.verdicts[reg.tab] = recognise.Verdict(
        registry.ARCHIVE.name, "lone", data.reason, recognise.LONE_ARCHIVE
    )
    del wb.sheets[registry.REGISTRATION.name]
    wb.sheets = {registry.ARCHIVE.name: data, **wb.sheets}


def _why_not(wb: WorkbookData) -> str:
    return "；".join(f"「{tab}」{v.reason}" for tab, v in wb.verdicts.items() if v.kind is None)[:400]


def _map_sheet(
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
