"""The workbook model: find each sheet, its header row and its fields; keep every value's source cell.

Reading stops at *what was typed*: values are raw (as the fast reader gives them), the frame index is
the Excel row number, and the column letters are kept so every finding names the cell a user clicks.
Parsing (normalize/) and checking (validators/) come after. One tab's mapping is io/mapsheet.py.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import NoRecognisableSheet
from ..findings import Finding
from ..schema import registry
from . import mapping as mapping_mod
from . import readsplit, recognise, sidecar
from .guard import Source, open_source, scan_deferred
from .mapping import Mapping
from .mapsheet import SheetData, map_sheet
from .placement import table_totals_rows
from .rawread import RawSheet, iter_raw, open_ahead

HEADER_SCAN_ROWS = recognise.HEADER_SCAN_ROWS
# the per-sheet work each reader runs while two read: made from the workbook once 规则配置 is read
SheetWork = Callable[["WorkbookData"], Callable[[SheetData], Any]]
# rows of a sheet read as lists before its header is known: the header scan's, then the 2,000 body
# rows that tell a foreign phone column; the rest stream into the frame (io/frame.py)
HEAD_ROWS = HEADER_SCAN_ROWS + 2048


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
    work: SheetWork | None = None,
    split: bool = True,
) -> WorkbookData:
    """Open through the guarded front door and map every recognisable sheet (see ``recognise``).

    The longest sheets whose names say what they are may be read by a second process (io/readsplit.py)
    while this one reads the others; ``work(wb)`` gives what each process runs on the sheets it read
    meanwhile (the check's per-sheet half), kept in ``SheetData.pre``. The result is the same either way.
    """
    src = source or open_source(Path(path), password=password, defer=readsplit.defer if split else None)
    order, settings = readsplit.reading_order(list(src.sheet_names))
    out = readsplit.split_of(src) if split else readsplit.Split()
    helper: sidecar.Sidecar | None = None
    claims = sidecar.Claims(())
    try:
        late: dict[str, Callable[[], bool]] = {}
        if out:

            def read(
                tabs: list[str], check_here: bool, book: Future[Any] | None, late: dict[str, Any]
            ) -> tuple[WorkbookData, dict[str, list[Finding]]]:
                return _read_tabs(path, src, rules_file, work, settings, tabs, check_here, {}, book, late)

            try:
                claims = sidecar.Claims(out.floats)
                helper = sidecar.Sidecar(lambda: readsplit.child(read, src, out, settings, claims))
            except OSError:  # no process or memfd to be had now: this process reads every tab
                out = readsplit.Split()
            else:
                late = readsplit.claims_of(src, out, claims)
        book = open_ahead(src) if src.deferred else None  # opened while our long sheets are scanned
        scan_deferred(src, [t for t in src.deferred if t not in out.out])  # ours, before any is parsed
        wb, found = _read_tabs(
            path, src, rules_file, work, settings, order, helper is not None, out.out, book, late
        )
        if helper is not None and not readsplit.take_back(wb, helper.result(), out, found):
            # the second process failed, or a tab was not what its name said: read as one process
            scan_deferred(src)  # a damaged sheet is refused here, with the guard's own message
            return read_workbook(path, source=src, rules_file=rules_file, work=work, split=False)
    finally:
        claims.close()
        if helper is not None:
            helper.close()
    wb.findings = [f for tab in order for f in found.get(tab, [])]
    wb.verdicts = {tab: wb.verdicts[tab] for tab in order if tab in wb.verdicts}
    wb.sheets = dict(sorted(wb.sheets.items(), key=lambda kv: wb.tabs.index(kv[1].tab)))  # workbook order
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


def _read_tabs(
    path: str | Path,
    src: Source,
    rules_file: Path | None,
    work: SheetWork | None,
    settings: list[str],
    order: list[str],
    check_here: bool,
    handed: dict[str, str],
    book: Future[Any] | None = None,
    late: dict[str, Callable[[], bool]] | None = None,
) -> tuple[WorkbookData, dict[str, list[Finding]]]:
    """Read ``order`` but the ``handed`` tabs, one sheet at a time (its rows become a frame and are let
    go before the next); the ``late`` ones (handed too) last, each when claimed. With ``check_here``,
    run ``work`` on each sheet read. Each tab's findings."""
    wb = WorkbookData(path=Path(path), source=src, tabs=list(src.sheet_names))
    wb.mapping = mapping_mod.from_toml(rules_file, Mapping()) if not settings else Mapping()
    found: dict[str, list[Finding]] = {}
    each: Callable[[SheetData], Any] | None = None
    late = late or {}
    rank = {t: k for k, t in enumerate(order)}
    fixed = [t for t in handed if t not in late]
    skip = fixed.__contains__ if fixed else None
    tabs = [t for t in order if t not in late] + [t for t in order if t in late]
    for sheet in iter_raw(
        src, sheets=tabs, blank_as_none=False, head=HEAD_ROWS, skip=skip, book=book, late=late
    ):
        tab = sheet.name
        if tab in settings:
            sheet.rows.extend(sheet.rest)  # a few rules: every row is read
            wb.mapping = mapping_mod.from_toml(rules_file, mapping_mod.from_rows(sheet.rows))
        # the kinds the tabs before it hold (in reading order), those of the other reader's by name
        taken = {k for k, s in wb.sheets.items() if rank[s.tab] < rank[tab]}
        taken |= {handed[t] for t in handed if rank[t] < rank[tab] and t not in wb.verdicts}
        found[tab] = _read_tab(wb, sheet, taken)
        del sheet
        if check_here and work is not None and tab not in settings:
            each = each or work(wb)  # made once 规则配置 (read first) is in
            data = wb.sheets.get(wb.verdicts[tab].kind or "")
            if data is not None and data.tab == tab and data.pre is None:
                data.pre = each(data)
    return wb, found


def _read_tab(wb: WorkbookData, sheet: RawSheet, taken: set[str]) -> list[Finding]:
    """Judge one tab (``taken``: kinds held by the tabs before it) and map it; its findings."""
    tab = sheet.name
    findings: list[Finding] = []
    verdict = recognise.judge(tab, sheet.rows, wb.mapping, taken)
    wb.verdicts[tab] = verdict
    if verdict.schema is not None:
        data = map_sheet(
            verdict.schema,
            sheet,
            findings,
            wb.mapping,
            strict=verdict.how != "headers" and recognise.strict_name(tab, verdict.schema.name),
            totals=table_totals_rows(wb.source, tab),
        )
        if data is not None:
            data.reason = verdict.reason
            wb.sheets[verdict.schema.name] = data
    return findings


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
    data = map_sheet(recognise.LONE_ARCHIVE, sheet, [], wb.mapping, strict=False)
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
