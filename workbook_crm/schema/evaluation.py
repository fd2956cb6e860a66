"""效果评估表 — KPI targets vs actuals, filled by managers (seed 004 表(四))."""

from __future__ import annotations

from .base import DATE, PERCENT, TARGET, TEXT, Field, SheetSchema

# Computed columns the run writes beside the user's (seed 004 表(四) plus our 差值/达标情况/实际值来源).
COMPUTED = ("差值", "计算差异率", "达标情况", "实际值来源")

SCHEMA = SheetSchema(
    name="效果评估表",
    synonyms=("效果评估", "KPI评估表", "绩效评估表", "目标评估表", "效果评估与优化表"),
    description="指标目标与实际",
    key_field="indicator",
    fields=(
        Field("dimension", "评估维度", TEXT, False, ("维度",), width=12),
        Field("indicator", "核心指标", TEXT, True, ("指标", "指标名称", "KPI"), width=18),
        Field("target", "目标值", TARGET, True, ("目标",), hint="如 ≥95%、≤3000、季度新增50家", width=12),
        Field("actual", "实际值", TARGET, False, ("实际", "完成值", "实际完成"), width=12),
        Field("gap_rate", "差异率", PERCENT, False, ("差异", "偏差率"), width=10),
        Field("reason", "原因分析", TEXT, False, ("原因",), width=24),
        Field("action", "改进措施", TEXT, False, ("措施", "优化措施"), width=24),
        Field("owner", "责任人", TEXT, False, ("负责人",), width=10),
        Field("deadline", "完成时限", DATE, False, ("截止日期", "完成时间"), width=13),
    ),
)
