"""Checks over the whole workbook: parse every sheet, then the rules that need more than one value.

``check_workbook`` is the read → normalize → validate half of the monthly run; it never writes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pandas as pd

from ..findings import Change, Finding, sort_findings
from ..io.placement import Placement
from ..io.reader import WorkbookData
from ..rules import Rules, load_rules
from ..schema import registry
from ..schema.computed import DUPLICATE_COLUMNS
from . import content, duplicates, merge, returning, seed_content
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


def check_workbook(wb: WorkbookData, *, asof: date, rules_file: Path | None = None) -> Checked:
    findings: list[Finding] = list(wb.findings)
    rules, rule_findings = _rules(wb, rules_file)
    findings += rule_findings
    out = Checked(wb=wb, rules=rules, asof=asof)
    row_errors: dict[str, set[int]] = {}
    for name, sheet in wb.sheets.items():
        if name == registry.SETTINGS.name:
            continue
        clean, f, c = parse_sheet(sheet, context_year=asof.year, date1904=wb.date1904)
        if not sheet.schema.computed:
            f += schema_findings(sheet, clean)
            f += content.personal_data(sheet)
            f += content.vague_text(sheet)
            f += content.date_rules(sheet, clean, asof=asof, entry_limit=int(rules.entry_limit_workdays))
            f += seed_content.checks(sheet, clean, rules)  # issue #13 item 7
        out.clean[name] = clean
        findings += f
        out.changes += c
        row_errors[name] = {x.row for x in f if x.severity == "error" and x.row}

    archive = wb.get(registry.ARCHIVE.name)
    reg = wb.get(registry.REGISTRATION.name)
    rules = _id_pattern_in_use(rules, out.clean.get(registry.ARCHIVE.name), settings_has_pattern=_sets_pattern(wb))
    out.rules = rules
    history = out.clean.get(registry.HISTORY.name)
    history_ids = [] if history is None or "customer_id" not in history else [str(v) for v in history["customer_id"].dropna()]
    clean_archive = out.clean.get(registry.ARCHIVE.name)
    archive_keys = customer_keys(clean_archive) if clean_archive is not None else None
    ido = check_ids(archive, clean_archive, reg, out.clean.get(registry.REGISTRATION.name),
                    pattern=rules.id_pattern, channel_letters=dict(rules.channel_letters), history_ids=history_ids,
                    today=asof, reg_errors=row_errors.get(registry.REGISTRATION.name, set()), archive_keys=archive_keys,
                    source=wb.source)
    out.placement = ido.placement
    findings += ido.findings
    out.changes += ido.changes
    assigned_cells = {(c.sheet, c.cell) for c in ido.changes if c.field == "客户编号"}
    findings = [x for x in findings if not (x.code == "required" and (x.sheet, x.cell) in assigned_cells)]
    if archive is not None and registry.ARCHIVE.name in out.clean:
        clean_archive = out.clean[registry.ARCHIVE.name]
        assigned = {c.row: c.new for c in ido.changes
                    if c.sheet == archive.tab and c.field == "客户编号" and c.row in clean_archive.index}
        if assigned and "customer_id" in clean_archive:
            clean_archive.loc[list(assigned), "customer_id"] = list(assigned.values())
        # issue #13 item 4: pairs marked 合并 are merged first; merged rows are no customers any more
        mc, mf = merge.merge_marked(archive, out.clean, {n: wb.get(n) for n in (registry.FOLLOWUPS.name, registry.DEALS.name)},
                                    merge.marked_pairs(out.clean.get(registry.DUPLICATES.name)), out.changes)
        out.changes += mc
        findings += mf
        gone = merge.merged_rows(clean_archive)
        if len(gone):
            clean_archive = clean_archive.drop(gone)
            archive_keys = archive_keys.drop(gone, errors="ignore") if archive_keys is not None else None
        exact = duplicates.exact_duplicates(archive, clean_archive, archive_keys)
        findings += exact
        table, fuzzy = duplicates.fuzzy_duplicates(
            archive, clean_archive, threshold=float(rules.dup_threshold),
            decisions=duplicates.read_decisions(out.clean.get(registry.DUPLICATES.name)),
            exact={x.row for x in exact if x.row}, keys=archive_keys)
        findings += fuzzy
        # issue #13 item 5: a returning lead with other contact data → a proposal in 疑似重复
        proposals, rf, rc = returning.returning_leads(
            archive, reg, out.clean, out.changes, duplicates.read_decisions(out.clean.get(registry.DUPLICATES.name)))
        findings += rf
        out.changes += rc
        if proposals:
            table = pd.concat([table, pd.DataFrame(proposals, columns=list(DUPLICATE_COLUMNS))], ignore_index=True)
        out.duplicates = table
        if ido.new_archive_rows is not None and not ido.new_archive_rows.empty:
            clean_archive = pd.concat([clean_archive, ido.new_archive_rows.reindex(columns=clean_archive.columns)])
        out.clean[registry.ARCHIVE.name] = clean_archive
        known = set(clean_archive["customer_id"].dropna()) if "customer_id" in clean_archive else set()
        for ref in (registry.FOLLOWUPS.name, registry.DEALS.name):
            sheet = wb.get(ref)
            if sheet is not None and ref in out.clean:
                findings += content.unknown_customers(sheet, out.clean[ref], known)
    # the hidden cells of a vertical merge are read with the merged value, never reported or written
    copies = {(s.tab, ref) for s in wb.sheets.values() for ref in s.merged_copies}
    if copies:
        findings = [x for x in findings if (x.sheet, x.cell) not in copies]
        out.changes = [c for c in out.changes if (c.sheet, c.cell) not in copies]
    out.findings = sort_findings(findings)
    return out


ID_PATTERNS = ("CX{yyyy}{mm}{seq:03}", "C{seq:03}", "{yy}{mm}{channel}{seq:03}")


def _sets_pattern(wb: WorkbookData) -> bool:
    sheet = wb.get(registry.SETTINGS.name)
    if sheet is None or "key" not in sheet.columns:
        return False
    return any(isinstance(k, str) and "编号规则" in k for k in sheet.frame["key"])


def _id_pattern_in_use(rules: Rules, archive: pd.DataFrame | None, *, settings_has_pattern: bool) -> Rules:
    """Without a 客户编号规则 in 规则配置, follow the pattern the workbook's IDs already use (seed 004: C001).

    A workbook numbered C001, C002 … would otherwise see every ID reported as malformed.
    """
    if settings_has_pattern or archive is None or "customer_id" not in archive:
        return rules
    ids = [v for v in archive["customer_id"] if isinstance(v, str) and v]
    if not ids:
        return rules
    from dataclasses import replace

    from ..normalize import IdPattern

    share = {p: sum(IdPattern.parse(p).matches(v) for v in ids) / len(ids) for p in ID_PATTERNS}
    if share.get(rules.id_pattern, 0) >= 0.5:
        return rules
    best = max(share, key=lambda p: share[p])
    return replace(rules, id_pattern=best) if share[best] >= 0.8 else rules


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
