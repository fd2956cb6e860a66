"""Which tabs the second reader takes (io/sidecar.py), what it does with them, and taking them back.

The choice is made from the tab names and the sizes in the zip directory alone, before the guard
inflates anything, so the second reader also inflates and pre-scans its own sheets (the guard's
checks, in that process: ``guard.scan_deferred``). A tab goes when its name says its kind (our
canonical names: ``recognise.strict_name``), no other tab's name says the same kind, and it is not
the archive, the registration sheet or 规则配置 (the check reads those first, and the archive's
parsed frame is the slowest to send back). What comes back is checked against what the one-process
read would have made (``take_back``): a 字段映射 line that gives the tab another kind, an earlier tab
holding its kind, a tab without its header — any of these, and the tabs are read by one process.
Only the largest such tab is the second reader's for sure (``Split.fixed``); the others (``floats``)
go to whichever process reaches them first, since no fixed weighting balances every size.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
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


@dataclass(frozen=True)
class Split:
    """The tabs read by the second process (``fixed``) and those read by whichever of the two is free
    first (``floats``: each claims one when it reaches it, io/sidecar.py ``Claims``); tab → kind."""

    fixed: dict[str, str] = field(default_factory=dict)
    floats: dict[str, str] = field(default_factory=dict)

    @property
    def out(self) -> dict[str, str]:
        """Every tab whose kind is taken from its name: the tabs the second process may read."""
        return {**self.fixed, **self.floats}

    def __bool__(self) -> bool:
        return bool(self.fixed)


def choose(tabs: list[str], parts: dict[str, str], sizes: dict[str, int]) -> Split:
    """The second reader's tab (the largest that fits) and the tabs left to whoever is free first
    (nothing when it would not pay)."""
    if not sidecar.available():
        return Split()
    order, _ = reading_order(tabs)
    named: dict[str, str] = {}
    for tab in order:
        verdict = recognise.judge(tab, [], None, set())
        if verdict.schema is not None and verdict.how == "name" and tab in parts:
            named[tab] = verdict.schema.name
    kinds = list(named.values())
    fit = [t for t, k in named.items() if k not in _STAY and kinds.count(k) == 1]
    fit = sorted((t for t in fit if sizes.get(t, 0) >= sidecar.MIN_PART), key=lambda t: -sizes[t])
    # whether it pays: the sheet XML the second reader would take for about half the work (reading and
    # checking cost ~0.04 s per MB, the archive's ~0.06: its checks are the most; measured at 100k
    # customers, issue #16) must reach MIN_BYTES
    weight = {t: n * (1.5 if named.get(t) == registry.ARCHIVE.name else 1.0) for t, n in sizes.items()}
    half, given = sum(weight.values()) / 2, 0.0
    chosen: list[str] = []
    for tab in fit:
        if not chosen or given + weight[tab] <= half * 1.1:
            chosen.append(tab)
            given += weight[tab]
    if not fit or sum(sizes[t] for t in chosen) < sidecar.MIN_BYTES:
        return Split()
    # but the weights are right to ~20 % only (per MB both sides cost more at 300k than at 100k), so
    # the second reader is given the largest tab alone, and the others go to whichever reader is done
    # with its own first (measured: the parent waited 11.9 s at 300k)
    return Split(
        {fit[0]: named[fit[0]]},
        {t: named[t] for t in order if t in fit[1:]},  # reading order
    )


def defer(tabs: list[str], parts: dict[str, str], sizes: dict[str, int]) -> list[str]:
    """For ``guard.open_source``: when there is a second reader, every long sheet is scanned by the
    process that reads it, after the fork (the second reader starts ~0.5 s earlier at 100k)."""
    if not choose(tabs, parts, sizes):
        return []
    return [t for t in tabs if sizes.get(t, 0) >= sidecar.MIN_PART]


def split_of(src: Source) -> Split:
    """The tabs ``choose`` hands out (for a source opened with or without ``defer``)."""
    return choose(list(src.sheet_names), src.sheet_parts, src.sheet_sizes)


def claims_of(src: Source, split: Split, claims: sidecar.Claims) -> dict[str, Callable[[], bool]]:
    """``iter_raw``'s ``late``: each float claimed when a reader reaches it, then scanned by that reader."""

    def claim(tab: str) -> Callable[[], bool]:
        def take() -> bool:
            if not claims.take(tab):
                return False
            scan_deferred(src, [tab])
            return True

        return take

    return {tab: claim(tab) for tab in split.floats}


def child(read: Any, src: Source, split: Split, settings: list[str], claims: sidecar.Claims) -> Made:
    """In the second process: scan the fixed sheets, read 规则配置, them and the floats it claims as the
    parent would (``read(order, check_here, book, late)`` is the reader's own loop); what it made."""
    book = open_ahead(src)  # opened while the fixed sheets are scanned
    scan_deferred(src, split.fixed)
    wb, found = read(settings + list(split.out), True, book, claims_of(src, split, claims))
    out = []
    for tab in split.out:
        if tab not in wb.verdicts:
            continue  # a float the parent took
        verdict = wb.verdicts[tab]
        kind = verdict.schema.name if verdict.schema is not None else None
        data = wb.sheets.get(kind or "")
        if data is not None and data.tab == tab:
            data.schema = None  # the parent puts its own registry object back
        else:
            data = None
        out.append((tab, kind, verdict.how, verdict.reason, data, found.get(tab, [])))
    return out, {t[0]: src.extents[t[0]] for t in out}


def take_back(wb: WorkbookData, made: Made | None, split: Split, found: dict[str, list[Finding]]) -> bool:
    """Put the second reader's tabs in ``wb``; False when they differ from the one-process read.

    The floats this process read itself are in ``wb`` already; each must hold its named kind too."""
    if made is None:
        return False
    tabs, extents = made
    out = split.out
    mine = [t for t in out if t in wb.verdicts]
    if [t[0] for t in tabs] != [t for t in out if t not in mine]:
        return False  # a float read twice or by nobody, or the fixed tabs not all read
    held = {v.kind for t, v in wb.verdicts.items() if t not in out}  # the kinds this process gave
    for tab in mine:
        data = wb.sheets.get(out[tab])
        if wb.verdicts[tab].kind != out[tab] or data is None or data.tab != tab or out[tab] in held:
            return False
    for tab, kind, _, _, data, _ in tabs:
        if kind != out[tab] or data is None or kind in held:
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
