"""The output contract of the grading step: what the write-back and the summary rely on.

Grading is pure: it takes the normalized frames (``Clean``) and the rules, and returns a
``MonthResult``. Column names of the tables are Chinese, exactly as written into the workbook.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from ..findings import Finding


@dataclass
class MonthResult:
    month: str  # "YYYY-MM"
    asof: date  # the month's last day, or today when earlier
    tiers: pd.DataFrame  # 客户分层: schema.computed.TIERS_COLUMNS (plus RFM columns when 交易记录 exists)
    reminders: pd.DataFrame  # 跟进提醒: schema.computed.REMINDER_COLUMNS, sorted by 逾期天数 desc
    # 效果评估表 rows: index = Excel row; 核心指标, 目标值, 实际值 (as typed), 计算实际值, 差值,
    # 计算差异率, 达标情况, 实际值来源, 责任人, percent
    evaluation: pd.DataFrame | None = None
    # Excel row -> 差异率 for its blank (or still ours) cell
    rate_fills: dict[int, float] = field(default_factory=dict)
    # 市场开拓跟踪表 rows: index = Excel row; 活动名称, 渠道类型, 负责人, 预算(元), 潜在客户数量,
    # 已转化客户数量, 转化率, 获客成本
    campaigns: pd.DataFrame | None = None
    channels: pd.DataFrame = field(default_factory=pd.DataFrame)  # 信息来源, 客户数, 成交客户数, 转化率
    migration: pd.DataFrame = field(
        default_factory=pd.DataFrame
    )  # 客户编号, 客户名称, 上月等级, 本月等级, 变化 (升级/降级/不变/新增/流失)
    migration_matrix: pd.DataFrame = field(
        default_factory=pd.DataFrame
    )  # rows 上月等级, columns 本月等级, counts
    owners: pd.DataFrame = field(
        default_factory=pd.DataFrame
    )  # 负责人, 客户数, S, A, B, C, 逾期, 本月跟进, 跟进完成率
    history_rows: pd.DataFrame = field(
        default_factory=pd.DataFrame
    )  # this month's 分级历史 rows (schema.computed.HISTORY_COLUMNS)
    kpis: dict[str, float | int] = field(
        default_factory=dict
    )  # 客户总数, 本月新增, S/A/B/C, 逾期跟进, KPI达标, KPI总数
    lifecycle: pd.DataFrame = field(
        default_factory=pd.DataFrame
    )  # 客户类型 hand edits (runstate.LIFECYCLE_COLUMNS)
    new_ids: set = field(
        default_factory=set
    )  # 客户编号 counted in 本月新增 (grading/indicators.new_customers)
    findings: list[Finding] = field(
        default_factory=list
    )  # gap-mismatch, bad-target, overdue … at their cells
