"""Intake (一客一档): a registration that matches a filed customer is linked to it; a new one is
filed as a new 客户档案 row with the registration's values (seed 000 步骤二 / seed 003 模板说明).

The ID checks and the assignment of new IDs are in ids.py; this module matches and files.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from ..excel import cell_value
from ..findings import Change
from ..io.reader import SheetData
from ..normalize import company_keys

RULE_ASSIGN = "分配客户编号"
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


def registration_id(registration: SheetData, row: int, cid: str, rule: str) -> Change:
    """The registration row's 客户编号 cell set to the customer's ID (a new one, or the one it links to)."""
    return Change(
        registration.tab,
        registration.cell("customer_id", row),
        registration.frame.at[row, "customer_id"],
        cid,
        rule,
        field="客户编号",
        row=row,
    )


def customer_keys(clean: pd.DataFrame) -> pd.DataFrame:
    """Exact matching keys of each row: credit code, company-name key, mobile, email."""
    keys = pd.DataFrame(index=clean.index)
    for col in ("credit_code", "mobile", "email"):
        keys[col] = clean.get(col, None)
    if "name" in clean:
        names = clean["name"].to_list()
        keys["name"] = pd.Series(
            [k if v else None for v, k in zip(names, company_keys(names), strict=True)],
            index=clean.index,
            dtype=object,
        )
    else:
        keys["name"] = None
    return keys


def match_registrations(
    clean_archive: pd.DataFrame,
    clean_reg: pd.DataFrame,
    reg_errors: set[int],
    akeys: pd.DataFrame | None = None,
) -> tuple[list[int], dict[int, str]]:
    """Rows to file anew, and rows linked to a filed customer (row -> ID)."""
    match_keys = ("credit_code", "name", "mobile")
    index: dict[tuple[str, Any], str] = {}
    akeys = customer_keys(clean_archive) if akeys is None else akeys
    cids = clean_archive["customer_id"].to_list()
    for k in match_keys:  # key by key, as setdefault keeps the first row either way (no to_dict of 100k rows)
        for cid, v in zip(cids, akeys[k].to_list(), strict=True):
            if isinstance(cid, str) and cid and v:
                index.setdefault((k, v), cid)
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


def file_new(
    archive: SheetData,
    registration: SheetData,
    clean_reg: pd.DataFrame,
    rows: list[int],
    ids: list[str | None],
    changes: list[Change],
    first_row: int,
) -> pd.DataFrame:
    """New 客户档案 rows from ``first_row`` (below the last one), and the registration rows record
    their new IDs."""
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
                changes.append(
                    Change(
                        archive.tab,
                        archive.cell(arch_f, next_row),
                        None,
                        cell_value(value),
                        RULE_INTAKE,
                        field=archive.schema.field(arch_f).header,
                        row=next_row,
                    )
                )
        if "customer_id" in registration.columns:
            changes.append(registration_id(registration, row, cid, RULE_ASSIGN))
        records.append(rec)
        new_index.append(next_row)
        next_row += 1
    return pd.DataFrame(records, index=pd.Index(new_index, name="row"))
