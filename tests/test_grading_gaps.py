"""Gap analysis (seed 004 表(四)) and market tracking (seed 004 表(三))."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from workbook_crm.grading import grade_month, parse_target
from workbook_crm.rules import Rules

CELLS = {"target": "C", "actual": "D", "gap_rate": "E"}


def run(sheets: dict[str, pd.DataFrame]):
    arch = sheets.pop("客户档案", pd.DataFrame({"customer_id": ["C001"], "name": ["甲"]}, index=[3]))
    return grade_month(
        {"客户档案": arch, **sheets},
        Rules(),
        month="2024-04",
        today=date(2024, 4, 30),
        cells=lambda s, f, r: f"{CELLS.get(f, 'A')}{r}",
    )


def test_seed_rows() -> None:
    ev = pd.DataFrame(
        {
            "indicator": ["核心客户留存率", "線索轉化率"],
            "target": ["≥95%", "≥25%"],
            "actual": ["92%", 0.18],
            "gap_rate": [-0.032, -0.07],
        },
        index=[3, 4],
    )
    res = run({"效果评估表": ev})
    e = res.evaluation
    assert round(e.loc[3, "计算差异率"] * 100, 1) == -3.2 and e.loc[3, "差值"] == pytest.approx(-0.03)
    assert round(e.loc[4, "计算差异率"] * 100, 1) == -28.0
    assert list(e["达标情况"]) == ["未达标", "未达标"] and list(e["实际值来源"]) == ["填报", "填报"]
    assert [f.key() for f in res.findings if f.code == "gap-mismatch"] == [
        ("效果评估表", "E4", "gap-mismatch")
    ]


@pytest.mark.parametrize(
    ("text", "op", "value"),
    [
        ("≥95%", "≥", 0.95),
        ("≤3000", "≤", 3000),
        ("不低于50", "≥", 50),
        ("不超过3000元", "≤", 3000),
        ("至少30家", "≥", 30),
        ("50家以上", "≥", 50),
        ("3000以内", "≤", 3000),
        ("季度新增50家", "≥", 50),
        (">10%", ">", 0.10),
        ("<2%", "<", 0.02),
        ("≥5万", "≥", 50_000),
    ],
)
def test_parse_target(text: str, op: str, value: float) -> None:
    t = parse_target(text, "指标")
    assert t is not None and t.op == op and t.value == pytest.approx(value)


def test_direction_and_bad_target() -> None:
    ev = pd.DataFrame(
        {
            "indicator": ["渠道获客成本", "投诉率", "满意度"],
            "target": ["≤3000", "<2%", "很好"],
            "actual": [2500.0, "2%", 4.0],
        },
        index=[3, 4, 5],
    )
    res = run({"效果评估表": ev})
    assert list(res.evaluation["达标情况"].iloc[:2]) == ["达标", "未达标"]
    assert ("效果评估表", "C5", "bad-target") in {f.key() for f in res.findings}
    assert res.kpis["KPI总数"] == 2 and res.kpis["KPI达标"] == 1


def test_blank_actuals_are_computed() -> None:
    arch = pd.DataFrame(
        {
            "customer_id": ["C001", "C002", "C003"],
            "name": list("甲乙丙"),
            "annual_amount_yuan": [1e6, 1e6, 1e5],
            "potential": [9.0, 3, 9],
            "satisfaction": [4.0, 5.0, np.nan],
            "first_deal": pd.to_datetime(["2024-03-01", None, None]),
        },
        index=[3, 4, 5],
    )
    hist = pd.DataFrame(
        {
            "month": ["2024-03"] * 3,
            "customer_id": ["C001", "C002", "C003"],
            "grade": list("SAB"),
            "tier": ["核心客户", "核心客户", "潜力客户"],
        }
    )
    fu = pd.DataFrame(
        {
            "customer_id": ["C001"] * 4,
            "follow_date": pd.to_datetime(["2024-04-02"] * 4),
            "status": ["已完成", "已完成", "进行中", "已取消"],
        },
        index=range(2, 6),
    )
    camp = pd.DataFrame(
        {"campaign": ["研讨会"], "budget_yuan": [15000.0], "leads": [100.0], "converted": [5.0]}, index=[2]
    )
    ev = pd.DataFrame(
        {
            "indicator": [
                "核心客户留存率",
                "平均满意度",
                "客户跟进完成率",
                "线索转化率",
                "新客户数量",
                "品牌声量",
            ],
            "target": ["≥95%", "≥4.5", "≥90%", "≥25%", "季度新增50家", "≥100"],
            "actual": [None] * 6,
        },
        index=range(3, 9),
    )
    res = run(
        {"客户档案": arch, "分级历史": hist, "客户跟进记录表": fu, "市场开拓跟踪表": camp, "效果评估表": ev}
    )
    # ours, in our own column (never the user's 实际值, which stays blank)
    a = res.evaluation["计算实际值"].dropna().to_dict()
    assert res.evaluation["实际值"].isna().all()
    assert a[3] == pytest.approx(0.5)  # C001 still 核心, C002 now 成熟
    assert a[4] == pytest.approx(4.5) and a[5] == pytest.approx(2 / 3) and a[6] == pytest.approx(0.05)
    assert a[7] == 1 and 8 not in a
    assert res.evaluation.loc[3, "实际值来源"] == "计算" and pd.isna(res.evaluation.loc[8, "实际值来源"])
    assert res.evaluation.loc[4, "达标情况"] == "达标"


def test_campaigns_and_channels() -> None:
    camp = pd.DataFrame(
        {
            "campaign": ["制造业数字化转型研讨会", "国际新能源展", "空"],
            "budget_yuan": [15000.0, 30000.0, 5000.0],
            "leads": [100.0, 80.0, 0.0],
            "converted": [5.0, 2.0, 0.0],
        },
        index=[3, 4, 5],
    )
    arch = pd.DataFrame(
        {
            "customer_id": ["C1", "C2", "C3"],
            "name": list("甲乙丙"),
            "source": ["展会对接", "展会对接", "陌拜"],
            "customer_type": ["成交客户", "潜在客户", "潜在客户"],
        },
        index=[3, 4, 5],
    )
    res = run({"客户档案": arch, "市场开拓跟踪表": camp})
    c = res.campaigns
    assert c.loc[3, "转化率"] == pytest.approx(0.05) and c.loc[3, "获客成本"] == pytest.approx(3000)
    assert c.loc[4, "获客成本"] == pytest.approx(15000)
    assert pd.isna(c.loc[5, "转化率"]) and pd.isna(c.loc[5, "获客成本"])
    ch = res.channels.set_index("信息来源")
    assert ch.loc["展会对接", "转化率"] == pytest.approx(0.5) and ch.loc["陌拜", "成交客户数"] == 0
