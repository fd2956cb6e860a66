"""Closed lists (issue #11): an enumeration's normalizer (synonyms → the canonical value, anything
else a warning kept as typed), the values 规则配置 adds to a list, and a closed-list column that is
the user's own (none of its values fits) released from our field.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd

from ..findings import Finding
from ..io.reader import SheetData
from ..normalize import Norm
from ..schema.base import ENUM, Field, norm_token

# issue #11, the seeds' own vocabulary: 企业规模 is a size class or what it is measured by (seeds
# 000/001/002: 员工数/营收, 中型(500人)).
_SIZE_MEASURE = re.compile(r"\d.*(人|名|万|亿|元)|(人|员工|营收|收入).*\d|[微小中大]型")
ENUM_ACCEPTS: dict[str, Callable[[str], bool]] = {"company_size": lambda s: bool(_SIZE_MEASURE.search(s))}


def field_choices(f: Field, extra: Mapping[str, tuple[str, ...]] | None) -> tuple[str, ...]:
    """Values 规则配置 adds to this field's list (可选值-客户类型, by header or synonym)."""
    if not extra:
        return ()
    names = {norm_token(n) for n in (f.header, *f.synonyms)}
    return tuple(v for k, values in extra.items() if norm_token(k) in names for v in values)


def enum_normalizer(f: Field, extra: tuple[str, ...] = ()) -> Callable[[Any], Norm]:
    """Synonyms → the canonical value (for grading); anything else is a warning, kept as typed."""
    mapping = {**f.choice_map, **{norm_token(c): c for c in extra}}
    accept = ENUM_ACCEPTS.get(f.name)
    allowed = "/".join((*f.choices, *extra))

    def enum(v: Any) -> Norm:
        if v is None:
            return Norm(None)
        text = text_of(v) if not isinstance(v, str) else v
        canon = mapping.get(norm_token(text))
        if canon is not None:
            return Norm(canon)
        if accept is not None and accept(norm_token(text)):
            return Norm(v)
        return Norm(v, "bad-enum", (("allowed", allowed),))

    return enum


def release_foreign_enums(
    sheet: SheetData, extra_choices: Mapping[str, tuple[str, ...]] | None
) -> list[Finding]:
    """A closed-list column none of whose values fits the list is the user's own column (issue #11):
    an ERP's 客户类型 holding 月结/现金 means payment terms, not our customer type. It is unmapped
    (kept, never checked or changed) and said once at its header."""
    out: list[Finding] = []
    for f in sheet.schema.fields:
        if f.kind != ENUM or f.name not in sheet.columns:
            continue
        col = sheet.frame[f.name]
        values = col[col.notna()]
        if values.empty:
            continue
        fn = enum_normalizer(f, field_choices(f, extra_choices))
        if any(fn(v).code is None for v in pd.unique(values.astype(object))):
            continue
        cell = sheet.header_cell(f.name)
        header = sheet.headers.get(sheet.columns[f.name], f.header)
        label, n = header, 2
        while label in sheet.frame.columns:
            label, n = f"{header}#{n}", n + 1
        sheet.frame = sheet.frame.rename(columns={f.name: label})
        del sheet.columns[f.name]
        sheet.units.pop(f.name, None)
        out.append(
            Finding(
                "own-column",
                sheet=sheet.tab,
                cell=cell,
                row=sheet.header_row,
                column="".join(ch for ch in cell if ch.isalpha()),
                field=f.header,
                value=header,
            )
        )
    return out


def text_of(v: Any) -> Any:
    """A cell value as the text a list (or a free-text column) compares: 3.0 → "3", a date ISO."""
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return None
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, (datetime, date)):
        return v.strftime("%Y-%m-%d")
    return str(v)
