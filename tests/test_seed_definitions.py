"""Issue #13 item 6: seed 001's own definitions (RFM, value tiers, LTV, NPS, cadence by value tier).

Each test builds a real workbook, runs the real CLI, and reads 客户分层 / 概览 back with openpyxl and
python-calamine. The textbook variants are selected through the 规则配置 sheet.
"""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest
from conftest import build_workbook, cli
from python_calamine import CalamineWorkbook

ARCHIVE = [
    [
        "客户编号",
        "客户名称",
        "负责人",
        "年合作金额(万元)",
        "续约率",
        "满意度(5分制)",
        "潜力评分",
        "推荐意愿(0-10)",
    ],
    # 20万 × 1/(1−80%) = 100万 (LTV); 中价值 → seed 001 季度 cadence
    ["C001", "上海甲科技有限公司", "王五", 20, "80%", 4.0, None, 10],
    # 30万, 续约率 50% → C (180 days); 中价值 → 90 days
    ["C002", "北京乙贸易有限公司", "赵六", 30, "50%", 3.0, None, 9],
    # 8万: the band seed 001 leaves unnamed (5–10万)
    ["C003", "广州丙制造有限公司", "王五", 8, "60%", 3.5, None, 7],
    # 3万: 低价值 (seed 001 低于5万) → 半年度
    ["C004", "深圳丁物流有限公司", "赵六", 3, "0%", 3.0, None, 3],
    # 100万 超50万: 高价值 → 月度; 续约率 100% → LTV capped at 10 years = 1000万
    ["C005", "杭州戊电子有限公司", "王五", 100, "100%", 4.8, None, None],
]
DEALS = [
    ["客户编号", "交易日期", "金额"],
    *[["C001", d, 50_000] for d in ("2024-06-10", "2024-04-10", "2024-02-10")],
    ["C002", "2024-05-01", 300_000],
    ["C002", "2023-09-30", 300_000],
    ["C003", "2023-08-31", 40_000],
    ["C003", "2023-09-01", 40_000],
    ["C004", "2022-06-30", 30_000],
    *[["C005", f"2024-0{m}-20", 200_000] for m in range(1, 7)],
]


def _record(tmp_path: Path, rules: list[list[object]] | None = None) -> Path:
    sheets: dict[str, list[list[object]]] = {"客户档案": ARCHIVE, "交易记录": DEALS}
    if rules:
        sheets["规则配置"] = [["参数", "值"], *rules]
    return build_workbook(tmp_path / "台账.xlsx", sheets)


def _tiers(path: Path) -> dict[str, dict[str, object]]:
    """客户分层 by 客户编号, read by python-calamine; openpyxl must read the same values."""
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("客户分层").to_python()
    head = rows[0]
    by_id = {r[0]: dict(zip(head, r, strict=False)) for r in rows[1:] if r[0]}
    ws = openpyxl.load_workbook(path, read_only=True)["客户分层"]
    other = list(ws.iter_rows(values_only=True))
    assert list(other[0][: len(head)]) == head
    for r in other[1:]:
        if r[0]:
            for h, v in zip(head, r, strict=False):
                w = by_id[r[0]][h]
                assert (v in (None, "") and w in (None, "")) or v == w or v == pytest.approx(w), (r[0], h)
    return by_id


def _run(path: Path) -> None:
    code, out, err = cli("run", str(path), "--month", "2024-06", "--no-summary")
    assert code in (0, 1), (out, err)


def test_value_tiers_ltv_and_cadence_as_seed_001_gives_them(tmp_path: Path) -> None:
    path = _record(tmp_path)
    _run(path)
    t = _tiers(path)
    assert [t[c]["价值层级"] for c in ("C001", "C002", "C003", "C004", "C005")] == [
        "中价值",
        "中价值",
        "低价值",
        "低价值",
        "高价值",
    ]
    assert "在 5万–10万 之间（seed 001 未命名），按规则配置归入低价值" in t["C003"]["评级依据"]
    assert [t[c]["LTV(万元)"] for c in ("C001", "C002", "C003", "C004", "C005")] == pytest.approx(
        [100.0, 60.0, 20.0, 3.0, 1000.0]
    )
    # seed 001 三(一): 高价值 月度, 中价值 季度, 低价值 半年度 — the strictest interval applies
    assert t["C005"]["维护周期(天)"] == 30
    assert t["C002"]["客户等级"] == "C" and t["C002"]["维护周期(天)"] == 90
    assert t["C004"]["维护周期(天)"] == 180


