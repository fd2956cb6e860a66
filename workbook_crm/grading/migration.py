"""Grade migration from 分级历史: this month's grade against last month's (升级/降级/不变/新增/流失).

"Last month" is the latest month in 分级历史 before this one (a re-run of this month is ignored), so
a skipped month still compares with the previous run.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .common import HISTORY, col, ids

RANK = {"S": 4, "A": 3, "B": 2, "C": 1}
ABSENT = "—"


def previous(clean: dict[str, pd.DataFrame], month: str) -> pd.DataFrame:
    """分级历史 rows of the latest month before ``month`` (customer_id, name, grade, tier)."""
    h = clean.get(HISTORY)
    if h is None or not len(h) or "month" not in h.columns:
        return pd.DataFrame(columns=["customer_id", "name", "grade", "tier"])
    months = col(h, "month").astype(str).str.strip().str[:7]
    before = months[months < month]
    if before.empty:
        return pd.DataFrame(columns=["customer_id", "name", "grade", "tier"])
    rows = h[months == before.max()]
    return pd.DataFrame({"customer_id": ids(rows), "name": col(rows, "name"), "grade": col(rows, "grade"),
                         "tier": col(rows, "tier")}).dropna(subset=["customer_id"]).drop_duplicates("customer_id")


def migration(now: pd.DataFrame, prev: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(per-customer changes, matrix 上月等级 × 本月等级). ``now`` has customer_id, name, grade."""
    cur = now[["customer_id", "name", "grade"]].dropna(subset=["customer_id"]).drop_duplicates("customer_id")
    m = cur.merge(prev[["customer_id", "name", "grade"]], on="customer_id", how="outer",
                  suffixes=("", "_prev"), indicator=True)
    r_now, r_prev = m["grade"].map(RANK), m["grade_prev"].map(RANK)
    change = np.select([m["_merge"] == "left_only", m["_merge"] == "right_only", r_now > r_prev,
                        r_now < r_prev], ["新增", "流失", "升级", "降级"], "不变")
    out = pd.DataFrame({"客户编号": m["customer_id"], "客户名称": m["name"].fillna(m["name_prev"]),
                        "上月等级": m["grade_prev"].fillna(ABSENT), "本月等级": m["grade"].fillna(ABSENT),
                        "变化": change})
    order = [*RANK, ABSENT]
    matrix = pd.crosstab(pd.Categorical(out["上月等级"], order), pd.Categorical(out["本月等级"], order),
                         dropna=False).rename_axis(index="上月等级", columns="本月等级")
    return out.sort_values("客户编号", kind="stable").reset_index(drop=True), matrix
