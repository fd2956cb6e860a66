"""Issue #12 figures one by one: KPI measures by the seeds, one 本月新增, flagged values, 维护频率,
the indicator list, and the previous-run state (hand edits, a moved workbook, ours vs typed)."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from conftest import build_workbook, cli
from python_calamine import CalamineWorkbook

from workbook_crm.grading import grade_month
from workbook_crm.grading.indicators import markdown
from workbook_crm.grading.tiers import frequency
from workbook_crm.reports.data import prepare
from workbook_crm.rules import Rules

ROOT = Path(__file__).parent.parent


def month(sheets: dict[str, pd.DataFrame], m: str = "2024-04"):
    return grade_month(sheets, Rules(), month=m, today=date(2024, 4, 30), cells=lambda s, f, r: f"A{r}")


def test_kpi_measures_follow_the_seeds() -> None:
    """成熟客户复购率 among 成熟客户; 潜力客户转化率 = last run's 潜力客户 with a first deal in the month."""
    arch = pd.DataFrame(
        {
            "customer_id": ["C1", "C2", "C3", "C4", "C5"],
            "name": list("甲乙丙丁戊"),
            # C1, C2 成熟 (≥50万, potential < 7); C3 核心; C4, C5 潜力 (< 50万, potential ≥ 7)
            "annual_amount_yuan": [600_000.0, 700_000.0, 900_000.0, 10_000.0, 20_000.0],
            "potential": [3.0, 4.0, 9.0, 8.0, 8.0],
            "first_deal": pd.to_datetime([None, None, None, "2024-04-12", None]),
        },
        index=range(3, 8),
    )
    deals = pd.DataFrame(
        {
            "customer_id": ["C1", "C1", "C2", "C3", "C3", "C3"],
            "deal_date": pd.to_datetime(
                ["2024-01-05", "2024-03-05", "2024-02-01", "2024-01-01", "2024-02-01", "2024-03-01"]
            ),
            "amount_yuan": 1000.0,
        },
        index=range(2, 8),
    )
    hist = pd.DataFrame(
        {
            "month": "2024-03",
            "customer_id": ["C1", "C2", "C3", "C4", "C5"],
            "grade": "C",
            "tier": ["成熟客户", "成熟客户", "核心客户", "潜力客户", "潜力客户"],
        }
    )
    ev = pd.DataFrame(
        {"indicator": ["成熟客户复购率", "潜力客户转化率", "复购率"], "target": ["≥80%", "≥30%", "≥50%"]},
        index=[3, 4, 5],
    )
    res = month({"客户档案": arch, "交易记录": deals, "分级历史": hist, "效果评估表": ev})
    got = res.evaluation["计算实际值"]
    assert got[3] == pytest.approx(0.5)  # C1 bought twice, C2 once: 1 of the 2 成熟客户
    assert got[4] == pytest.approx(0.5)  # C4's first deal is in April, C5 has none
    assert got[5] == pytest.approx(2 / 3)  # any customer with a deal: C1 and C3 of C1, C2, C3
    assert res.evaluation["实际值"].isna().all()


def test_one_definition_of_new_customers_for_team_and_owner() -> None:
    arch = pd.DataFrame(
        {
            "customer_id": ["C1", "C2", "C3", "C4"],
            "name": list("甲乙丙丁"),
            "owner": ["张三", "张三", "李四", "李四"],
            "first_contact": pd.to_datetime(["2024-04-03", "2023-01-01", None, None]),
        },
        index=range(3, 7),
    )
    hist = pd.DataFrame({"month": "2024-03", "customer_id": ["C2", "C4"], "grade": "C", "tier": None})
    res = month({"客户档案": arch, "分级历史": hist})
    assert res.kpis["本月新增"] == 2 and res.new_ids == {"C1", "C3"}  # C3: blank date, first seen now
    team = prepare(res, [], owner=None, lang="zh", source_name="", n_rows_by_sheet=None).kpis["本月新增"]
    per_owner = [
        prepare(res, [], owner=o, lang="zh", source_name="", n_rows_by_sheet=None).kpis["本月新增"]
        for o in ("张三", "李四")
    ]
    assert team == 2 and per_owner == [1, 1]


