"""市场开拓跟踪表 — campaigns and channels: budget, leads, converted (seed 004 表(三))."""

from __future__ import annotations

from .base import INTEGER, MONEY, TEXT, Field, SheetSchema

COMPUTED = ("转化率", "获客成本")

SCHEMA = SheetSchema(
    name="市场开拓跟踪表",
    synonyms=("市场开拓跟踪", "市场活动跟踪表", "渠道跟踪表", "市场开拓表", "活动跟踪表"),
    description="渠道与活动：预算、线索、转化",
    key_field="campaign",
    fields=(
        Field("channel", "渠道类型", TEXT, False, ("渠道", "渠道名称"), width=12),
        Field("persona", "目标客户画像", TEXT, False, ("目标客户", "客户画像"), width=20),
        Field("campaign", "活动名称", TEXT, True, ("活动", "项目名称"), width=20),
        Field(
            "period",
            "计划执行时间",
            TEXT,
            False,
            ("执行时间", "活动时间", "计划时间"),
            hint="如 2024-04-10-12",
            width=16,
        ),
        Field("owner", "负责人", TEXT, False, ("责任人",), width=10),
        Field("budget", "预算(元)", MONEY, False, ("预算", "活动预算", "费用"), width=12),
        Field(
            "leads",
            "潜在客户数量",
            INTEGER,
            False,
            ("潜在客户数", "线索数", "线索数量", "获取线索"),
            low=0,
            width=12,
        ),
        Field(
            "converted",
            "已转化客户数量",
            INTEGER,
            False,
            ("已转化客户数", "转化客户数", "成交客户数", "转化数"),
            low=0,
            width=12,
        ),
        Field("issue", "关键问题", TEXT, False, ("问题",), width=20),
        Field("action", "调整措施", TEXT, False, ("措施", "改进措施"), width=20),
    ),
)
