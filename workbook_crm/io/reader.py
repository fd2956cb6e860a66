"""The workbook model: find each sheet, its header row and its fields; keep every value's source cell.

Reading stops at *what was typed*: values are raw (as the fast reader gives them), the frame index is
the Excel row number, and the column letters are kept so every finding names the cell a user clicks.
Parsing (normalize/) and checking (validators/) come after. One tab's mapping is io/mapsheet.py.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import NoRecognisableSheet
from ..findings import Finding
from ..schema import registry
from . import mapping as mapping_mod
from . import recognise, sidecar
from .guard import Source, open_source
from .mapping import Mapping
from .mapsheet import SheetData, map_sheet
from .placement import table_totals_rows
from .rawread import RawSheet, iter_raw

HEADER_SCAN_ROWS = recognise.HEADER_SCAN_ROWS
# what the second reader sends back per tab: (tab, kind, how, reason, sheet without its schema, findings)
Handed = tuple[str, str | None, str, str, SheetData | None, list[Finding]]
# the per-sheet work the second reader runs: made from the workbook once 规则配置 is read
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

    The longest sheets whose names say what they are may be read by a second process (io/sidecar.py)
    while this one reads the others; ``work(wb)`` gives what that process runs on each sheet it read
    (the check's per-sheet half), kept in ``SheetData.pre``. The result is the same either way.
    """
    src = source or open_source(Path(path), password=password)
    tabs = list(src.sheet_names)
    wb = WorkbookData(path=Path(path), source=src, tabs=tabs)
    order = [t for t in tabs if t not in registry.COMPUTED_SHEETS or t in registry.ALL]
    # 规则配置 first: its 字段映射 lines (then the --rules file's) apply to every other sheet
    settings = [t for t in order if registry.match_sheet_name(t) == registry.SETTINGS.name][:1]
    order = settings + [t for t in order if t not in settings]
    wb.mapping = mapping_mod.from_toml(rules_file, Mapping()) if not settings else Mapping()
    found: dict[str, list[Finding]] = {}  # each tab's findings, put in reading order at the end
    handed: dict[str, str] = {}  # tabs read by the second process -> the kind their names say
    helper: sidecar.Sidecar | None = None
    each: Callable[[SheetData], Any] | None = None
    try:
        if split and not settings:
            helper = _hand_over(wb, order, work, handed)
        # one sheet at a time: its rows become a frame and are let go before the next is read
        for sheet in iter_raw(
            src, sheets=order, blank_as_none=False, head=HEAD_ROWS, skip=handed.__contains__
        ):
            tab = sheet.name
            if tab in settings:
                sheet.rows.extend(sheet.rest)  # a few rules: every row is read
                wb.mapping = mapping_mod.from_toml(rules_file, mapping_mod.from_rows(sheet.rows))
            before = {handed[t] for t in handed if order.index(t) < order.index(tab)}
            found[tab] = _read_tab(wb, sheet, set(wb.sheets) | before)
            del sheet
            if helper is not None and each is None and work is not None:
                each = work(wb)
            data = wb.sheets.get(wb.verdicts[tab].kind or "")
            if each is not None and data is not None and data.tab == tab and data.pre is None:
                data.pre = each(data)  # while the second reader works: this one checks its own sheets
            if split and tab in settings:
                helper = _hand_over(wb, order, work, handed)
        if helper is not None and not _take_back(wb, helper.result(), handed, order, found):
            # the second process failed, or a tab was not what its name said: read as one process
            return read_workbook(path, source=src, rules_file=rules_file, work=work, split=False)
    finally:
        if helper is not None:
            helper.close()
    wb.findings = [f for tab in order for f in found.get(tab, [])]
    wb.verdicts = {tab: wb.verdicts[tab] for tab in order if tab in wb.verdicts}
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


def _hand_over(
    wb: WorkbookData, order: list[str], work: SheetWork | None, handed: dict[str, str]
) -> sidecar.Sidecar | None:
    """Fork the second reader for the long tabs whose names say their kind, put in ``handed``.

    A tab goes only when its verdict needs no rows (its name, or 字段映射) and no other tab could
    claim the same kind by name; the archive and the registration sheet stay (the check reads them
    first, and the archive's parsed frame is the slowest to send back)."""
    if not sidecar.available():
        return None
    sizes = sidecar.sheet_sizes(wb.source.data, wb.source.sheet_parts)
    named: dict[str, str] = {}
    for tab in order:
        verdict = recognise.judge(tab, [], wb.mapping, set())
        if verdict.schema is not None and verdict.how in ("name", "mapping"):
            named[tab] = verdict.schema.name
    kinds = list(named.values())
    stay = {registry.ARCHIVE.name, registry.REGISTRATION.name, registry.SETTINGS.name}
    fit = [
        t
        for t, k in named.items()
        if k not in stay and kinds.count(k) == 1 and sizes.get(t, 0) >= sidecar.MIN_PART
    ]
    # about half the work each: reading and checking cost ~0.04 s per MB of sheet XML, the archive's
    # ~0.06 (its checks are the most); measured at 100k customers, issue #16
    weight = {t: n * (1.5 if named.get(t) == registry.ARCHIVE.name else 1.0) for t, n in sizes.items()}
    half, given = sum(weight.values()) / 2, 0.0
    chosen: dict[str, str] = {}
    for tab in sorted(fit, key=lambda t: -sizes[t]):
        if not chosen or given + weight[tab] <= half * 1.1:
            chosen[tab] = named[tab]
            given += weight[tab]
    chosen = {t: named[t] for t in order if t in chosen}  # reading order
    if sum(sizes[t] for t in chosen) < sidecar.MIN_BYTES:
        return None
    handed.update(chosen)
    tabs = list(chosen)
    return sidecar.Sidecar(lambda: _read_handed(wb, tabs, work))


def _read_handed(wb: WorkbookData, tabs: list[str], work: SheetWork | None) -> list[Handed]:
    """In the second process: read ``tabs`` as the parent would, run ``work`` on each."""
    each = work(wb) if work is not None else None
    out: list[Handed] = []
    for sheet in iter_raw(wb.source, sheets=tabs, blank_as_none=False, head=HEAD_ROWS):
        tab = sheet.name
        wb.sheets.clear()
        findings = _read_tab(wb, sheet, set())
        del sheet
        data = next(iter(wb.sheets.values()), None)
        verdict = wb.verdicts[tab]
        if data is not None and each is not None:
            data.pre = each(data)
        kind = verdict.schema.name if verdict.schema is not None else None
        if data is not None:
            data.schema = None  # type: ignore[assignment]  # the parent puts its own registry object back
        out.append((tab, kind, verdict.how, verdict.reason, data, findings))
    return out


def _take_back(
    wb: WorkbookData,
    made: list[Handed] | None,
    handed: dict[str, str],
    order: list[str],
    found: dict[str, list[Finding]],
) -> bool:
    """Put the second reader's tabs in ``wb``; False when they are not what the one-process read makes."""
    if made is None or [m[0] for m in made] != list(handed):
        return False
    for tab, kind, how, reason, data, findings in made:
        earlier = {wb.verdicts[t].kind for t in order[: order.index(tab)] if t in wb.verdicts}
        if kind != handed[tab] or data is None or kind in earlier:
            return False  # its name said one kind, but an earlier tab holds it, or it has no header
        schema = registry.ALL[kind]
        data.schema = schema
        wb.verdicts[tab] = recognise.Verdict(kind, how, reason, schema)
        wb.sheets[kind] = data
        found[tab] = findings
    return True


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
