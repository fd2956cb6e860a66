"""The workbook's own conventions (issue #11): its customer-code scheme is the pattern of record.

A team that numbers customers 0001, K001 or C001 has a scheme; reporting every code as malformed
because it is not ours helps nobody. Unless 规则配置 names a scheme of its own (anything but the
default), the scheme the existing codes follow is used: they are not reported, and new codes
continue it. When the codes follow no single scheme, that is said once, at the column's header.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import replace

import pandas as pd

from ..findings import Finding
from ..io.reader import SheetData
from ..normalize import IdPattern
from ..normalize.ids import clean_id
from ..rules import Rules

KNOWN = ("CX{yyyy}{mm}{seq:03}", "C{seq:03}", "{yy}{mm}{channel}{seq:03}")
_SHAPE = re.compile(r"^([A-Z]{0,4}[-_]?)(\d{2,9})$")


def house_pattern(
    rules: Rules, archive: SheetData | None, clean: pd.DataFrame | None
) -> tuple[Rules, bool, list[Finding]]:
    """(rules with the scheme in use, whether odd codes are errors, a note when codes are mixed)."""
    explicit = rules.id_pattern != Rules().id_pattern
    if explicit or clean is None or "customer_id" not in clean:
        return rules, True, []
    if archive is None or "customer_id" not in archive.columns:
        return rules, False, []  # no code column (a lone list): nothing typed to judge
    typed = [v.strip() for v in clean["customer_id"] if isinstance(v, str) and v.strip()]
    ids = [clean_id(v) for v in typed]
    if not ids:
        return rules, False, []
    share = {p: _count(p, ids) / len(ids) for p in KNOWN}
    if share[rules.id_pattern] >= 0.5:
        return rules, True, []  # our own scheme: a code that breaks it is a typo
    shapes = Counter(_shape(v) for v in ids)
    for p, n in shapes.items():
        if p:
            share[p] = max(share.get(p, 0), n / len(ids))
    best = max(share, key=lambda p: share[p])
    pattern = best if share[best] >= 0.5 else rules.id_pattern
    rules = replace(rules, id_pattern=pattern)
    match = IdPattern.parse(pattern).regex.match  # parsed and compiled once, not once per code
    odd = [t for t, v in zip(typed, ids, strict=True) if not match(v)]
    if not odd:
        return rules, False, []
    examples = "、".join(dict.fromkeys(odd[:3]))  # as typed (clean_id upper-cases for matching only)
    note = Finding(
        "mixed-ids",
        sheet=archive.tab,
        cell=archive.header_cell("customer_id"),
        row=archive.header_row,
        column=archive.letter("customer_id"),
        field="客户编号",
        params={"count": len(shapes), "examples": examples, "pattern": IdPattern.parse(pattern).describe()},
    )
    return rules, False, [note]


def _count(pattern: str, ids: list[str]) -> int:
    """How many codes follow ``pattern`` (one compiled regex over the list: 100k codes, 3 patterns)."""
    match = IdPattern.parse(pattern).regex.match
    return sum(1 for v in ids if match(v))


def _shape(code: str) -> str:
    """`K0012` → `K{seq:04}`; "" for a code of no simple letters+digits shape."""
    m = _SHAPE.match(code)
    return f"{m[1]}{{seq:0{len(m[2])}}}" if m else ""
