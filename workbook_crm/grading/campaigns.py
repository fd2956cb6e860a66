"""Market tracking (seed 004 表(三)) and conversion by 信息来源.

转化率 = 已转化 / 潜在 (5/100 = 5%); 获客成本 = 预算 / 已转化 (15000/5 = 3000 元); blank when the
divisor is zero or missing, never infinite.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..schema import registry
from .common import DEAL_TYPES, col, nums


def campaign_table(clean: dict[str, pd.DataFrame]) -> pd.DataFrame | None:
    """市场开拓跟踪表 rows with 转化率 and 获客成本 (index = Excel row)."""
    c = clean.get(registry.CAMPAIGNS.name)
    if c is None:
        return None
    leads, conv, budget = nums(c, "leads"), nums(c, "converted"), nums(c, "budget_yuan")
    return pd.DataFrame(
        {
            "活动名称": col(c, "campaign"),
            "渠道类型": col(c, "channel"),
            "负责人": col(c, "owner"),
            "预算(元)": budget,
            "潜在客户数量": leads,
            "已转化客户数量": conv,
            "转化率": (conv / leads.where(leads > 0)).round(6),
            "获客成本": (budget / conv.where(conv > 0)).round(2),
        },
        index=c.index,
    )


def channel_table(cust: pd.DataFrame, in_deals: np.ndarray) -> pd.DataFrame:
    """信息来源 → 客户数, 成交客户数 (客户类型 成交/长期合作, or a deal), 转化率.

    ``in_deals``: per customer row, whether its 客户编号 appears in 交易记录.
    """
    if cust.empty:
        return pd.DataFrame(columns=["信息来源", "客户数", "成交客户数", "转化率"])
    won = cust["customer_type"].isin(DEAL_TYPES) | in_deals | cust["last_deal"].notna()
    g = pd.DataFrame({"src": cust["source"].fillna("未填"), "won": won}).groupby("src", sort=True)["won"]
    out = pd.DataFrame({"客户数": g.size(), "成交客户数": g.sum().astype(int)})
    out["转化率"] = np.round(out["成交客户数"] / out["客户数"], 6)
    return out.rename_axis("信息来源").reset_index()
