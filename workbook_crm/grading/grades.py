"""S/A/B/C grades with their reasons in words (客户等级, 评级依据; seed 002 (四)).

The grade is the highest level whose three conditions all hold. A missing input fails the
condition it feeds and is named in the reason (``续约率 缺失``), never read as zero. C also when the
last deal is older than ``no_deal_months_c`` months (seed 002 (四): 连续3个月无合作).

The reason lists the conditions of the level just above the grade (for S: its own), e.g.
``年合作金额 62万 ≥ 50万；续约率 85% < 90%；满意度 4.6 ≥ 4.5 → A``.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from ..rules import Rules
from .common import fmt_pct, fmt_score, fmt_wan, months_back

LEVELS = ("S", "A", "B")
GRADES = ("S", "A", "B", "C")
_EPS = 1e-9  # 0.9 typed as 90% must meet a 90% threshold despite float rounding


def _thresholds(rules: Rules, level: str) -> tuple[float, float, float]:
    p = level.lower()
    return (getattr(rules, f"{p}_amount") * 10_000, getattr(rules, f"{p}_renewal"),
            getattr(rules, f"{p}_satisfaction"))


def grade_customers(cust: pd.DataFrame, rules: Rules, asof: date) -> pd.DataFrame:
    """客户等级 and 评级依据 for each customer row of ``customer_frame``."""
    amount, renewal, sat = cust["amount"], cust["renewal_rate"], cust["satisfaction"]
    metrics = (("年合作金额", amount, fmt_wan(amount), fmt_wan),
               ("续约率", renewal, fmt_pct(renewal), fmt_pct),
               ("满意度", sat, fmt_score(sat), fmt_score))
    holds: dict[str, np.ndarray] = {}
    parts: dict[str, pd.Series] = {}
    for level in LEVELS:
        ok_all = np.ones(len(cust), dtype=bool)
        texts = []
        for (label, values, shown, fmt), threshold in zip(metrics, _thresholds(rules, level), strict=True):
            ok = (values >= threshold - _EPS).to_numpy()
            ok_all &= ok
            t = fmt(pd.Series([threshold])).iloc[0]
            text = pd.Series(np.where(ok, label + " " + shown.fillna("") + " ≥ " + t,
                                      label + " " + shown.fillna("") + " < " + t), index=cust.index)
            text[values.isna()] = f"{label} 缺失"
            texts.append(text)
        holds[level] = ok_all
        parts[level] = texts[0] + "；" + texts[1] + "；" + texts[2]
    grade = np.select([holds["S"], holds["A"], holds["B"]], ["S", "A", "B"], "C").astype(object)
    # the conditions shown: S's own for S, otherwise those of the level above
    shown = np.select([grade == "S", grade == "A", grade == "B"],
                      [parts["S"], parts["S"], parts["A"]], parts["B"]).astype(object)
    reason = pd.Series(shown, index=cust.index, dtype=object)

    last = cust["last_deal"]
    cutoff = months_back(asof, rules.no_deal_months_c)
    stale = (last < cutoff).to_numpy()
    n = rules.no_deal_months_c
    if stale.any():
        stale_text = f"连续{n}个月无合作（最近合作 " + last.dt.strftime("%Y-%m-%d").fillna("") + "）"
        reason = reason.where(~stale, reason + "；" + stale_text)
        grade = np.where(stale, "C", grade).astype(object)
    has_deal_info = cust["last_deal"].notna() | cust["first_deal"].notna()
    unknown = (~has_deal_info & cust["amount"].notna()).to_numpy()
    if unknown.any():
        reason = reason.where(~unknown, reason + f"；最近合作时间 缺失（未检查连续{n}个月无合作）")
    from_deals = cust["amount_from_deals"].to_numpy(dtype=bool)
    if from_deals.any():
        reason = reason.where(~from_deals, reason + "；年合作金额取自交易记录近12个月")
    reason = reason + " → " + pd.Series(grade, index=cust.index)
    return pd.DataFrame({"grade": grade, "reason": reason}, index=cust.index)
