"""Merging the duplicates a user marked 合并 in 疑似重复 (issue #13 item 4; seed 003 §四(二) 一客一档).

For each 疑似重复 row whose 处理意见 is 合并, 客户A (the row filed first) survives and 客户B is merged
into it — all as ordinary cell edits, so they go through the safe write (backup, verify, atomic
replace) and every cell lands in 变更记录:

- follow-ups and deals of B (客户跟进记录表, 交易记录) get A's 客户编号;
- A's blank fields are filled from B; where both hold different values A's is kept and a
  ``merge-conflict`` warning at B's cell shows both;
- B's row is not deleted: its 状态 becomes 已合并 and 合并至 names A (the two columns are added
  after the last header when the sheet has none).

A merged row (合并至 filled) is no customer any more: it is left out of grading and of duplicate
detection, so the next run changes nothing. The clean frames are updated in place, so this run
already grades A with B's history.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from ..excel import cell_value, col_letters
from ..findings import Change, Finding
from ..io.reader import SheetData
from ..normalize.text import is_blank

MERGED = "已合并"
RULE_MOVE = "合并：记录转至存续客户"
RULE_FILL = "合并：补全存续客户空白"
RULE_MARK = "合并：标记被合并客户"
RULE_HEADER = "合并：新增列"
_SKIP = {"customer_id", "merge_status", "merged_into"}


def merged_rows(clean_archive: pd.DataFrame | None) -> pd.Index:
    """Archive rows already merged into another customer (合并至 filled)."""
    if clean_archive is None or "merged_into" not in clean_archive:
        return pd.Index([])
    m = clean_archive["merged_into"]
    return clean_archive.index[m.notna() & m.astype(str).str.strip().ne("")]


def marked_pairs(clean_dups: pd.DataFrame | None) -> list[tuple[str, str, int]]:
    """(客户A, 客户B, row in 疑似重复) for every pair marked 合并, in sheet order."""
    if clean_dups is None or clean_dups.empty or "decision" not in clean_dups:
        return []
    out = []
    for row, a, b, d in zip(
        clean_dups.index, clean_dups["id_a"], clean_dups["id_b"], clean_dups["decision"], strict=False
    ):
        if isinstance(d, str) and d.strip() == "合并" and not is_blank(a) and not is_blank(b):
            out.append((str(a).strip(), str(b).strip(), int(row)))
    return out


def merge_marked(
    archive: SheetData,
    clean: dict[str, pd.DataFrame],
    sheets: dict[str, SheetData | None],
    pairs: list[tuple[str, str, int]],
    pending: list[Change],
) -> tuple[list[Change], list[Finding]]:
    """The cell edits and conflicts of every marked pair; ``clean`` is updated to the merged state."""
    arch = clean[archive.name]
    if "customer_id" not in arch:
        return [], []
    done = set(merged_rows(arch))
    new_value = {(c.sheet, c.cell): c.new for c in pending}
    changes: list[Change] = []
    findings: list[Finding] = []
    status_col, into_col = _mark_columns(archive, changes)
    ids = arch["customer_id"].astype(object)
    for a, b, _ in pairs:
        rows_a = [r for r in arch.index[ids == a] if r not in done]
        rows_b = [r for r in arch.index[ids == b] if r not in done]
        if a == b or not rows_a or not rows_b:
            continue  # already merged (B's 合并至 is filled) or an ID no longer there: nothing to do
        ra, rb = rows_a[0], rows_b[0]
        for fname in archive.columns:
            if fname in _SKIP:
                continue
            cell_a, cell_b, va, vb = _pair(archive, fname, ra, rb, new_value)
            if is_blank(vb) or not is_blank(va):
                continue
            changes.append(
                Change(
                    archive.tab,
                    cell_a,
                    None,
                    cell_value(vb),
                    RULE_FILL,
                    archive.schema.field(fname).header,
                    ra,
                )
            )
            new_value[(archive.tab, cell_a)] = vb
            for col in [c for c in arch.columns if c == fname or c.startswith(fname + "_")]:
                arch.at[ra, col] = arch.at[rb, col]  # annual_amount_yuan too: this run grades the merged A
        changes.append(
            Change(
                archive.tab,
                f"{status_col}{rb}",
                _raw(archive, "merge_status", rb),
                MERGED,
                RULE_MARK,
                "状态",
                rb,
            )
        )
        changes.append(
            Change(
                archive.tab, f"{into_col}{rb}", _raw(archive, "merged_into", rb), a, RULE_MARK, "合并至", rb
            )
        )
        done.add(rb)
    if "merged_into" not in arch:
        arch["merged_into"] = None
    for c in changes:
        if c.rule == RULE_MARK and c.field == "合并至" and c.row is not None:
            arch.at[c.row, "merged_into"] = c.new
    if not any(c.rule == RULE_MARK for c in changes):
        changes = []  # nothing merged: no new columns either
    into = _into(arch)
    findings += conflicts(archive, arch, into, new_value)
    changes += move_records(clean, sheets, into)
    return changes, findings


def conflicts(archive: SheetData, arch: pd.DataFrame, into: dict[str, str], new_value: dict) -> list[Finding]:
    """Every field where a merged customer and its survivor hold different values (reported each run)."""
    out: list[Finding] = []
    ids = arch["customer_id"].astype(object)
    first: dict[Any, Any] = {}
    for row, cid in ids.items():
        first.setdefault(cid, row)
    for rb in merged_rows(arch):
        a = into.get(str(ids.at[rb]))
        ra = first.get(a)
        if ra is None or ra == rb:
            continue
        for fname in archive.columns:
            if fname in _SKIP:
                continue
            cell_a, cell_b, va, vb = _pair(archive, fname, ra, rb, new_value)
            if not is_blank(va) and not is_blank(vb) and _text(va) != _text(vb):
                out.append(
                    Finding(
                        "merge-conflict",
                        sheet=archive.tab,
                        cell=cell_b,
                        row=rb,
                        column=archive.letter(fname),
                        field=archive.schema.field(fname).header,
                        value=cell_value(vb),
                        params={"survivor": a, "kept": cell_value(va)},
                    )
                )
    return out


def _into(arch: pd.DataFrame) -> dict[str, str]:
    """客户编号 of each merged row → the survivor it was merged into (chains followed)."""
    rows = merged_rows(arch)
    into = {
        str(arch.at[r, "customer_id"]): str(arch.at[r, "merged_into"]).strip()
        for r in rows
        if not is_blank(arch.at[r, "customer_id"])
    }
    for b in list(into):
        seen = {b}
        while into[b] in into and into[b] not in seen:  # A merged later into C: B's records go to C
            seen.add(into[b])
            into[b] = into[into[b]]
    return into


def move_records(
    clean: dict[str, pd.DataFrame], sheets: dict[str, SheetData | None], into: dict[str, str]
) -> list[Change]:
    """Follow-ups and deals still under a merged customer's ID move to its survivor (this run or later)."""
    changes: list[Change] = []
    if not into:
        return changes
    for name, sheet in sheets.items():
        frame = clean.get(name)
        if sheet is None or frame is None or "customer_id" not in frame or "customer_id" not in sheet.columns:
            continue
        ids = frame["customer_id"].astype(object)
        hit = frame.index[ids.isin(list(into))]
        for row in hit:
            b = ids.at[row]
            changes.append(
                Change(sheet.tab, sheet.cell("customer_id", row), b, into[b], RULE_MOVE, "客户编号", int(row))
            )
            frame.at[row, "customer_id"] = into[b]
    return changes


