"""A returning lead with other contact data (issue #13 item 5; seed 002 (三) 联系人变更需更新并记录).

A 客户信息登记表 row that belongs to a filed customer (same credit code, name or mobile — linked by
intake — or typed with its 客户编号) but names another 联系人 or 手机号码 than 客户档案:

- a ``returning-lead-contact`` warning at the registration cell, showing both values;
- a proposal row in 疑似重复 (客户A = the customer, 客户B = ``客户信息登记表 第N行``, 匹配字段 says
  what differs) whose 处理意见 the user answers 更新 or 保留;
- 更新 on the next run: the archive's cells take the registration's values (ordinary cell edits:
  safe write, 变更记录) and the proposal is gone; 保留 keeps the archive's values, and the row stays
  listed with its answer (so it is not asked again) without a warning.
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

from ..findings import Change, Finding
from ..io.reader import SheetData
from ..normalize.text import is_blank

FIELDS = (("contact", "联系人"), ("mobile", "手机号码"))
RULE = "回访线索：更新联系方式"


def _key(fname: str, v: Any) -> str:
    s = str(v).strip()
    if fname == "mobile":
        s = re.sub(r"\D", "", s.removesuffix(".0"))
        s = s[-11:]
    return s


def returning_leads(
    archive: SheetData,
    registration: SheetData | None,
    clean: dict[str, pd.DataFrame],
    pending: list[Change],
    decisions: dict[frozenset[str], str],
    previous: dict[str, dict[str, Any]] | None = None,
    settled: set[str] | None = None,
) -> tuple[list[dict[str, Any]], list[Finding], list[Change]]:
    """(proposal rows for 疑似重复, warnings, the archive edits of proposals answered 更新).

    ``previous``: 客户编号 → the archive's values at the last run (runstate). A registration that
    still says what the archive said then is the lead's old record, not a return: the user has
    since changed the archive by hand (that edit is logged in 变更记录), so nothing is proposed.
    ``settled``: fingerprints of registration rows an earlier run already filed or linked
    (``fingerprints``): the same row, unchanged, is never a return, however the archive changed since.
    """
    previous, settled = previous or {}, settled or set()
    arch = clean.get(archive.name)
    reg = clean.get(registration.name) if registration is not None else None
    if registration is None or reg is None or arch is None or "customer_id" not in arch or reg.empty:
        return [], [], []
    fields = [(f, h) for f, h in FIELDS if f in archive.columns and f in registration.columns]
    if not fields or "customer_id" not in registration.columns:
        return [], [], []
    new = {(c.sheet, c.cell): c.new for c in pending}
    first: dict[str, int] = {}
    for row, cid in arch["customer_id"].items():
        if isinstance(cid, str) and cid:
            first.setdefault(cid, row)
    names = arch["name"] if "name" in arch else pd.Series(None, index=arch.index, dtype=object)
    rows: list[dict[str, Any]] = []
    findings: list[Finding] = []
    changes: list[Change] = []
    updated: set[tuple[str, str]] = set()
    for row in reg.index:
        cid = new.get(
            (registration.tab, registration.cell("customer_id", row)),
            registration.frame.at[row, "customer_id"],
        )
        ra = first.get(str(cid).strip()) if not is_blank(cid) else None
        if ra is None:
            continue
        label = f"{registration.tab} 第{row}行"
        decision = decisions.get(frozenset((str(cid), label)), "")
        if fingerprint(registration, row, cid, new) in settled and not decision:
            continue  # settled earlier; a proposal still listed is never settled (see fingerprints)
        diff = []
        for fname, header in fields:
            vr = new.get((registration.tab, registration.cell(fname, row)), registration.frame.at[row, fname])
            va = new.get((archive.tab, archive.cell(fname, ra)), archive.frame.at[ra, fname])
            if is_blank(vr) or (not is_blank(va) and _key(fname, va) == _key(fname, vr)):
                continue
            before = previous.get(str(cid).strip(), {}).get(fname)
            if not is_blank(before) and _key(fname, before) == _key(fname, vr):
                continue  # the archive moved on from this registration by hand since the last run
            diff.append((fname, header, va, vr))
        if not diff:
            continue
        if decision == "更新":
            for fname, header, va, vr in diff:
                cell = archive.cell(fname, ra)
                if (archive.tab, cell) in updated:
                    continue  # two registrations for one customer: the first answered 更新 wins
                updated.add((archive.tab, cell))
                changes.append(Change(archive.tab, cell, None if is_blank(va) else va, vr, RULE, header, ra))
                if fname in arch:
                    arch.at[ra, fname] = reg.at[row, fname] if fname in reg else vr
            continue
        shown_a = "；".join(f"{h} {'空' if is_blank(va) else va}" for _, h, va, _ in diff)
        shown_b = "；".join(f"{h} {vr}" for _, h, _, vr in diff)
        rows.append(
            {
                "客户A": cid,
                "名称A": f"{names.get(ra) or ''}（档案：{shown_a}）",
                "客户B": label,
                "名称B": f"本次登记：{shown_b}",
                "相似度": None,
                "匹配字段": "回访线索，" + "、".join(h for _, h, _, _ in diff) + "不同（更新/保留）",
                "处理意见": decision,
            }
        )
        if decision == "保留":
            continue
        for fname, header, va, vr in diff:
            findings.append(
                Finding(
                    "returning-lead-contact",
                    sheet=registration.tab,
                    cell=registration.cell(fname, row),
                    row=row,
                    column=registration.letter(fname),
                    field=header,
                    value=vr,
                    params={"customer": cid, "old": "空" if is_blank(va) else va},
                )
            )
    return rows, findings, changes


def fingerprint(registration: SheetData, row: int, cid: Any, new: dict[tuple[str, str], Any]) -> str:
    """One registration row as the run state remembers it: its customer and its contact data."""
    parts = [str(cid).strip()]
    for fname, _ in FIELDS:
        if fname in registration.columns:
            v = new.get((registration.tab, registration.cell(fname, row)), registration.frame.at[row, fname])
            parts.append("" if is_blank(v) else _key(fname, v))
    return "|".join(parts)


def fingerprints(
    registration: SheetData | None, changes: list[Change], proposed: pd.DataFrame | None = None
) -> set[str]:
    """The registration rows that carry a 客户编号 after this run's edits (filed or linked): settled —
    except those listed in 疑似重复 as a proposal still waiting for (or kept by) its 更新/保留."""
    if registration is None or "customer_id" not in registration.columns:
        return set()
    new = {(c.sheet, c.cell): c.new for c in changes}
    listed = set() if proposed is None or "客户B" not in proposed else {str(v) for v in proposed["客户B"]}
    out = set()
    for row in registration.frame.index:
        if f"{registration.tab} 第{row}行" in listed:
            continue
        cid = new.get(
            (registration.tab, registration.cell("customer_id", row)),
            registration.frame.at[row, "customer_id"],
        )
        if not is_blank(cid):
            out.add(fingerprint(registration, row, cid, new))
    return out
