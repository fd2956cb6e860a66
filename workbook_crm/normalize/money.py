"""Money (预算范围, 年合作金额, 累计交易金额 …): the user's text is kept, the bounds in yuan are exposed.

Seed 002: "客户预算未明确时，填写'待确认'而非模糊估计" — so 待确认 is a valid value, and a range such as
``50-80万`` is never collapsed into one guessed number in the record (SPEC §3).
"""

from __future__ import annotations

import math
import re
from decimal import Decimal
from typing import Any

from workbook_crm.normalize import Norm
from workbook_crm.normalize.text import is_blank, nfkc, unwrap

PENDING = (
    "待确认",
    "待定",
    "未知",
    "未定",
    "不详",
    "不确定",
    "待评估",
    "待沟通",
    "暂无",
    "暂未确定",
    "tbd",
    "n/a",
)
# Units a rep types after a figure. k/K and w/W (网络用语 for 万) are accepted: `3k`, `50w` are common.
_UNITS = {
    "元": 1,
    "块": 1,
    "千": 1_000,
    "k": 1_000,
    "万": 10_000,
    "w": 10_000,
    "十万": 100_000,
    "百万": 1_000_000,
    "千万": 10_000_000,
    "亿": 100_000_000,
}
_UNIT_RX = "百万|千万|十万|万|亿|千|元|块|k|w"
_NUM = r"(\d+(?:\.\d+)?|[零〇一二两三四五六七八九十百千万亿点]+)"
_AMOUNT = re.compile(rf"^{_NUM}({_UNIT_RX})?(?:元)?$")
_APPROX_PRE = re.compile(r"^(?:约|大约|大概|预计|估计|将近|接近|近|~)")
_APPROX_POST = re.compile(r"(?:左右|上下|多|余|出头)(?=(?:元)?$|[万亿千元])")
_BELOW = re.compile(r"(?:以下|以内|之内|内)$|^(?:不超过|不到|低于|少于|最多|<|≤|<=)")
_ABOVE = re.compile(r"(?:以上|起|及以上)$|^(?:不低于|超过|高于|至少|最少|>|≥|>=)")
_RANGE = re.compile(r"^(.+?)(?:-|~|至|到|—|–)(.+)$")
_CURRENCY = re.compile(r"¥|￥|rmb|cny|人民币|预算|金额|:|：")


def _bad(value: Any) -> Norm:
    return Norm(value, "bad-money", (("value", value),))


def _amount(text: str) -> tuple[float, float | None] | None:
    """'50万' → (50, 10000); '50' → (50, None) (the unit comes from elsewhere); '一万五' → (15000, 1)."""
    m = _AMOUNT.match(text)
    if not m:
        return None
    num, unit = m[1], m[2]
    if num[0].isdigit():
        n = float(num)
    else:
        if unit is None and len(num) > 1 and num[-1] in "万亿":  # 八十万 → 八十 × 万
            num, unit = num[:-1], num[-1]
        try:
            import cn2an

            n = float(cn2an.cn2an(num, "normal"))
        except Exception:
            return None
        if unit is None and re.search("[万亿]", num):
            return n, 1.0  # 一万五: the numeral carries its own magnitude
    return n, (float(_UNITS[unit]) if unit else None)


def parse_money(value: Any, *, scale: float = 1) -> Norm:
    """金额 → value as typed; ``extra`` carries low/high in yuan (None = open side) and approx.

    ``scale`` is yuan per unit of the column: 10000 for a ``(万元)`` header, 1 for ``(元)``. A unit in
    the text (万, 元, k, 亿) wins over the column's unit.
    """
    try:
        return _parse_money(value, scale)
    except Exception:  # never let one odd cell stop the run
        return _bad(value)


def _parse_money(value: Any, scale: float) -> Norm:
    value = unwrap(value)
    if is_blank(value):
        return Norm(value)
    if isinstance(value, bool):
        return _bad(value)
    if isinstance(value, (int, float, Decimal)):
        f = float(value)
        if not math.isfinite(f):
            return _bad(value)
        y = f * scale
        return Norm(value, None, (), (("low", y), ("high", y), ("approx", False)))
    if not isinstance(value, str):
        return _bad(value)
    s = nfkc(value).strip().lower()
    if s in PENDING or s.rstrip("?？") in PENDING:
        return Norm(value, None, (), (("pending", True),))
    s = _CURRENCY.sub("", s)
    s = re.sub(r"\s+", "", s)
    s = re.sub(r"(?<=\d),(?=\d{3}(?:\D|$))", "", s)  # 500,000 thousands separators
    s = s.replace("万元", "万").replace("亿元", "亿")
    approx = bool(_APPROX_PRE.search(s) or _APPROX_POST.search(s))
    s = _APPROX_POST.sub("", _APPROX_PRE.sub("", s))
    below, above = bool(_BELOW.search(s)), bool(_ABOVE.search(s))
    s = _ABOVE.sub("", _BELOW.sub("", s))
    if below and above or not s:
        return _bad(value)
    if m := _RANGE.match(s):
        lo, hi = _amount(m[1]), _amount(m[2])
        if below or above or lo is None or hi is None:
            return _bad(value)
        # 50-80万: a unit at one end applies to the other (the end's unit wins, as Chinese is written)
        lo_unit = lo[1] or hi[1] or scale
        hi_unit = hi[1] or lo[1] or scale
        low, high = lo[0] * lo_unit, hi[0] * hi_unit
        if low > high:
            return _bad(value)
        return Norm(value, None, (), (("low", low), ("high", high), ("approx", approx)))
    one = _amount(s)
    if one is None:
        return _bad(value)
    y = one[0] * (one[1] or scale)
    bounds: tuple[float | None, float | None] = (None, y) if below else (y, None) if above else (y, y)
    return Norm(value, None, (), (("low", bounds[0]), ("high", bounds[1]), ("approx", approx)))


def money_yuan(value: Any, scale: float = 1) -> float | None:
    """One figure in yuan for grading: the lower bound of a range (conservative: 50-80万 → 500000),
    the stated figure of an open range (10万以下 → 100000, 100万以上 → 1000000); None when pending or bad.
    """
    n = parse_money(value, scale=scale)
    if n.code or n.get("pending"):
        return None
    low = n.get("low")
    return low if low is not None else n.get("high")
