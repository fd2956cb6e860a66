"""Which of our sheets a tab holds, judged as a person would map it (issue #11).

A tab is taken for a kind by, in this order: the user's 字段映射 (``工作表:Sheet1 = 客户档案``), its
name (canonical, Traditional, decorated or a synonym), or its headers. By headers a kind needs
*enough evidence* — the fields without which a person would not call it that (a follow-up log has a
date and says whom; a deal says whom and how much) — and when several kinds have it, the closer one
wins: the one naming most of the tab's columns. A lone customer list (no 客户档案 in the workbook) is
the 客户档案, read with the registration sheet's extra fields too (需求, 预算 …).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from ..schema import registry
from ..schema.base import HeaderIndex, SheetSchema, norm_token
from ..schema.common import MOBILE_WORDS
from .mapping import IGNORE, Mapping

HEADER_SCAN_ROWS = 30  # title rows, merged titles and 填表说明 notes sit above the header

# Evidence per kind: every group needs one of its fields among the headers.
EVIDENCE: dict[str, tuple[tuple[str, ...], ...]] = {
    registry.ARCHIVE.name: (
        ("name",),
        (
            "customer_id",
            "contact",
            "mobile",
            "email",
            "owner",
            "industry",
            "reg_address",
            "customer_type",
            "credit_code",
            "first_contact",
            "total_amount",
            "user_level",
        ),
    ),
    registry.REGISTRATION.name: (("name",), ("contact", "mobile", "email", "core_need", "source", "address")),
    registry.FOLLOWUPS.name: (
        ("follow_date",),
        ("customer_id", "customer_name"),
        ("content", "method", "feedback", "next_step", "status", "follower"),
    ),
    registry.DEALS.name: (("customer_id", "customer_name"), ("amount", "unit_price")),
    registry.EVALUATION.name: (("indicator",), ("target", "actual")),
    registry.CAMPAIGNS.name: (("campaign",), ("channel", "budget", "leads", "converted", "period")),
    registry.SETTINGS.name: (("key",), ("value",)),
}
# Ties go to the first: a customer list is a 客户档案 before it is a list of leads.
PREFERENCE = (
    registry.ARCHIVE.name,
    registry.FOLLOWUPS.name,
    registry.DEALS.name,
    registry.REGISTRATION.name,
    registry.EVALUATION.name,
    registry.CAMPAIGNS.name,
)
# A required field another can stand in for: deals and follow-ups keyed by the customer's name.
ALTERNATIVES = {"customer_id": ("customer_name",)}


def _lone_schema() -> SheetSchema:
    """客户档案 as read from a lone customer list: the archive's fields, then the registration's others."""
    have = set(registry.ARCHIVE.field_names) | {"address", "follower"}
    extra = tuple(f for f in registry.REGISTRATION.fields if f.name not in have)
    return SheetSchema(
        name=registry.ARCHIVE.name,
        fields=(*registry.ARCHIVE.fields, *extra),
        synonyms=registry.ARCHIVE.synonyms,
        description=registry.ARCHIVE.description,
        key_field=registry.ARCHIVE.key_field,
    )


LONE_ARCHIVE = _lone_schema()


@lru_cache(maxsize=32)
def index_for(schema: SheetSchema) -> HeaderIndex:
    return HeaderIndex.build(schema)


def resolve_field(schema: SheetSchema, text: str) -> str | None:
    """A field of ``schema`` named by the user: its English name, header or a synonym."""
    if text in schema.field_names:
        return text
    return index_for(schema).match(text)[0]


def match_header(
    schema: SheetSchema, tab: str, header: Any, mapping: Mapping | None
) -> tuple[str | None, str]:
    """(field, unit) a header cell names on this tab; the user's mapping first (忽略 → no field)."""
    if mapping:
        target = mapping.header_for(tab, header)
        if target == IGNORE:
            return None, ""
        if target is not None:
            name = resolve_field(schema, target)
            if name is not None:
                return name, index_for(schema).match(header)[1]
    return index_for(schema).match(header)


def find_header(
    schema: SheetSchema, tab: str, rows: list[list[Any]], mapping: Mapping | None
) -> tuple[int, set[str]] | None:
    """The row (0-based) among the first ones naming the most fields of ``schema``, and those fields."""
    best: tuple[int, set[str]] | None = None
    for r, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        names = {match_header(schema, tab, v, mapping)[0] for v in row if isinstance(v, str) and v.strip()}
        names.discard(None)
        if len(names) >= schema.min_header_matches and (best is None or len(names) > len(best[1])):
            best = (r, names)  # type: ignore[assignment]
    return best


def has_evidence(kind: str, names: set[str]) -> bool:
    return all(any(f in names for f in group) for group in EVIDENCE.get(kind, ()))


@dataclass
class Verdict:
    """What a tab was taken for and why (``inspect`` shows it)."""

    kind: str | None
    how: str  # "mapping" | "name" | "headers" | "" (not taken)
    reason: str
    schema: SheetSchema | None = None


