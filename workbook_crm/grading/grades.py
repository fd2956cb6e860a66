"""S/A/B/C grades with their reasons in words (客户等级, 评级依据; seed 002 (四)).

The grade is the highest level whose three conditions all hold. Missing is not C (issue #12): when
a missing input could decide the grade (the inputs present would allow a higher level), the
customer is ``待评级`` and the reason names what is missing (``续约率 缺失``); when the inputs present
already fail every level (年合作金额 3万 < 5万), it is C whatever the missing ones say. C also when the
last deal is older than ``no_deal_months_c`` months (seed 002 (四): 连续3个月无合作).

The reason lists the conditions of the level just above the grade (for S: its own), e.g.
``年合作金额 62万 ≥ 50万；续约率 85% < 90%；满意度 4.6 ≥ 4.5 → A``.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from ..rules import Rules
from .common import months_back, strftime_each

LEVELS = ("S", "A", "B")
GRADES = ("S", "A", "B", "C")
PENDING = "待评级"  # the inputs that would decide the grade are missing (counted apart, never as C)
_EPS = 1e-9  # 0.9 typed as 90% must meet a 90% threshold despite float rounding


def _thresholds(rules: Rules, level: str) -> tuple[float, float, float]:
    p = level.lower()
    return (
        getattr(rules, f"{p}_amount") * 10_000,
        getattr(rules, f"{p}_renewal"),
        getattr(rules, f"{p}_satisfaction"),
    )


def grade_customers(
    cust: pd.DataFrame, rules: Rules, asof: date, extra: pd.Series | None = None
) -> pd.DataFrame:
    """客户等级 and 评级依据 for each customer row of ``customer_frame``.

    ``extra``: text appended to the reason after "；" where not empty (the tier's missing inputs).
    Each condition's words are built once per distinct value, then joined row by row.
    """
    metrics = (
        ("年合作金额", cust["amount"], wan),
        ("续约率", cust["renewal_rate"], pct),
        ("满意度", cust["satisfaction"], score),
    )
    thresholds = [_thresholds(rules, level) for level in LEVELS]
    n = len(cust)
    holds = np.ones((len(LEVELS), n), dtype=bool)
    could = np.ones((len(LEVELS), n), dtype=bool)  # the level holds if every missing input were met
    # texts[level][metric]: the condition's words per row
    texts: list[list[np.ndarray]] = [[] for _ in LEVELS]
    for m, (label, values, fmt) in enumerate(metrics):
        codes, uniq = pd.factorize(values)
        shown = [fmt(v) for v in uniq]
        missing = f"{label} 缺失"
        for li in range(len(LEVELS)):
            threshold = thresholds[li][m]
            ok_u = uniq >= threshold - _EPS
            holds[li] &= np.append(ok_u, False)[codes]
            could[li] &= np.append(ok_u, True)[codes]
            t = fmt(threshold)
            table = np.empty(len(uniq) + 1, dtype=object)
            table[:-1] = [f"{label} {v} {'≥' if ok else '<'} {t}" for v, ok in zip(shown, ok_u, strict=True)]
            table[-1] = missing
            texts[li].append(table[codes])
    grade = np.select([holds[0], holds[1], holds[2]], ["S", "A", "B"], "C").astype(object)
    best = np.select([could[0], could[1], could[2]], ["S", "A", "B"], "C").astype(object)
    pending = grade != best
    # the conditions shown: S's own for S, otherwise those of the level above
    level_shown = np.select([grade == "S", grade == "A", grade == "B"], [0, 0, 1], 2)

    last = cust["last_deal"]
    cutoff = months_back(asof, rules.no_deal_months_c)
    stale = (last < cutoff).to_numpy()
    k = rules.no_deal_months_c
    tail = np.full(n, "", dtype=object)
    if stale.any():
        when = strftime_each(last[stale])
        tail[stale] = [f"；连续{k}个月无合作（最近合作 {w}）" for w in when]
        grade[stale] = "C"
        pending &= ~stale
    has_deal_info = cust["last_deal"].notna() | cust["first_deal"].notna()
    unknown = (~has_deal_info & cust["amount"].notna()).to_numpy()
    if unknown.any():
        tail[unknown] += f"；最近合作时间 缺失（未检查连续{k}个月无合作）"
    from_deals = cust["amount_from_deals"].to_numpy(dtype=bool)
    if from_deals.any():
        tail[from_deals] += "；年合作金额取自交易记录近12个月"
    after = np.full(n, "", dtype=object)
    if extra is not None:
        e = extra.to_numpy(dtype=object)
        has = e != ""
        after[has] = "；" + e[has]
    grade[pending] = PENDING
    # a pending customer is shown the conditions of the best level it could still reach
    level_shown[pending] = np.select([best == "S", best == "A"], [0, 1], 2)[pending]
    pieces = np.stack([np.stack(t) for t in texts])  # level, metric, row
    rows = np.arange(n)
    a, r, s = (pieces[level_shown, m, rows] for m in range(3))
    reason = [
        f"{a1}；{r1}；{s1}{t1} → {g1}{x1}"
        for a1, r1, s1, t1, g1, x1 in zip(a, r, s, tail, grade, after, strict=True)
    ]
    return pd.DataFrame(
        {"grade": grade, "reason": pd.Series(reason, index=cust.index, dtype=None if n else object)},
        index=cust.index,
    )


# number wording of the 分级依据 texts
def _fmt_num(v: float, digits: int = 2) -> str:
    return f"{round(float(v), digits):.{digits}f}".rstrip("0").rstrip(".")


def wan(v: float) -> str:
    """500000.0 → "50万" (the unit 年合作金额 is kept in)."""
    return _fmt_num(v / 10_000) + "万"


def pct(v: float) -> str:
    """0.85 → "85%"."""
    return _fmt_num(v * 100, 1) + "%"


def score(v: float) -> str:
    """4.60 → "4.6"."""
    return _fmt_num(v, 2)
