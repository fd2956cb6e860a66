"""Field and sheet definitions: the one place a header string lives.

A sheet module lists its fields (canonical English name, Chinese header, synonyms, kind, required,
enumeration). Everything else — the reader's header matching, the pandera schema
(validators/schema_checks.py), the template workbook, the sample generator — is derived from these
lists, so a header is written exactly once.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

from ..textutil import to_simplified

# Value kinds. The normalizer and the checks are chosen by kind.
TEXT = "text"
NAME = "name"  # company or person name: text, also a duplicate key
ID = "id"  # 客户编号
ENUM = "enum"
DATE = "date"
PHONE = "phone"
EMAIL = "email"
CREDIT_CODE = "credit_code"
MONEY = "money"  # amounts; the header unit (万元/元) sets the scale
PERCENT = "percent"
NUMBER = "number"
INTEGER = "integer"
SCORE = "score"  # bounded number (1–5, 1–10 …)
TARGET = "target"  # 目标值 with a comparator: parsed by the gap analysis, kept as typed

YUAN = 1
WAN = 10_000


@dataclass(frozen=True)
class Field:
    """One column of a sheet. ``header`` is what templates write; ``synonyms`` what people also type."""

    name: str
    header: str
    kind: str = TEXT
    required: bool = False
    synonyms: tuple[str, ...] = ()
    choices: tuple[str, ...] = ()
    choice_synonyms: tuple[tuple[str, str], ...] = ()  # (typed, canonical)
    low: float | None = None
    high: float | None = None
    scale: int = YUAN  # money: yuan per unit when the header names no unit
    hint: str = ""  # input hint shown in the template
    width: float = 14

    @property
    def choice_map(self) -> dict[str, str]:
        """Typed value (normalized) → canonical choice."""
        m = {norm_token(c): c for c in self.choices}
        m.update({norm_token(a): c for a, c in self.choice_synonyms})
        return m


@dataclass(frozen=True)
class SheetSchema:
    """A sheet of the workbook of record (or one of the computed sheets we read back)."""

    name: str
    fields: tuple[Field, ...]
    synonyms: tuple[str, ...] = ()
    description: str = ""
    computed: bool = False  # written by the tool; read back only for history and decisions
    key_field: str = ""  # the field that identifies a row for findings (e.g. customer_id)
    min_header_matches: int = 2

    def field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)

    @property
    def field_names(self) -> list[str]:
        return [f.name for f in self.fields]

    @property
    def required(self) -> list[Field]:
        return [f for f in self.fields if f.required]


_STARS = re.compile(r"[*＊※]")
_SPACES = re.compile(r"\s+")
_UNIT = re.compile(r"[(（\[【]([^()（）\[\]【】]*)[)）\]】]")


@lru_cache(maxsize=20000)
def norm_token(text: str) -> str:
    """A header, sheet name or enum value reduced for matching: width, stars, spaces, Traditional."""
    s = unicodedata.normalize("NFKC", str(text))
    s = _STARS.sub("", s)
    s = _SPACES.sub("", s)
    s = s.replace("：", ":").rstrip(":")
    return to_simplified(s).lower()


def split_unit(header: str) -> tuple[str, str]:
    """`年交易额(万元)` → (`年交易额`, `万元`); the unit decides the money scale."""
    s = norm_token(header)
    units = _UNIT.findall(s)
    base = _UNIT.sub("", s)
    return base, (units[-1] if units else "")


def unit_scale(unit: str) -> int | None:
    """Yuan per unit named in a header, or None when the header names none."""
    u = unit.replace("人民币", "").replace("rmb", "")
    if "亿" in u:
        return 100_000_000
    if "万" in u:
        return WAN
    if "千" in u or u == "k":
        return 1000
    if "元" in u or u in ("yuan", "¥", "￥"):
        return YUAN
    return None


@dataclass
class HeaderIndex:
    """Alias table of one schema: normalized header → field name."""

    schema: SheetSchema
    exact: dict[str, str] = field(default_factory=dict)
    base: dict[str, str] = field(default_factory=dict)

    @classmethod
    def build(cls, schema: SheetSchema) -> HeaderIndex:
        idx = cls(schema)
        for f in schema.fields:
            for text in (f.header, *f.synonyms):
                idx.exact.setdefault(norm_token(text), f.name)
                idx.base.setdefault(split_unit(text)[0], f.name)
        return idx

    def match(self, header: object) -> tuple[str | None, str]:
        """The field a header names (or None) and the unit it carries."""
        if header is None:
            return None, ""
        text = str(header)
        if not text.strip():
            return None, ""
        token = norm_token(text)
        base, unit = split_unit(text)
        name = self.exact.get(token) or self.base.get(base)
        if name is None and "/" in base:
            # `跟进日期/维护日期`: either half may be ours
            for part in base.split("/"):
                name = self.exact.get(part) or self.base.get(part)
                if name:
                    break
        return name, unit
