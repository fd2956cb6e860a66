"""Four-quadrant tier, value tier, lifecycle stage and the maintenance interval of each customer."""

from __future__ import annotations

from datetime import date
from typing import Any, cast

import numpy as np
import pandas as pd

from ..rules import Rules
from .common import lookup, months_back

# seed 004 表(一): 维护频率 and 关键维护动作 per tier; 基础客户 is not in the table, seed 001 低价值客户:
# 半年度沟通+年度触达, 标准化服务（如邮件推送产品手册）
TIER_PLAYBOOK = {
    "核心客户": ("月度", "高层拜访、定制方案"),
    "成熟客户": ("季度", "产品更新通知、促销邀请"),
    "潜力客户": ("双月", "试用体验、案例分享"),
    "基础客户": ("半年度", "标准化服务、邮件推送产品手册"),
}
_EPS = 1e-9


def quadrant(cust: pd.DataFrame, rules: Rules) -> pd.Series:
    """客户分层 by 年交易额 ≥ tier_value 万 × 潜力评分 ≥ potential_high; blank when an input is missing."""
    high_value = cust["amount"] >= rules.tier_value * 10_000 - _EPS
    high_pot = cust["potential"] >= rules.potential_high - _EPS
    tier = np.select(
        [high_value & high_pot, high_value & ~high_pot, ~high_value & high_pot],
        ["核心客户", "成熟客户", "潜力客户"],
        "基础客户",
    ).astype(object)
    tier[(cust["amount"].isna() | cust["potential"].isna()).to_numpy()] = None
    return pd.Series(tier, index=cust.index, dtype=object)


def value_tier(cust: pd.DataFrame, rules: Rules) -> pd.Series:
    """价值层级 as seed 001 (二) words it: 高价值 超50万, 中价值 10万–50万, 低价值 低于5万.

    The seed leaves 5–10万 unnamed; 规则配置 "5-10万价值层级" says what it is (default 低价值: it does
    not reach 中价值's floor). Blank when the amount is missing.
    """
    a = cust["amount"]
    v = np.select(
        [
            a > rules.value_high * 10_000 + _EPS,
            a >= rules.value_mid * 10_000 - _EPS,
            a < rules.value_low * 10_000 - _EPS,
        ],
        ["高价值", "中价值", "低价值"],
        rules.value_gap_tier,
    ).astype(object)
    v[a.isna().to_numpy()] = None
    return pd.Series(v, index=cust.index, dtype=object)


def value_gap_note(cust: pd.DataFrame, rules: Rules) -> pd.Series:
    """For an amount in the seed's unnamed band (5–10万): which tier it was given and why."""
    a = cust["amount"]
    gap = (a >= rules.value_low * 10_000 - _EPS) & (a < rules.value_mid * 10_000 - _EPS)
    text = pd.Series("", index=cust.index, dtype=object)
    if gap.any():
        text[gap] = [
            f"价值层级：年合作金额 {x / 10_000:g}万 在 {rules.value_low:g}万–{rules.value_mid:g}万 之间"
            f"（seed 001 未命名），按规则配置归入{rules.value_gap_tier}"
            for x in a[gap]
        ]
    return text


def lifecycle(cust: pd.DataFrame, rules: Rules, asof: date) -> pd.Series:
    """生命周期阶段 (seed 001): 潜在 (no deal), 新 (< 6 months since first deal), 老,
    流失 (no deal in 3 months).

    "No deal" needs evidence: no deal date anywhere and no amount. A customer with an amount but no
    date stays blank rather than guessed.
    """
    first = cust["first_deal"].fillna(cust["last_deal"])
    last = cust["last_deal"].fillna(cust["first_deal"])
    no_dates = first.isna()
    no_amount = cust["amount"].fillna(0).le(0) & cust["profit"].fillna(0).le(0)
    stage = np.select(
        [
            no_dates & no_amount,
            no_dates,
            last < months_back(asof, rules.churn_months),
            first >= months_back(asof, rules.new_customer_months),
        ],
        cast("list[Any]", ["潜在客户", None, "流失客户", "新客户"]),
        "老客户",
    ).astype(object)
    return pd.Series(stage, index=cust.index, dtype=object)


def interval_days(
    cust: pd.DataFrame, tier: pd.Series, grade: pd.Series, rules: Rules, value: pd.Series | None = None
) -> pd.Series:
    """维护周期(天): the strictest of tier (else value tier), grade, customer type and urgency
    (SPEC §6, seed 001)."""
    if value is None:
        value = pd.Series(None, index=cust.index, dtype=object)
    # seed 001's cadence by value tier stands in where seed 004's quadrant is unknown (no 潜力评分):
    # where both are known, seed 004's table (成熟客户 季度 for C002 80万) is the seeds' own example
    value = value.where(tier.isna())
    by = (
        (
            value,
            {
                "高价值": rules.interval_value_high,
                "中价值": rules.interval_value_mid,
                "中低价值": rules.interval_value_low,
                "低价值": rules.interval_value_low,
            },
        ),
        (
            tier,
            {
                "核心客户": rules.interval_core,
                "潜力客户": rules.interval_potential,
                "成熟客户": rules.interval_mature,
                "基础客户": rules.interval_basic,
            },
        ),
        (grade, {"S": rules.interval_s, "A": rules.interval_a, "B": rules.interval_b, "C": rules.interval_c}),
        (
            cust["customer_type"],
            {
                "高意向潜在客户": rules.interval_high_intent,
                "流失预警客户": rules.interval_churn_warning,
                "长期合作客户": rules.interval_long_term,
            },
        ),
        (
            cust["urgency"],
            {
                "高": rules.interval_urgent_high,
                "中": rules.interval_urgent_mid,
                "低": rules.interval_urgent_low,
            },
        ),
    )
    days = np.full(len(cust), np.nan)
    for values, table in by:
        days = np.fmin(days, lookup(values, table))
    return pd.Series(days, index=cust.index).fillna(rules.interval_basic).astype(int)


def tier_reason(cust: pd.DataFrame, tier: pd.Series, rules: Rules) -> pd.Series:
    """Why a tier is blank (missing inputs); empty text when it could be set."""
    miss_a = cust["amount"].isna()
    miss_p = cust["potential"].isna()
    text = np.select(
        [miss_a & miss_p, miss_a, miss_p],
        ["客户分层：年交易额、潜力评分 缺失", "客户分层：年交易额 缺失", "客户分层：潜力评分 缺失"],
        "",
    )
    return pd.Series(text, index=cust.index, dtype=object)


# 维护频率 in words for a 维护周期 in days: the words always agree with the days (issue #12 item 4)
_FREQUENCY = ((7, "每周"), (14, "双周"), (31, "月度"), (62, "双月"), (92, "季度"), (183, "半年度"))


def frequency(interval: pd.Series) -> pd.Series:
    """维护频率 from 维护周期(天): ≤7 每周, ≤14 双周, ≤31 月度, ≤62 双月, ≤92 季度, ≤183 半年度, else 年度."""
    days = interval.to_numpy(dtype="float64")
    words = np.select([days <= d for d, _ in _FREQUENCY], [w for _, w in _FREQUENCY], "年度").astype(object)
    words[np.isnan(days)] = None
    return pd.Series(words, index=interval.index, dtype=object)
