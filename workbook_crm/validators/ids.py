"""Customer IDs and intake (一客一档): check IDs, assign missing ones, file new leads into 客户档案.

seed 000 步骤二 / seed 003 模板说明: every customer has one number; existing valid numbers never change;
a registration that matches a filed customer is linked to it, never filed twice (the matching and
the new 客户档案 rows are in intake.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pandas as pd

from ..findings import Change, Finding
from ..io.guard import Source
from ..io.placement import Placement, place_rows
from ..io.reader import SheetData
from ..normalize import IdPattern, assign_ids
from .cells import repeats
from .intake import RULE_ASSIGN, file_new, match_registrations, registration_id
from .intake import customer_keys as customer_keys  # re-exported: duplicates.py reads it here

RULE_TIDY = "编号规范化"
RULE_LINK = "关联已建档客户"


@dataclass
class IdOutcome:
    findings: list[Finding] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    new_archive_rows: pd.DataFrame | None = None  # clean rows appended to 客户档案 (index = new Excel rows)
    placement: Placement | None = None  # where they go (a footer in the way moves down; io/placement.py)


def check_ids(
    archive: SheetData | None,
    clean_archive: pd.DataFrame | None,
    registration: SheetData | None,
    clean_reg: pd.DataFrame | None,
    *,
    pattern: str,
    channel_letters: dict[str, str],
    history_ids: list[str],
    today: date,
    reg_errors: set[int],
    archive_keys: pd.DataFrame | None = None,
    source: Source | None = None,
    report_odd: bool = True,
) -> IdOutcome:
    """``report_odd=False``: the scheme was read from the codes themselves (validators/house.py), so a
    code that does not follow it is the team's, not an error (said once there)."""
    out = IdOutcome()
    if archive is None or clean_archive is None or "customer_id" not in archive.columns:
        return out
    ids = clean_archive["customer_id"]
    _duplicate_ids(archive, ids, out)

    # Registrations not yet filed: link to an existing customer or file them anew.
    new_regs: list[int] = []
    links: dict[int, str] = {}
    if registration is not None and clean_reg is not None and not clean_reg.empty:
        new_regs, links = match_registrations(clean_archive, clean_reg, reg_errors, archive_keys)
        if "customer_id" in registration.columns:
            for row, cid in links.items():
                if clean_reg.at[row, "customer_id"] != cid:
                    out.changes.append(registration_id(registration, row, cid, RULE_LINK))

    existing = [v if isinstance(v, str) and v else None for v in ids.tolist()] + [None] * len(new_regs)
    firsts = _dates(clean_archive, "first_contact") + (
        _dates(clean_reg, "first_contact", new_regs) if new_regs else []
    )
    sources = _col(clean_archive, "source") + (_col(clean_reg, "source", new_regs) if new_regs else [])
    assigned, norms = assign_ids(
        existing,
        firsts,
        sources,
        pattern=pattern,
        channel_letters=channel_letters,
        history_ids=history_ids,
        default_date=today,
    )
    arch_rows = list(clean_archive.index)
    shown = IdPattern.parse(pattern).describe()
    for i, n in norms:
        if i < len(arch_rows):
            if n.code == "bad-id" and not report_odd:
                continue
            row = arch_rows[i]
            out.findings.append(
                Finding(
                    n.code or "bad-id",
                    sheet=archive.tab,
                    cell=archive.cell("customer_id", row),
                    row=row,
                    column=archive.letter("customer_id"),
                    field="客户编号",
                    value=ids.iat[i],
                    params={**dict(n.params), "pattern": shown},
                )
            )
        elif registration is not None:
            row = new_regs[i - len(arch_rows)]
            out.findings.append(
                Finding(
                    n.code or "id-overflow",
                    sheet=registration.tab,
                    cell=registration.cell("name", row),
                    row=row,
                    field="客户编号",
                    value=None,
                    params=dict(n.params),
                )
            )
    # one column read, not 100k ``.at`` lookups; the pattern parsed once
    as_typed = archive.frame["customer_id"].loc[arch_rows].tolist()
    ours = IdPattern.parse(pattern).regex.match
    for i, (row, typed, new_id) in enumerate(zip(arch_rows, as_typed, assigned, strict=False)):
        if not new_id:
            continue
        if not existing[i]:
            rule = RULE_ASSIGN
        elif isinstance(typed, str) and new_id != typed and ours(new_id):
            rule = RULE_TIDY  # cx202405004 → CX202405004 (CHOICES.md): the same ID, tidied
        else:
            continue
        out.changes.append(
            Change(
                archive.tab,
                archive.cell("customer_id", row),
                typed,
                new_id,
                rule,
                field="客户编号",
                row=row,
            )
        )
    if new_regs and registration is not None and clean_reg is not None:
        new_ids = assigned[len(arch_rows) :]
        count = sum(1 for cid in new_ids if cid)
        place = (
            place_rows(source, archive, count)
            if source is not None
            else Placement(archive.last_row + 1, count, data_end=archive.last_row)
        )
        out.placement = place
        if place.blocked:  # never written over a footer: nothing is filed, one finding says why
            row = int(place.label_cell.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ") or place.footer[0])
            out.findings.append(
                Finding(
                    "footer-blocks-intake",
                    sheet=archive.tab,
                    cell=place.label_cell,
                    row=row,
                    column=place.label_cell[: len(place.label_cell) - len(str(row))],
                    value=place.label,
                    params={"count": count, "reason": place.blocked, "row": row},
                )
            )
        else:
            out.new_archive_rows = file_new(
                archive, registration, clean_reg, new_regs, new_ids, out.changes, place.first
            )
    return out


def _duplicate_ids(archive: SheetData, ids: pd.Series, out: IdOutcome) -> None:
    dup, first_row = repeats(ids[ids.notna()])
    first_cell = {v: archive.cell("customer_id", r) for v, r in first_row.items()}
    for row, v in dup.items():
        out.findings.append(
            Finding(
                "duplicate-id",
                sheet=archive.tab,
                cell=archive.cell("customer_id", row),
                row=row,
                column=archive.letter("customer_id"),
                field="客户编号",
                value=v,
                params={"other": first_cell.get(v, "")},
            )
        )


def _dates(frame: pd.DataFrame, col: str, rows: list[int] | None = None) -> list[date | None]:
    if col not in frame:
        return [None] * (len(rows) if rows is not None else len(frame))
    s = frame[col] if rows is None else frame.loc[rows, col]
    if pd.api.types.is_datetime64_any_dtype(s.dtype):  # each distinct day converted once
        codes, uniq = pd.factorize(s)
        table = [t.date() for t in uniq] + [None]  # code -1 (NaT) reads the last: None
        return [table[c] for c in codes.tolist()]
    return [None if pd.isna(v) else v.date() for v in s]


def _col(frame: pd.DataFrame, col: str, rows: list[int] | None = None) -> list[Any]:
    if col not in frame:
        return [None] * (len(rows) if rows is not None else len(frame))
    s = frame[col] if rows is None else frame.loc[rows, col]
    return [v if isinstance(v, str) else None for v in s]