def test_health_uses_the_dimensions_present_and_says_how_many() -> None:
    arch = pd.DataFrame(
        {
            "customer_id": ["C1", "C2"],
            "name": list("甲乙"),
            "satisfaction": [4.0, 2.0],
            "dependency": [5.0, np.nan],
        },
        index=[3, 4],
    )
    t = month({"客户档案": arch}).tiers
    assert t.loc[3, "健康度得分"] == 4.5 and t.loc[3, "健康度等级"] == "优秀"
    assert "健康度 取自 2/4 项（交易稳定性、互动频率 缺失）" in t.loc[3, "评级依据"]
    assert t.loc[4, "健康度得分"] == 2.0 and pd.isna(t.loc[4, "健康度等级"])  # one dimension: no verdict


@pytest.mark.parametrize(
    ("days", "words"),
    [
        (3, "每周"),
        (7, "每周"),
        (14, "双周"),
        (30, "月度"),
        (45, "双月"),
        (60, "双月"),
        (90, "季度"),
        (180, "半年度"),
        (365, "年度"),
    ],
)
def test_frequency_words_agree_with_days(days: int, words: str) -> None:
    assert frequency(pd.Series([days])).iloc[0] == words


def test_indicator_list_is_generated() -> None:
    doc = (ROOT / "docs" / "INDICATORS.md").read_text(encoding="utf-8")
    assert doc == markdown(), "regenerate: python -m workbook_crm.grading.indicators > docs/INDICATORS.md"


ARCHIVE = [
    [
        "客户编号",
        "客户名称",
        "负责人",
        "客户类型",
        "联系人",
        "手机号码",
        "年合作金额(万元)",
        "续约率",
        "满意度(5分制)",
        "最近合作时间",
    ],
    [
        "CX202404001",
        "上海甲科技有限公司",
        "王五",
        "成交客户",
        "张一",
        "13800138000",
        80,
        0.95,
        4.8,
        "2024-04-02",
    ],
    [
        "CX202404002",
        "北京乙贸易有限公司",
        "赵六",
        "潜在客户",
        "李二",
        "13900139000",
        30,
        0.85,
        4.2,
        "2024-04-03",
    ],
]


def _sheet(path: Path, name: str) -> list[list]:
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_name(name).to_python()


def test_flagged_value_feeds_no_figure(tmp_path: Path) -> None:
    rows = [r[:] for r in ARCHIVE]
    rows[1][8] = 48  # 满意度 typo: out of range, an error
    p = build_workbook(
        tmp_path / "t.xlsx",
        {
            "客户档案": rows,
            "效果评估表": [["核心指标", "目标值", "实际值", "差异率"], ["客户满意度", "≥4.5", None, None]],
        },
    )
    code, out, err = cli("run", str(p), "--month", "2024-04")
    assert code == 1, out
    tiers = _sheet(p, "客户分层")
    head = tiers[0]
    first = dict(zip(head, tiers[1], strict=False))
    assert first["客户等级"] == "待评级" and "满意度(5分制) 48 未采用" in first["评级依据"]
    assert first["健康度得分"] in ("", None)  # the only dimension was the flagged one
    ev = _sheet(p, "效果评估表")
    row = dict(zip(ev[0], ev[1], strict=False))
    assert row["计算实际值"] == pytest.approx(4.2)  # 48 left out of the average
    assert row["实际值"] in ("", None) and row["差异率"] == pytest.approx((4.2 - 4.5) / 4.5, abs=1e-6)