def _mark_columns(archive: SheetData, changes: list[Change]) -> tuple[str, str]:
    """Letters of 状态 and 合并至: the sheet's own, else new header cells after the last header."""
    nxt = max([*archive.headers.keys(), *archive.columns.values(), -1]) + 1
    out = []
    for fname, header in (("merge_status", "状态"), ("merged_into", "合并至")):
        if fname in archive.columns:
            out.append(archive.letter(fname))
        else:
            letter = col_letters(nxt + 1)
            nxt += 1
            changes.append(
                Change(
                    archive.tab,
                    f"{letter}{archive.header_row}",
                    None,
                    header,
                    RULE_HEADER,
                    header,
                    archive.header_row,
                )
            )
            out.append(letter)
    return out[0], out[1]


def _raw(sheet: SheetData, fname: str, row: int) -> Any:
    return sheet.frame.at[row, fname] if fname in sheet.columns else None


def _text(v: Any) -> str:
    if isinstance(v, pd.Timestamp):
        v = v.date()
    if hasattr(v, "isoformat"):
        return v.isoformat()[:10]
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()


def _pair(archive: SheetData, fname: str, ra: int, rb: int, new_value: dict) -> tuple[str, str, Any, Any]:
    """(cell of A, cell of B, A's value, B's value) for one field, this run's pending edits included."""
    cell_a, cell_b = archive.cell(fname, ra), archive.cell(fname, rb)
    return (
        cell_a,
        cell_b,
        new_value.get((archive.tab, cell_a), archive.frame.at[ra, fname]),
        new_value.get((archive.tab, cell_b), archive.frame.at[rb, fname]),
    )
