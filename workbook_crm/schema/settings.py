"""规则配置 — thresholds and intervals editable in Excel (ours: the rules live with the data)."""

from __future__ import annotations

from .base import TEXT, Field, SheetSchema

SCHEMA = SheetSchema(
    name="规则配置",
    synonyms=("规则", "参数配置", "配置", "评级规则", "规则设置"),
    description="阈值与维护周期；改这里即可改变评级",
    key_field="key",
    min_header_matches=2,
    fields=(
        Field("key", "参数", TEXT, True, ("规则", "参数名", "规则名称", "项目"), width=26),
        Field("value", "值", TEXT, True, ("取值", "参数值", "数值", "设定值"), width=22),
        Field("unit", "单位", TEXT, False, (), width=8),
        Field("note", "说明", TEXT, False, ("备注", "来源"), width=40),
    ),
)