def judge(tab: str, rows: list[list[Any]], mapping: Mapping | None, taken: set[str]) -> Verdict:
    """The kind of one tab (``taken``: kinds already held by an earlier tab)."""
    forced = mapping.sheet_for(tab) if mapping else None
    if forced == IGNORE:
        return Verdict(None, "mapping", "字段映射：忽略此工作表")
    if forced is not None:
        kind = registry.match_sheet_name(forced)
        if kind is not None and kind in registry.ALL:
            return Verdict(kind, "mapping", f"字段映射：工作表:{tab} = {forced}", registry.ALL[kind])
    by_name = registry.match_sheet_name(tab)
    if (by_name or tab) in registry.COMPUTED_SHEETS and (by_name or tab) not in registry.ALL:
        return Verdict(None, "", "本工具生成的工作表")
    if by_name is not None and by_name not in taken:
        # our canonical name is taken at its word; a synonym (客户信息, Sales) needs the headers too
        found = None if strict_name(tab, by_name) else find_header(registry.ALL[by_name], tab, rows, mapping)
        if strict_name(tab, by_name) or (found is not None and has_evidence(by_name, found[1])):
            return Verdict(by_name, "name", f"工作表名称「{tab}」对应「{by_name}」", registry.ALL[by_name])
    scored: list[tuple[tuple[int, int], str, set[str]]] = []
    near: list[str] = []
    for kind in PREFERENCE:
        if kind in taken:
            continue
        found = find_header(registry.ALL[kind], tab, rows, mapping)
        if found is None:
            continue
        if has_evidence(kind, found[1]):
            scored.append(((len(found[1]), -PREFERENCE.index(kind)), kind, found[1]))
        elif len(found[1]) >= 2:
            near.append(f"{kind}（缺{_missing(kind, found[1])}）")
    if not scored:
        why = "表头不足以判断为任何一种工作表" + (f"：{'；'.join(near)}" if near else "")
        return Verdict(None, "", why)
    scored.sort(reverse=True)
    (n, _), kind, names = scored[0]
    headers = "、".join(sorted(registry.ALL[kind].field(x).header for x in names))
    others = "".join(f"；{k} {s[0]} 列" for s, k, _ in scored[1:3])
    return Verdict(kind, "headers", f"表头有 {n} 列对应「{kind}」：{headers}{others}", registry.ALL[kind])


def _missing(kind: str, names: set[str]) -> str:
    schema = registry.ALL[kind]
    groups = [g for g in EVIDENCE.get(kind, ()) if not any(f in names for f in g)]
    return "/".join(schema.field(g[0]).header for g in groups)


_CN_PHONE = re.compile(r"^(?:1[3-9]\d{9}|0\d{9,11}|[48]00\d{7}|\d{7,8})$")
FOREIGN_SHARE = 0.8


def foreign_phones(values: list[Any]) -> bool:
    """A phone column of (mostly) numbers that are not Chinese — ``+1-555-0123``, ``229.077.5154``.

    Such a column is the workbook's own convention (an English CRM export), not our 手机号码: it
    stays the user's column, kept as typed and never reported cell by cell.
    """
    seen = foreign = 0
    for v in values:
        if v is None or v == "" or isinstance(v, bool):
            continue
        text = str(int(v)) if isinstance(v, float) and v.is_integer() else str(v).strip()
        seen += 1
        compact = re.sub(r"[\s\-().]", "", text)
        if compact.startswith(("+86", "0086")):
            continue
        if (
            compact.startswith(("+", "00"))
            or re.search(r"[xX]\d", compact)
            or not _CN_PHONE.match(re.sub(r"\D", "", compact))
        ):
            foreign += 1
    return seen >= 3 and foreign >= FOREIGN_SHARE * seen


def strict_name(tab: str, kind: str) -> bool:
    """The tab carries our canonical name (our template): its required columns are expected."""
    return norm_token(kind) in norm_token(tab)


def place_phones(
    phones: list[int], headers: dict[int, str], columns: dict[str, int], units: dict[str, str]
) -> list[int]:
    """手机 and 电话 are two fields (issue #11): a header naming a mobile takes the mobile field, a generic
    one (电话, 联系电话) the landline when a mobile header exists. Returns the columns left over."""
    if not phones:
        return []
    specific = [c for c in phones if any(w in norm_token(headers[c]) for w in MOBILE_WORDS)]
    mobile = specific[0] if specific else phones[0]
    columns["mobile"] = mobile
    units["mobile"] = ""
    rest = [c for c in phones if c != mobile]
    if rest and "landline" not in columns:
        generic = [c for c in rest if c not in specific]
        columns["landline"] = (generic or rest)[0]
        units["landline"] = ""
        rest.remove(columns["landline"])
    return rest


_HINT_WORDS = (
    "必填",
    "选填",
    "可选",
    "非必填",
    "必选",
    "示例",
    "格式说明",
    "填写说明",
    "如:",
    "例:",
    "例如",
    "下拉选择",
)
_LATIN = re.compile(r"^[A-Za-z][A-Za-z0-9 _./()&-]*$")
_CJK = re.compile(r"[\u4e00-\u9fff]")


def is_template_row(row: list[Any], header: list[Any], index: Any) -> bool:
    """A hint row (必填/选填/示例) or a second header row in another language: not data.

    A second header is a row of labels only, most of them either naming our fields again or being
    Latin words under a Chinese header (``Customername`` under 客户姓名).
    """
    cells = [(c, v) for c, v in enumerate(row) if v is not None and v != ""]
    if not cells or not all(isinstance(v, str) for _, v in cells):
        return False
    texts = [str(v) for _, v in cells]
    hits = sum(any(w in t for w in _HINT_WORDS) for t in texts)
    if hits * 2 >= len(texts) and hits >= min(2, len(texts)):
        return True
    if len(texts) < 3:
        return False
    ours = sum(index.match(t)[0] is not None for t in texts)
    latin = sum(
        bool(_LATIN.match(t))
        and c < len(header)
        and isinstance(header[c], str)
        and bool(_CJK.search(header[c]))
        for c, t in zip((c for c, _ in cells), texts, strict=True)
    )
    return latin * 10 >= len(texts) * 8 or ours * 10 >= len(texts) * 7
