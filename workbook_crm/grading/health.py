"""Relationship health (健康度, seed 001 (三)): four dimensions 1–5, their mean, four bands.

- 交易稳定性: from 交易记录 when the customer has deals there — the share of the last
  ``stability_months`` months (seed 001: 近6个月无断单得5分) with at least one deal, counted from the
  first deal when that is more recent: score = 1 + 4 × share (all months active → 5, none → 1).
  Otherwise the typed 交易稳定性.
- 互动频率: from the follow-up log when it has dated contacts — contacts per month over the last
  ``interaction_months`` months: ≥3 → 5 (seed 001), ≥2 → 4, ≥1 → 3, ≥0.5 → 2, less → 1 (ours).
  Otherwise the typed 互动频率.
- 满意度 and 依赖度: the archive's typed scores.
Missing dimensions are left out of the mean (never zero); no dimension at all → blank. A band
(健康度等级) needs at least ``MIN_DIMS`` dimensions: one score alone is not a verdict on the
relationship (issue #12); ``dims`` says how many the mean was taken over.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from ..rules import Rules
from ..schema import registry
from .common import Keys, dates, months_back

MIN_DIMS = 2
DIM_LABELS = {
    "stability": "交易稳定性",
    "interaction": "互动频率",
    "satisfaction": "满意度",
    "dependency": "依赖度",
}


def contacts(followups: pd.DataFrame | None, asof: date, keys: Keys) -> pd.DataFrame:
    """Follow-up rows that are contacts which happened (not 未开始/已取消, dated ≤ asof).

    Columns: code (``Keys`` code of the customer), date, status.
    """
    if followups is None or "follow_date" not in followups.columns:
        return pd.DataFrame(
            {
                "code": pd.Series(dtype=np.intp),
                "date": pd.Series(dtype="datetime64[ns]"),
                "status": pd.Series(dtype=object),
            }
        )
    code = keys.codes[registry.FOLLOWUPS.name]
    when = dates(followups, "follow_date")
    status = followups.get("status", pd.Series(None, index=followups.index, dtype=object))
    happened = ~status.isin(("未开始", "已取消"))
    keep = (code >= 0) & (when.notna() & (when <= pd.Timestamp(asof)) & happened).to_numpy()
    return pd.DataFrame(
        {"code": code[keep], "date": when[keep], "status": status[keep]}, index=followups.index[keep]
    )


def interaction_score(
    cust: pd.DataFrame, done: pd.DataFrame, rules: Rules, asof: date, keys: Keys
) -> pd.Series:
    typed = cust["interaction"]
    if done.empty:
        return typed
    start = months_back(asof, rules.interaction_months)
    recent = keys.count(done["code"].to_numpy()[(done["date"] > start).to_numpy()])
    per_month = recent[cust["code"].to_numpy()] / rules.interaction_months
    score = np.select(
        [
            per_month >= rules.interaction_5,
            per_month >= rules.interaction_4,
            per_month >= rules.interaction_3,
            per_month >= rules.interaction_2,
        ],
        [5, 4, 3, 2],
        1,
    )
    return pd.Series(score, index=cust.index, dtype="float64")


def stability_score(
    cust: pd.DataFrame, clean: dict[str, pd.DataFrame], rules: Rules, asof: date, keys: Keys
) -> pd.Series:
    typed = cust["stability"]
    deals = clean.get(registry.DEALS.name)
    if deals is None or not len(deals):
        return typed
    n = rules.stability_months
    code = keys.codes[registry.DEALS.name]
    when = dates(deals, "deal_date")
    asof_ts = pd.Timestamp(asof)
    keep = (code >= 0) & (when.notna() & (when > months_back(asof, n)) & (when <= asof_ts)).to_numpy()
    w = when[keep]
    # months counted back from asof: 0 = the month ending at asof, n-1 the oldest
    age = ((asof_ts.year - w.dt.year) * 12 + (asof_ts.month - w.dt.month)).clip(0, n - 1).to_numpy()
    pairs = np.unique(code[keep].astype(np.int64) * n + age)
    active = np.bincount(pairs // n, minlength=keys.n + 1)
    first = cust["first_deal"]
    first_age = (asof_ts.year - first.dt.year) * 12 + (asof_ts.month - first.dt.month)
    window = first_age.add(1).clip(1, n).fillna(n)
    cc = cust["code"].to_numpy()
    share = (pd.Series(active[cc].astype("float64"), index=cust.index) / window).clip(0, 1)
    seen = keys.count(code)[cc] > 0
    return (1 + 4 * share).round(1).where(seen, typed)


def health(
    cust: pd.DataFrame,
    clean: dict[str, pd.DataFrame],
    done: pd.DataFrame,
    rules: Rules,
    asof: date,
    keys: Keys,
) -> pd.DataFrame:
    """健康度得分 (mean of the available dimensions) and 健康度等级."""
    dims = pd.DataFrame(
        {
            "stability": stability_score(cust, clean, rules, asof, keys),
            "interaction": interaction_score(cust, done, rules, asof, keys),
            "satisfaction": cust["satisfaction"],
            "dependency": cust["dependency"],
        }
    )
    score = dims.mean(axis=1, skipna=True).round(2)
    n = dims.notna().sum(axis=1)
    band = np.select(
        [
            score >= rules.health_excellent,
            score >= rules.health_good,
            score >= rules.health_fair,
            score.notna(),
        ],
        ["优秀", "良好", "一般", "较差"],
        "",
    ).astype(object)
    band[(band == "") | (n < MIN_DIMS).to_numpy()] = None
    return dims.assign(score=score, band=pd.Series(band, index=cust.index, dtype=object), dims=n)


def health_note(h: pd.DataFrame) -> pd.Series:
    """``健康度 取自 2/4 项（满意度、依赖度 缺失）`` where a dimension is missing; empty text otherwise."""
    present = h[list(DIM_LABELS)].notna().to_numpy()
    labels = list(DIM_LABELS.values())
    k = len(labels)
    table = np.empty(2**k, dtype=object)  # one text per pattern of present dimensions
    for pattern in range(2**k):
        has = [bool(pattern >> j & 1) for j in range(k)]
        n = sum(has)
        if n in (0, k):
            table[pattern] = ""
            continue
        missing = "、".join(label for label, ok in zip(labels, has, strict=True) if not ok)
        table[pattern] = f"健康度 取自 {n}/{k} 项（{missing} 缺失{'' if n >= MIN_DIMS else '，不定等级'}）"
    codes = (present * (1 << np.arange(k))).sum(axis=1)
    return pd.Series(table[codes], index=h.index, dtype=object)
