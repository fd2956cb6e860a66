"""Grade migration from 分级历史: this month's grade against last month's (升级/降级/不变/新增/流失).

"Last month" is the latest month in 分级历史 before this one (a re-run of this month is ignored), so
a skipped month still compares with the previous run.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..schema import registry
from .common import col, ids, lookup
from .grades import PENDING

RANK = {"S": 4, "A": 3, "B": 2, "C": 1}
ABSENT = "—"


def previous(clean: dict[str, pd.DataFrame], month: str) -> pd.DataFrame:
    """分级历史 rows of the latest month before ``month`` (customer_id, name, grade, tier)."""
    h = clean.get(registry.HISTORY.name)
    if h is None or not len(h) or "month" not in h.columns:
        return pd.DataFrame(columns=["customer_id", "name", "grade", "tier"])
    months = col(h, "month").astype(str).str.strip().str[:7]
    before = months[(months < month) & months.str.match(r"\d{4}-\d{2}$")]  # not a quarter's 2024Q2 block
    if before.empty:
        return pd.DataFrame(columns=["customer_id", "name", "grade", "tier"])
    rows = h[months == before.max()]
    return (
        pd.DataFrame(
            {
                "customer_id": ids(rows),
                "name": col(rows, "name"),
                "grade": col(rows, "grade"),
                "tier": col(rows, "tier"),
            }
        )
        .dropna(subset=["customer_id"])
        .drop_duplicates("customer_id")
    )


def migration(now: pd.DataFrame, prev: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(per-customer changes, matrix 上月等级 × 本月等级). ``now`` has customer_id, name, grade.

    An outer join of this month (first row per 客户编号) and last month on 客户编号, sorted by 客户编号:
    one factorize and an Arrow sort instead of ``merge`` + object ``sort_values`` (100k on both sides).
    """
    cur = now[["customer_id", "name", "grade"]]
    cur = cur[cur["customer_id"].notna()]
    prev = prev[["customer_id", "name", "grade"]]
    codes, uniq = pd.factorize(
        np.concatenate(
            [cur["customer_id"].to_numpy(dtype=object), prev["customer_id"].to_numpy(dtype=object)]
        )
    )
    k = len(uniq)
    c_now, c_prev = codes[: len(cur)], codes[len(cur) :]
    now_row = np.full(k, -1, dtype=np.intp)
    u, first = np.unique(c_now, return_index=True)
    now_row[u] = first
    prev_row = np.full(k, -1, dtype=np.intp)
    prev_row[c_prev] = np.arange(len(c_prev))  # 分级历史 rows of a month are one per 客户编号

    def pick(column: pd.Series, rows: np.ndarray) -> pd.Series:
        """column's values at rows, NaN where -1 (the outer join's missing side), same dtype."""
        values = np.append(column.to_numpy(dtype=object), np.nan)
        return pd.Series(values[rows], dtype=column.dtype)

    name, grade = pick(cur["name"], now_row), pick(cur["grade"], now_row)
    name_prev, grade_prev = pick(prev["name"], prev_row), pick(prev["grade"], prev_row)
    r_now, r_prev = lookup(grade, RANK), lookup(grade_prev, RANK)
    change = np.select(
        [prev_row < 0, now_row < 0, r_now > r_prev, r_now < r_prev], ["新增", "流失", "升级", "降级"], "不变"
    )
    out = pd.DataFrame(
        {
            "客户编号": pd.Series(uniq, dtype=object),
            "客户名称": name.fillna(name_prev),
            "上月等级": grade_prev.fillna(ABSENT),
            "本月等级": grade.fillna(ABSENT),
            "变化": change,
        }
    )
    order = [*RANK, PENDING, ABSENT]
    matrix = pd.crosstab(
        pd.Categorical(out["上月等级"], order), pd.Categorical(out["本月等级"], order), dropna=False
    ).rename_axis(index="上月等级", columns="本月等级")
    # ids are distinct strings: Arrow's sort (code point order, as Python's) gives sort_values' order
    by_id = pd.Series(uniq, dtype="str").argsort(kind="stable").to_numpy()
    return out.take(by_id).reset_index(drop=True), matrix
