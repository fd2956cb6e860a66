"""Issue #13 item 4: a pair marked 合并 in 疑似重复 is merged by the normal safe run.

Two customers with follow-ups and deals → one survivor with all rows, the merged row marked, every
touched cell in 变更记录, the backup byte-identical to before; read back with calamine and openpyxl.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import openpyxl
import pytest
from conftest import build_workbook, cli_json, sha256
from python_calamine import CalamineWorkbook

ARCHIVE = [
    ["客户编号", "客户名称", "负责人", "手机号码", "电子邮箱", "所属行业", "年合作金额(万元)"],
    ["C001", "杭州青禾贸易有限公司", "王五", "13800138000", None, "批发零售", 50],  # row 2: survivor (客户A)
    [
        "C002",
        "杭州清禾贸易有限公司",
        "赵六",
        "13900139000",
        "a@qinghe.com",
        None,
        50,
    ],  # row 3: merged (客户B)
    ["C003", "广州丙制造有限公司", "王五", "13700137000", "c@bing.cn", "制造业", 30],
]
FOLLOW = [
    ["客户编号", "跟进日期", "跟进方式", "跟进内容", "完成状态"],
    ["C001", "2024-05-06", "电话", "确认续约", "已完成"],
    ["C002", "2024-05-08", "微信", "报价", "已完成"],  # row 3 → C001
    ["C002", "2024-05-10", "上门拜访", "签约", "已完成"],  # row 4 → C001
    ["C003", "2024-05-11", "电话", "回访", "已完成"],
]
DEALS = [
    ["客户编号", "交易日期", "金额"],
    ["C002", "2024-05-10", 200_000],  # row 2 → C001
    ["C003", "2024-04-01", 100_000],
]
RULES = [["参数", "值"], ["疑似重复相似度(0-100)", 80]]  # 青禾/清禾: one character apart (ratio 83)


@pytest.fixture
def record(tmp_path: Path) -> Path:
    """A record after its first run, in which the user then typed 合并 into 疑似重复."""
    path = build_workbook(
        tmp_path / "台账.xlsx",
        {"客户档案": ARCHIVE, "客户跟进记录表": FOLLOW, "交易记录": DEALS, "规则配置": RULES},
    )
    cli_json("run", str(path), "--month", "2024-05", "--no-summary")
    rows = _sheet(path, "疑似重复")
    assert [r[:4] for r in rows[1:]] == [["C001", "杭州青禾贸易有限公司", "C002", "杭州清禾贸易有限公司"]]
    wb = openpyxl.load_workbook(path)
    wb["疑似重复"]["G2"] = "合并"
    wb.save(path)
    return path


def _sheet(path: Path, name: str) -> list[list[object]]:
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_name(name).to_python()


def test_merge_moves_fills_marks_and_logs(record: Path) -> None:
    original = record.read_bytes()
    code, obj = cli_json("run", str(record), "--month", "2024-05", "--no-summary")
    assert code in (0, 1)
    assert Path(obj["backup"]).read_bytes() == original

    merge_changes = sorted(
        (c["sheet"], c["cell"], c["old"], c["new"]) for c in obj["changes"] if c["rule"].startswith("合并")
    )
    assert merge_changes == sorted(
        [
            ("客户档案", "H1", None, "状态"),
            ("客户档案", "I1", None, "合并至"),
            ("客户档案", "H3", None, "已合并"),
            ("客户档案", "I3", None, "C001"),
            ("客户档案", "E2", None, "a@qinghe.com"),
            ("客户跟进记录表", "A3", "C002", "C001"),
            ("客户跟进记录表", "A4", "C002", "C001"),
            ("交易记录", "A2", "C002", "C001"),
        ]
    )
    conflicts = sorted(
        (f["sheet"], f["cell"], f["code"]) for f in obj["findings"] if f["code"] == "merge-conflict"
    )
    assert conflicts == [
        ("客户档案", "B3", "merge-conflict"),
        ("客户档案", "C3", "merge-conflict"),
        ("客户档案", "D3", "merge-conflict"),
    ]
    phone = next(f for f in obj["findings"] if f["code"] == "merge-conflict" and f["cell"] == "D3")
    assert "13800138000" in phone["message"] and "13900139000" in phone["message"]

    # the record, by two readers
    arch = _sheet(record, "客户档案")
    assert arch[0][7:9] == ["状态", "合并至"]
    assert arch[2][:2] == ["C002", "杭州清禾贸易有限公司"] and arch[2][7:9] == [
        "已合并",
        "C001",
    ]  # kept, marked
    assert arch[1][4] == "a@qinghe.com" and arch[1][2] == "王五" and arch[1][3] == "13800138000"
    wb = openpyxl.load_workbook(record)
    assert [c.value for c in wb["客户跟进记录表"]["A"]][1:] == ["C001", "C001", "C001", "C003"]
    assert [c.value for c in wb["交易记录"]["A"]][1:] == ["C001", "C003"]
    log = _sheet(record, "变更记录")
    logged = sorted((r[1], r[2]) for r in log[1:] if str(r[5]).startswith("合并"))
    assert logged == sorted((s, c) for s, c, _, _ in merge_changes)

    # one customer less: C002 is not graded, its pair is gone from 疑似重复
    tiers = _sheet(record, "客户分层")
    assert sorted(r[0] for r in tiers[1:]) == ["C001", "C003"]
    assert all("C002" not in (r[0], r[2]) for r in _sheet(record, "疑似重复")[1:])


def test_a_second_run_changes_nothing(record: Path) -> None:
    cli_json("run", str(record), "--month", "2024-05", "--no-summary")
    with zipfile.ZipFile(record) as z:
        first = {n: z.read(n) for n in z.namelist()}
    code, obj = cli_json("run", str(record), "--month", "2024-05", "--no-summary")
    assert obj["changes"] == []
    assert not [
        f
        for f in obj["findings"]
        if f["code"] in ("duplicate-customer", "unknown-customer", "possible-duplicate")
    ]
    # the conflicts stay reported (and marked) until someone aligns the two rows
    assert sorted(f["cell"] for f in obj["findings"] if f["code"] == "merge-conflict") == ["B3", "C3", "D3"]
    with zipfile.ZipFile(record) as z:
        second = {n: z.read(n) for n in z.namelist()}
    assert [n for n in first if first[n] != second.get(n)] == []


def test_a_follow_up_typed_later_under_the_merged_id_moves_too(record: Path) -> None:
    cli_json("run", str(record), "--month", "2024-05", "--no-summary")
    wb = openpyxl.load_workbook(record)
    wb["客户跟进记录表"].append(["C002", "2024-05-20", "电话", "回访", "已完成"])
    wb.save(record)
    before = sha256(record)
    code, obj = cli_json("run", str(record), "--month", "2024-05", "--no-summary")
    assert [
        (c["sheet"], c["cell"], c["old"], c["new"]) for c in obj["changes"] if c["rule"].startswith("合并")
    ] == [("客户跟进记录表", "A6", "C002", "C001")]
    assert sha256(record) != before
    assert openpyxl.load_workbook(record)["客户跟进记录表"]["A6"].value == "C001"


def test_dry_run_merges_nothing(record: Path) -> None:
    before = sha256(record)
    code, obj = cli_json("run", str(record), "--month", "2024-05", "--dry-run")
    assert any(c["rule"].startswith("合并") for c in obj["changes"])
    assert sha256(record) == before
