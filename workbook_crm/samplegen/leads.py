"""客户信息登记表 rows (new leads and re-registered customers), 效果评估表 and 市场开拓跟踪表 rows."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from ..schema.common import SOURCES
from . import codes
from . import vocab as v
from .rows import Customer, RowMaker

# planted on the first new leads, in this order
LEAD_MESSES = (
    "vague_need",
    "bank_card",
    "late_entry",
    "phone_masked",
    "phone_fullwidth",
    "source_展会",
    "budget_text",
)


def _add_workdays(d: date, n: int) -> date:
    while n > 0:
        d += timedelta(days=1)
        if d.weekday() < 5:
            n -= 1
    return d


def lead_row(
    rm: RowMaker, index: int, existing: Customer | None = None, *, with_id: bool = True
) -> dict[str, Any]:
    """One registration row. ``existing``: a customer already in 客户档案 registered again (a few
    keep their ID, some arrive without one and with the name typed differently)."""
    rng, today, m = rm.rng, rm.today, rm.mess
    if existing is not None:
        comp, person, mobile, email = existing.company, existing.person, existing.mobile, existing.email
        source, first = existing.source, existing.first_contact
        name = comp.name if with_id else rm.namer.variant(comp.name)
        ctype = "成交客户" if existing.deals else "意向客户"
    else:
        comp, person = rm.namer.company(), rm.namer.person()
        mobile, email, name = codes.mobile(rng), rm.namer.email(person, comp), comp.name
        source = rng.choice(SOURCES)
        first = today - timedelta(days=rng.randrange(0, 60))
        ctype = rng.choices(("潜在客户", "意向客户", "高意向潜在客户"), weights=(60, 30, 10))[0]
    product = rng.choice(v.INDUSTRIES[comp.industry][1])
    budget = rng.choice(v.BUDGETS)
    due = min(today, first + timedelta(days=rng.randrange(0, 5))) + timedelta(days=rng.randrange(3, 15))
    row: dict[str, Any] = {
        "customer_id": existing.cid if existing is not None and with_id else None,
        "name": name,
        "industry": comp.industry,
        "customer_type": ctype,
        "source": source,
        "contact": person.name,
        "title": rng.choice(v.TITLES),
        "mobile": mobile,
        "email": email,
        "address": comp.address,
        "core_need": rng.choice(v.CORE_NEEDS).format(
            product=product, budget=budget, month=rng.randint(1, 12)
        ),
        "products": product,
        "budget": budget,
        "comm_pref": rng.choice(v.COMM_PREF),
        "last_follow_up": min(today, first + timedelta(days=rng.randrange(0, 5))),
        "follower": existing.owner if existing is not None else rng.choice(rm.owners),
        "follow_content": "初次沟通，了解需求与预算",
        "next_step": f"{due.month}月{due.day}日前提供报价单",
        "credit_code": comp.credit if rng.random() < 0.5 else None,
        "company_size": comp.size,
        "first_contact": first,
        "referrer": rm.namer.person().name if source == "客户转介绍" else None,
        "urgency": rng.choice(("高", "中", "低")),
        "purchase_plan": rng.choice(v.PURCHASE_PLAN),
        "decision_chain": rng.choice(v.DECISION) if rng.random() < 0.3 else None,
        # seed 002: enter within 2 working days of first contact
        "entry_date": min(today, _add_workdays(first, rng.choice((0, 1, 1, 2)))),
    }
    tag = LEAD_MESSES[index] if m.messy and existing is None and index < len(LEAD_MESSES) else None
    if tag == "vague_need":
        row["core_need"] = rng.choice(v.VAGUE_NEEDS)  # seed 000: avoid 有需求
    elif tag == "bank_card":
        row["remark"] = f"预付款账户 {codes.bank_card(rng)}"  # seed 003 §四(一): must not be collected
    elif tag == "late_entry":
        row["entry_date"] = min(today, _add_workdays(first, 6))
        row["first_contact"] = row["entry_date"] - timedelta(days=9)
    elif tag == "phone_masked":
        row["mobile"] = f"{mobile[:3]}****{mobile[7:]}"
    elif tag == "phone_fullwidth":
        row["mobile"] = m.phone("phone_fullwidth", mobile, other=mobile, landline="")
    elif tag == "source_展会":
        row["source"] = "展会"
    elif tag == "budget_text":
        row["budget"] = "50-80万"
    elif m.messy and existing is None and rng.random() < 0.05:
        row["core_need"] = rng.choice(v.VAGUE_NEEDS)
    return row


def evaluation_rows(owners: list[str], today: date) -> list[dict[str, Any]]:
    """Seed 004 表(四) rows verbatim (核心客户留存率 ≥95% / 92% / -3.2%; 线索转化率 ≥25% / 18% / -7%,
    the typed −7% being points, not the −28% rate) plus the other KPIs the seed lists."""
    month_end = (today.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    o = owners
    rows = [
        (
            "客户维护",
            "核心客户留存率",
            "≥95%",
            "92%",
            -0.032,
            "竞品推出更低价格方案",
            "为核心客户提供增值服务包（免费年度体检），加强高层情感维系",
            o[0],
            month_end,
        ),
        (
            "市场开拓",
            "线索转化率",
            "≥25%",
            "18%",
            -0.07,
            "线索质量参差不齐，筛选标准模糊",
            "增加线索资质审核环节（如企业规模、需求匹配度），重点跟进高意向线索",
            o[1],
            month_end - timedelta(days=15),
        ),
        ("客户维护", "成熟客户复购率", "≥80%", "83%", None, None, None, o[2], month_end),
        (
            "客户维护",
            "平均满意度",
            "≥4.5",
            "4.3",
            None,
            "售后响应偏慢",
            "建立48小时响应机制",
            o[0],
            month_end,
        ),
        ("市场开拓", "新客户数量", "季度新增50家", None, None, None, None, o[3], month_end),
        (
            "市场开拓",
            "渠道获客成本",
            "≤3000",
            "3200",
            None,
            "展会成本偏高",
            "增加线上研讨会场次",
            o[1],
            month_end,
        ),
        ("团队执行", "客户跟进完成率", "≥90%", None, None, None, None, o[4], month_end),
        (
            "客户维护",
            "客户投诉解决及时率",
            "≥98%",
            "96%",
            None,
            None,
            "3个工作日内解决并反馈",
            o[2],
            month_end,
        ),
    ]
    keys = ("dimension", "indicator", "target", "actual", "gap_rate", "reason", "action", "owner", "deadline")
    return [{k: val for k, val in zip(keys, r, strict=True) if val is not None} for r in rows]


def campaign_rows(owners: list[str], today: date, messy: bool) -> list[dict[str, Any]]:
    """Seed 004 表(三) rows verbatim (线上研讨会 15000 元 / 100 / 5; 国际新能源展 2024-04-10-12) plus more."""
    o = owners
    recent = today - timedelta(days=75)
    rows = [
        (
            "线上研讨会",
            "制造业企业，规模50-200人",
            "“制造业数字化转型”主题研讨会",
            "2024-03-25",
            o[0],
            15000,
            100,
            5,
            "线上参与率低于预期（30%）",
            "增加老客户邀请，提前3天二次提醒",
        ),
        (
            "行业展会",
            "新能源行业，决策人为技术总监",
            "国际新能源展",
            "2024-04-10-12",
            o[1],
            30000,
            80,
            2,
            "展位人流较少",
            "联合主办方增加前期宣传，现场设置互动抽奖",
        ),
        (
            "客户转介绍",
            "老客户同行业伙伴",
            "老客户推荐会",
            f"{recent:%Y-%m-%d}",
            o[2],
            8000,
            25,
            6,
            None,
            None,
        ),
        (
            "线上推广",
            "中小零售门店",
            "百度推广（季度）",
            f"{recent:%Y-%m}",
            o[3],
            "约2万" if messy else 20000,
            140,
            7,
            "线索质量较低",
            "优化关键词与落地页表单",
        ),
        (
            "陌拜",
            "园区制造企业",
            "高新区园区陌拜",
            f"{today - timedelta(days=30):%Y-%m-%d}",
            o[4],
            3000,
            40,
            1,
            None,
            None,
        ),
        (
            "第三方平台",
            "物流与供应链企业",
            "1688 店铺引流",
            f"{today:%Y}年",
            o[0],
            12000,
            60,
            0,
            "尚无成交",
            "调整报价策略",
        ),
    ]
    keys = (
        "channel",
        "persona",
        "campaign",
        "period",
        "owner",
        "budget",
        "leads",
        "converted",
        "issue",
        "action",
    )
    return [{k: val for k, val in zip(keys, r, strict=True) if val is not None} for r in rows]
