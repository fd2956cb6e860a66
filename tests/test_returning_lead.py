"""Issue #13 item 5: a returning lead with other contact data → a warning and a proposal in 疑似重复,
applied on the next run when answered 更新 (kept when 保留). Read back with calamine and openpyxl."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from conftest import build_workbook, cli_json
from python_calamine import CalamineWorkbook

ARCHIVE = [
    ["客户编号", "客户名称", "联系人", "手机号码", "负责人"],
    ["C001", "上海甲科技有限公司", "张三", "13800138000", "王五"],
    ["C002", "北京乙贸易有限公司", "赵六", "13700137000", "王五"],
]
REG = [
    ["客户编号", "客户名称", "联系人", "手机号码", "信息来源"],
    [None, "上海甲科技有限公司", "李四", "139 0013 9000", "展会对接"],  # row 2: returns with another contact
    [None, "北京乙贸易有限公司", "赵六", "13700137000", "官网表单"],  # row 3: same contact: nothing to say
]


@pytest.fixture
def record(tmp_path: Path) -> Path:
    path = build_workbook(tmp_path / "台账.xlsx", {"客户档案": ARCHIVE, "客户信息登记表": REG})
    code, obj = cli_json("run", str(path), "--month", "2024-05", "--no-summary")
    found = sorted(
        (f["sheet"], f["cell"], f["code"]) for f in obj["findings"] if f["code"] == "returning-lead-contact"
    )
    assert found == [
        ("客户信息登记表", "C2", "returning-lead-contact"),
        ("客户信息登记表", "D2", "returning-lead-contact"),
    ]
    msg = next(
        f["message"] for f in obj["findings"] if f["cell"] == "C2" and f["code"] == "returning-lead-contact"
    )
    assert "C001" in msg and "张三" in msg and "李四" in msg
    return path


def _dups(path: Path) -> list[list[object]]:
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("疑似重复").to_python()
    other = [
        list(r) for r in openpyxl.load_workbook(path, read_only=True)["疑似重复"].iter_rows(values_only=True)
    ]
    assert [r[:3] for r in other] == [r[:3] for r in rows]
    return rows


def _answer(path: Path, answer: str) -> None:
    wb = openpyxl.load_workbook(path)
    ws = wb["疑似重复"]
    hit = [r for r in range(2, ws.max_row + 1) if ws.cell(r, 3).value == "客户信息登记表 第2行"]
    assert len(hit) == 1
    ws.cell(hit[0], 7).value = answer
    wb.save(path)


def test_the_proposal_lists_both(record: Path) -> None:
    rows = _dups(record)
    assert [(r[0], r[2]) for r in rows[1:]] == [("C001", "客户信息登记表 第2行")]
    assert "张三" in rows[1][1] and "李四" in rows[1][3] and "13900139000" in rows[1][3]


def test_answered_update_changes_the_archive_next_run(record: Path) -> None:
    _answer(record, "更新")
    code, obj = cli_json("run", str(record), "--month", "2024-05", "--no-summary")
    assert sorted(
        (c["cell"], c["old"], c["new"]) for c in obj["changes"] if c["rule"] == "回访线索：更新联系方式"
    ) == [("C2", "张三", "李四"), ("D2", "13800138000", "13900139000")]
    assert not [f for f in obj["findings"] if f["code"] == "returning-lead-contact"]
    arch = CalamineWorkbook.from_path(str(record)).get_sheet_by_name("客户档案").to_python()
    assert arch[1][:4] == ["C001", "上海甲科技有限公司", "李四", "13900139000"]
    assert [r[2] for r in _dups(record)[1:]] == []
    log = CalamineWorkbook.from_path(str(record)).get_sheet_by_name("变更记录").to_python()
    assert sorted((r[1], r[2]) for r in log[1:] if r[5] == "回访线索：更新联系方式") == [
        ("客户档案", "C2"),
        ("客户档案", "D2"),
    ]
    code, obj = cli_json("run", str(record), "--month", "2024-05", "--no-summary")
    assert obj["changes"] == []


def test_answered_keep_is_remembered_and_silent(record: Path) -> None:
    _answer(record, "保留")
    for _ in range(2):
        code, obj = cli_json("run", str(record), "--month", "2024-05", "--no-summary")
        assert not [c for c in obj["changes"] if c["rule"] == "回访线索：更新联系方式"]
        assert not [f for f in obj["findings"] if f["code"] == "returning-lead-contact"]
        assert [(r[0], r[2], r[6]) for r in _dups(record)[1:]] == [("C001", "客户信息登记表 第2行", "保留")]
    arch = CalamineWorkbook.from_path(str(record)).get_sheet_by_name("客户档案").to_python()
    assert arch[1][2:4] == ["张三", "13800138000"]
