"""Grade migration against 分级历史 and this month's history rows."""

from __future__ import annotations

from datetime import date

import pandas as pd

from workbook_crm.grading import grade_month
from workbook_crm.rules import Rules
from workbook_crm.schema.computed import HISTORY_COLUMNS


def test_migration_kinds_and_matrix() -> None:
    # this month: C1 S, C2 C, C3 B, C4 A (new); 分级历史 2024-03 had C1 A, C2 B, C3 B, C9 C (gone)
    arch = pd.DataFrame(
        {
            "customer_id": ["C1", "C2", "C3", "C4"],
            "name": list("甲乙丙丁"),
            "annual_amount_yuan": [6e5, 1e3, 6e4, 3e5],
            "renewal_rate": [0.95, 0.95, 0.7, 0.85],
            "satisfaction": [4.8, 4.8, 3.6, 4.2],
            "last_deal": pd.to_datetime(["2024-04-01"] * 4),
        },
        index=range(3, 7),
    )
    hist = pd.DataFrame(
        {
            "month": ["2024-02", "2024-03", "2024-03", "2024-03", "2024-03", "2024-04"],
            "customer_id": ["C1", "C1", "C2", "C3", "C9", "C1"],
            "grade": list("CABBCC"),
        }
    )
    res = grade_month({"客户档案": arch, "分级历史": hist}, Rules(), month="2024-04", today=date(2024, 4, 30))
    m = res.migration.set_index("客户编号")
    assert list(m.loc[["C1", "C2", "C3", "C4", "C9"], "变化"]) == ["升级", "降级", "不变", "新增", "流失"]
    assert m.loc["C9", "本月等级"] == "—" and m.loc["C4", "上月等级"] == "—"
    x = res.migration_matrix
    assert x.loc["A", "S"] == 1 and x.loc["B", "C"] == 1 and x.loc["B", "B"] == 1
    assert x.loc["—", "A"] == 1 and x.loc["C", "—"] == 1 and int(x.to_numpy().sum()) == 5
    h = res.history_rows
    assert tuple(h.columns) == HISTORY_COLUMNS and set(h["月份"]) == {"2024-04"}
    assert list(h["客户等级"]) == ["S", "C", "B", "A"]
    assert res.owners["客户数"].sum() == 4
