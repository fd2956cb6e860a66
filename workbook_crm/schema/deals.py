"""交易记录 (optional) — one row per deal; feeds RFM, annual amounts and lifecycle (seed 001)."""

from __future__ import annotations

from . import common as c
from .base import DATE, MONEY, TEXT, Field, SheetSchema

SCHEMA = SheetSchema(
    name="交易记录",
    synonyms=("交易明细", "成交记录", "订单记录", "销售记录", "合作记录", "交易记录表", "订单明细"),
    description="每笔交易一行",
    key_field="customer_id",
    fields=(
        c.customer_id(required=True),
        Field("deal_date", "交易日期", DATE, True, ("成交日期", "下单日期", "订单日期", "合作日期", "日期"), width=13),
        Field("amount", "金额", MONEY, True, ("交易金额", "成交金额", "订单金额", "合同金额", "金额(元)"), width=14),
        Field("product", "产品/服务", TEXT, False, ("产品", "服务", "产品名称", "商品"), width=18),
        Field("profit", "利润", MONEY, False, ("毛利", "利润额", "利润贡献"), width=12),
        c.remark(),
    ),
)
