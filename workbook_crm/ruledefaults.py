"""The thresholds' defaults (``Rules``) and the spec of each (``SPECS``: its 规则配置 key, unit, kind,
bounds and source). Parsing the 规则配置 sheet and a ``--rules`` TOML file into ``Rules`` is rules.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# seed 000 步骤二: 展=Z, 推=T; the other letters are ours (SPEC §8), editable in 规则配置.
DEFAULT_CHANNEL_LETTERS = {
    "展会对接": "Z",
    "线上推广": "T",
    "官网表单": "W",
    "客户转介绍": "R",
    "电话咨询": "D",
    "第三方平台": "P",
    "陌拜": "B",
    "其他": "X",
}


@dataclass
class Rules:
    """Every editable threshold. Money in 万元, rates as fractions (0.9), intervals in days."""

    id_pattern: str = "CX{yyyy}{mm}{seq:03}"  # SPEC §4 default; seed 000 also shows {yy}{mm}{channel}{seq:03}
    channel_letters: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_CHANNEL_LETTERS))
    # issue #11: values a team adds to a closed list, by the field's header (可选值-客户类型 = 月结/现金)
    extra_choices: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # seed 002 (四): S ≥50万/≥90%/≥4.5; A ≥20万/≥80%/≥4.0; B ≥5万/≥60%/≥3.5; else C
    s_amount: float = 50
    s_renewal: float = 0.90
    s_satisfaction: float = 4.5
    a_amount: float = 20
    a_renewal: float = 0.80
    a_satisfaction: float = 4.0
    b_amount: float = 5
    b_renewal: float = 0.60
    b_satisfaction: float = 3.5
    no_deal_months_c: int = 3  # seed 002 (四): C also when 连续3个月无合作
    # seed 001 (二): 高价值 年度合作 >50万, 中价值 10–50万, 低价值 below
    value_high: float = 50
    value_mid: float = 10
    # seed 004 表(一): value (年交易额) × potential (潜力评分) quadrants; C001 120万/8 → 核心
    tier_value: float = 50
    potential_high: float = 7
    # seeds 004/001: 核心 月度, 潜力 双月, 成熟 季度, 基础 半年度
    interval_core: int = 30
    interval_potential: int = 60
    interval_mature: int = 90
    interval_basic: int = 180
    # seed 000 步骤三: 高意向潜在客户 每周, 流失预警客户 每周2-3次, 长期合作客户 每月
    interval_high_intent: int = 7
    interval_churn_warning: int = 3
    interval_long_term: int = 30
    # ours (SPEC §8): per grade, echoing seed 002 (四)'s 季度回访 / 月度沟通
    interval_s: int = 30
    interval_a: int = 45
    interval_b: int = 90
    interval_c: int = 180
    # seed 003: 需求紧急程度 高 = 1周内, 中 = 1-4周, 低 = 1个月以上 (ours: 60 days for 低)
    interval_urgent_high: int = 7
    interval_urgent_mid: int = 28
    interval_urgent_low: int = 60
    new_customer_months: int = 6  # seed 001: 新客户 合作时长<6个月
    churn_months: int = 3  # seed 001: 流失客户 近3个月无合作
    health_excellent: float = 4.5  # seed 001: 优秀 4.5-5, 良好 3.5-4.4, 一般 2.5-3.4, 较差 <2.5
    health_good: float = 3.5
    health_fair: float = 2.5
    # seed 001: 月均沟通 ≥3次 → 5; the lower steps are ours
    interaction_5: float = 3
    interaction_4: float = 2
    interaction_3: float = 1
    interaction_2: float = 0.5
    interaction_months: int = 3
    stability_months: int = 6  # seed 001: 近6个月无断单得5分
    entry_limit_workdays: int = 2  # seed 002 (二): 2个工作日内完成录入
    dup_threshold: float = 90
    reminder_horizon_days: int = 7
    use_workdays: bool = False
    rfm_months: int = 12  # seed 001: F/M over the last 12 months
    gap_tolerance: float = 0.005  # 0.5 percentage points between typed and computed 差异率
    # --- issue #13: the seeds' own definitions (seed 001), textbook variants selectable -------------
    rfm_definition: str = (
        "种子001"  # seed 001 (三): R 近6个月合作频次, F 近12个月交易总额, M 平均客单价; or 经典
    )
    rfm_recent_months: int = 6  # seed 001 (三): R = 近6个月合作频次
    value_low: float = 5  # seed 001 (二): 低价值 年度合作低于5万元
    value_gap_tier: str = (
        "低价值"  # 5–10万: seed 001 names no tier for it; ours: 低价值 (below 中价值's floor)
    )
    interval_value_high: int = 30  # seed 001 三(一): 高价值 月度深度沟通
    interval_value_mid: int = 90  # seed 001 三(一): 中价值 季度沟通
    interval_value_low: int = 180  # seed 001 三(一): 低价值 半年度沟通
    ltv_max_years: float = 10  # LTV = 年合作金额 × 1/(1−续约率) years, capped (ours)
    # issue #13 item 1: timeliness (seeds 000/004)
    first_visit_days: int = 7  # seed 004 (三): 新客户签约后，7天内完成首次回访
    first_training_days: int = 30  # seed 004 (三): 30天内提供产品使用培训
    fair_follow_hours: float = 48  # seed 004 (三): 展会 会后48小时内跟进
    referral_contact_hours: float = 24  # seed 000 步骤一: 转介绍成功后24小时内
    complaint_workdays: int = 3  # seed 004 (二): 问题在3个工作日内解决并反馈结果
    response_hours: float = 24  # seed 004 (二): 24小时内响应客户问题
    solution_hours: float = 48  # seed 004 (二): 48小时内提供解决方案
    timeliness_lookback_days: int = 90  # ours: older events predate the follow-up log
    next_step_needs_date: bool = True  # seed 003 模板说明: 明确具体行动项…及时间节点
    merge_threshold: int = 5  # issue #11: this many of one problem in one column → one finding with a count

    @classmethod
    def defaults(cls) -> Rules:
        return cls()


@dataclass(frozen=True)
class Spec:
    attr: str
    key: str
    unit: str
    note: str
    kind: str  # num, int, pct, bool, str
    low: float | None = 0
    high: float | None = None
    choices: tuple[str, ...] = ()  # kind "choice": the allowed values (first = canonical spelling)


_S = Spec
SPECS: tuple[Spec, ...] = (
    _S("id_pattern", "客户编号规则", "", "SPEC §4；{yyyy}{yy}{mm}{channel}{seq:03}", "str"),
    _S("s_amount", "S级年合作金额(万元)", "万元", "seed 002 (四) S级", "num"),
    _S("s_renewal", "S级续约率", "%", "seed 002 (四) S级", "pct", 0, 1),
    _S("s_satisfaction", "S级满意度(5分制)", "分", "seed 002 (四) S级", "num", 0, 5),
    _S("a_amount", "A级年合作金额(万元)", "万元", "seed 002 (四) A级", "num"),
    _S("a_renewal", "A级续约率", "%", "seed 002 (四) A级", "pct", 0, 1),
    _S("a_satisfaction", "A级满意度(5分制)", "分", "seed 002 (四) A级", "num", 0, 5),
    _S("b_amount", "B级年合作金额(万元)", "万元", "seed 002 (四) B级", "num"),
    _S("b_renewal", "B级续约率", "%", "seed 002 (四) B级", "pct", 0, 1),
    _S("b_satisfaction", "B级满意度(5分制)", "分", "seed 002 (四) B级", "num", 0, 5),
    _S("no_deal_months_c", "C级连续无合作月数", "月", "seed 002 (四)：连续3个月无合作 → C", "int", 1),
    _S("value_high", "高价值年合作金额(万元)", "万元", "seed 001 (二) 高价值", "num"),
    _S("value_mid", "中价值年合作金额(万元)", "万元", "seed 001 (二) 中价值 10–50万", "num"),
    _S("tier_value", "分层高价值年交易额(万元)", "万元", "seed 004 表(一) 四象限", "num"),
    _S("potential_high", "高潜力评分(1-10)", "分", "seed 004 表(一) 四象限", "num", 0, 10),
    _S("interval_core", "维护周期-核心客户", "天", "seed 004/001 月度", "int", 1),
    _S("interval_potential", "维护周期-潜力客户", "天", "seed 004 双月", "int", 1),
    _S("interval_mature", "维护周期-成熟客户", "天", "seed 004 季度", "int", 1),
    _S("interval_basic", "维护周期-基础客户", "天", "seed 001 半年度", "int", 1),
    _S("interval_high_intent", "维护周期-高意向潜在客户", "天", "seed 000 每周", "int", 1),
    _S("interval_churn_warning", "维护周期-流失预警客户", "天", "seed 000 每周2-3次", "int", 1),
    _S("interval_long_term", "维护周期-长期合作客户", "天", "seed 000 每月1次", "int", 1),
    _S("interval_s", "维护周期-S级", "天", "自定（SPEC §8）", "int", 1),
    _S("interval_a", "维护周期-A级", "天", "自定（SPEC §8）", "int", 1),
    _S("interval_b", "维护周期-B级", "天", "自定（SPEC §8）", "int", 1),
    _S("interval_c", "维护周期-C级", "天", "自定（SPEC §8）", "int", 1),
    _S("interval_urgent_high", "维护周期-紧急程度高", "天", "seed 003 紧急 1周内", "int", 1),
    _S("interval_urgent_mid", "维护周期-紧急程度中", "天", "seed 003 一般 1-4周", "int", 1),
    _S("interval_urgent_low", "维护周期-紧急程度低", "天", "seed 003 长期 1个月以上", "int", 1),
    _S("new_customer_months", "新客户合作时长(月)", "月", "seed 001 新客户 <6个月", "int", 1),
    _S("churn_months", "流失客户无合作月数", "月", "seed 001 近3个月无合作", "int", 1),
    _S("health_excellent", "健康度优秀(分)", "分", "seed 001 优秀 4.5-5", "num", 1, 5),
    _S("health_good", "健康度良好(分)", "分", "seed 001 良好 3.5-4.4", "num", 1, 5),
    _S("health_fair", "健康度一般(分)", "分", "seed 001 一般 2.5-3.4", "num", 1, 5),
    _S("interaction_5", "互动频率5分(次/月)", "次/月", "seed 001 月均≥3次得5分", "num"),
    _S("interaction_4", "互动频率4分(次/月)", "次/月", "自定", "num"),
    _S("interaction_3", "互动频率3分(次/月)", "次/月", "自定", "num"),
    _S("interaction_2", "互动频率2分(次/月)", "次/月", "自定；更少得1分", "num"),
    _S("interaction_months", "互动频率统计月数", "月", "自定", "int", 1),
    _S("stability_months", "交易稳定性统计月数", "月", "seed 001 近6个月无断单得5分", "int", 1),
    _S("entry_limit_workdays", "录入时限(工作日)", "工作日", "seed 002 (二) 2个工作日内", "int", 0),
    _S("dup_threshold", "疑似重复相似度(0-100)", "分", "自定", "num", 0, 100),
    _S("reminder_horizon_days", "即将到期提醒天数", "天", "自定", "int", 0),
    _S("use_workdays", "按工作日计算", "是/否", "维护周期按工作日（含调休）计算", "bool"),
    _S("rfm_months", "RFM统计月数", "月", "seed 001 近12个月", "int", 1),
    _S("gap_tolerance", "差异率容差", "%", "手填差异率与计算值相差超过此值即提示", "pct", 0, 1),
    # issue #13: seed 001's own definitions; the textbook variants are a choice here
    _S(
        "rfm_definition",
        "RFM定义",
        "",
        "种子001：R=近6个月合作频次、F=近12个月交易总额、M=平均客单价；经典：R=距上次交易天数、F=交易次数、M=交易金额",
        "choice",
        choices=("种子001", "经典"),
    ),
    _S("rfm_recent_months", "RFM-R统计月数(种子001)", "月", "seed 001 R=近6个月合作频次", "int", 1),
    _S("value_low", "低价值年合作金额(万元)", "万元", "seed 001 (二) 低价值 低于5万", "num"),
    _S(
        "value_gap_tier",
        "5-10万价值层级",
        "",
        "seed 001 未命名 低价值上限与中价值下限之间的区间；可选 低价值/中价值/中低价值",
        "choice",
        choices=("低价值", "中价值", "中低价值"),
    ),
    _S("interval_value_high", "维护周期-高价值客户", "天", "seed 001 三(一) 月度深度沟通", "int", 1),
    _S("interval_value_mid", "维护周期-中价值客户", "天", "seed 001 三(一) 季度沟通", "int", 1),
    _S("interval_value_low", "维护周期-低价值客户", "天", "seed 001 三(一) 半年度沟通", "int", 1),
    _S(
        "first_visit_days",
        "签约后首次回访(天)",
        "天",
        "seed 004 (三) 新客户签约后7天内完成首次回访",
        "int",
        1,
    ),
    _S("first_training_days", "签约后首次培训(天)", "天", "seed 004 (三) 30天内提供产品使用培训", "int", 1),
    _S(
        "fair_follow_hours", "展会线索跟进时限(小时)", "小时", "seed 004 (三) 展会 会后48小时内跟进", "num", 1
    ),
    _S(
        "referral_contact_hours",
        "转介绍线索联系时限(小时)",
        "小时",
        "seed 000 步骤一 转介绍成功后24小时内",
        "num",
        1,
    ),
    _S(
        "complaint_workdays",
        "投诉处理时限(工作日)",
        "工作日",
        "seed 004 (二) 3个工作日内解决并反馈结果",
        "int",
        1,
    ),
    _S(
        "response_hours",
        "问题响应时限(小时)",
        "小时",
        "seed 004 (二) 24小时内响应（跟进日期带时间时）",
        "num",
        1,
    ),
    _S(
        "solution_hours",
        "解决方案时限(小时)",
        "小时",
        "seed 004 (二) 48小时内提供解决方案（跟进日期带时间时）",
        "num",
        1,
    ),
    _S(
        "timeliness_lookback_days",
        "及时性检查回溯天数",
        "天",
        "自定：只检查近N天内的签约、线索和投诉",
        "int",
        1,
    ),
    _S(
        "next_step_needs_date",
        "下一步计划须含时间节点",
        "是/否",
        "seed 003 模板说明：明确具体行动项、负责人及时间节点",
        "bool",
    ),
    _S(
        "ltv_max_years",
        "LTV预期合作年限上限",
        "年",
        "LTV=年合作金额×1/(1−续约率)，年限不超过此值（自定）",
        "num",
        1,
    ),
    _S(
        "merge_threshold",
        "同列同类问题合并条数",
        "条",
        "同一列同一问题达到此数即合并为一条（标在表头，列出各行）",
        "int",
        2,
    ),
)
