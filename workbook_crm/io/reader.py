"""The workbook model: find each sheet, its header row and its fields; keep every value's source cell.

Reading stops at *what was typed*: values are raw (as the fast reader gives them), the frame index is
the Excel row number, and the column letters are kept so every finding names the cell a user clicks.
Parsing (normalize/) and checking (validators/) come after.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import repeat
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import NoRecognisableSheet
from ..excel import col_letters
from ..findings import Finding
from ..schema import registry
from ..schema.base import ENUM, MONEY, PHONE, SheetSchema, norm_token, unit_scale
from ..schema.common import MOBILE_WORDS
from . import mapping as mapping_mod
from . import recognise
from .guard import Source, open_source
from .mapping import Mapping
from .placement import table_totals_rows
from .rawread import iter_raw

HEADER_SCAN_ROWS = recognise.HEADER_SCAN_ROWS
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
    for sheet in iter_raw(src, sheets=order, blank_as_none=False):
        tab = sheet.name
        if tab in settings:
            wb.mapping = mapping_mod.from_toml(rules_file, mapping_mod.from_rows(sheet.rows))
        verdict = recognise.judge(tab, sheet.rows, wb.mapping, set(wb.sheets))
        wb.verdicts[tab] = verdict
        if verdict.schema is not None:
            data = _map_sheet(
                verdict.schema,
                tab,
                sheet.rows,
                wb.findings,
                wb.mapping,
                strict=verdict.how != "headers" and recognise.strict_name(tab, verdict.schema.name),
                merged=sheet.merged,
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
    sheet = next(iter_raw(wb.source, sheets=[reg.tab], blank_as_none=False))
    data = _map_sheet(recognise.LONE_ARCHIVE, reg.tab, sheet.rows, [], wb.mapping, strict=False)
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
    tab: str,
    rows: list[list[Any]],
    findings: list[Finding],
    mapping: Mapping | None = None,
    *,
    strict: bool = True,
    merged: Sequence[tuple[int, int, int, int]] = (),
    totals: set[int] | None = None,
) -> SheetData | None:
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
                Finding(
                    "bad-mapping",
                    sheet=tab,
                    cell=f"{col_letters(c + 1)}{hr + 1}",
                    row=hr + 1,
                    column=col_letters(c + 1),
                    field=f"表头:{headers[c]}",
                    value=target,
                    params={"sheet_name": schema.name},
                )
            )
        if name is None:
            continue
        if name == "mobile" and "landline" in schema.field_names:
            phones.append(c)
            continue
        if name in columns:
            findings.append(
                Finding(
                    "duplicate-column",
                    sheet=tab,
                    cell=f"{col_letters(c + 1)}{hr + 1}",
                    row=hr + 1,
                    column=col_letters(c + 1),
                    field=schema.field(name).header,
                    value=headers[c],
                )
            )
            continue
        columns[name] = c
        units[name] = unit
    header_row = hr + 1
    for c in _place_phones(phones, headers, columns, units):
        findings.append(
            Finding(
                "duplicate-column",
                sheet=tab,
                cell=f"{col_letters(c + 1)}{header_row}",
                row=header_row,
                column=col_letters(c + 1),
                field=schema.field("mobile").header,
                value=headers[c],
            )
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
    n_cols = max((len(r) for r in rows), default=0)
    body = rows[hr + 1 :]
    notes = []
    for name in [n for n, c in columns.items() if schema.field(n).kind == PHONE]:
        c = columns[name]
        if recognise.foreign_phones([r[c] for r in body[:2000] if c < len(r)]):
            del columns[name]  # the user's own column: kept as typed, not checked
            notes.append(f"「{headers[c]}」的号码大多不是中国号码，作为用户自己的列保留原样")
    idle = {c for c, h in headers.items() if norm_token(h) in _SERIAL_HEADERS}
    idle |= {c for n, c in columns.items() if schema.field(n).kind == ENUM}
    index = recognise.index_for(schema)
    # vertical merges inside the body: (first body index, column, last body index)
    vertical = [(r0 - hr - 1, c0, r1 - hr - 1) for r0, c0, r1, _ in merged if r1 > r0 and r0 > hr]
    # 规则配置 rows are rules, never template hints (`可选值-客户类型` names a list, it is not 可选/选填)
    ours = schema.computed or schema.name == registry.SETTINGS.name  # our own sheets hold no template rows
    frame, last_row, skipped, copies = _frame(
        body,
        hr + 2,
        columns,
        headers,
        n_cols,
        vertical,
        totals or set(),
        idle=set() if ours else idle,
        artefact=None if ours else (lambda row: _is_template_row(row, header, index)),
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


_SERIAL_HEADERS = frozenset({"序号", "序", "行号", "no", "no.", "#", "index", "编号序号"})
_HINT_WORDS = (
    "必填",
    "选填",
    "可选",
    "非必填",
    "必选",
    "示例",
    "格式说明",
    "填写说明",
    "如:",
    "例:",
    "例如",
    "下拉选择",
)
_LATIN = re.compile(r"^[A-Za-z][A-Za-z0-9 _./()&-]*$")
_CJK = re.compile(r"[\u4e00-\u9fff]")


def _is_template_row(row: list[Any], header: list[Any], index: Any) -> bool:
    """A hint row (必填/选填/示例) or a second header row in another language: not data.

    A second header is a row of labels only, most of them either naming our fields again or being
    Latin words under a Chinese header (``Customername`` under 客户姓名).
    """
    cells = [(c, v) for c, v in enumerate(row) if v is not None and v != ""]
    if not cells or not all(isinstance(v, str) for _, v in cells):
        return False
    texts = [str(v) for _, v in cells]
    hits = sum(any(w in t for w in _HINT_WORDS) for t in texts)
    if hits * 2 >= len(texts) and hits >= min(2, len(texts)):
        return True
    if len(texts) < 3:
        return False
    ours = sum(index.match(t)[0] is not None for t in texts)
    latin = sum(
        bool(_LATIN.match(t))
        and c < len(header)
        and isinstance(header[c], str)
        and bool(_CJK.search(header[c]))
        for c, t in zip((c for c, _ in cells), texts, strict=True)
    )
    return latin * 10 >= len(texts) * 8 or ours * 10 >= len(texts) * 7


def _place_phones(
    phones: list[int], headers: dict[int, str], columns: dict[str, int], units: dict[str, str]
) -> list[int]:
    """手机 and 电话 are two fields (issue #11): a header naming a mobile takes the mobile field, a generic
    one (电话, 联系电话) the landline when a mobile header exists. Returns the columns left over."""
    if not phones:
        return []
    specific = [c for c in phones if any(w in norm_token(headers[c]) for w in MOBILE_WORDS)]
    mobile = specific[0] if specific else phones[0]
    columns["mobile"] = mobile
    units["mobile"] = ""
    rest = [c for c in phones if c != mobile]
    if rest and "landline" not in columns:
        generic = [c for c in rest if c not in specific]
        columns["landline"] = (generic or rest)[0]
        units["landline"] = ""
        rest.remove(columns["landline"])
    return rest


def _frame(
    body: list[list[Any]],
    first_row: int,
    columns: dict[str, int],
    headers: dict[int, str],
    n_cols: int,
    vertical: Sequence[tuple[int, int, int]] = (),
    totals: set[int] | None = None,
    *,
    idle: set[int] | frozenset[int] = frozenset(),
    artefact: Callable[[list[Any]], bool] | None = None,
) -> tuple[pd.DataFrame, int, list[int], set[str]]:
    """Raw values of the data rows: blank, note, footer and template rows dropped; index = Excel row.

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
        return (
            pd.DataFrame(columns=names, index=pd.Index([], name="row"), dtype=object),
            first_row - 1,
            [],
            set(),
        )
    width = max(picks) + 1
    if any(len(r) < width for r in body):
        body = [r if len(r) >= width else [*r, *([None] * (width - len(r)))] for r in body]
    columns_t = list(zip(*body, strict=False)) if body else []
    cols = [_clean_column(columns_t[c]) for c in picks]
    # blank rows: nothing in any field of ours (a value only in the user's columns, or elsewhere in
    # the row without a header, is not a customer)
    keep = np.zeros(n, dtype=bool)
    for col in cols[: len(order)]:
        keep |= np.fromiter(map(operator.is_not, col, repeat(None)), dtype=bool, count=n)
    # footer (合计/小计) and note (填表说明) rows: judged by their first non-empty cell
    any_value = keep.copy()
    for col in cols[len(order) :]:
        any_value |= np.fromiter(map(operator.is_not, col, repeat(None)), dtype=bool, count=n)
    skipped: list[int] = []
    for i in np.flatnonzero(any_value):
        first = next((col[i] for col in cols if col[i] is not None), None)
        if (
            (totals and int(i) + first_row in totals)
            or (  # a Table's totals row is its footer
                isinstance(first, str)
                and first[:1] in _LEADS  # the common case: no count needed
                and _is_footer_or_note(first, sum(col[i] is not None for col in cols))
            )
        ):
            keep[i] = False
            skipped.append(int(i) + first_row)
    # template artefacts (issue #11): a row with values only in ``idle`` columns (a pre-filled 序号,
    # dropdown defaults) is not data, nor is one of the first rows that ``artefact`` calls a hint
    # row (必填/选填) or a second header in another language
    if idle:
        busy = np.zeros(n, dtype=bool)
        for c, col in zip(picks, cols[: len(order)], strict=False):
            if c not in idle:
                busy |= np.fromiter(map(operator.is_not, col, repeat(None)), dtype=bool, count=n)
        keep &= busy
    if artefact is not None:
        for i in np.flatnonzero(keep)[:3]:
            if artefact(list(body[i])):
                keep[i] = False
    copies = _fill_merged(cols, picks, vertical, keep, first_row)
    rows = (np.flatnonzero(keep) + first_row).tolist()
    data = {name: [col[i] for i in np.flatnonzero(keep)] for name, col in zip(names, cols, strict=True)}
    frame = pd.DataFrame(data, index=pd.Index(rows, name="row"), columns=names, dtype=object)
    return frame, (rows[-1] if rows else first_row - 1), skipped, copies


def _fill_merged(
    cols: list[list[Any]],
    picks: list[int],
    vertical: Sequence[tuple[int, int, int]],
    keep: np.ndarray,
    first_row: int,
) -> set[str]:
    """Give the hidden cells of each vertical merge the merged (top-left) value; their A1 refs."""
    copies: set[str] = set()
    where = {c: j for j, c in enumerate(picks)}
    for r0, c0, r1 in vertical:
        j = where.get(c0)
        if j is None or r0 >= len(cols[j]):
            continue
        col, value = cols[j], cols[j][r0]
        letter = col_letters(c0 + 1)
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


_LEADS = frozenset(
    "合小总總汇匯tTｔＴ填说說注备備示"
)  # first characters of the words above (any width/script)


def _is_footer_or_note(first: str, filled: int) -> bool:
    if first[:1] not in _LEADS:
        return False  # the common case, decided without normalizing the text
    token = norm_token(first)
    if any(token.startswith(w) for w in _FOOTER_WORDS) and len(token) <= 6:
        return True
    return any(token.startswith(norm_token(w)) for w in _NOTE_WORDS) and filled <= 2
