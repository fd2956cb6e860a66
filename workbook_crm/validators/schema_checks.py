"""The one module that speaks pandera: required values and bounds over the *parsed* frame.

pandera sees each field with its real dtype — dates as ``datetime64[ns]``, numbers (and money in
yuan) as ``float64``, enumerations and text as ``string`` — plus, beside the frame, a boolean mask of
the cells that were typed but did not parse. Those cells were already reported by the parser
(bad-date, bad-number …) or are deliberately unknown (金额 待确认), so the mask keeps them out of
``required``; nothing is injected into the frame to hide them.

Each schema is built once per sheet schema (``functools.cache``); the bounds do not vary by workbook.
Enumerations are checked by their normalizer (validators/values.py), since 规则配置 can extend a list.
Failure cases are mapped to catalog codes by equality on pandera's check name (``_CODES``).
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from typing import Any

import pandas as pd
import pandera.pandas as pa

from ..findings import Finding
from ..io.reader import SheetData
from ..schema.base import DATE, INTEGER, MONEY, NUMBER, PERCENT, SCORE, Field, SheetSchema
from .cells import at_cell

_TEXT = pd.StringDtype("python")  # python storage: ~5× quicker to build from str objects than Arrow
_FLOAT = "float64"
_DATE = "datetime64[ns]"
# INTEGER stays float64: 2.5 typed in an integer column is still a number the bounds can judge
_DTYPES = {DATE: _DATE, MONEY: _FLOAT, PERCENT: _FLOAT, NUMBER: _FLOAT, INTEGER: _FLOAT, SCORE: _FLOAT}
_BOUNDED = (SCORE, PERCENT, NUMBER, INTEGER)

# pandera's check name → our catalog code (findings.py); any other name is a bug in this module
_CODES = {"not_nullable": "required", "out-of-range": "out-of-range"}


def dtype(f: Field) -> Any:
    """The dtype pandera validates a field's parsed column as."""
    return _DTYPES.get(f.kind, _TEXT)


@cache
def pandera_schema(schema: SheetSchema) -> pa.DataFrameSchema:
    """Required values and bounds of one sheet, over the parsed frame (see ``parsed_frame``).

    Columns absent from the sheet are not required here — a missing required *column* is one
    finding at the header, reported by the reader.
    """
    columns = {
        f.name: pa.Column(
            dtype(f),
            checks=_bounds(f),
            nullable=not f.required,
            required=False,
            coerce=False,
            title=f.header,
        )
        for f in schema.fields
    }
    return pa.DataFrameSchema(columns, strict=False, name=schema.name)


def _bounds(f: Field) -> list[pa.Check]:
    if f.kind not in _BOUNDED or (f.low is None and f.high is None):
        return []
    code = "out-of-range"  # builtin checks report ``error`` (default "in_range(1, 5)"): name it too
    if f.low is not None and f.high is not None:
        return [pa.Check.in_range(f.low, f.high, name=code, error=code)]
    if f.low is not None:
        return [pa.Check.ge(f.low, name=code, error=code)]
    return [pa.Check.le(f.high, name=code, error=code)]


def parsed_frame(
    sheet: SheetData, clean: pd.DataFrame, *, can_fail: bool = False
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The frame pandera validates (one column per present field, real dtypes) and the mask of cells
    typed but not parsed (True where the sheet holds a value and the parse gave none).

    ``can_fail``: only the fields that can fail — required or bounded. A nullable field without
    bounds never does (its dtype is set here), and a 100k-row sheet has ~30 of them to convert.
    """
    present = [
        f
        for f in sheet.schema.fields
        if f.name in sheet.columns and (not can_fail or f.required or _bounds(f))
    ]
    frame = pd.DataFrame(
        {f.name: clean[f"{f.name}_yuan" if f.kind == MONEY else f.name].astype(dtype(f)) for f in present},
        index=clean.index,
    )
    # only the parsed blanks can be unparsed: the typed values are looked at there alone
    unparsed = pd.DataFrame(False, index=frame.index, columns=frame.columns)
    typed = sheet.frame[list(frame.columns)].reindex(frame.index)
    for name in frame.columns:
        blank = frame[name].isna().to_numpy()
        if blank.any():
            unparsed.loc[blank, name] = pd.notna(typed[name].to_numpy()[blank])
    return frame, unparsed


def schema_findings(sheet: SheetData, clean: pd.DataFrame) -> list[Finding]:
    """Required values and bounds, checked lazily so every failure is collected."""
    if clean.empty or not any(f.name in sheet.columns for f in sheet.schema.fields):
        return []
    frame, unparsed = parsed_frame(sheet, clean, can_fail=True)
    if frame.columns.empty:
        return []
    try:
        pandera_schema(sheet.schema).validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        return list(_to_findings(sheet, exc.failure_cases, unparsed))
    return []


def _to_findings(sheet: SheetData, cases: pd.DataFrame, unparsed: pd.DataFrame) -> Iterator[Finding]:
    for rec in cases.to_dict("records"):
        name, row, check = rec["column"], rec["index"], rec["check"]
        if check not in _CODES:
            raise RuntimeError(f"pandera check {check!r} on {sheet.tab}/{name} has no catalog code")
        row = int(row)
        if unparsed.at[row, name]:
            continue  # typed but not parsed: the parser's finding, not a missing value
        f = sheet.schema.field(name)
        code = _CODES[check]
        params = {"low": _num(f.low), "high": _num(f.high)} if code == "out-of-range" else {}
        yield at_cell(code, sheet, name, row, sheet.frame.at[row, name], params)


def _num(x: float | None) -> str:
    if x is None:
        return ""
    return str(int(x)) if float(x).is_integer() else str(x)
