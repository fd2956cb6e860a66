"""Customer IDs (客户编号, SPEC §4): a configurable pattern, assigned without ever reusing a number.

Default ``CX{yyyy}{mm}{seq:03}`` (seed 003: "CX+年月+流水号", e.g. CX202405001); seed 000 步骤二's
``{yy}{mm}{channel}{seq:03}`` (2308Z001: 年份后2位 + 月份 + 渠道代码 + 序号); seed 004's ``C{seq:03}``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import cached_property
from typing import Any

from workbook_crm.normalize import Norm
from workbook_crm.normalize.dates import normalize_date
from workbook_crm.normalize.text import is_blank, nfkc

# Channel letters (渠道代码). Seed 000 fixes only 展=Z and 推=T; the rest are ours, taken from the
# pinyin initial of the channel's key word so a rep can guess them, and editable in 规则配置.
DEFAULT_CHANNEL_LETTERS: dict[str, str] = {
    "展会": "Z",
    "展会对接": "Z",
    "行业展会": "Z",  # seed 000
    "推广": "T",
    "线上推广": "T",  # seed 000
    "官网表单": "W",
    "官网": "W",  # 网 (wang)
    "客户转介绍": "R",
    "转介绍": "R",
    "推荐": "R",  # referral
    "电话咨询": "D",
    "电话": "D",  # 电 (dian)
    "第三方平台": "P",
    "平台": "P",  # platform
    "陌拜": "B",  # 拜 (bai)
    "其他": "X",  # anything else
}
FALLBACK_CHANNEL = "X"

_TOKEN = re.compile(r"\{(yyyy|yy|mm|channel|seq(?::0?(\d+))?)\}")


def channel_letter(source: Any, letters: Mapping[str, str] = DEFAULT_CHANNEL_LETTERS) -> str:
    """信息来源 → one letter: exact name first, then the longest known name inside the text."""
    if is_blank(source):
        return letters.get("其他", FALLBACK_CHANNEL)
    s = nfkc(str(source)).strip()
    if s in letters:
        return letters[s]
    for name in sorted(letters, key=len, reverse=True):
        if name and name in s:
            return letters[name]
    return letters.get("其他", FALLBACK_CHANNEL)


@dataclass(frozen=True)
class IdPattern:
    """A parsed ID pattern. ``{seq:0N}`` must come last: everything before it is the prefix whose
    sequence continues (so CX202405 and CX202406 count separately, C{seq:03} has the one prefix C)."""

    text: str
    parts: tuple[tuple[str, str], ...]  # ("lit", "CX"), ("yyyy", ""), ("seq", "3") …
    width: int

    @classmethod
    def parse(cls, text: str) -> IdPattern:
        """Raise ValueError (the caller reports a bad-rule) for a pattern without a trailing {seq:0N}."""
        parts: list[tuple[str, str]] = []
        pos = 0
        for m in _TOKEN.finditer(text):
            if m.start() > pos:
                parts.append(("lit", text[pos : m.start()]))
            name = "seq" if m[1].startswith("seq") else m[1]
            parts.append((name, m[2] or ("3" if name == "seq" else "")))
            pos = m.end()
        if pos < len(text):
            parts.append(("lit", text[pos:]))
        seqs = [p for p in parts if p[0] == "seq"]
        if len(seqs) != 1 or parts[-1][0] != "seq":
            raise ValueError(f"ID pattern {text!r} needs exactly one {{seq:0N}} at the end")
        if any("{" in v or "}" in v for k, v in parts if k == "lit"):
            raise ValueError(f"ID pattern {text!r} has an unknown {{token}}")
        width = int(seqs[0][1])
        if not 1 <= width <= 9:
            raise ValueError(f"ID pattern {text!r}: sequence width must be 1–9")
        return cls(text, tuple(parts), width)

    @cached_property  # compiled once per pattern: ``matches`` runs once per code of a 100k column
    def regex(self) -> re.Pattern[str]:
        rx = {
            "yyyy": r"(?:19|20|21)\d\d",
            "yy": r"\d\d",
            "mm": r"(?:0[1-9]|1[0-2])",
            "channel": r"[A-Z]{1,3}",
        }
        body = "".join(
            re.escape(v) if k == "lit" else rf"\d{{{v}}}" if k == "seq" else rx[k] for k, v in self.parts
        )
        return re.compile(f"^{body}$")

    def matches(self, s: Any) -> bool:
        return isinstance(s, str) and bool(self.regex.match(s))

    def prefix_for(self, first_contact: date | None, channel: str) -> str:
        d = first_contact or date.today()
        fields = {
            "yyyy": f"{d.year:04d}",
            "yy": f"{d.year % 100:02d}",
            "mm": f"{d.month:02d}",
            "channel": channel,
        }
        return "".join(v if k == "lit" else fields[k] for k, v in self.parts if k != "seq")

    def format(self, first_contact: date | None, channel: str, seq: int) -> str:
        return f"{self.prefix_for(first_contact, channel)}{seq:0{self.width}d}"

    def describe(self) -> str:
        """`CX{yyyy}{mm}{seq:03}` as a person reads it: `CX+年(4位)+月(2位)+3位序号，如 CX202405001`."""
        words = {"yyyy": "年(4位)", "yy": "年(2位)", "mm": "月(2位)", "channel": "渠道字母"}
        parts = [
            v if k == "lit" else f"{self.width}位序号" if k == "seq" else words[k] for k, v in self.parts
        ]
        return "+".join(parts) + "，如 " + self.format(date(2024, 5, 1), "Z", 1)

    def split(self, s: str) -> tuple[str, int]:
        """A matching ID → (prefix, sequence number)."""
        return s[: -self.width], int(s[-self.width :])


def clean_id(v: Any) -> str:
    """An ID as it is meant: number-cell `.0` dropped, width folded, spaces stripped, upper case
    (`cx202405004` → `CX202405004`, CHOICES.md)."""
    return _clean_id(v)


def _clean_id(v: Any) -> str:
    if isinstance(v, float) and v.is_integer():
        v = int(v)  # 24050001 typed into a number cell comes back as 24050001.0
    return nfkc(str(v)).strip().upper()


def _as_date(v: Any, default: date) -> date:
    if isinstance(v, datetime):
        return v.date()
    if isinstance(v, date):
        return v
    n = normalize_date(v)
    return n.value if n.code is None and isinstance(n.value, date) else default


def assign_ids(
    existing: Sequence[str | None],
    first_contact: Sequence[date | None],
    sources: Sequence[str | None],
    *,
    pattern: str,
    channel_letters: Mapping[str, str] = DEFAULT_CHANNEL_LETTERS,
    history_ids: Iterable[str] = (),
    default_date: date,
) -> tuple[list[str | None], list[tuple[int, Norm]]]:
    """客户编号: keep valid IDs, give empty rows the next number after the largest ever used.

    ``history_ids`` are IDs seen in earlier runs (变更记录, 分级历史): a deleted customer's number is never
    reused. Malformed IDs are reported (bad-id) and left as typed; an exhausted sequence is reported
    (id-overflow) and the row stays empty rather than getting a wider ID. Rows without a first-contact
    date use ``default_date``'s month. Duplicate IDs are left to the duplicate-id check.
    """
    pat = IdPattern.parse(pattern)
    n = len(existing)
    out: list[str | None] = [None] * n
    findings: list[tuple[int, Norm]] = []
    top: dict[str, int] = {}

    def seen(s: str) -> None:
        prefix, seq = pat.split(s)
        if seq > top.get(prefix, -1):
            top[prefix] = seq

    for h in history_ids:
        if not is_blank(h) and pat.matches(_clean_id(h)):
            seen(_clean_id(h))
    todo: list[int] = []
    for i, v in enumerate(existing):
        if is_blank(v):
            todo.append(i)
            continue
        s = _clean_id(v)
        if pat.matches(s):
            out[i] = s  # full-width or stray spaces are tidied; the ID itself never changes
            seen(s)
        else:
            out[i] = v
            findings.append((i, Norm(v, "bad-id", (("value", v), ("pattern", pattern)))))
    limit = 10**pat.width - 1
    for i in todo:
        d = _as_date(first_contact[i] if i < len(first_contact) else None, default_date)
        src = sources[i] if i < len(sources) else None
        prefix = pat.prefix_for(d, channel_letter(src, channel_letters))
        nxt = max(top.get(prefix, 0), 0) + 1
        if nxt > limit:
            findings.append((i, Norm(None, "id-overflow", (("prefix", prefix), ("max", limit)))))
            continue
        top[prefix] = nxt
        out[i] = pat.format(d, channel_letter(src, channel_letters), nxt)
    findings.sort(key=lambda t: t[0])
    return out, findings
