"""Customer IDs and intake (一客一档): check IDs, assign missing ones, file new leads into 客户档案.

seed 000 步骤二 / seed 003 模板说明: every customer has one number; existing valid numbers never change;
a registration that matches a filed customer is linked to it, never filed twice.
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
from ..normalize import IdPattern, assign_ids, company_key

RULE_ASSIGN = "分配客户编号"
RULE_TIDY = "编号规范化"
RULE_LINK = "关联已建档客户"
RULE_INTAKE = "登记表建档"

# Registration field -> archive field for a newly filed customer.
INTAKE_FIELDS = (
    ("customer_id", "customer_id"),
    ("name", "name"),
    ("credit_code", "credit_code"),
    ("industry", "industry"),
    ("company_size", "company_size"),
    ("address", "reg_address"),
    ("contact", "contact"),
    ("title", "title"),
    ("mobile", "mobile"),
    ("landline", "landline"),
    ("email", "email"),
    ("decision_chain", "decision_chain"),
    ("customer_type", "customer_type"),
    ("source", "source"),
    ("follower", "owner"),
    ("first_contact", "first_contact"),
    ("urgency", "urgency"),
)


@dataclass
class IdOutcome:
    findings: list[Finding] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    new_archive_rows: pd.DataFrame | None = None  # clean rows appended to 客户档案 (index = new Excel rows)
    placement: Placement | None = None  # where they go (a footer in the way moves down; io/placement.py)


def customer_keys(clean: pd.DataFrame) -> pd.DataFrame:
    """Exact matching keys of each row: credit code, company-name key, mobile, email."""
    keys = pd.DataFrame(index=clean.index)
    for col in ("credit_code", "mobile", "email"):
        keys[col] = clean.get(col, None)
    keys["name"] = clean["name"].map(lambda v: company_key(v) if v else None) if "name" in clean else None
    return keys


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
        new_regs, links = _match_registrations(clean_archive, clean_reg, reg_errors, archive_keys)
        if "customer_id" in registration.columns:
            for row, cid in links.items():
                if clean_reg.at[row, "customer_id"] != cid:
                    out.changes.append(
                        Change(
                            registration.tab,
                            registration.cell("customer_id", row),
                            registration.frame.at[row, "customer_id"],
                            cid,
                            RULE_LINK,
                            field="客户编号",
                            row=row,
                        )
                    )

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
        if not existing[i] and new_id:
            out.changes.append(
                Change(
                    archive.tab,
                    archive.cell("customer_id", row),
                    typed,
                    new_id,
                    RULE_ASSIGN,
                    field="客户编号",
                    row=row,
                )
            )
        elif isinstance(typed, str) and new_id and new_id != typed and ours(new_id):
            # cx202405004 → CX202405004 (CHOICES.md): the same ID, tidied
            out.changes.append(
                Change(
                    archive.tab,
                    archive.cell("customer_id", row),
                    typed,
                    new_id,
                    RULE_TIDY,
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
            out.new_archive_rows = _file_new(
                archive, registration, clean_reg, new_regs, new_ids, out, place.first
            )
    return out


def _duplicate_ids(archive: SheetData, ids: pd.Series, out: IdOutcome) -> None:
    present = ids[ids.notna()]
    dup = present[present.duplicated(keep="first")]
    first_row = present[~present.duplicated(keep="first")]
    first_cell = {v: archive.cell("customer_id", r) for r, v in first_row.items()}
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


def _match_registrations(
    clean_archive: pd.DataFrame,
    clean_reg: pd.DataFrame,
    reg_errors: set[int],
    akeys: pd.DataFrame | None = None,
) -> tuple[list[int], dict[int, str]]:
    """Rows to file anew, and rows linked to a filed customer (row -> ID)."""
    match_keys = ("credit_code", "name", "mobile")
    index: dict[tuple[str, Any], str] = {}
    akeys = customer_keys(clean_archive) if akeys is None else akeys
    for cid, rec in zip(clean_archive["customer_id"].to_list(), akeys.to_dict("records"), strict=True):
        if not isinstance(cid, str) or not cid:
            continue
        for k in match_keys:
            if rec[k]:
                index.setdefault((k, rec[k]), cid)
    filed = {v for v in clean_archive["customer_id"].to_list() if isinstance(v, str)}
    reg_ids = clean_reg["customer_id"].to_list() if "customer_id" in clean_reg else [None] * len(clean_reg)
    new: list[int] = []
    links: dict[int, str] = {}
    seen: dict[tuple[str, Any], int] = {}
    for row, cid, rec in zip(
        clean_reg.index.to_list(), reg_ids, customer_keys(clean_reg).to_dict("records"), strict=True
    ):
        if isinstance(cid, str) and cid in filed:
            continue
        present = [(k, rec[k]) for k in match_keys if rec[k]]
        hit = next((index[kv] for kv in present if kv in index), None)
        if hit:
            links[row] = hit
            continue
        if row in reg_errors:
            continue  # a registration must pass the required checks before it is filed
        if any(kv in seen for kv in present):
            continue  # the same lead registered twice: filed once (the first row)
        for kv in present:
            seen[kv] = row
        new.append(row)
    return new, links


def _file_new(
    archive: SheetData,
    registration: SheetData,
    clean_reg: pd.DataFrame,
    rows: list[int],
    ids: list[str | None],
    out: IdOutcome,
    first_row: int,
) -> pd.DataFrame:
    """New 客户档案 rows from ``first_row`` (below the last one), and the registration rows record their new IDs."""
    records = []
    new_index = []
    next_row = first_row
    for row, cid in zip(rows, ids, strict=False):
        if not cid:
            continue
        rec: dict[str, Any] = {}
        for reg_f, arch_f in INTAKE_FIELDS:
            value = (
                cid if reg_f == "customer_id" else (clean_reg.at[row, reg_f] if reg_f in clean_reg else None)
            )
            if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NaT:
                continue
            rec[arch_f] = value
            if arch_f in archive.columns:
                out.changes.append(
                    Change(
                        archive.tab,
                        archive.cell(arch_f, next_row),
                        None,
                        _plain(value),
                        RULE_INTAKE,
                        field=archive.schema.field(arch_f).header,
                        row=next_row,
                    )
                )
        if "customer_id" in registration.columns:
            out.changes.append(
                Change(
                    registration.tab,
                    registration.cell("customer_id", row),
                    registration.frame.at[row, "customer_id"],
                    cid,
                    RULE_ASSIGN,
                    field="客户编号",
                    row=row,
                )
            )
        records.append(rec)
        new_index.append(next_row)
        next_row += 1
    return pd.DataFrame(records, index=pd.Index(new_index, name="row"))


def _plain(v: Any) -> Any:
    if isinstance(v, pd.Timestamp):
        return v.date()
    return v


def _dates(frame: pd.DataFrame, col: str, rows: list[int] | None = None) -> list[date | None]:
    if col not in frame:
        return [None] * (len(rows) if rows is not None else len(frame))
    s = frame[col] if rows is None else frame.loc[rows, col]
    return [None if pd.isna(v) else v.date() for v in s]


def _col(frame: pd.DataFrame, col: str, rows: list[int] | None = None) -> list[Any]:
    if col not in frame:
        return [None] * (len(rows) if rows is not None else len(frame))
    s = frame[col] if rows is None else frame.loc[rows, col]
    return [v if isinstance(v, str) else None for v in s]
