"""Issue #13 item 2: the quarterly final grade (seed 002: 月度初评, 季度评审会确认最终级别).

A built record with 人工定级/定级原因 goes through the real CLI month after month; 客户分层 and
分级历史 are read back with python-calamine and openpyxl.
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
from conftest import build_workbook, cli_json
from python_calamine import CalamineWorkbook

ARCHIVE = [
    [
        "客户编号",
        "客户名称",
        "负责人",
        "年合作金额(万元)",
        "续约率",
        "满意度(5分制)",
        "最近合作时间",
        "人工定级",
        "定级原因",
    ],
    [
        "C001",
        "上海甲科技有限公司",
        "王五",
        62,
        "85%",
        4.6,
        "2024-05-15",
        "S",
        "战略客户，季度评审确认",
    ],  # computed A
    ["C002", "北京乙贸易有限公司", "赵六", 30, "85%", 4.2, "2024-05-15", None, None],  # A, no override
    ["C003", "广州丙制造有限公司", "王五", 6, "65%", 3.6, "2024-05-15", "C级", None],  # computed B
]


def _sheet(path: Path, name: str) -> list[dict[str, object]]:
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(name).to_python()
    out = [dict(zip(rows[0], r, strict=False)) for r in rows[1:]]
    ws = openpyxl.load_workbook(path, read_only=True)[name]
    other = list(ws.iter_rows(min_row=2, values_only=True))
    assert [tuple(str(v) if v is not None else "" for v in r[:3]) for r in other] == [
        tuple(str(v) for v in list(r.values())[:3]) for r in out
    ]
    return out


def _run(path: Path, month: str) -> dict:
    code, obj = cli_json("run", str(path), "--month", month, "--no-summary")
    assert code in (0, 1), obj
    return obj


def test_override_wins_and_both_grades_are_shown(tmp_path: Path) -> None:
    path = build_workbook(tmp_path / "台账.xlsx", {"客户档案": ARCHIVE})
    obj = _run(path, "2024-05")
    assert [
        (f["sheet"], f["cell"], f["code"]) for f in obj["findings"] if f["code"] == "override-no-reason"
    ] == [("客户档案", "I4", "override-no-reason")]
    tiers = {r["客户编号"]: r for r in _sheet(path, "客户分层")}
    assert [tiers[c]["客户等级"] for c in ("C001", "C002", "C003")] == ["S", "A", "C"]
    assert [tiers[c]["计算等级"] for c in ("C001", "C002", "C003")] == ["A", "A", "B"]
    assert tiers["C001"]["评级依据"].startswith(
        "人工定级 S（战略客户，季度评审确认）覆盖计算等级 A；"
        "计算依据：年合作金额 62万 ≥ 50万；续约率 85% < 90%"
    )
    assert tiers["C003"]["评级依据"].startswith("人工定级 C（未填定级原因）覆盖计算等级 B")
    assert not tiers["C002"]["评级依据"].startswith("人工定级")
    history = _sheet(path, "分级历史")
    assert {r["月份"] for r in history} == {"2024-05"}  # not a quarter's last month: no final block


def test_quarter_end_keeps_the_final_grades_and_a_rerun_replaces_them(tmp_path: Path) -> None:
    path = build_workbook(tmp_path / "台账.xlsx", {"客户档案": ARCHIVE})
    _run(path, "2024-05")
    _run(path, "2024-06")
    history = _sheet(path, "分级历史")
    blocks = {
        m: {r["客户编号"]: r["客户等级"] for r in history if r["月份"] == m}
        for m in ("2024-05", "2024-06", "2024Q2")
    }
    assert blocks["2024Q2"] == {"C001": "S", "C002": "A", "C003": "C"}
    assert blocks["2024-05"] == blocks["2024-06"] == blocks["2024Q2"]
    assert len(history) == 9

    # the review changes its mind; re-running June replaces the quarter's block (no duplicates)
    wb = openpyxl.load_workbook(path)
    wb["客户档案"]["H2"] = "A"
    wb.save(path)
    _run(path, "2024-06")
    history = _sheet(path, "分级历史")
    q2 = [(r["客户编号"], r["客户等级"]) for r in history if r["月份"] == "2024Q2"]
    assert sorted(q2) == [("C001", "A"), ("C002", "A"), ("C003", "C")]
    assert len(history) == 9

    # July: the quarter's block stays
    obj = _run(path, "2024-07")
    history = _sheet(path, "分级历史")
    assert sorted({r["月份"] for r in history}) == ["2024-05", "2024-06", "2024-07", "2024Q2"]
    assert obj["counts"].get("error", 0) == 0


def test_last_month_is_never_a_quarter_block() -> None:
    import pandas as pd

    from workbook_crm.grading.migration import previous

    h = pd.DataFrame(
        {
            "month": ["2024-06", "2024Q2", "2024Q2"],
            "customer_id": ["C001", "C001", "C002"],
            "name": ["甲", "甲", "乙"],
            "grade": ["B", "S", "A"],
            "tier": [None, None, None],
        }
    )
    for month in ("2024-07", "2025-01"):
        prev = previous({"分级历史": h}, month)
        assert list(zip(prev["customer_id"], prev["grade"], strict=True)) == [("C001", "B")]
