"""Per-column parsing: run each field's normalizer once per distinct value, collect findings and changes.

The output is the *clean* frame the grading reads (dates as datetime64, money as ``<field>_yuan``,
percents as fractions, enums canonical) plus the cell edits the write-back makes (dates, phones,
emails, credit codes, enum synonyms) — each a :class:`Change` at its cell.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd

from ..findings import Change, Finding
from ..io.reader import SheetData
from ..normalize import (
    Norm,
    apply_unique,
    check_credit_code,
    money_yuan,
    normalize_date,
    normalize_email,
    normalize_number,
    normalize_percent,
    normalize_phone,
    parse_money,
)
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
    norm_token,
)

# Rules logged in 变更记录 (the 规则 column): one name per kind of edit.
RULE_NAMES = {DATE: "日期格式 YYYY-MM-DD", PHONE: "电话号码规范化", EMAIL: "邮箱规范化", CREDIT_CODE: "信用代码规范化",
              ENUM: "同义词→标准值"}


def parse_sheet(sheet: SheetData, *, context_year: int, date1904: bool = False,
                ) -> tuple[pd.DataFrame, list[Finding], list[Change]]:
    """Clean frame, findings and planned edits of one sheet."""
    raw = sheet.frame
    clean = pd.DataFrame(index=raw.index)
    findings: list[Finding] = []
    changes: list[Change] = []
    for f in sheet.schema.fields:
        if f.name not in sheet.columns:
            continue
        col = raw[f.name]
        fn = _normalizer(f, sheet, context_year, date1904)
        if fn is None:
            clean[f.name] = _texts(col)
            continue
        values, norms = apply_unique(col, fn)
        for row, n in norms.items():
            if n.code:
                findings.append(Finding(n.code, sheet=sheet.tab, cell=sheet.cell(f.name, row), row=row,
                                        column=sheet.letter(f.name), field=f.header, value=col.at[row],
                                        params=dict(n.params)))
        _store(clean, f, values, col, norms, sheet)
        if f.kind in RULE_NAMES:
            changes.extend(_changes(sheet, f, col, values, norms))
    # the user's own columns travel along untouched (content checks read them)
    for name in raw.columns:
        if name not in clean.columns:
            clean[name] = _obj(raw[name])
    return clean, findings, changes


def _normalizer(f: Field, sheet: SheetData, context_year: int, date1904: bool) -> Callable[[Any], Norm] | None:
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
        return lambda v: parse_money(v, scale=scale)
    if f.kind == PERCENT:
        return normalize_percent
    if f.kind in (NUMBER, INTEGER, SCORE):
        return normalize_number
    if f.kind == ENUM:
        mapping = f.choice_map

        def enum(v: Any) -> Norm:
            if v is None:
                return Norm(None)
            return Norm(mapping.get(norm_token(str(v)), v))

        return enum
    return None


def _store(clean: pd.DataFrame, f: Field, values: pd.Series, raw: pd.Series, norms: dict[Any, Norm],
           sheet: SheetData) -> None:
    if f.kind == DATE:
        clean[f.name] = pd.to_datetime(values.map(_as_date), errors="coerce")
    elif f.kind == MONEY:
        clean[f.name] = raw
        clean[f"{f.name}_yuan"] = _money_yuan(raw, sheet.scale(f.name))
    elif f.kind in (PERCENT, NUMBER, INTEGER, SCORE):
        clean[f.name] = pd.to_numeric(values.map(_as_number), errors="coerce").astype(float)
    else:
        clean[f.name] = _texts(values)


def _texts(s: pd.Series) -> pd.Series:
    """A text column as object dtype: strings as they are, numbers and dates as their text, blanks None."""
    return pd.Series([v if type(v) is str else _text(v) for v in s.to_list()], index=s.index, dtype=object)


def _obj(s: pd.Series) -> pd.Series:
    """Text columns as object dtype with None for blanks (pandas 3 would infer str with NaN)."""
    out = s.astype(object)
    return out.where(out.notna(), None)


_MONEY_CACHE: dict[tuple[Any, int], float] = {}


def _money_yuan(raw: pd.Series, scale: int) -> pd.Series:
    """The amount in yuan (a range's lower bound, the stated figure of 以下/以上), NaN when unknown or 待确认."""
    def one(v: Any) -> float:
        if v is None or (isinstance(v, float) and np.isnan(v)):
            return np.nan
        key = (v if not isinstance(v, (list, dict)) else str(v), scale)
        if key not in _MONEY_CACHE:
            yuan = money_yuan(v, scale)
            _MONEY_CACHE[key] = float(yuan) if yuan is not None else np.nan
            if len(_MONEY_CACHE) > 200_000:
                _MONEY_CACHE.clear()
        return _MONEY_CACHE[key]

    values = raw.to_list()
    table: dict[Any, float] = {}
    out = np.empty(len(values), dtype=float)
    for i, v in enumerate(values):
        if v is None:
            out[i] = np.nan
            continue
        key = (type(v), v)
        got = table.get(key)
        if got is None:
            got = table[key] = one(v)
        out[i] = got
    return pd.Series(out, index=raw.index)


def _changes(sheet: SheetData, f: Field, raw: pd.Series, values: pd.Series, norms: dict[Any, Norm]) -> list[Change]:
    """Edits where the normalized value is certain and differs from what was typed."""
    out: list[Change] = []
    rule = RULE_NAMES[f.kind]
    differs = _differs_mask(raw, values, f.kind)
    for row in raw.index[differs]:
        n = norms.get(row)
        if n is not None and n.code and not n.ok:
            continue  # an error: the value was left as typed
        if n is not None and n.code in ("ambiguous-date", "yearless-date", "date-range"):
            continue  # never guess silently, never drop a range's end: a human decides
        new = values.at[row]
        if new is None or (isinstance(new, float) and np.isnan(new)):
            continue
        out.append(Change(sheet.tab, sheet.cell(f.name, row), raw.at[row], new, rule, field=f.header, row=int(row)))
    return out


def _differs_mask(raw: pd.Series, values: pd.Series, kind: str) -> np.ndarray:
    """Rows whose normalized value would change the cell (one pass over plain lists)."""
    r_list = raw.to_list()
    v_list = values.to_list()
    if kind == DATE:
        # a real date cell stays as it is (even with a time of day); only typed text/serials are rewritten
        return np.fromiter((isinstance(v, date) and r is not None and not isinstance(r, date)
                            for r, v in zip(r_list, v_list, strict=True)), dtype=bool, count=len(r_list))
    return np.fromiter((isinstance(v, str) and r is not None and r != v for r, v in zip(r_list, v_list, strict=True)),
                       dtype=bool, count=len(r_list))


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


def _text(v: Any) -> Any:
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return None
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, (datetime, date)):
        return v.strftime("%Y-%m-%d")
    return str(v)
