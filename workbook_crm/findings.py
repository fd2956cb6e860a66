"""Findings: data problems, collected (never raised), each at the cell a user clicks.

One catalog holds every check: a stable code, its severity and its message in Chinese and English
with a fix hint. The entries are data, in catalog.py; this module indexes them (``CATALOG``) and
holds what a finding is, how repeated ones are merged and how they sort. ``docs/CHECKS.md`` is
generated from it (``python -m workbook_crm.findings``) and a test keeps the two in step.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import Any

from .catalog import CHECKS, ERROR, WARNING, Check
from .excel import json_value

CATALOG: dict[str, Check] = {c.code: c for c in CHECKS}


def register(check: Check) -> Check:
    """Add a check (used by modules that own a rule); codes must stay unique."""
    if check.code in CATALOG:
        raise ValueError(f"duplicate check code {check.code}")
    CATALOG[check.code] = check
    return check


class _Default(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


@dataclass
class Finding:
    """A data problem at one cell (or a whole column/sheet when ``cell`` is a header or empty)."""

    code: str
    sheet: str = ""
    cell: str = ""
    row: int | None = None
    column: str = ""
    field: str = ""
    value: Any = None
    params: dict[str, Any] = dc_field(default_factory=dict)
    cells: tuple[str, ...] = ()  # issue #11: one problem repeated down a column — every cell it was found at

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        # a plain constructor call: ~8x faster to load than a dataclass's default state (a 100k
        # follow-up log's findings cross from the second reader; io/sidecar.py, #16)
        return (
            Finding,
            (
                self.code,
                self.sheet,
                self.cell,
                self.row,
                self.column,
                self.field,
                self.value,
                self.params,
                self.cells,
            ),
        )

    @property
    def count(self) -> int:
        return len(self.cells) or 1

    @property
    def check(self) -> Check:
        return CATALOG[self.code]

    @property
    def severity(self) -> str:
        return self.check.severity

    def message(self, lang: str = "zh") -> str:
        c = self.check
        template = c.zh if lang == "zh" else c.en
        mapping = _Default({k: _clip(_show(v)) for k, v in self.params.items()})
        mapping.update(value=_clip(_show(self.value)), field=self.field)
        text = template.format_map(mapping)
        if self.cells:
            shown = "、".join(self.cells[:EXAMPLES]) + ("…" if len(self.cells) > EXAMPLES else "")
            text += (
                f"——本列共 {len(self.cells)} 处：{shown}"
                if lang == "zh"
                else f" — {len(self.cells)} cells in this column: {shown}"
            )
        return text

    def hint(self, lang: str = "zh") -> str:
        return self.check.hint_zh if lang == "zh" else self.check.hint_en

    def to_record(self, lang: str = "zh") -> dict[str, Any]:
        rec = {
            "code": self.code,
            "severity": self.severity,
            "sheet": self.sheet,
            "cell": self.cell,
            "row": self.row,
            "column": self.column,
            "field": self.field,
            "value": json_value(self.value),
            "message": self.message(lang),
            "hint": self.hint(lang),
        }
        if self.cells:
            rec["count"] = len(self.cells)
            rec["cells"] = list(self.cells)
        return rec

    def key(self) -> tuple[str, str, str]:
        return (self.sheet, self.cell, self.code)


@dataclass
class Change:
    """A planned or applied edit of one cell: what the write-back does and 变更记录 logs."""

    sheet: str
    cell: str
    old: Any
    new: Any
    rule: str
    field: str = ""
    row: int | None = None

    def to_record(self) -> dict[str, Any]:
        return {
            "sheet": self.sheet,
            "cell": self.cell,
            "old": json_value(self.old),
            "new": json_value(self.new),
            "rule": self.rule,
        }


@dataclass
class Result:
    """What a validate or run produced; shared by the CLI, the writers and the tests."""

    file: str
    findings: list[Finding] = dc_field(default_factory=list)
    changes: list[Change] = dc_field(default_factory=list)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == ERROR]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == WARNING]

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def exit_code(self) -> int:
        return 0 if self.ok else 1

    def counts(self) -> dict[str, int]:
        c = Counter(f.severity for f in self.findings)
        return {ERROR: c.get(ERROR, 0), WARNING: c.get(WARNING, 0)}

    def keys(self) -> set[tuple[str, str, str]]:
        return {f.key() for f in self.findings}

    def to_records(self, lang: str = "zh") -> list[dict[str, Any]]:
        return [f.to_record(lang) for f in self.findings]

    def to_json_obj(self, lang: str = "zh") -> dict[str, Any]:
        obj: dict[str, Any] = {
            "file": self.file,
            "ok": self.ok,
            "counts": self.counts(),
            "findings": self.to_records(lang),
        }
        return obj


def _show(value: Any) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if hasattr(value, "strftime"):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


SHOW_LIMIT = 200  # characters of a cell value quoted in a message (a note must fit in a cell)


def _clip(value: Any) -> Any:
    """A value quoted in a message: long texts are cut (a 32,767-character cell would make our note
    and the 校验问题 row longer than Excel allows; #14 item 11)."""
    if isinstance(value, str) and len(value) > SHOW_LIMIT:
        return f"{value[: SHOW_LIMIT - 20]}…（{len(value):,}）"
    return value


EXAMPLES = 5  # cells named in the message of an aggregated finding (JSON lists them all)
# Problems that are each their own (a pair of customers, a clash of two IDs): never aggregated.
_SINGLE = frozenset({"duplicate-id", "duplicate-customer", "possible-duplicate"})


def aggregate(findings: Iterable[Finding], header_rows: dict[str, int], *, min_count: int) -> list[Finding]:
    """One problem repeated down a column → one finding at its header cell, with every cell listed.

    A manager acts on "手机号码: 37 masked numbers", not on 37 rows of the same sentence; the cells are
    not each marked (the header is). Groups are (sheet, column, code); fewer than ``min_count``
    stay cell by cell, as do problems between two rows (duplicates).
    """
    items = list(findings)
    groups: dict[tuple[str, str, str], list[Finding]] = {}
    for f in items:
        if f.column and f.row and f.sheet in header_rows and f.code not in _SINGLE and not f.cells:
            groups.setdefault((f.sheet, f.column, f.code), []).append(f)
    merged: dict[int, Finding] = {}
    drop: set[int] = set()
    for (sheet, column, _), group in groups.items():
        if len(group) < max(2, min_count):
            continue
        first = group[0]
        hr = header_rows[sheet]
        merged[id(first)] = Finding(
            first.code,
            sheet=sheet,
            cell=f"{column}{hr}",
            row=hr,
            column=column,
            field=first.field,
            value=first.value,
            params=dict(first.params),
            cells=tuple(f.cell for f in group),
        )
        drop.update(id(f) for f in group[1:])
    return [merged.get(id(f), f) for f in items if id(f) not in drop]


def sort_findings(findings: Iterable[Finding]) -> list[Finding]:
    """Order by sheet, row, column: the order a user walks the workbook."""
    return sorted(findings, key=lambda f: (f.sheet, f.row or 0, len(f.column), f.column, f.code))


def catalog_markdown() -> str:
    """The documentation of every check, generated from the catalog."""
    lines = [
        "# Check codes",
        "",
        "Generated from `workbook_crm/findings.py` by `python -m workbook_crm.findings`.",
        "",
        "| code | severity | 中文 | English | 建议 / fix |",
        "|---|---|---|---|---|",
    ]
    for c in CATALOG.values():
        lines.append(f"| `{c.code}` | {c.severity} | {c.zh} | {c.en} | {c.hint_zh} / {c.hint_en} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":  # pragma: no cover
    print(catalog_markdown(), end="")
