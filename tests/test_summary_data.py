"""A realistic MonthResult for the summary tests: a few hundred customers, five 负责人, every column.

Built independently of the grading code: figures such as the owners table and the kpis are derived
here from the fabricated tiers with the grading's own definitions (利润贡献 in 万元, 本月新增 = customers
filed this month). The summary's figures from a real grading are checked in test_summary_sample.py.
Hostile text is planted on purpose: formula-looking names, phones and emails inside free text.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

import pandas as pd

from workbook_crm.findings import Finding
from workbook_crm.grading.model import MonthResult
from workbook_crm.schema.computed import REMINDER_COLUMNS, TIERS_COLUMNS

OWNERS = ("张伟", "李娜", "王芳", "刘洋", "陈静")
SURNAMES = "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许何吕施张孔曹严华金魏陶姜"
INDUSTRIES = ("制造业", "零售", "教育", "医疗", "物流", "新能源", "金融")
SOURCES = ("官网表单", "展会对接", "客户转介绍", "电话咨询", "第三方平台", "线上推广", "陌拜")
TIERS = ("核心客户", "成熟客户", "潜力客户", "基础客户")
INTERVAL = {"核心客户": 30, "潜力客户": 60, "成熟客户": 90, "基础客户": 180}
HOSTILE_NAME = '=HYPERLINK("http://x","y")'
HOSTILE_REMARK = "+cmd|' /C calc'!A0"
HOSTILE_OTHERS = ("-1+1", "@SUM(A1)")
PHONE = "13812348000"
EMAIL = "zhang.wei@abc-tech.com"


def make_month_result(n: int = 300, seed: int = 6) -> tuple[MonthResult, list[Finding]]:
    """A month of a fictitious team; returns the result and data-quality findings."""
    rnd = random.Random(seed)
    asof = date(2024, 5, 31)
    rows = []
    for i in range(1, n + 1):
        value = round(rnd.choice([rnd.uniform(1, 9), rnd.uniform(5, 49), rnd.uniform(20, 150)]), 1)
        potential = rnd.randint(1, 10)
        renewal, satisfaction = rnd.choice([0.5, 0.7, 0.85, 0.95]), rnd.choice([3.0, 3.8, 4.2, 4.7])
        grade = (
            "S"
            if value >= 50 and renewal >= 0.9 and satisfaction >= 4.5
            else "A"
            if value >= 20 and renewal >= 0.8 and satisfaction >= 4.0
            else "B"
            if value >= 5 and renewal >= 0.6 and satisfaction >= 3.5
            else "C"
        )
        tier = TIERS[(0 if potential >= 7 else 1) if value >= 50 else (2 if potential >= 7 else 3)]
        last = asof - timedelta(days=rnd.randint(0, 200))
        overdue = (asof - last).days > INTERVAL[tier]
        health = round(rnd.uniform(1.5, 5), 1)
        rows.append(
            {
                "客户编号": f"CX2024{rnd.randint(1, 5):02d}{i:03d}",
                "客户名称": f"{rnd.choice(SURNAMES)}{rnd.choice('华盛通达恒泰鑫源')}{rnd.choice(INDUSTRIES)[:2]}有限公司",
                "所属行业": rnd.choice(INDUSTRIES),
                "负责人": OWNERS[i % len(OWNERS)],
                "年交易额(万元)": value,
                # 利润贡献 in 万元 as grading/month.py computes it (profit / 10,000), not a margin
                "利润贡献": round(value * rnd.uniform(0.05, 0.3), 2),
                "潜力评分": potential,
                "客户等级": grade,
                "客户分层": tier,
                "价值层级": "高价值" if value >= 50 else "中价值" if value >= 10 else "低价值",
                "生命周期阶段": rnd.choice(("新客户", "老客户", "潜在客户")),
                "健康度得分": health,
                "健康度等级": "优秀"
                if health >= 4.5
                else "良好"
                if health >= 3.5
                else "一般"
                if health >= 2.5
                else "较差",
                "RFM分群": rnd.choice(("重要价值客户", "重要保持客户", "一般挽留客户")),
                "维护频率": {30: "月度", 60: "双月", 90: "季度", 180: "半年"}[INTERVAL[tier]],
                "维护周期(天)": INTERVAL[tier],
                "关键维护动作": "高层拜访、定制方案" if tier == "核心客户" else "产品更新通知",
                "最近跟进日期": pd.Timestamp(last),
                "跟进状态": "逾期" if overdue else "正常",
                "评级依据": f"年合作金额 {value}万；续约率 {renewal:.0%}；满意度 {satisfaction} → {grade}",
            }
        )
    tiers = pd.DataFrame(rows, columns=list(TIERS_COLUMNS))
    # Hostile and personal text where users type free text.
    tiers.loc[0, "客户名称"] = HOSTILE_NAME
    tiers.loc[1, "评级依据"] = HOSTILE_REMARK
    tiers.loc[2, "客户名称"], tiers.loc[3, "客户名称"] = HOSTILE_OTHERS
    tiers.loc[4, "评级依据"] = f"联系人手机 {PHONE}，邮箱 {EMAIL}"

    late = tiers[tiers["跟进状态"] == "逾期"]
    reminders = (
        pd.DataFrame(
            {
                "客户编号": late["客户编号"],
                "客户名称": late["客户名称"],
                "负责人": late["负责人"],
                "提醒类型": "维护逾期",
                "应跟进日期": late["最近跟进日期"] + pd.to_timedelta(late["维护周期(天)"], unit="D"),
                "逾期天数": [
                    (asof - (d + timedelta(days=int(k))).date()).days
                    for d, k in zip(late["最近跟进日期"], late["维护周期(天)"], strict=True)
                ],
                "内容": [f"尽快回访，电话 139{rnd.randint(10**7, 10**8 - 1)}" for _ in range(len(late))],
            },
            columns=list(REMINDER_COLUMNS),
        )
        .sort_values("逾期天数", ascending=False)
        .reset_index(drop=True)
    )
    reminders.loc[0, "内容"] = f"客户邮箱 {EMAIL}；座机 010-62345678；{HOSTILE_REMARK}"

    follow = {o: rnd.randint(8, 40) for o in OWNERS}
    owners = pd.DataFrame(
        [
            {
                "负责人": o,
                "客户数": int((tiers["负责人"] == o).sum()),
                **{g: int(((tiers["负责人"] == o) & (tiers["客户等级"] == g)).sum()) for g in "SABC"},
                "逾期": int(((tiers["负责人"] == o) & (tiers["跟进状态"] == "逾期")).sum()),
                "本月跟进": follow[o],
                "跟进完成率": round(rnd.uniform(0.6, 1.0), 3),
            }
            for o in OWNERS
        ]
    )

    evaluation = pd.DataFrame(
        [
            ("客户维护", "核心客户留存率", "≥95%", 0.92, -0.03, -0.0316, "未达标", "手填", OWNERS[0]),
            ("市场开拓", "线索转化率", "≥25%", 0.18, -0.07, -0.28, "未达标", "手填", OWNERS[1]),
            ("市场开拓", "新客户数量", "≥50", 62, 12, 0.24, "达标", "工作簿计算", OWNERS[2]),
            ("团队执行", "客户跟进完成率", "≥85%", 0.88, 0.03, 0.0353, "达标", "工作簿计算", OWNERS[3]),
            ("市场开拓", "渠道获客成本", "≤3000", 2500, -500, -0.1667, "达标", "手填", OWNERS[4]),
        ],
        columns=[
            "评估维度",
            "核心指标",
            "目标值",
            "实际值",
            "差值",
            "计算差异率",
            "达标情况",
            "实际值来源",
            "责任人",
        ],
        index=[3, 4, 5, 6, 7],
    )

    campaigns = pd.DataFrame(
        [
            ("“制造业数字化转型”主题研讨会", "线上研讨会", OWNERS[0], 15000, 100, 5),
            ("国际新能源展", "行业展会", OWNERS[1], 30000, 80, 2),
            ("老客户转介绍计划", "客户推荐会", OWNERS[2], 8000, 40, 6),
        ],
        columns=["活动名称", "渠道类型", "负责人", "预算(元)", "潜在客户数量", "已转化客户数量"],
        index=[3, 4, 5],
    )
    campaigns["转化率"] = campaigns["已转化客户数量"] / campaigns["潜在客户数量"]
    campaigns["获客成本"] = campaigns["预算(元)"] / campaigns["已转化客户数量"]

    src = [rnd.choice(SOURCES) for _ in range(n)]
    won = [rnd.random() < 0.3 for _ in range(n)]
    channels = (
        pd.DataFrame({"信息来源": src, "成交": won})
        .groupby("信息来源")["成交"]
        .agg(客户数="size", 成交客户数="sum")
        .reset_index()
    )
    channels["转化率"] = (channels["成交客户数"] / channels["客户数"]).round(3)

    prev = [rnd.choice("SABC") if rnd.random() > 0.1 else "" for _ in range(n)]
    order = {"S": 0, "A": 1, "B": 2, "C": 3}
    change = [
        "新增" if not p else "不变" if p == c else "升级" if order[c] < order[p] else "降级"
        for p, c in zip(prev, tiers["客户等级"], strict=True)
    ]
    migration = pd.DataFrame(
        {
            "客户编号": tiers["客户编号"],
            "客户名称": tiers["客户名称"],
            "上月等级": [p or "无" for p in prev],
            "本月等级": tiers["客户等级"],
            "变化": change,
        }
    )
    matrix = pd.crosstab(migration["上月等级"], migration["本月等级"])

    grades = tiers["客户等级"].value_counts()
    new_ids = {cid for cid in tiers["客户编号"] if str(cid).startswith("CX202405")}
    kpis = {
        "客户总数": n,
        # 本月新增 as grading/indicators.new_customers: customers first filed this month (IDs CX202405…)
        "本月新增": len(new_ids),
        **{g: int(grades.get(g, 0)) for g in "SABC"},
        "逾期跟进": len(reminders),
        "KPI达标": int((evaluation["达标情况"] == "达标").sum()),
        "KPI总数": len(evaluation),
    }
    result = MonthResult(
        month="2024-05",
        asof=asof,
        tiers=tiers,
        reminders=reminders,
        evaluation=evaluation,
        campaigns=campaigns,
        channels=channels,
        migration=migration,
        migration_matrix=matrix,
        owners=owners,
        kpis=kpis,
        new_ids=new_ids,
    )

    findings = [
        Finding("bad-phone", "客户档案", f"L{r}", row=r, field="手机号码", value=f"1381234{r:04d}x")
        for r in range(3, 23)
    ]
    findings += [
        Finding("bad-email", "客户档案", "M7", row=7, field="电子邮箱", value=EMAIL.replace("@", "@@")),
        Finding(
            "multiple-phones",
            "客户档案",
            "L30",
            row=30,
            field="手机号码",
            value=f"{PHONE} / 13998765432",
            params={"kept": PHONE, "rest": "13998765432"},
        ),
        Finding("required", "客户跟进记录表", "B12", row=12, field="跟进日期"),
        Finding("vague-next-step", "客户跟进记录表", "G15", row=15, field="下一步计划", value=HOSTILE_REMARK),
        Finding("missing-sheet", "交易记录", "", params={"sheet_name": "交易记录"}),
    ]
    return result, findings


def bad_rows(findings: list[Finding], sheet: str) -> int:
    """Distinct rows of ``sheet`` with at least one error finding."""
    return len({f.row for f in findings if f.sheet == sheet and f.severity == "error" and f.row is not None})
