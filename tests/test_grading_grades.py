"""Grades, tiers, value tiers, lifecycle, health and RFM over frames built in the test."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from workbook_crm.grading import grade_month
from workbook_crm.rules import Rules, load_rules

TODAY = date(2024, 4, 30)


def archive(**cols) -> pd.DataFrame:
    n = len(next(iter(cols.values())))
    base = {
        "customer_id": [f"C{i + 1:03d}" for i in range(n)],
        "name": [f"客户{i}" for i in range(n)],
        "last_deal": pd.to_datetime(["2024-04-01"] * n),
    }
    base.update(cols)
    return pd.DataFrame(base, index=range(3, n + 3))


def run(arch: pd.DataFrame, rules: Rules | None = None, **sheets) -> pd.DataFrame:
    res = grade_month({"客户档案": arch, **sheets}, rules or Rules(), month="2024-04", today=TODAY)
    return res.tiers


def test_seed_004_quadrants() -> None:
    # seed 004 表(一): C001 120万/8 → 核心, C002 80万/5 → 成熟, C003 30万/9 → 潜力
    t = run(
        archive(annual_amount_yuan=[1_200_000.0, 800_000.0, 300_000.0, 20_000.0], potential=[8.0, 5, 9, 3])
    )
    assert list(t["客户分层"]) == ["核心客户", "成熟客户", "潜力客户", "基础客户"]
    assert list(t["维护频率"]) == ["月度", "季度", "双月", "半年度"]
    assert t.loc[3, "关键维护动作"] == "高层拜访、定制方案"
    assert list(t["价值层级"]) == ["高价值", "高价值", "中价值", "低价值"]


def test_reason_in_words() -> None:
    t = run(archive(annual_amount_yuan=[620_000.0], renewal_rate=[0.85], satisfaction=[4.6]))
    assert t.loc[3, "客户等级"] == "A"
    assert t.loc[3, "评级依据"].startswith("年合作金额 62万 ≥ 50万；续约率 85% < 90%；满意度 4.6 ≥ 4.5 → A")


@pytest.mark.parametrize(
    ("amount", "renewal", "sat", "grade"),
    [
        (500_000.0, 0.90, 4.5, "S"),
        (499_900.0, 0.90, 4.5, "A"),
        (500_000.0, 0.8999, 4.5, "A"),
        (500_000.0, 0.90, 4.49, "A"),
        (200_000.0, 0.80, 4.0, "A"),
        (199_999.0, 0.80, 4.0, "B"),
        (200_000.0, 0.79, 4.0, "B"),
        (200_000.0, 0.80, 3.99, "B"),
        (50_000.0, 0.60, 3.5, "B"),
        (49_999.0, 0.60, 3.5, "C"),
        (50_000.0, 0.59, 3.5, "C"),
        (50_000.0, 0.60, 3.49, "C"),
    ],
)
def test_boundaries(amount: float, renewal: float, sat: float, grade: str) -> None:
    t = run(archive(annual_amount_yuan=[amount], renewal_rate=[renewal], satisfaction=[sat]))
    assert t.loc[3, "客户等级"] == grade


def test_value_tier_and_potential_boundaries() -> None:
    # seed 001 (二): 高价值 超50万 (50万 itself is 中价值), 中价值 10–50万, 低价值 低于5万,
    # 5–10万 per 规则配置
    t = run(
        archive(
            annual_amount_yuan=[500_001.0, 500_000.0, 100_000.0, 99_999.0, 50_000.0, 49_999.0],
            potential=[7.0, 7, 6.99, 10, 1, 1],
        )
    )
    assert list(t["价值层级"]) == ["高价值", "中价值", "中价值", "低价值", "低价值", "低价值"]
    assert list(t["客户分层"]) == [
        "核心客户",
        "核心客户",
        "基础客户",
        "潜力客户",
        "基础客户",
        "基础客户",
    ]  # seed 004: ≥
    assert "（seed 001 未命名），按规则配置归入低价值" in t.loc[6, "评级依据"]
    assert "价值层级" not in t.loc[8, "评级依据"]


@pytest.mark.parametrize(
    ("missing", "label"),
    [("annual_amount_yuan", "年合作金额"), ("renewal_rate", "续约率"), ("satisfaction", "满意度")],
)
def test_missing_input_named_and_customer_is_pending(missing: str, label: str) -> None:
    """Missing is not C (issue #12): the other two inputs meet S, so the missing one decides."""
    cols = {"annual_amount_yuan": [900_000.0], "renewal_rate": [0.99], "satisfaction": [5.0]}
    cols[missing] = [np.nan]
    t = run(archive(**cols))
    assert t.loc[3, "客户等级"] == "待评级"
    assert f"{label} 缺失" in t.loc[3, "评级依据"] and "→ 待评级" in t.loc[3, "评级依据"]


def test_missing_input_that_cannot_lift_the_grade_is_still_c() -> None:
    """3万 already fails B's 5万: whatever 续约率 would be, the customer is C."""
    t = run(
        archive(
            annual_amount_yuan=[30_000.0, 300_000.0], renewal_rate=[np.nan, np.nan], satisfaction=[5.0, 3.0]
        )
    )
    assert list(t["客户等级"]) == ["C", "C"]
    assert "续约率 缺失" in t.loc[3, "评级依据"] and "→ C" in t.loc[3, "评级依据"]


def test_no_deal_for_three_months_is_c() -> None:
    t = run(
        archive(
            annual_amount_yuan=[900_000.0, 900_000.0],
            renewal_rate=[0.99, 0.99],
            satisfaction=[5.0, 5.0],
            last_deal=pd.to_datetime(["2024-01-29", "2024-01-31"]),
        )
    )
    assert list(t["客户等级"]) == ["C", "S"]
    assert "连续3个月无合作" in t.loc[3, "评级依据"]
    assert list(t["生命周期阶段"]) == ["流失客户", "新客户"]


def test_threshold_changed_in_rules_sheet_changes_grade() -> None:
    arch = archive(annual_amount_yuan=[400_000.0], renewal_rate=[0.95], satisfaction=[4.8])
    assert run(arch).loc[3, "客户等级"] == "A"
    rules, findings = load_rules([(2, "S级年合作金额(万元)", "40"), (3, "S级满意度(5分制)", "很高")])
    assert [(f.cell, f.code) for f in findings] == [("B3", "bad-rule")]
    t = run(arch, rules)
    assert t.loc[3, "客户等级"] == "S" and "≥ 40万" in t.loc[3, "评级依据"]


def test_lifecycle_from_deals_and_health_from_logs() -> None:
    arch = archive(
        annual_amount_yuan=[np.nan, 100_000.0, np.nan],
        satisfaction=[5.0, 3.0, np.nan],
        last_deal=pd.to_datetime([None, "2023-01-10", None]),
        first_deal=pd.to_datetime([None, "2022-01-10", None]),
    )
    months = pd.to_datetime(
        [f"2023-{m:02d}-15" for m in range(11, 13)] + [f"2024-{m:02d}-15" for m in range(1, 5)]
    )
    deals = pd.DataFrame(
        {"customer_id": "C001", "deal_date": months, "amount_yuan": 10_000.0}, index=range(2, 8)
    )
    fu = pd.DataFrame(
        {
            "customer_id": ["C001"] * 9,
            "follow_date": pd.date_range("2024-02-01", periods=9, freq="9D"),
            "status": "已完成",
        },
        index=range(2, 11),
    )
    t = run(arch, 交易记录=deals, 客户跟进记录表=fu)
    # C001: 6 of the last 6 months active → 交易稳定性 5; 9 contacts in 3 months → 互动频率 5; 满意度 5
    assert t.loc[3, "健康度得分"] == 5.0 and t.loc[3, "健康度等级"] == "优秀"
    assert t.loc[3, "年交易额(万元)"] == pytest.approx(6.0)  # blank archive amount: 交易记录, last 12 months
    assert "交易记录" in t.loc[3, "评级依据"]
    assert list(t["生命周期阶段"]) == ["新客户", "流失客户", "潜在客户"]
    # C003: no scores typed, no contacts in a log that has data → 互动频率 1 is its only dimension:
    # a score, but one dimension is no verdict (no band), and the reason says how many
    assert t.loc[5, "健康度得分"] == 1.0 and pd.isna(t.loc[5, "健康度等级"])
    assert "健康度 取自 1/4 项" in t.loc[5, "评级依据"]
    assert pd.isna(t.loc[4, "RFM分群"])  # no deals in 交易记录: no RFM


def test_rfm_segments() -> None:
    arch = archive(annual_amount_yuan=[1.0] * 4)
    deals = pd.DataFrame(
        {
            "customer_id": ["C001"] * 5 + ["C002"] + ["C003"] * 5 + ["C004"],
            "deal_date": pd.to_datetime(
                ["2024-04-20"] * 5 + ["2024-04-25"] + ["2023-06-01"] * 5 + ["2023-06-01"]
            ),
            "amount_yuan": [100_000.0] * 5 + [1000.0] + [100.0] * 5 + [900_000.0],
        },
        index=range(2, 14),
    )
    t = run(arch, Rules(rfm_definition="经典"), 交易记录=deals)  # the textbook R/F/M
    assert list(t["RFM分群"]) == ["重要价值客户", "一般发展客户", "一般保持客户", "重要挽留客户"]
    assert {"R分", "F分", "M分"} <= set(t.columns)
