"""One definition per figure (issue #12 item 5): the indicator registry.

Every figure the run, the summary and the per-owner workbooks show is defined here once, in words
(``INDICATORS``, from which ``docs/INDICATORS.md`` is generated — ``python -m
workbook_crm.grading.indicators > docs/INDICATORS.md`` — and a test keeps the two in step) and in
code (the functions below). The KPI measures of 效果评估表 follow seed 004: 核心客户留存率,
成熟客户复购率 (among 成熟客户), 潜力客户转化率 (潜力客户 who made a first deal), 线索转化率,
获客成本, 新客户数量, 客户跟进完成率, 满意度.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from ..schema import registry
from .common import Keys, col, dates, months_back, nums
from .gaps import Target

TIERS = ("核心客户", "成熟客户", "潜力客户", "基础客户")


@dataclass(frozen=True)
class Indicator:
    name: str
    where: str  # where it is shown
    definition: str


INDICATORS = (
    Indicator("客户总数", "汇总、负责人汇总", "客户档案的客户行数（本次由登记表建档的新客户在内）。"),
    Indicator(
        "本月新增",
        "汇总、负责人汇总",
        "首次接触时间落在本月（月初至截止日）的客户；首次接触时间为空的客户，以分级历史里更早的月份"
        "都没有它为准（本月首次建档）。团队与每个负责人用同一个判断。",
    ),
    Indicator(
        "S / A / B / C",
        "客户分层、汇总",
        "客户等级的人数。等级：三项条件（年合作金额、续约率、满意度）全部满足的最高级；连续3个月无合作为 C。",
    ),
    Indicator(
        "待评级",
        "客户分层、汇总",
        "缺少的输入可能改变等级的客户（例如年合作金额够 S 而续约率为空）：不计入 C，单独计数；"
        "评级依据写明缺什么。已有输入已不满足 B 的客户，缺什么都是 C。",
    ),
    Indicator("逾期跟进", "汇总、负责人汇总", "有“逾期未跟进”或“从未跟进”提醒的客户数（按客户编号去重）。"),
    Indicator("KPI达标 / KPI总数", "汇总", "效果评估表中能判定的行数，其中达标的行数。"),
    Indicator(
        "健康度得分",
        "客户分层",
        "交易稳定性、互动频率、满意度、依赖度中已有各项的平均；缺项不计为 0，"
        "评级依据写明取自几项；少于 2 项不定健康度等级。",
    ),
    Indicator(
        "维护频率",
        "客户分层",
        "由维护周期(天)换算：≤7 每周，≤14 双周，≤31 月度，≤62 双月，≤92 季度，"
        "≤183 半年度，更长为年度——与维护周期始终一致。",
    ),
    Indicator(
        "核心客户留存率",
        "效果评估表 计算实际值",
        "上一次运行（分级历史中本月之前最近的月份）的核心客户中，本月仍为核心客户的比例。",
    ),
    Indicator(
        "成熟客户复购率（含“复购率”且写明分层的指标）",
        "效果评估表 计算实际值",
        "本月该分层（成熟客户等）的客户中，近12个月交易记录有 2 笔及以上的比例；"
        "没有交易记录表时用合作频次 ≥ 2。"
        "未写分层的“复购率”：近12个月有交易的客户中 2 笔及以上的比例。",
    ),
    Indicator(
        "潜力客户转化率",
        "效果评估表 计算实际值",
        "上一次运行时为潜力客户的客户中，首次合作时间（或交易记录的首笔交易）落在本期的比例。",
    ),
    Indicator(
        "线索转化率 / 转化率",
        "效果评估表 计算实际值",
        "市场开拓跟踪表 已转化客户数量 ÷ 潜在客户数量 的合计；没有该表时按信息来源：成交客户 ÷ 客户数。",
    ),
    Indicator("获客成本", "效果评估表 计算实际值", "市场开拓跟踪表 预算合计 ÷ 已转化客户数量合计。"),
    Indicator(
        "新客户数量",
        "效果评估表 计算实际值",
        "首笔交易落在本期的客户数（季度目标回看 3 个月，年目标 12 个月，否则本月）。",
    ),
    Indicator(
        "客户跟进完成率",
        "效果评估表 计算实际值、负责人汇总",
        "本月跟进记录（已取消的除外）中完成状态为“已完成”的比例。",
    ),
    Indicator(
        "客户满意度",
        "效果评估表 计算实际值",
        "满意度（5分制）已填且无错误的客户的平均（写明分层时只算该分层）。",
    ),
)


def new_customers(
    cust: pd.DataFrame, clean: dict[str, pd.DataFrame], month: str, first_day: date, asof: date
) -> pd.Series:
    """本月新增, per customer row (the one definition: the run's tile and each owner's use it)."""
    fc = cust["first_contact"]
    inside = ((fc >= pd.Timestamp(first_day)) & (fc <= pd.Timestamp(asof))).to_numpy()
    ids = cust["customer_id"].to_numpy(dtype=object)  # stripped by Keys
    unseen = ~pd.isna(ids)
    h = clean.get(registry.HISTORY.name)
    if h is not None and len(h) and "month" in h.columns:
        months = col(h, "month").astype(str).str.strip().str[:7]
        earlier = col(h, "customer_id")[(months < month).to_numpy()].dropna()
        earlier = pd.unique(
            np.asarray([str(v).strip() for v in pd.unique(earlier.to_numpy(dtype=object))], dtype=object)
        )
        unseen &= ~pd.Series(ids, dtype=object).isin(earlier).to_numpy()
    return pd.Series(inside | (fc.isna().to_numpy() & unseen), index=cust.index, dtype=bool)


@dataclass
class Context:
    """What the KPI measures read: the frames, this month's customers and tiers, last run's tiers."""

    clean: dict[str, pd.DataFrame]
    cust: pd.DataFrame
    tier: pd.Series
    prev: pd.DataFrame
    camp: pd.DataFrame | None
    channels: pd.DataFrame
    asof: date
    first_day: date
    keys: Keys


def measure(indicator: str, target: Target, ctx: Context) -> float | None:
    """计算实际值 of a 效果评估表 indicator the workbook itself can tell; None when it cannot."""
    asof_ts = pd.Timestamp(asof := ctx.asof)
    cust, tier = ctx.cust, ctx.tier
    named = next((t for t in TIERS if t in indicator), None)
    start = (
        months_back(asof, target.months)
        if target.months
        else pd.Timestamp(ctx.first_day) - pd.Timedelta(days=1)
    )
    if "留存率" in indicator:
        group = named or "核心客户"
        was = set(ctx.prev.loc[ctx.prev["tier"] == group, "customer_id"])
        if not was:
            return None
        still = set(cust.loc[tier == group, "customer_id"])
        return len(was & still) / len(was)
    if "转化率" in indicator and named:
        was = set(ctx.prev.loc[ctx.prev["tier"] == named, "customer_id"])
        if not was:
            return None
        fd = cust["first_deal"]
        won = set(cust.loc[((fd > start) & (fd <= asof_ts)).to_numpy(), "customer_id"])
        return len(was & won) / len(was)
    if "新客户" in indicator or "新增客户" in indicator:
        fd = cust["first_deal"]
        if fd.isna().all():
            return None
        return float(((fd > start) & (fd <= asof_ts)).sum())
    camp, channels = ctx.camp, ctx.channels
    if "转化率" in indicator:
        if camp is not None and camp["潜在客户数量"].sum() > 0:
            return float(camp["已转化客户数量"].sum() / camp["潜在客户数量"].sum())
        if len(channels):
            return float(channels["成交客户数"].sum() / channels["客户数"].sum())
        return None
    if "获客成本" in indicator and camp is not None and camp["已转化客户数量"].sum() > 0:
        return float(camp["预算(元)"].sum() / camp["已转化客户数量"].sum())
    if "跟进完成率" in indicator:
        f = ctx.clean.get(registry.FOLLOWUPS.name)
        if f is None:
            return None
        d, st = dates(f, "follow_date"), col(f, "status")
        inside = (d >= pd.Timestamp(ctx.first_day)) & (d <= asof_ts) & (st != "已取消")
        if not inside.any():
            return None
        return float((st[inside] == "已完成").mean())
    if "满意度" in indicator and not target.percent:
        s = cust["satisfaction"][(tier == named).to_numpy()] if named else cust["satisfaction"]
        s = s.dropna()
        return float(round(s.mean(), 4)) if len(s) else None
    if "复购率" in indicator:
        return _repeat_rate(ctx, named)
    return None


def _repeat_rate(ctx: Context, named: str | None) -> float | None:
    """Share of customers with 2+ deals in the last 12 months: among ``named``'s customers when the
    indicator names a tier (成熟客户复购率), else among customers with a deal in those months."""
    cust, keys = ctx.cust, ctx.keys
    deals = ctx.clean.get(registry.DEALS.name)
    if deals is not None:
        when = dates(deals, "deal_date")
        inside = ((when > months_back(ctx.asof, 12)) & (when <= pd.Timestamp(ctx.asof))).to_numpy()
        per_code = keys.count(keys.codes[registry.DEALS.name][inside])
        n = pd.Series(per_code[cust["code"].to_numpy()], index=cust.index, dtype="float64")
        n[(cust["code"] < 0).to_numpy()] = 0
    elif named:
        n = nums(ctx.clean.get(registry.ARCHIVE.name), "deal_count").reindex(cust.index)
    else:
        return None
    if named:
        group = n[(ctx.tier == named).to_numpy()].fillna(0)
        return float((group >= 2).mean()) if len(group) else None
    n = n[n > 0]
    return float((n >= 2).mean()) if len(n) else None


def markdown() -> str:
    lines = [
        "# Indicators",
        "",
        "Generated from `workbook_crm/grading/indicators.py` (`python -m workbook_crm.grading.indicators`).",
        "Each figure has one definition, used by the monthly run, the summary and the per-owner workbooks.",
        "",
        "| 指标 | 出现在 | 定义 |",
        "|---|---|---|",
    ]
    lines += [f"| {i.name} | {i.where} | {i.definition} |" for i in INDICATORS]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":  # pragma: no cover
    print(markdown(), end="")
