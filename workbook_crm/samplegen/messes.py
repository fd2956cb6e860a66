"""What people really type (SPEC §3): each mess turns a canonical value into a hand-typed variant.

Messes come in *families*, one per cell they touch, so two messes never fight over one cell. Every
tag is planted at least once (at evenly spread customers, see ``Plan``) and the random ones add a
realistic share (``RATE``) on top.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from .codes import break_check

RATE = 0.04  # random share; with the planted ones ≈3–8 % of an affected column (task brief)
_FULL = str.maketrans("0123456789", "０１２３４５６７８９")


def fullwidth(text: str) -> str:
    return text.translate(_FULL)


# family → tags; the family names the cell the tag rewrites
FAMILIES: dict[str, tuple[str, ...]] = {
    "follow_date": (
        "date_slash",
        "date_cn",
        "date_compact",
        "date_dot",
        "date_yearless",
        "date_ambiguous",
        "date_fullwidth",
        "date_range",
    ),
    "mobile": (
        "phone_plus86",
        "phone_dashes",
        "phone_spaces",
        "phone_fullwidth",
        "phone_number",
        "phone_masked",
        "phone_two",
        "phone_landline_ext",
        "phone_landline",
        "phone_truncated",
        "phone_0086",
        "dup_mobile",
    ),
    "email": ("email_fullwidth_at", "email_upper", "email_nosuffix", "email_spaces"),
    "credit_code": ("credit_badcheck",),
    "annual_amount": ("money_range", "money_approx", "money_tbd"),
    "total_amount": ("money_yen",),
    "renewal_rate": ("pct_text", "pct_whole"),
    "source": ("source_展会", "source_转介绍"),
    "customer_type": ("type_synonym",),
    "method": ("method_synonym",),
    "status": ("status_synonym",),
    "next_step": ("vague_next",),
    "remark": ("personal_id",),
    "struct": ("duplicate_customer", "dup_id", "orphan_followup", "blank_row", "same_name"),
}
# planted only, never drawn at random: each is one story in the sample, not a rate
NEEDS_PREVIOUS = {"dup_id", "dup_mobile"}  # they copy from the customer before
ONE_OFF = {
    "dup_mobile",
    "personal_id",
    "duplicate_customer",
    "dup_id",
    "orphan_followup",
    "blank_row",
    "same_name",
}


class Plan:
    """Which customer carries which planted mess: each family's tags spread evenly over N customers."""

    def __init__(self, customers: int, messy: bool) -> None:
        self.by_customer: dict[int, set[str]] = {}
        if not messy or customers <= 0:
            return
        for f_index, tags in enumerate(FAMILIES.values()):
            k = len(tags)
            for j, tag in enumerate(tags):
                pos = (int((j + 0.5) * customers / k) + 3 * f_index) % customers
                if tag in NEEDS_PREVIOUS and pos == 0:
                    pos = min(1, customers - 1)
                self.by_customer.setdefault(pos, set()).add(tag)

    def tags(self, i: int) -> set[str]:
        return self.by_customer.get(i, set())


class Messer:
    """Applies planted tags and random messes to one row's cells."""

    def __init__(self, rng: random.Random, messy: bool) -> None:
        self.rng = rng
        self.messy = messy

    def pick(self, family: str, planted: set[str]) -> str | None:
        """The tag to apply to this family's cell: a planted one, else a random one at RATE."""
        if not self.messy:
            return None
        for tag in FAMILIES[family]:
            if tag in planted:
                return tag
        candidates = [t for t in FAMILIES[family] if t not in ONE_OFF]
        if candidates and self.rng.random() < RATE:
            return self.rng.choice(candidates)
        return None

    # --- value rewriters ---------------------------------------------------------------------
    def date(self, tag: str, d: date) -> Any:
        y, m, day = d.year, d.month, d.day
        if tag == "date_slash":
            return f"{y}/{m}/{day}"
        if tag == "date_cn":
            return f"{y}年{m}月{day}日"
        if tag == "date_compact":
            return f"{y}{m:02d}{day:02d}"
        if tag == "date_dot":
            return f"{y}.{m}.{day}"
        if tag == "date_yearless":
            return f"{m}月{day}日"
        if tag == "date_ambiguous":
            # both readings valid: month and day ≤ 12 (SPEC §3: warn, never guess)
            dd = day if day <= 12 else day % 12 + 1
            dd = dd % 12 + 1 if dd == m else dd
            return f"{m:02d}/{dd:02d}/{y}"
        if tag == "date_fullwidth":
            return fullwidth(f"{y}-{m:02d}-{day:02d}")
        if tag == "date_range":
            end = d + timedelta(days=2)
            if end.month == m:
                return f"{y}-{m:02d}-{day:02d}-{end.day:02d}"  # seed 004: 2024-04-10-12
            return f"{y}-{m:02d}-{day:02d}至{end:%Y-%m-%d}"
        return d

    def phone(self, tag: str, mobile: str, *, other: str, landline: str) -> Any:
        a, b, c = mobile[:3], mobile[3:7], mobile[7:]
        if tag == "phone_plus86":
            return f"+86 {a} {b} {c}"
        if tag == "phone_dashes":
            return f"{a}-{b}-{c}"
        if tag == "phone_spaces":
            return f"{a} {b} {c}"
        if tag == "phone_fullwidth":
            return fullwidth(mobile)
        if tag == "phone_number":
            return int(mobile)  # stored as a number: Excel shows 1.38E+10
        if tag == "phone_masked":
            return f"{a}****{c}"
        if tag == "phone_two":
            return f"{mobile}/{other}"
        if tag == "phone_landline_ext":
            return f"{landline}转{self.rng.randrange(100, 900)}"
        if tag == "phone_landline":
            return landline
        if tag == "phone_truncated":
            return a + c
        if tag == "phone_0086":
            return f"0086-{mobile}"
        if tag == "dup_mobile":
            return other
        return mobile

    def email(self, tag: str, email: str) -> str:
        local, _, domain = email.partition("@")
        if tag == "email_fullwidth_at":
            return f"{local}＠{domain}"
        if tag == "email_upper":
            return f"{local.capitalize()}@{domain.upper()}"
        if tag == "email_nosuffix":
            return f"{local}@{domain.split('.')[0]}"
        if tag == "email_spaces":
            return f" {email}  "
        return email

    def credit(self, tag: str, code: str) -> str:
        return break_check(code) if tag == "credit_badcheck" else code

    def annual(self, tag: str, wan: float) -> Any:
        w = max(1, round(wan))
        if tag == "money_range":
            return f"{w}-{w + max(5, w // 2)}万"
        if tag == "money_approx":
            return f"约{w}万"
        if tag == "money_tbd":
            return "待确认"  # seed 002: never guess, write 待确认
        return wan

    def total(self, tag: str, yuan: float) -> Any:
        return f"¥{yuan:,.0f}" if tag == "money_yen" else yuan

    def percent(self, tag: str, rate: float) -> Any:
        if tag == "pct_text":
            return f"{round(rate * 100)}%"
        if tag == "pct_whole":
            return round(rate * 100)
        return rate

    def synonym(self, value: str, pairs: tuple[tuple[str, str], ...], prefer: str | None = None) -> str:
        """A synonym people type for a canonical choice (`展会` for 展会对接)."""
        if prefer is not None:
            return prefer
        options = [typed for typed, canon in pairs if canon == value] or [typed for typed, _ in pairs]
        return self.rng.choice(options)
