"""The one module that reads pandera's failure tables and turns them into our findings."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pandera.pandas as pa

from ..findings import Finding
from ..io.reader import SheetData
from ..schema.base import ENUM, INTEGER, NUMBER, PERCENT, SCORE

_PARSED = (ENUM, SCORE, PERCENT, NUMBER, INTEGER)


def schema_findings(sheet: SheetData, clean: pd.DataFrame) -> list[Finding]:
    """Required values, enumerations and bounds, checked lazily so every failure is collected.

    Parsed kinds are checked on their parsed value; everything else on what was typed, so a date
    that could not be read is reported once (bad-date), not also as missing.
    """
    schema = sheet.schema
    present = [f for f in schema.fields if f.name in sheet.columns]
    if not present or clean.empty:
        return []
    frame = pd.DataFrame(index=clean.index)
    for f in present:
        typed = sheet.frame[f.name]
        if f.kind in _PARSED:
            parsed = clean[f.name].astype(object)
            frame[f.name] = parsed.where(parsed.notna(), typed.where(typed.isna(), _UNPARSED))
            frame.loc[typed.isna(), f.name] = None
        else:
            frame[f.name] = typed.astype(object)
    try:
        schema.pandera_schema().validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        return list(_to_findings(sheet, exc.failure_cases))
    return []


class _Unparsed:
    """A typed value the parser rejected: already reported by the parser, invisible to the checks."""

    def __repr__(self) -> str:
        return "<unparsed>"


_UNPARSED = _Unparsed()


def _to_findings(sheet: SheetData, cases: pd.DataFrame):
    by_header = {f.name: f for f in sheet.schema.fields}
    for rec in cases.to_dict("records"):
        name = rec.get("column")
        row = rec.get("index")
        check = str(rec.get("check") or "")
        if name not in by_header or row is None or pd.isna(row):
            continue
        f = by_header[name]
        row = int(row)
        value: Any = sheet.frame.at[row, name] if row in sheet.frame.index else rec.get("failure_case")
        if rec.get("failure_case") is _UNPARSED:
            continue
        cell = sheet.cell(name, row)
        base = dict(
            sheet=sheet.tab, cell=cell, row=row, column=sheet.letter(name), field=f.header, value=value
        )
        if check == "not_nullable":
            yield Finding("required", **base)
        elif check.startswith("bad-enum") or check.startswith("isin"):
            yield Finding("bad-enum", params={"allowed": "/".join(f.choices)}, **base)
        elif check.startswith("out-of-range"):
            yield Finding("out-of-range", params={"low": _num(f.low), "high": _num(f.high)}, **base)


def _num(x: float | None) -> str:
    if x is None:
        return ""
    return str(int(x)) if float(x).is_integer() else str(x)
