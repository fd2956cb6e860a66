"""Which tabs the second reader takes (io/sidecar.py), what it does with them, and taking them back.

The choice is made from the tab names and the sizes in the zip directory alone, before the guard
inflates anything, so the second reader also inflates and pre-scans its own sheets (the guard's
checks, in that process: ``guard.scan_deferred``). A tab goes when its name says its kind (our
canonical names: ``recognise.strict_name``), no other tab's name says the same kind, and it is not
the archive, the registration sheet or 规则配置 (the check reads those first, and the archive's
parsed frame is the slowest to send back). What comes back is checked against what the one-process
read would have made (``take_back``): a 字段映射 line that gives the tab another kind, an earlier tab
holding its kind, a tab without its header — any of these, and the tabs are read by one process.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..findings import Finding
from ..schema import registry
from . import recognise, sidecar
from .guard import SheetExtent, Source, scan_deferred
from .rawread import open_ahead

if TYPE_CHECKING:
    from .reader import WorkbookData

# what the second reader sends back: per tab (tab, kind, how, reason, sheet without its schema,
# findings), and the extents of the sheets it scanned
Made = tuple[list[tuple[str, str | None, str, str, Any, list[Finding]]], dict[str, SheetExtent]]
_STAY = frozenset({registry.ARCHIVE.name, registry.REGISTRATION.name, registry.SETTINGS.name})


def reading_order(tabs: list[str]) -> tuple[list[str], list[str]]:
    """The tabs in the order they are read, 规则配置 first; and the 规则配置 tab (a list of 0 or 1)."""
    order = [t for t in tabs if t not in registry.COMPUTED_SHEETS or t in registry.ALL]
    # 规则配置 first: its 字段映射 lines (then the --rules file's) apply to every other sheet
    settings = [t for t in order if registry.match_sheet_name(t) == registry.SETTINGS.name][:1]
    return settings + [t for t in order if t not in settings], settings


def choose(tabs: list[str], parts: dict[str, str], sizes: dict[str, int]) -> dict[str, str]:
    """tab → kind for the second reader, about half the work (nothing when it would not pay)."""
    if not sidecar.available():
        return {}
    order, _ = reading_order(tabs)
    named: dict[str, str] = {}
    for tab in order:
        verdict = recognise.judge(tab, [], None, set())
        if verdict.schema is not None and verdict.how == "name" and tab in parts:
            named[tab] = verdict.schema.name
    kinds = list(named.values())
    fit = [t for t, k in named.items() if k not in _STAY and kinds.count(k) == 1]
    fit = [t for t in fit if sizes.get(t, 0) >= sidecar.MIN_PART]
    # about half the work each: reading and checking cost ~0.04 s per MB of sheet XML, the archive's
    # ~0.06 (its checks are the most); measured at 100k customers, issue #16
    weight = {t: n * (1.5 if named.get(t) == registry.ARCHIVE.name else 1.0) for t, n in sizes.items()}
    half, given = sum(weight.values()) / 2, 0.0
    chosen: set[str] = set()
    for tab in sorted(fit, key=lambda t: -sizes[t]):
        if not chosen or given + weight[tab] <= half * 1.1:
            chosen.add(tab)
            given += weight[tab]
    if sum(sizes[t] for t in chosen) < sidecar.MIN_BYTES:
        return {}
    return {t: named[t] for t in order if t in chosen}  # reading order


def defer(tabs: list[str], parts: dict[str, str], sizes: dict[str, int]) -> list[str]:
    """For ``guard.open_source``: when there is a second reader, every long sheet is scanned by the
    process that reads it, after the fork (the second reader starts ~0.5 s earlier at 100k)."""
    if not choose(tabs, parts, sizes):
        return []
    return [t for t in tabs if sizes.get(t, 0) >= sidecar.MIN_PART]


def handed_tabs(src: Source) -> dict[str, str]:
    """The tabs ``choose`` gives the second reader (for a source opened with or without ``defer``)."""
    return choose(list(src.sheet_names), src.sheet_parts, src.sheet_sizes)


def child(read: Any, src: Source, handed: dict[str, str], settings: list[str]) -> Made:
    """In the second process: scan the handed sheets, read 规则配置 and them as the parent would
    (``read(order, check_here, book)`` is the reader's own loop), and return what it made."""
    book = open_ahead(src)  # opened while the handed sheets are scanned
    scan_deferred(src, handed)
    wb, found = read(settings + list(handed), True, book)
    out = []
    for tab in handed:
        verdict = wb.verdicts[tab]
        kind = verdict.schema.name if verdict.schema is not None else None
        data = wb.sheets.get(kind or "")
        if data is not None and data.tab == tab:
            data.schema = None  # the parent puts its own registry object back
        else:
            data = None
        out.append((tab, kind, verdict.how, verdict.reason, data, found.get(tab, [])))
    return out, {t: src.extents[t] for t in handed}


def take_back(
    wb: WorkbookData, made: Made | None, handed: dict[str, str], found: dict[str, list[Finding]]
) -> bool:
    """Put the second reader's tabs in ``wb``; False when they differ from the one-process read."""
    if made is None:
        return False
    tabs, extents = made
    if [t[0] for t in tabs] != list(handed):
        return False
    held = {v.kind for t, v in wb.verdicts.items() if t not in handed}  # the kinds this process gave
    for tab, kind, _, _, data, _ in tabs:
        if kind != handed[tab] or data is None or kind in held:
            return False  # 字段映射 said otherwise, another tab holds its kind, or it has no header
    for tab, kind, how, reason, data, findings in tabs:
        assert kind is not None  # checked above
        schema = registry.ALL[kind]
        data.schema = schema
        wb.verdicts[tab] = recognise.Verdict(kind, how, reason, schema)
        wb.sheets[kind] = data
        found[tab] = findings
    wb.source.extents.update(extents)
    for tab in extents:
        wb.source.deferred.pop(tab, None)
    return True