def test_hand_edits_are_logged_and_a_moved_workbook_starts_a_baseline(tmp_path: Path) -> None:
    p = build_workbook(tmp_path / "t.xlsx", {"客户档案": ARCHIVE})
    code, out, _ = cli("run", str(p), "--month", "2024-04")
    assert code == 0 and "本次运行作为对比基线" in out
    wb = openpyxl.load_workbook(p)
    ws = wb["客户档案"]
    ws["D3"] = "成交客户"  # 潜在 → 成交
    ws["E2"] = "张三"
    wb.save(p)
    code, out, _ = cli("run", str(p), "--month", "2024-05")
    assert code == 0 and "人工修改 2 处" in out and "基线" not in out
    log = _sheet(p, "变更记录")
    hand = [(r[2], r[3], r[4], r[5], r[7]) for r in log[1:] if r[6] == "人工"]
    assert hand == [
        ("E2", "张一", "张三", "人工修改·联系人", "2024-04-30 ~ 2024-05-31"),
        ("D3", "潜在客户", "成交客户", "人工修改·客户类型", "2024-04-30 ~ 2024-05-31"),
    ]
    summary = tmp_path / "t-汇总-2024-05.xlsx"
    events = _sheet(summary, "客户变动")
    assert [r[:5] for r in events[2:]] == [
        ["CX202404002", "北京乙贸易有限公司", "潜在客户", "成交客户", "成交"]
    ]
    # moved without its .workbook-crm folder: a new baseline, said in one line, nothing logged as 人工
    moved = tmp_path / "elsewhere"
    moved.mkdir()
    shutil.copy(p, moved / "t.xlsx")
    code, out, _ = cli("run", str(moved / "t.xlsx"), "--month", "2024-06")
    assert code == 0 and "本次运行作为对比基线" in out
    assert (
        len([r for r in _sheet(moved / "t.xlsx", "变更记录")[1:] if r[6] == "人工"]) == 2
    )  # the old two only


def test_a_typed_rate_stays_and_ours_is_recomputed(tmp_path: Path) -> None:
    ev = [
        ["核心指标", "目标值", "实际值", "差异率"],
        ["客户满意度", "≥4.5", None, None],
        ["客户满意度", "≥4.0", None, -0.5],
    ]
    p = build_workbook(tmp_path / "t.xlsx", {"客户档案": ARCHIVE, "效果评估表": ev})
    assert cli("run", str(p), "--month", "2024-04")[0] == 0
    rows = _sheet(p, "效果评估表")
    assert rows[1][3] == pytest.approx((4.5 - 4.5) / 4.5)  # blank: filled (4.8 and 4.2 average 4.5)
    assert rows[2][3] == -0.5  # typed and wrong: stays, with its warning
    wb = openpyxl.load_workbook(p)
    wb["客户档案"]["I2"] = 3.0  # the average falls to 3.6
    wb.save(p)
    code, _, _ = cli("run", str(p), "--month", "2024-05")
    rows = _sheet(p, "效果评估表")
    assert rows[1][3] == pytest.approx((3.6 - 4.5) / 4.5)  # ours: recomputed, not read back as typed
    assert rows[2][3] == -0.5
    issues = _sheet(p, "校验问题")
    assert [(r[1], r[3]) for r in issues[1:] if r[2] == "效果评估表"] == [("gap-mismatch", "D3")]


def test_an_older_runs_computed_actual_leaves_the_users_column(tmp_path: Path) -> None:
    """Before issue #12 the computed 实际值 went into 实际值 (实际值来源 计算): it is ours,
    recomputed and moved."""
    ev = [
        ["核心指标", "目标值", "实际值", "差异率", "差值", "计算差异率", "达标情况", "实际值来源"],
        ["客户满意度", "≥4.5", 3.9, None, -0.6, -0.133333, "未达标", "计算"],
        ["客户跟进完成率", "≥90%", 0.95, None, 0.05, 0.055556, "达标", "填报"],
    ]
    p = build_workbook(tmp_path / "t.xlsx", {"客户档案": ARCHIVE, "效果评估表": ev})
    assert cli("run", str(p), "--month", "2024-04")[0] == 0
    rows = _sheet(p, "效果评估表")
    head = rows[0]
    first, second = (dict(zip(head, r, strict=False)) for r in rows[1:3])
    assert (
        first["实际值"] in ("", None)
        and first["计算实际值"] == pytest.approx(4.5)
        and first["实际值来源"] == "计算"
    )
    assert second["实际值"] == 0.95 and second["实际值来源"] == "填报"  # typed: untouched
    log = _sheet(p, "变更记录")
    assert [(r[2], r[3], r[4]) for r in log[1:] if r[5] == "旧版计算实际值移至计算实际值"] == [
        ("C2", 3.9, "")
    ]