def test_gap_band_and_cadence_follow_the_rules_sheet(tmp_path: Path) -> None:
    path = _record(tmp_path, [["5-10万价值层级", "中价值"], ["维护周期-中价值客户", 60]])
    _run(path)
    t = _tiers(path)
    assert t["C003"]["价值层级"] == "中价值"
    assert "按规则配置归入中价值" in t["C003"]["评级依据"]
    assert t["C002"]["维护周期(天)"] == 60 and t["C003"]["维护周期(天)"] == 60


def test_rfm_per_seed_001_by_default(tmp_path: Path) -> None:
    # R = 近6个月合作频次 [3,1,0,0,6], F = 近12个月交易总额 [15,60,8,0,120]万, M = 平均客单价 [5,30,4,3,20]万
    path = _record(tmp_path)
    _run(path)
    t = _tiers(path)
    ids = ("C001", "C002", "C003", "C004", "C005")
    assert [t[c]["R分"] for c in ids] == [4, 3, 2, 2, 5]
    assert [t[c]["F分"] for c in ids] == [3, 4, 2, 1, 5]
    assert [t[c]["M分"] for c in ids] == [3, 5, 2, 1, 4]
    assert [t[c]["RFM分群"] for c in ids] == [
        "一般发展客户",
        "重要保持客户",
        "一般挽留客户",
        "一般挽留客户",
        "重要价值客户",
    ]


def test_textbook_rfm_is_selectable_in_the_rules_sheet(tmp_path: Path) -> None:
    # R = days since the last deal, F = deals in 12 months [3,2,2,0,6], M = amount in 12 months
    path = _record(tmp_path, [["RFM定义", "经典"]])
    _run(path)
    t = _tiers(path)
    ids = ("C001", "C002", "C003", "C004", "C005")
    assert [t[c]["R分"] for c in ids] == [4, 3, 2, 1, 5]
    assert [t[c]["F分"] for c in ids] == [4, 3, 3, 1, 5]
    assert [t[c]["M分"] for c in ids] == [3, 4, 2, 1, 5]
    assert [t[c]["RFM分群"] for c in ids] == [
        "一般价值客户",
        "重要挽留客户",
        "一般挽留客户",
        "一般挽留客户",
        "重要价值客户",
    ]


def test_a_bad_rfm_choice_is_a_finding_and_the_seed_definition_stays(tmp_path: Path) -> None:
    path = _record(tmp_path, [["RFM定义", "随便"]])
    code, out, err = cli("validate", str(path), "--month", "2024-06", "--format", "json")
    obj = json.loads(out)
    assert [(f["sheet"], f["cell"], f["code"]) for f in obj["findings"] if f["code"] == "bad-rule"] == [
        ("规则配置", "B2", "bad-rule")
    ]


def test_nps_from_the_optional_column_in_the_summary(tmp_path: Path) -> None:
    # 推荐意愿 10, 9 (promoters), 7 (passive), 3 (detractor); one blank: NPS = (2 − 1) / 4 = 25
    path = _record(tmp_path)
    out = tmp_path / "汇总.xlsx"
    code, stdout, err = cli("summary", str(path), "-o", str(out), "--month", "2024-06")
    assert code in (0, 1), (stdout, err)
    cells = CalamineWorkbook.from_path(str(out)).get_sheet_by_name("概览").to_python()
    flat = [(r, c, v) for r, row in enumerate(cells) for c, v in enumerate(row)]
    label = [(r, c) for r, c, v in flat if v == "NPS 净推荐值"]
    assert len(label) == 1
    r, c = label[0]
    assert cells[r + 1][c] == pytest.approx(25.0)
    assert cells[r + 2][c] == "推荐意愿 4 位客户作答"
    ws = openpyxl.load_workbook(out)["概览"]
    at = [cell for row in ws.iter_rows() for cell in row if cell.value == "NPS 净推荐值"]
    assert len(at) == 1
    assert ws.cell(at[0].row + 1, at[0].column).value == pytest.approx(25.0)


def test_no_nps_tile_without_answers(tmp_path: Path) -> None:
    rows = [r[:-1] for r in ARCHIVE]
    path = build_workbook(tmp_path / "台账.xlsx", {"客户档案": rows})
    out = tmp_path / "汇总.xlsx"
    code, stdout, err = cli("summary", str(path), "-o", str(out), "--month", "2024-06")
    assert code in (0, 1), (stdout, err)
    cells = CalamineWorkbook.from_path(str(out)).get_sheet_by_name("概览").to_python()
    assert not any(v == "NPS 净推荐值" for row in cells for v in row)
