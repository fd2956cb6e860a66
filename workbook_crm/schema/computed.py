"""Sheets the tool writes and reads back: 分级历史 (tier history) and 疑似重复 (duplicate decisions).

The other computed sheets (客户分层, 跟进提醒, 校验问题, 变更记录) are written only; their columns
are defined here too so the writers and the summary share one list.
"""

from __future__ import annotations

from dataclasses import dataclass

from .base import NUMBER, TEXT, Field, SheetSchema

TIERS_COLUMNS = (
    "客户编号",
    "客户名称",
    "所属行业",
    "负责人",
    "年交易额(万元)",
    "利润贡献",
    "潜力评分",
    "客户等级",
    "客户分层",
    "价值层级",
    "生命周期阶段",
    "健康度得分",
    "健康度等级",
    "RFM分群",
    "维护频率",
    "维护周期(天)",
    "关键维护动作",
    "最近跟进日期",
    "跟进状态",
    "评级依据",
)
REMINDER_COLUMNS = ("客户编号", "客户名称", "负责人", "提醒类型", "应跟进日期", "逾期天数", "内容")
ISSUE_COLUMNS = ("级别", "代码", "工作表", "单元格", "字段", "原值", "问题说明", "建议")
# 来源: 工具 (the run's own edits) or 人工 (hand edits since the last run, issue #12); 期间: the run's
# month, or for hand edits the dates between the last run and this one. Added at the end so older
# logs keep their columns.
CHANGE_COLUMNS = ("运行时间", "工作表", "单元格", "原值", "新值", "规则", "来源", "期间")
DUPLICATE_COLUMNS = ("客户A", "名称A", "客户B", "名称B", "相似度", "匹配字段", "处理意见")
DECISIONS = ("合并", "保留", "不是重复")

HISTORY = SheetSchema(
    name="分级历史",
    computed=True,
    key_field="customer_id",
    fields=(
        Field("month", "月份", TEXT, True),
        Field("customer_id", "客户编号", TEXT, True),
        Field("name", "客户名称", TEXT),
        Field("grade", "客户等级", TEXT),
        Field("tier", "客户分层", TEXT),
        Field("value_tier", "价值层级", TEXT),
        Field("health", "健康度得分", NUMBER),  # a number, stored as one (issue #12 item 7)
    ),
)
HISTORY_COLUMNS = tuple(f.header for f in HISTORY.fields)

DUPLICATES = SheetSchema(
    name="疑似重复",
    computed=True,
    fields=(
        Field("id_a", "客户A", TEXT, True),
        Field("name_a", "名称A", TEXT),
        Field("id_b", "客户B", TEXT, True),
        Field("name_b", "名称B", TEXT),
        Field("score", "相似度", TEXT),
        Field("matched", "匹配字段", TEXT),
        Field("decision", "处理意见", TEXT),
    ),
)

# --- how the run writes its computed sheets and columns (issue #15: one place for the layout) ---

# number format of a computed column; PER_ROW: ％ on rows whose target is a percentage, General elsewhere
PER_ROW = "per-row"
EVAL_COLUMNS = (
    ("计算实际值", PER_ROW),
    ("差值", PER_ROW),
    ("计算差异率", "0.0%"),
    ("达标情况", None),
    ("实际值来源", None),
)
CAMPAIGN_COLUMNS = (("转化率", "0.0%"), ("获客成本", "#,##0.00"))


@dataclass(frozen=True)
class ComputedSheet:
    """A sheet the run writes fresh: its name, header (None: the grading's own columns), tab colour
    and column widths (None: the writer's defaults)."""

    name: str
    columns: tuple[str, ...] | None
    tab_color: str
    widths: tuple[float, ...] | None = None

    def first_header(self, fallback: str = "客户编号") -> str:
        """The header of column A, by which a sheet of this name is recognised as ours."""
        return self.columns[0] if self.columns else fallback


TIERS_SHEET = ComputedSheet("客户分层", None, "#2E75B6")  # columns: graded.tiers as the grading built it
REMINDERS_SHEET = ComputedSheet("跟进提醒", REMINDER_COLUMNS, "#C00000")
DUPLICATES_SHEET = ComputedSheet("疑似重复", DUPLICATE_COLUMNS, "#ED7D31")
ISSUES_SHEET = ComputedSheet("校验问题", ISSUE_COLUMNS, "#C00000", (6, 18, 14, 8, 14, 20, 50, 40))
CHANGES_SHEET = ComputedSheet("变更记录", CHANGE_COLUMNS, "#7F7F7F", (20, 14, 8, 24, 24, 18, 6, 24))
HISTORY_SHEET = ComputedSheet("分级历史", HISTORY_COLUMNS, "#548235")
COMPUTED_SHEETS = (TIERS_SHEET, REMINDERS_SHEET, DUPLICATES_SHEET, ISSUES_SHEET, CHANGES_SHEET, HISTORY_SHEET)
TAB_COLORS = {s.name: s.tab_color for s in COMPUTED_SHEETS}
