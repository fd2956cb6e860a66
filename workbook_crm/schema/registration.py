"""客户信息登记表 — intake of new leads (seed 003 columns; seeds 000 模板1 and 002 (二) add the rest)."""

from __future__ import annotations

from . import common as c
from .base import DATE, MONEY, TEXT, Field, SheetSchema

SCHEMA = SheetSchema(
    name="客户信息登记表",
    synonyms=(
        "客户登记表",
        "客户信息登记",
        "客户信息表",
        "线索登记表",
        "客户登记",
        "新客户登记表",
        "线索表",
        "线索",
        "线索列表",
        "线索池",
        "Leads",
    ),
    description="新线索登记：展会、官网表单、转介绍、陌拜……",
    key_field="name",
    fields=(
        c.customer_id(),
        c.name(),
        c.industry(),
        c.customer_type(),
        c.source(),
        c.contact(),
        c.title("职位"),
        c.mobile(),
        c.landline(),
        c.email(),
        Field(
            "address",
            "企业地址",
            TEXT,
            False,
            ("地址", "公司地址", "企业所在地", "联系地址", "详细地址", "客户地址", "Address"),
            width=28,
        ),
        Field("core_need", "核心需求", TEXT, False, ("需求", "需求描述", "客户需求", "主要需求"), width=28),
        Field(
            "products",
            "关注产品/服务",
            TEXT,
            False,
            ("关注产品", "意向产品", "关注产品或服务", "意向产品/服务"),
            width=18,
        ),
        Field(
            "budget",
            "预算范围",
            MONEY,
            False,
            ("预算", "预算金额", "采购预算"),
            hint="如 50-80万、待确认",
            width=12,
        ),
        Field("comm_pref", "沟通偏好", TEXT, False, ("沟通方式偏好", "偏好沟通方式"), width=12),
        c.date_field("last_follow_up", "最近跟进时间", ("最近跟进日期", "最后跟进时间", "最近联系时间")),
        c.owner("follower", "跟进人", extra=("跟进销售",)),
        Field(
            "follow_content",
            "跟进内容",
            TEXT,
            False,
            ("沟通内容", "跟进记录", "跟进进度", "跟进情况"),
            width=28,
        ),
        c.next_step(),
        c.remark(),
        c.user_level(),
        c.next_contact(),
        c.credit_code(),
        c.company_size(),
        c.first_contact(),
        Field("referrer", "推荐人", TEXT, False, ("介绍人",), width=10),
        c.urgency(),
        Field("purchase_plan", "采购时间计划", TEXT, False, ("采购时间", "采购计划"), width=14),
        c.decision_chain(),
        Field(
            "entry_date", "录入时间", DATE, False, ("录入日期", "登记时间", "建档时间", "填表日期"), width=13
        ),
    ),
)
