"""Issue #13 item 3: ``workbook-crm archive FILE --quarter 2024Q2`` through the real CLI.

The snapshot is read back with python-calamine and openpyxl, and opened by LibreOffice; the record
must stay byte-identical.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pytest
from conftest import build_workbook, cli, sha256, soffice
from python_calamine import CalamineWorkbook

ARCHIVE = [
    ["客户编号", "客户名称", "负责人", "年合作金额(万元)", "续约率", "满意度(5分制)", "手机号码", "内部备注"],
    [
        "C001",
        "上海甲科技有限公司",
        "王五",
        60,
        "95%",
        4.8,
        "138 0013 8000",
        "重点",
    ],  # last deal 2024-02-10: lost in Q2
    [
        "C002",
        "北京乙贸易有限公司",
        "赵六",
        30,
        "85%",
        4.2,
        "13900139000",
        None,
    ],  # last deal 2024-05-20: active
    [
        "C003",
        "广州丙制造有限公司",
        "王五",
        6,
        "65%",
        3.6,
        "13700137000",
        None,
    ],  # last deal 2023-11-01: lost in Q1
    [
        "C004",
        "深圳丁物流有限公司",
        "赵六",
        8,
        "60%",
        3.5,
        "13600136000",
        None,
    ],  # last deal 2024-03-20: lost in Q2
    ["C005", "杭州戊电子有限公司", "王五", None, None, None, "13500135000", None],  # never bought: 潜在客户
]
DEALS = [
    ["客户编号", "交易日期", "金额"],
    ["C001", "2023-06-01", 300_000],
    ["C001", "2024-02-10", 300_000],
    ["C002", "2024-05-20", 300_000],
    ["C003", "2023-11-01", 60_000],
    ["C004", "2024-03-20", 80_000],
]


@pytest.fixture
def record(tmp_path: Path) -> Path:
    return build_workbook(tmp_path / "台账.xlsx", {"客户档案": ARCHIVE, "交易记录": DEALS})


def _values(path: Path, sheet: str) -> list[list[object]]:
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_name(sheet).to_python()


def test_archive_writes_a_read_only_snapshot_and_lists_the_lost(record: Path) -> None:
    before = sha256(record)
    code, out, err = cli("archive", str(record), "--quarter", "2024Q2", "--format", "json")
    assert code == 0, err
    obj = json.loads(out)
    snap = record.with_name("台账-归档-2024Q2.xlsx")
    assert obj["archive"] == str(snap) and obj["quarter"] == "2024Q2" and obj["asof"] == "2024-06-30"
    assert [(r["客户编号"], r["最近合作日期"], r["上季末阶段"]) for r in obj["lost"]] == [
        ("C001", "2024-02-10", "老客户"),
        ("C004", "2024-03-20", "新客户"),
    ]
    assert sha256(record) == before  # the record is only read
    assert not stat.S_IMODE(os.stat(snap).st_mode) & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)
    with zipfile.ZipFile(snap) as z:
        assert b'<fileSharing readOnlyRecommended="1"/>' in z.read("xl/workbook.xml")

    # the lost list, by both readers
    lost = _values(snap, "本季流失客户")
    assert lost[0] == [
        "客户编号",
        "客户名称",
        "负责人",
        "客户等级",
        "最近合作日期",
        "上季末阶段",
        "本季末阶段",
    ]
    assert [r[0] for r in lost[1:]] == ["C001", "C004"]
    ws = openpyxl.load_workbook(snap, read_only=True)["本季流失客户"]
    assert [r[0] for r in ws.iter_rows(min_row=2, values_only=True)] == ["C001", "C004"]

    # the record's own sheets as they were typed (no normalization, no marks); computed sheets as of 06-30
    assert _values(snap, "客户档案") == _values(record, "客户档案")
    assert _values(snap, "交易记录") == _values(record, "交易记录")
    book = openpyxl.load_workbook(snap)
    assert book["客户档案"]["G2"].value == "138 0013 8000" and book["客户档案"]["G2"].comment is None
    tiers = _values(snap, "客户分层")
    stage = {r[0]: r[tiers[0].index("生命周期阶段")] for r in tiers[1:]}
    assert stage == {
        "C001": "流失客户",
        "C002": "新客户",
        "C003": "流失客户",
        "C004": "流失客户",
        "C005": "潜在客户",
    }
    assert {r[0] for r in _values(snap, "分级历史")[1:]} == {"2024-06", "2024Q2"}


def test_text_output_and_an_existing_archive_is_never_replaced(record: Path) -> None:
    code, out, err = cli("archive", str(record), "--quarter", "2024q2")
    assert code == 0, err
    assert "本季流失客户: 2" in out and "C001" in out and "C004" in out
    snap = record.with_name("台账-归档-2024Q2.xlsx")
    first = sha256(snap)
    code, out, err = cli("archive", str(record), "--quarter", "2024Q2")
    assert code == 2 and len(err.strip().splitlines()) == 1 and "归档已存在" in err
    assert sha256(snap) == first


def test_a_bad_quarter_is_refused_in_one_line(record: Path) -> None:
    before = sha256(record)
    code, out, err = cli("archive", str(record), "--quarter", "2024Q5")
    assert code == 2 and "2024Q2" in err and len(err.strip().splitlines()) == 1
    assert sha256(record) == before
    assert sorted(p.name for p in record.parent.iterdir()) == ["台账.xlsx"]


def test_the_first_quarter_looks_back_to_the_previous_year(record: Path) -> None:
    code, out, err = cli("archive", str(record), "--quarter", "2024Q1", "--format", "json")
    assert code == 0, err
    assert [r["客户编号"] for r in json.loads(out)["lost"]] == ["C003"]  # last deal 2023-11-01


def test_the_snapshot_opens_in_libreoffice(record: Path, tmp_path: Path) -> None:
    exe = soffice()
    if exe is None:
        pytest.skip("LibreOffice not installed")
    code, _, err = cli("archive", str(record), "--quarter", "2024Q2")
    assert code == 0, err
    snap = record.with_name("台账-归档-2024Q2.xlsx")
    out = tmp_path / "lo"
    proc = subprocess.run(
        [exe, "--headless", "--convert-to", "xlsx", "--outdir", str(out), str(snap)],
        capture_output=True,
        text=True,
        timeout=180,
    )
    again = out / snap.name
    assert again.exists(), proc.stderr
    ws = openpyxl.load_workbook(again, read_only=True)["本季流失客户"]
    assert [r[0] for r in ws.iter_rows(min_row=2, values_only=True)] == ["C001", "C004"]


def test_an_encrypted_record_gets_no_unencrypted_archive(record: Path) -> None:
    import io

    from msoffcrypto.format.ooxml import OOXMLFile

    out = io.BytesIO()
    with record.open("rb") as f:
        OOXMLFile(f).encrypt("s3cret", out)
    locked = record.with_name("加密.xlsx")
    locked.write_bytes(out.getvalue())
    before = sha256(locked)
    code, _, err = cli("archive", str(locked), "--quarter", "2024Q2", "--password", "s3cret")
    assert code == 2 and "加密工作簿不生成归档" in err and len(err.strip().splitlines()) == 1
    assert sha256(locked) == before
    assert not locked.with_name("加密-归档-2024Q2.xlsx").exists()
