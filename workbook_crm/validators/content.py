"""Content rules the source documents insist on (SPEC §5), and references between sheets."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from ..excel import col_letters, json_value
from ..findings import Finding
from ..io.reader import SheetData
from ..normalize import (
    Norm,
    find_personal_data,
    is_vague_need,
    is_vague_next_step,
    workdays_between,
)
from ..schema.base import NAME, TEXT
from .cells import at_cell, by_distinct_text

_LONG_DIGITS = (
    r"\d[\d\s\-]{13,}[\dXx]"  # cheap pre-filter: only cells holding 15+ digits can be an ID or a card
)


def personal_data(sheet: SheetData) -> list[Finding]:
    """seed 003 §四(一): 身份证号 and 银行卡号 must not be collected — in any text cell, the user's
    columns too.

    Columns of a typed kind (dates, phones, money …) cannot hold one without also failing their own
    check, so only free-text fields and the user's columns are searched.
    """
    out: list[Finding] = []
    frame = sheet.frame
    typed = {f.name for f in sheet.schema.fields if f.kind not in (TEXT, NAME)}
    rows_all = frame.index.to_list()
    for name in frame.columns:
        if name in typed:
            continue
        values = frame[name].to_numpy(dtype=object)
        # per distinct text: only text of 15+ characters holding a long run of digits is looked at
        try:
            codes, uniq = pd.factorize(values)
        except TypeError:  # an unhashable cell: every text on its own
            codes, uniq = np.arange(len(values)), values
        long = np.flatnonzero([isinstance(u, str) and len(u) >= 15 for u in uniq])
        if not len(long):
            continue
        texts = pd.Series(uniq[long], dtype=object)
        long = long[texts.astype(str).str.contains(_LONG_DIGITS, regex=True).to_numpy(dtype=bool)]
        found = {int(u): _first_personal(uniq[u]) for u in long}
        found = {u: n for u, n in found.items() if n.code}
        if not found:
            continue
        letter, header = _where(sheet, name)
        for i in np.flatnonzero(np.isin(codes, list(found))).tolist():
            n, row = found[int(codes[i])], rows_all[i]
            out.append(
                Finding(
                    str(n.code),
                    sheet=sheet.tab,
                    cell=f"{letter}{row}",
                    row=row,
                    column=letter,
                    field=header,
                    value=_masked(values[i]),
                )
            )
    return out


def _first_personal(v: object) -> Norm:
    found = find_personal_data(v)
    return found[0] if found else Norm(v)


def vague_text(sheet: SheetData) -> list[Finding]:
    """seed 003: `继续跟进` is no plan; seed 000: `有需求` is no need."""
    out: list[Finding] = []
    for fname, test, code in (
        ("next_step", is_vague_next_step, "vague-next-step"),
        ("core_need", is_vague_need, "vague-need"),
    ):
        if fname not in sheet.columns:
            continue
        for row, v, _ in by_distinct_text(sheet.frame[fname], test):
            out.append(at_cell(code, sheet, fname, row, v))
    return out


def date_rules(sheet: SheetData, clean: pd.DataFrame, *, asof: date, entry_limit: int) -> list[Finding]:
    """Date order, contact dates in the future, late entry (seed 002: within 2 working days)."""
    out: list[Finding] = []
    pairs = (("first_contact", "last_follow_up"), ("first_contact", "last_deal"), ("first_deal", "last_deal"))
    for early, late in pairs:
        if early in clean and late in clean:
            bad = clean[(clean[late] < clean[early])]
            for row in bad.index:
                out.append(
                    _f(
                        "date-order",
                        sheet,
                        late,
                        row,
                        clean.at[row, late],
                        other_field=sheet.schema.field(early).header,
                        other=_d(clean.at[row, early]),
                    )
                )
    limit = pd.Timestamp(asof)
    for fname in ("follow_date", "first_contact", "last_follow_up", "last_deal", "first_deal", "deal_date"):
        if fname in clean:
            for row in clean.index[clean[fname] > limit]:
                out.append(_f("future-date", sheet, fname, row, clean.at[row, fname], asof=asof.isoformat()))
    if "entry_date" in clean and "first_contact" in clean:
        both = clean[clean["entry_date"].notna() & clean["first_contact"].notna()]
        for row in both.index:
            days = workdays_between(both.at[row, "first_contact"].date(), both.at[row, "entry_date"].date())
            if days > entry_limit:
                out.append(
                    _f(
                        "late-entry",
                        sheet,
                        "entry_date",
                        row,
                        both.at[row, "entry_date"],
                        days=days,
                        limit=entry_limit,
                    )
                )
    return out


def unknown_customers(sheet: SheetData, clean: pd.DataFrame, known: set[str]) -> list[Finding]:
    """Follow-ups and deals must point at a filed customer."""
    if "customer_id" not in clean:
        return []
    ids = clean["customer_id"]
    bad = ids[ids.notna() & ~ids.isin(known)]
    return [_f("unknown-customer", sheet, "customer_id", row, v) for row, v in bad.items()]


def _f(code: str, sheet: SheetData, fname: str, row: int, value: object, **params: object) -> Finding:
    return at_cell(code, sheet, fname, row, _d(value), params)


def _d(v: object) -> object:
    """A date as 'YYYY-MM-DD' for the message; other values as they are."""
    return json_value(v) if isinstance(v, pd.Timestamp) else v


def _where(sheet: SheetData, name: str) -> tuple[str, str]:
    if name in sheet.columns:
        return sheet.letter(name), sheet.schema.field(name).header
    for col, header in sheet.headers.items():
        if header == name.split("#")[0]:
            return col_letters(col + 1), header
    return "", name


def _masked(text: str) -> str:
    """Never repeat a found ID or card number in full in a report."""
    import re

    return re.sub(r"(\d{4})[\d\s\-]{7,}(\d{3}[\dXx])", r"\1****\2", text)
