"""交易记录 (optional) — one row per deal; feeds RFM, annual amounts and lifecycle (seed 001)."""

from __future__ import annotations

from . import common as c
from .base import DATE, MONEY, NUMBER, TEXT, Field, SheetSchema

SCHEMA = SheetSchema(
    name="交易记录",
    synonyms=("交易明细", "成交记录", "订单记录", "销售记录", "合作记录", "交易记录表", "订单明细",
              "销售数据", "销售统计", "销售明细", "销售台账", "合同", "合同台账", "合同记录", "合同列表", "商机", "商机列表", "Sales",
              "Deals", "Orders", "Opportunities"),
    description="每笔交易一行",
    key_field="customer_id",
    fields=(
        c.customer_id(required=True),
        # issue #11: real ledgers key deals by the customer's name
        Field("customer_name", "客户名称", TEXT, False, ("客户名", "客户", "客户姓名", "公司名称", "购买方", "buName", "Customer",
              "Company", "Customer Name", "Account"), width=24),
        Field("deal_date", "交易日期", DATE, True, ("成交日期", "下单日期", "订单日期", "合作日期", "日期", "签约日期", "合同起始日期",
              "合同日期", "销售日期", "Date", "Deal Date", "Order Date", "Close Date"), width=13),
        Field("amount", "金额", MONEY, True, ("交易金额", "成交金额", "订单金额", "合同金额", "金额(元)", "理财金额", "销售金额",
              "销售额", "预期收入", "Amount", "Deal Amount", "Revenue"), width=14),
        Field("product", "产品/服务", TEXT, False, ("产品", "服务", "产品名称", "商品", "商品名称", "invName", "Product", "商机名称", "合同名称", "项目名称"), width=18),
        Field("profit", "利润", MONEY, False, ("毛利", "利润额", "利润贡献"), width=12),
        c.remark(),
        Field("quantity", "数量", NUMBER, False, ("销售数量", "qty", "Quantity"), width=8),
        Field("unit_price", "单价", MONEY, False, ("unitPrice", "Unit Price", "销售单价"), width=10),
        c.owner(),
    ),
)
