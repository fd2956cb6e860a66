"""Checks over the whole workbook: parse every sheet, then the rules that need more than one value.

``check_workbook`` is the read → normalize → validate half of the monthly run; it never writes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from ..findings import Change, Finding, aggregate, sort_findings
from ..io import sidecar
from ..io.placement import Placement
from ..io.reader import SheetData, WorkbookData
from ..rules import Rules, load_rules
from ..schema import registry
from ..schema.computed import DUPLICATE_COLUMNS
from . import contact, content, duplicates, links, merge, returning, seed_content
from .enums import release_foreign_enums
from .fuzzyjob import fuzzy_job
from .house import house_pattern
from .ids import check_ids, customer_keys
from .schema_checks import schema_findings
from .values import parse_sheet


@dataclass
class Checked:
    wb: WorkbookData
    rules: Rules
    asof: date
    clean: dict[str, pd.DataFrame] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    duplicates: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=list(DUPLICATE_COLUMNS)))
    placement: Placement | None = None  # where intake's new 客户档案 rows go (io/placement.py)
    # check_workbook(background=True): the similar names still being looked for, the returning leads'
    # proposals that follow them in 疑似重复, the hidden cells of merges (see ``finish``)
    pending: tuple[sidecar.Job, pd.DataFrame | None, set[tuple[str, str]]] | None = None

    def finish(self) -> None:
        """Put in what ``check_workbook(background=True)`` left running: the 疑似重复 pairs."""
        if self.pending is None:
            return
        job, proposals, copies = self.pending
        self.pending = None
        table, fuzzy = job.result()
        self.findings = sort_findings(
            [*self.findings, *(x for x in fuzzy if (x.sheet, x.cell) not in copies)]
        )
        self.duplicates = table if proposals is None else pd.concat([table, proposals], ignore_index=True)

    def stop(self) -> None:
        """The run ended without ``finish``: stop what was left running."""
        if self.pending is not None:
            self.pending[0].stop()
            self.pending = None


@dataclass
class SheetChecked:
    """The per-sheet half of the check: one sheet parsed and checked on its own."""

    clean: pd.DataFrame
    findings: list[Finding]
    changes: list[Change]
    made_for: tuple[date, Path | None] | None = None  # (asof, --rules file) when a reader made it


def check_sheet(sheet: SheetData, rules: Rules, *, asof: date, date1904: bool) -> SheetChecked:
    """Parse one sheet and run the rules that need only its own values (the rest need the workbook)."""
    f = release_foreign_enums(sheet, rules.extra_choices) if not sheet.schema.computed else []
    clean, parsed, c = parse_sheet(
        sheet, context_year=asof.year, date1904=date1904, extra_choices=rules.extra_choices
    )
    f += parsed
    if not sheet.schema.computed:
        f += schema_findings(sheet, clean)
        f += content.personal_data(sheet)
        f += content.vague_text(sheet)
        f += content.date_rules(sheet, clean, asof=asof, entry_limit=int(rules.entry_limit_workdays))
        f += seed_content.checks(sheet, clean, rules)  # issue #13 item 7
        if sheet.name == registry.REGISTRATION.name:
            f += contact.reachable(sheet, clean)
    return SheetChecked(clean, f, c)


def sheet_work(asof: date, rules_file: Path | None) -> Callable[[WorkbookData], Callable[[SheetData], Any]]:
    """``check_sheet`` for the readers while two read (io/reader.py): the rules come from 规则配置."""

    def prepare(wb: WorkbookData) -> Callable[[SheetData], Any]:
        rules = _rules(wb, rules_file)[0]

        def each(sheet: SheetData) -> SheetChecked:
            done = check_sheet(sheet, rules, asof=asof, date1904=wb.date1904)
            done.made_for = (asof, rules_file)
            return done

        return each

    return prepare


def check_workbook(
    wb: WorkbookData,
    *,
    asof: date,
    rules_file: Path | None = None,
    previous: dict[str, dict[str, Any]] | None = None,
    settled: set[str] | None = None,
    background: bool = False,
) -> Checked:
    """Parse, normalize and check every sheet. ``previous``/``settled``: what the last run left
    (the archive's values, the registration rows already filed) — see ``returning.py``.

    ``background``: the similar names (疑似重复) may still be looked for in a forked process when this
    returns; the caller grades meanwhile (grading reads no warning) and calls ``Checked.finish``."""
    findings: list[Finding] = list(wb.findings)
    rules, rule_findings = _rules(wb, rules_file)
    findings += rule_findings
    out = Checked(wb=wb, rules=rules, asof=asof)
    row_errors: dict[str, set[int]] = {}
    fuzzy: sidecar.Job | None = None
    later: pd.DataFrame | None = None
    for name, sheet in wb.sheets.items():
        if name == registry.SETTINGS.name:
            continue
        done, sheet.pre = sheet.pre, None
        if not (isinstance(done, SheetChecked) and done.made_for == (asof, rules_file)):  # not done before
            done = check_sheet(sheet, rules, asof=asof, date1904=wb.date1904)
        out.clean[name] = done.clean
        findings += done.findings
        out.changes += done.changes
        row_errors[name] = {x.row for x in done.findings if x.severity == "error" and x.row}

    archive = wb.get(registry.ARCHIVE.name)
    reg = wb.get(registry.REGISTRATION.name)
    rules, odd_ids_are_errors, notes = house_pattern(rules, archive, out.clean.get(registry.ARCHIVE.name))
    findings += notes
    links.ensure_archive_keys(wb, out.clean)  # a list without IDs: customers known by their row
    links.deal_amounts(out.clean)
    clean_archive = out.clean.get(registry.ARCHIVE.name)
    archive_keys = None
    archive_names = None  # company-name keys, computed once for linking, intake and duplicates
    if clean_archive is not None:
        archive_keys = customer_keys(clean_archive)
        archive_names = archive_keys["name"] if "name" in clean_archive else None
    findings += links.link_by_name(wb, out.clean, archive_names)
    out.rules = rules
    history = out.clean.get(registry.HISTORY.name)
    history_ids = (
        []
        if history is None or "customer_id" not in history
        else [str(v) for v in history["customer_id"].dropna()]
    )
    ido = check_ids(
        archive,
        clean_archive,
        reg,
        out.clean.get(registry.REGISTRATION.name),
        pattern=rules.id_pattern,
        channel_letters=dict(rules.channel_letters),
        history_ids=history_ids,
        today=asof,
        reg_errors=row_errors.get(registry.REGISTRATION.name, set()),
        archive_keys=archive_keys,
        source=wb.source,
        report_odd=odd_ids_are_errors,
    )
    out.placement = ido.placement
    findings += ido.findings
    out.changes += ido.changes
    assigned_cells = {(c.sheet, c.cell) for c in ido.changes if c.field == "客户编号"}
    findings = [x for x in findings if not (x.code == "required" and (x.sheet, x.cell) in assigned_cells)]
    clean_reg = out.clean.get(registry.REGISTRATION.name)
    if reg is not None and clean_reg is not None and "customer_id" in clean_reg:
        # a lead filed in this run carries its new 客户编号 into grading (its 最近跟进时间 counts now)
        got = {
            c.row: c.new
            for c in ido.changes
            if c.sheet == reg.tab and c.field == "客户编号" and c.row in clean_reg.index
        }
        if got:
            clean_reg["customer_id"] = clean_reg["customer_id"].astype(object)
            clean_reg.loc[list(got), "customer_id"] = list(got.values())
    if archive is not None and registry.ARCHIVE.name in out.clean:
        clean_archive = out.clean[registry.ARCHIVE.name]
        assigned = {
            c.row: c.new
            for c in ido.changes
            if c.sheet == archive.tab and c.field == "客户编号" and c.row in clean_archive.index
        }
        if assigned and "customer_id" in clean_archive:
            clean_archive.loc[list(assigned), "customer_id"] = list(assigned.values())
        # issue #13 item 4: pairs marked 合并 are merged first; merged rows are no customers any more
        mc, mf = merge.merge_marked(
            archive,
            out.clean,
            {n: wb.get(n) for n in (registry.FOLLOWUPS.name, registry.DEALS.name)},
            merge.marked_pairs(out.clean.get(registry.DUPLICATES.name)),
            out.changes,
        )
        out.changes += mc
        findings += mf
        gone = merge.merged_rows(clean_archive)
        if len(gone):
            clean_archive = clean_archive.drop(gone)
            archive_keys = archive_keys.drop(gone, errors="ignore") if archive_keys is not None else None
        exact = duplicates.exact_duplicates(archive, clean_archive, archive_keys)
        findings += exact
        fuzzy = fuzzy_job(
            archive,
            clean_archive,
            threshold=float(rules.dup_threshold),
            decisions=duplicates.read_decisions(out.clean.get(registry.DUPLICATES.name)),
            exact={x.row for x in exact if x.row},
            keys=archive_keys,
        )
        # issue #13 item 5: a returning lead with other contact data → a proposal in 疑似重复
        proposals, rf, rc = returning.returning_leads(
            archive,
            reg,
            out.clean,
            out.changes,
            duplicates.read_decisions(out.clean.get(registry.DUPLICATES.name)),
            previous,
            settled,
        )
        findings += rf
        out.changes += rc
        later = pd.DataFrame(proposals, columns=list(DUPLICATE_COLUMNS)) if proposals else None
        if ido.new_archive_rows is not None and not ido.new_archive_rows.empty:
            clean_archive = pd.concat(
                [clean_archive, ido.new_archive_rows.reindex(columns=clean_archive.columns)]
            )
        out.clean[registry.ARCHIVE.name] = clean_archive
        known = set(clean_archive["customer_id"].dropna()) if "customer_id" in clean_archive else set()
        for ref in (registry.FOLLOWUPS.name, registry.DEALS.name):
            ref_sheet = wb.get(ref)
            if ref_sheet is not None and ref in out.clean:
                findings += content.unknown_customers(ref_sheet, out.clean[ref], known)
    # the hidden cells of a vertical merge are read with the merged value, never reported or written
    copies = {(s.tab, ref) for s in wb.sheets.values() for ref in s.merged_copies}
    if copies:
        findings = [x for x in findings if (x.sheet, x.cell) not in copies]
        out.changes = [c for c in out.changes if (c.sheet, c.cell) not in copies]
    out.findings = sort_findings(findings)
    if fuzzy is not None:  # started last: nothing that can fail comes between it and the caller
        fuzzy.start(background)
        out.pending = (fuzzy, later, copies)
        if not background:
            out.finish()
    return out


def reportable(checked: Checked, more: Iterable[Finding] = ()) -> list[Finding]:
    """The findings as a user sees them: a problem repeated down a column is one finding at its header."""
    header_rows = {s.tab: s.header_row for s in checked.wb.sheets.values() if not s.schema.computed}
    return sort_findings(
        aggregate([*checked.findings, *more], header_rows, min_count=int(checked.rules.merge_threshold))
    )


def _rules(wb: WorkbookData, rules_file: Path | None) -> tuple[Rules, list[Finding]]:
    sheet = wb.get(registry.SETTINGS.name)
    rows: list[tuple[int, str, object]] = []
    value_col = "B"
    sheet_name = registry.SETTINGS.name
    if sheet is not None and "key" in sheet.columns and "value" in sheet.columns:
        value_col = sheet.letter("value")
        sheet_name = sheet.tab
        for row, key, value in zip(sheet.frame.index, sheet.frame["key"], sheet.frame["value"], strict=False):
            if key:
                rows.append((int(row), str(key), value))
    return load_rules(rows, sheet=sheet_name, value_col=value_col, toml_path=rules_file)
