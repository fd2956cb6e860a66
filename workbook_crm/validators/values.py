"""Per-column parsing: run each field's normalizer once per distinct value, collect findings and changes.

The output is the *clean* frame the grading reads (dates as datetime64, money as ``<field>_yuan``,
percents as fractions, enums canonical) plus the cell edits the write-back makes (dates, phones,
emails, credit codes, enum synonyms) — each a :class:`Change` at its cell.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd

from ..findings import Change, Finding
from ..io.reader import SheetData
from ..normalize import (
    Norm,
    check_credit_code,
    check_credit_codes,
    money_yuan,
    normalize_date,
    normalize_email,
    normalize_number,
    normalize_percent,
    normalize_phone,
    parse_money,
)
from ..normalize.columns import factorize_apply, take
from ..normalize.dates import has_time_of_day
from ..schema.base import (
    CREDIT_CODE,
    DATE,
    EMAIL,
    ENUM,
    INTEGER,
    MONEY,
    NUMBER,
    PERCENT,
    PHONE,
    SCORE,
    Field,
)
from .cells import at_cell
from .enums import enum_normalizer, field_choices, text_of

# Rules logged in 变更记录 (the 规则 column): one name per kind of edit. Enumerations are read through
# their synonyms but never rewritten (issue #11): 电话回访, 高优先级 or a Traditional 潛在客戶 is the
# team's own word for the value, kept as typed.
RULE_NAMES = {
    DATE: "日期格式 YYYY-MM-DD",
    PHONE: "电话号码规范化",
    EMAIL: "邮箱规范化",
    CREDIT_CODE: "信用代码规范化",
}

# issue #11, the seeds' own vocabulary: 利润贡献 is an amount or a share (seed 004: 25%).
MONEY_OR_PERCENT = frozenset({"profit"})


def parse_sheet(
    sheet: SheetData,
    *,
    context_year: int,
    date1904: bool = False,
    extra_choices: Mapping[str, tuple[str, ...]] | None = None,
) -> tuple[pd.DataFrame, list[Finding], list[Change]]:
    """Clean frame, findings and planned edits of one sheet.

    Each column is factorized once: the normalizer, the conversion for the clean frame and the
    "would this change the cell" test all run per distinct value and are spread with ``take``.
    """
    raw = sheet.frame
    clean = pd.DataFrame(index=raw.index)
    findings: list[Finding] = []
    changes: list[Change] = []
    rows = raw.index.to_numpy()
    for f in sheet.schema.fields:
        if f.name not in sheet.columns:
            continue
        col = raw[f.name]
        fn = _normalizer(f, sheet, context_year, date1904, field_choices(f, extra_choices))
        if fn is None:  # free text: kept as typed (numbers and dates as their text)
            clean[f.name] = _as_texts(col)
            continue
        codes, uniques, norms = factorize_apply(
            col, fn, check_credit_codes if f.kind == CREDIT_CODE else None
        )
        flagged = take([n.code is not None for n in norms], codes, False, bool)
        for i in np.flatnonzero(flagged):
            n = norms[codes[i]]
            row = int(rows[i])
            findings.append(at_cell(n.code, sheet, f.name, row, uniques[codes[i]], dict(n.params)))
        _store(clean, f, codes, uniques, norms, sheet)
        if f.kind in RULE_NAMES:
            changes.extend(_changes(sheet, f, rows, codes, uniques, norms))
    # the user's own columns travel along untouched (content checks read them)
    for name in raw.columns:
        if name not in clean.columns:
            clean[name] = _obj(raw[name])
    return clean, findings, changes


def _as_texts(col: pd.Series) -> pd.Series:
    values = col.to_list()
    if set(map(type, values)) <= {str, type(None)}:
        return pd.Series(values, index=col.index, dtype=object)
    return pd.Series([v if type(v) is str else text_of(v) for v in values], index=col.index, dtype=object)


def _normalizer(
    f: Field, sheet: SheetData, context_year: int, date1904: bool, extra: tuple[str, ...] = ()
) -> Callable[[Any], Norm] | None:
    if f.kind == DATE:
        return lambda v: normalize_date(v, date1904=date1904, context_year=context_year)
    if f.kind == PHONE:
        return normalize_phone
    if f.kind == EMAIL:
        return normalize_email
    if f.kind == CREDIT_CODE:
        return check_credit_code
    if f.kind == MONEY:
        scale = sheet.scale(f.name)
        if f.name in MONEY_OR_PERCENT:
            return lambda v: _money_or_percent(v, scale)
        return lambda v: parse_money(v, scale=scale)
    if f.kind == PERCENT:
        return normalize_percent
    if f.kind in (NUMBER, INTEGER, SCORE):
        return normalize_number
    if f.kind == ENUM:
        return enum_normalizer(f, extra)
    return None


def _money_or_percent(v: Any, scale: int) -> Norm:
    """利润贡献 `25%` is a share (seed 004), kept as typed; anything else is an amount."""
    if isinstance(v, str) and v.strip().endswith(("%", "％")) and normalize_percent(v).ok:
        return Norm(v)
    return parse_money(v, scale=scale)


def _store(
    clean: pd.DataFrame, f: Field, codes: np.ndarray, uniques: list[Any], norms: list[Norm], sheet: SheetData
) -> None:
    if f.kind == DATE:
        stamps = pd.to_datetime(pd.Series([_as_date(n.value) for n in norms], dtype=object), errors="coerce")
        clean[f.name] = take(
            stamps.to_numpy(dtype="datetime64[ns]"), codes, np.datetime64("NaT"), "datetime64[ns]"
        )
    elif f.kind == MONEY:
        scale = sheet.scale(f.name)
        clean[f.name] = pd.Series(take(uniques, codes), index=clean.index, dtype=object)
        if f.name in MONEY_OR_PERCENT:  # its Norms keep a share as typed: the amount is parsed anew
            yuan = [_yuan(u, scale) for u in uniques]
        else:  # the Norms are parse_money's own: money_yuan read from them, not parsed twice
            yuan = [_yuan_of(n) for n in norms]
        clean[f"{f.name}_yuan"] = take(yuan, codes, np.nan, float)
    elif f.kind in (PERCENT, NUMBER, INTEGER, SCORE):
        nums = [_as_number(n.value) for n in norms]
        clean[f.name] = take([np.nan if v is None else float(v) for v in nums], codes, np.nan, float)
    else:  # object dtype: pandas 3 would make an all-text column Arrow-backed, slow to iterate in Python
        clean[f.name] = pd.Series(
            take([text_of(n.value) for n in norms], codes), index=clean.index, dtype=object
        )


def _obj(s: pd.Series) -> pd.Series:
    """Text columns as object dtype with None for blanks (pandas 3 would infer str with NaN)."""
    out = s.astype(object)
    return out.where(out.notna(), None)


def _yuan(v: Any, scale: int) -> float:
    """The amount in yuan (a range's lower bound, the stated figure of 以下/以上), NaN when unknown
    or 待确认."""
    yuan = money_yuan(v, scale)
    return float(yuan) if yuan is not None else np.nan


def _yuan_of(n: Norm) -> float:
    """``_yuan`` of the value ``n`` is parse_money's Norm of (money_yuan's reading of it)."""
    if n.code or n.get("pending"):
        return np.nan
    low = n.get("low")
    yuan = low if low is not None else n.get("high")
    return float(yuan) if yuan is not None else np.nan


def _changes(
    sheet: SheetData, f: Field, rows: np.ndarray, codes: np.ndarray, uniques: list[Any], norms: list[Norm]
) -> list[Change]:
    """Edits where the normalized value is certain and differs from what was typed."""
    rule = RULE_NAMES[f.kind]
    edit = take([_edit(u, n, f.kind) for u, n in zip(uniques, norms, strict=True)], codes, False, bool)
    return [
        Change(
            sheet.tab,
            sheet.cell(f.name, int(rows[i])),
            uniques[codes[i]],
            norms[codes[i]].value,
            rule,
            field=f.header,
            row=int(rows[i]),
        )
        for i in np.flatnonzero(edit)
    ]


# never rewritten: a guess (ambiguous/yearless), a range whose end would be lost, several numbers
# in one phone cell (the others would be deleted; #14 item 5 — the first is used for reading)
_KEEP_AS_TYPED = frozenset({"ambiguous-date", "yearless-date", "date-range", "multiple-phones"})


def _edit(raw: Any, n: Norm, kind: str) -> bool:
    """Write the normalized value back? Only when certain, and only when it changes the cell."""
    if n.code and (not n.ok or n.code in _KEEP_AS_TYPED):
        return False  # an error, a guess a human must confirm, or an edit that would drop information
    new = n.value
    if new is None or (isinstance(new, float) and np.isnan(new)):
        return False
    if kind == DATE:
        # a real date cell stays as it is (even with a time of day); only typed text/serials are rewritten,
        # and never when they say a time of day (the time would be deleted; timeliness rules read it)
        return isinstance(new, date) and not isinstance(raw, date) and not has_time_of_day(raw)
    return isinstance(new, str) and raw != new


def _as_date(v: Any) -> Any:
    if isinstance(v, datetime):
        return v.replace(tzinfo=None)
    if isinstance(v, date):
        return datetime(v.year, v.month, v.day)
    return None


def _as_number(v: Any) -> Any:
    if isinstance(v, bool):
        return None
    return v if isinstance(v, (int, float)) else None
