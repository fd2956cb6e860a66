"""客户档案 — one row per customer, the master ("一客一档"; seed 000 模板2, seed 001 (一), seed 002)."""

from __future__ import annotations

from . import common as c
from .base import DATE, ENUM, INTEGER, MONEY, PERCENT, SCORE, TEXT, WAN, Field, SheetSchema

SCHEMA = SheetSchema(
    name="客户档案",
    synonyms=("客户档案表", "客户信息档案", "客户主档", "客户资料", "客户资料表", "客户名录", "客户清单", "客户台账", "客户管理",
              "客户公海", "公海客户", "成交客户", "录入客户", "客户列表", "客户信息", "我的客户", "Customers", "Customer List",
              "Clients", "Accounts"),
    description="一客一档：每个客户一行",
    key_field="customer_id",
    fields=(
        c.customer_id(required=True),
        c.name(),
        Field("short_name", "简称", TEXT, False, ("客户简称", "公司简称"), width=10),
        c.credit_code(),
        c.industry(),
        c.company_size(),
        Field("reg_address", "注册地址", TEXT, False, ("地址", "企业地址", "公司地址", "详细地址", "客户地址", "联系地址", "Address"),
              width=28),
        Field("founded", "成立时间", DATE, False, ("成立日期", "注册日期"), width=13),
        Field("main_business", "主营业务", TEXT, False, ("经营范围", "主营产品"), width=20),
        c.contact(required=False),
        c.title("职务"),
        c.mobile(),
        c.landline(),
        c.email(),
        c.decision_chain(),
        c.customer_type(),
        c.source(),
        c.owner(required=True),
        c.first_contact(),
        c.date_field("first_deal", "首次合作时间", ("首次合作日期", "首次成交时间", "首次成交日期")),
        c.date_field("last_deal", "最近合作时间", ("最近合作日期", "最近成交时间", "最近成交日期", "最后合作时间")),
        Field("total_amount", "累计交易金额", MONEY, False, ("累计金额", "累计成交金额", "历史交易额", "Deal Value", "Total Sales"),
              width=14),
        Field("annual_amount", "年合作金额(万元)", MONEY, False,
              ("年合作金额", "年交易额", "年合作额", "年度合作金额", "年交易金额", "年销售额"), scale=WAN, width=14),
        Field("deal_count", "合作频次", INTEGER, False, ("合作次数", "交易次数", "年合作次数", "交易频次"), low=0, width=10),
        Field("renewal_rate", "续约率", PERCENT, False, ("续约比例",), low=0, high=1, width=10),
        Field("satisfaction", "满意度(5分制)", SCORE, False, ("满意度", "客户满意度", "满意度评分"), low=1, high=5, width=12),
        Field("profit", "利润贡献", MONEY, False, ("利润", "利润贡献(万元)", "毛利"), scale=WAN, width=12),
        Field("potential", "潜力评分(1-10)", SCORE, False, ("潜力评分", "潜力", "潜力分", "增长潜力"), low=1, high=10, width=12),
        Field("stability", "交易稳定性", SCORE, False, ("交易稳定性(1-5)",), low=1, high=5, width=10),
        Field("interaction", "互动频率", SCORE, False, ("互动频率(1-5)",), low=1, high=5, width=10),
        # issue #13 (seed 001 满意度 "NPS≥50"): optional 推荐意愿 0–10, the summary shows its NPS
        Field("recommend", "推荐意愿(0-10)", SCORE, False, ("推荐意愿", "推荐可能性", "推荐指数", "NPS评分", "推荐意愿(0-10分)"),
              low=0, high=10, width=12),
        Field("dependency", "依赖度", SCORE, False, ("依赖度(1-5)", "客户依赖度"), low=1, high=5, width=10),
        Field("need_type", "需求类型", ENUM, False, ("客户需求类型",), ("产品需求型", "服务需求型", "定制需求型"),
              (("产品", "产品需求型"), ("服务", "服务需求型"), ("定制", "定制需求型")), width=12),
        c.urgency(),
        # issue #13 (seed 002 (四) 季度评审会确认最终级别): the review's grade wins over the computed one
        Field("grade_override", "人工定级", ENUM, False, ("最终定级", "季度定级", "人工评级", "确认等级", "评审定级"),
              ("S", "A", "B", "C"), (("S级", "S"), ("A级", "A"), ("B级", "B"), ("C级", "C")), width=10),
        Field("override_reason", "定级原因", TEXT, False, ("人工定级原因", "定级说明", "调整原因"), width=24),
        # issue #13 item 4: a customer merged into another (疑似重复 处理意见 合并) keeps its row, marked
        Field("merge_status", "状态", TEXT, False, ("档案状态",), width=8),
        Field("merged_into", "合并至", TEXT, False, ("合并到", "并入"), width=14),
        Field("tags", "标签", TEXT, False, ("客户标签", "Tags", "Tag"), width=14),
        c.remark(),
        c.user_level(),  # issue #11: after the template's columns, so init keeps its order
        c.next_contact(),
    ),
)
