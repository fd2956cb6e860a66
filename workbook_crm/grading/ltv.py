"""LTV and NPS (seed 001 (三)): figures the seed names without a formula; ours are documented here.

- LTV (客户生命周期价值) = 年合作金额 × expected years of cooperation. With a yearly 续约率 r the
  expected number of years is 1 / (1 − r) (each year the customer renews with probability r), capped at
  规则配置 "LTV预期合作年限上限" (10 years: r = 100 % would otherwise be infinite). Blank when either
  input is missing — never a guess. Seed-style example: 20万 × 1/(1−80%) = 100万.
- NPS = share of promoters (推荐意愿 9–10) − share of detractors (0–6), in points, over the customers
  who answered the optional 推荐意愿 (0–10) column.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..rules import Rules


def lifetime_value(cust: pd.DataFrame, rules: Rules) -> pd.Series:
    """LTV(万元) per customer row, rounded to 0.01万; NaN where 年合作金额 or 续约率 is missing."""
    r = cust["renewal_rate"].clip(lower=0, upper=1)
    with np.errstate(divide="ignore"):
        years = np.minimum(1 / (1 - r.to_numpy(dtype=float)), float(rules.ltv_max_years))
    ltv = cust["amount"].to_numpy(dtype=float) * years / 10_000
    return pd.Series(np.round(ltv, 2), index=cust.index)


def nps(cust: pd.DataFrame) -> dict[str, float | int]:
    """{"NPS": points, "NPS样本数": n} when any 推荐意愿 was given; {} otherwise (the tile is not shown)."""
    if "recommend" not in cust:
        return {}
    score = cust["recommend"].dropna()
    if score.empty:
        return {}
    promoters = int((score >= 9).sum())
    detractors = int((score <= 6).sum())
    return {"NPS": round((promoters - detractors) / len(score) * 100, 1), "NPS样本数": int(len(score))}
