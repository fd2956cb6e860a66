"""RFM (seed 001 (三)) when 交易记录 exists: R, F, M scored 1–5 by quintiles, eight segments.

Two definitions, chosen by 规则配置 "RFM定义" (issue #13):

- 种子001 (default), as seed 001 words it: R = 近6个月合作频次 (deals in the last ``rfm_recent_months``),
  F = 近12个月交易总额 (amount over ``rfm_months``), M = 平均客单价 (mean amount per deal, every deal
  up to the as-of date) — "越高越好" for all three.
- 经典 (the textbook): R = days since the last deal (shorter scores higher), F = deals in the last
  ``rfm_months`` months, M = amount in those months.

Scores are quintiles of the percentile rank among customers with deals (ties share a rank, so equal
values get equal scores). Each score is "high" when above the mean score, and the three highs/lows
name the segment.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from ..rules import Rules
from ..schema import registry
from .common import Keys, dates, months_back, nums

# (R high, F high, M high) → segment
SEGMENTS = {
    (True, True, True): "重要价值客户",
    (True, False, True): "重要发展客户",
    (False, True, True): "重要保持客户",
    (False, False, True): "重要挽留客户",
    (True, True, False): "一般价值客户",
    (True, False, False): "一般发展客户",
    (False, True, False): "一般保持客户",
    (False, False, False): "一般挽留客户",
}


def _quintile(values: pd.Series, ascending: bool = True) -> pd.Series:
    pct = values.rank(method="average", pct=True, ascending=ascending)
    return np.ceil(pct * 5).clip(1, 5)


def rfm(
    cust: pd.DataFrame, clean: dict[str, pd.DataFrame], rules: Rules, asof: date, keys: Keys
) -> pd.DataFrame | None:
    """R分, F分, M分 and RFM分群 per customer row; None when there is no 交易记录 sheet."""
    deals = clean.get(registry.DEALS.name)
    if deals is None:
        return None
    asof_ts = pd.Timestamp(asof)
    when = dates(deals, "deal_date")
    keep = (keys.codes[registry.DEALS.name] >= 0) & (when.notna() & (when <= asof_ts)).to_numpy()
    code = keys.codes[registry.DEALS.name][keep]
    when = when.to_numpy()[keep]
    last = keys.max_date(code, when)
    present = np.flatnonzero(keys.count(code))  # the customers with deals, as codes
    out = pd.DataFrame(index=cust.index, columns=["R分", "F分", "M分", "RFM分群"], dtype=object)
    if not len(present):
        return out
    recent = when > np.datetime64(months_back(asof, rules.rfm_months))
    frequency = keys.count(code[recent])[present].astype("float64")
    sums = pd.Series(nums(deals, "amount_yuan").to_numpy()[keep][recent]).groupby(code[recent]).sum()
    monetary = sums.reindex(present).fillna(0).to_numpy()
    if rules.rfm_definition == "经典":
        recency = (np.datetime64(asof_ts) - last[present]).astype("timedelta64[D]").astype(np.int64)
        scores = pd.DataFrame(
            {
                "R分": _quintile(pd.Series(recency), ascending=False),
                "F分": _quintile(pd.Series(frequency)),
                "M分": _quintile(pd.Series(monetary)),
            }
        )
    else:
        amounts = nums(deals, "amount_yuan").to_numpy()[keep]
        six = when > np.datetime64(months_back(asof, rules.rfm_recent_months))
        count6 = keys.count(code[six])[present].astype("float64")
        known = ~np.isnan(amounts)
        mean = pd.Series(amounts[known]).groupby(code[known]).mean().reindex(present).fillna(0).to_numpy()
        scores = pd.DataFrame(
            {
                "R分": _quintile(pd.Series(count6)),
                "F分": _quintile(pd.Series(monetary)),
                "M分": _quintile(pd.Series(mean)),
            }
        )
    high = scores.gt(scores.mean()).to_numpy()
    seg_names = np.array(
        [SEGMENTS[(bool(r), bool(f), bool(m))] for r in (0, 1) for f in (0, 1) for m in (0, 1)], dtype=object
    )
    seg = seg_names[high[:, 0] * 4 + high[:, 1] * 2 + high[:, 2]]
    cc = cust["code"].to_numpy()
    for c in ("R分", "F分", "M分"):
        per = np.full(keys.n + 1, np.nan)
        per[present] = scores[c].to_numpy()
        out[c] = per[cc]
    per_seg = np.full(keys.n + 1, np.nan, dtype=object)
    per_seg[present] = seg
    out["RFM分群"] = pd.Series(per_seg[cc], index=cust.index)
    return out
