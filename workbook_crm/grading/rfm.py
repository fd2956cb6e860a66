"""RFM (seed 001 (三)) when 交易记录 exists: R, F, M scored 1–5 by quintiles, eight segments.

Seed 001 words R/F/M unusually (R as 近6个月合作频次); we use the textbook reading, which its
purpose ("量化客户价值") needs: R = days since the last deal, F = deals in the last ``rfm_months``
months, M = amount in those months. Scores are quintiles of the percentile rank among customers
with deals (ties share a rank, so equal values get equal scores); a shorter recency scores higher.
Each score is "high" when above the mean score, and the three highs/lows name the segment.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from ..rules import Rules
from .common import DEALS, dates, ids, months_back, nums

# (R high, F high, M high) → segment
SEGMENTS = {
    (True, True, True): "重要价值客户", (True, False, True): "重要发展客户",
    (False, True, True): "重要保持客户", (False, False, True): "重要挽留客户",
    (True, True, False): "一般价值客户", (True, False, False): "一般发展客户",
    (False, True, False): "一般保持客户", (False, False, False): "一般挽留客户",
}


def _quintile(values: pd.Series, ascending: bool = True) -> pd.Series:
    pct = values.rank(method="average", pct=True, ascending=ascending)
    return np.ceil(pct * 5).clip(1, 5)


def rfm(cust: pd.DataFrame, clean: dict[str, pd.DataFrame], rules: Rules, asof: date) -> pd.DataFrame | None:
    """R分, F分, M分 and RFM分群 per customer row; None when there is no 交易记录 sheet."""
    deals = clean.get(DEALS)
    if deals is None:
        return None
    asof_ts = pd.Timestamp(asof)
    d = pd.DataFrame({"cid": ids(deals), "date": dates(deals, "deal_date"), "amt": nums(deals, "amount_yuan")})
    d = d[d["cid"].notna() & d["date"].notna() & (d["date"] <= asof_ts)]
    last = d.groupby("cid")["date"].max()
    window = d[d["date"] > months_back(asof, rules.rfm_months)].groupby("cid")
    per = pd.DataFrame({"recency": (asof_ts - last).dt.days})
    per["frequency"] = window.size().reindex(per.index).fillna(0)
    per["monetary"] = window["amt"].sum().reindex(per.index).fillna(0)
    out = pd.DataFrame(index=cust.index, columns=["R分", "F分", "M分", "RFM分群"], dtype=object)
    if per.empty:
        return out
    scores = pd.DataFrame({"R分": _quintile(per["recency"], ascending=False),
                           "F分": _quintile(per["frequency"]), "M分": _quintile(per["monetary"])})
    means = scores.mean()
    high = scores.gt(means)
    seg = pd.Series([SEGMENTS[k] for k in zip(high["R分"], high["F分"], high["M分"], strict=True)],
                    index=scores.index, dtype=object)
    key = cust["customer_id"]
    for c in ("R分", "F分", "M分"):
        out[c] = key.map(scores[c]).astype("float64")
    out["RFM分群"] = key.map(seg)
    return out
