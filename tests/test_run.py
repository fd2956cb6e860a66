"""The monthly run end to end: write-back into the record, fidelity, idempotence, safety."""

from __future__ import annotations

import io
import os
import struct
import subprocess
import zipfile
import zlib
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter
from conftest import cli, cli_json, sha256, soffice
from python_calamine import CalamineWorkbook

ARCHIVE = [
    [
        "客户编号",
        "客户名称",
        "负责人",
        "手机号码",
        "电子邮箱",
        "首次接触时间",
        "年合作金额(万元)",
        "续约率",
        "满意度(5分制)",
        "潜力评分",
        "客户类型",
        "信息来源",
        "内部备注",
    ],
    [
        "C001",
        "上海甲科技有限公司",
        "王五",
        "138 0013 8000",
        "a@jia.com",
        "2023/5/10",
        120,
        "95%",
        4.8,
        8,
        "成交客户",
        "展会",
        "重点",
    ],
    [
        "C002",
        "北京乙贸易有限公司",
        "赵六",
        "13900139000",
        "B@YI.CN",
        "2023-06-01",
        80,
        0.92,
        4.6,
        5,
        "成交客户",
        "转介绍",
        None,
    ],
    [
        "C003",
        "广州丙制造有限公司",
        "王五",
        "138****5678",
        "c@bing.cn",
        "2024年1月3日",
        30,
        85,
        4.0,
        9,
        "意向客户",
        "官网",
        None,
    ],
    [
        None,
        "深圳丁物流有限公司",
        "赵六",
        "13700137000",
        "d@ding.com",
        "2024-03-15",
        5,
        "60%",
        3.6,
        4,
        "潜在客户",
        "陌拜",
        None,
    ],
]
FOLLOW = [
    ["客户编号", "跟进日期", "跟进方式", "跟进内容", "跟进人", "下一步计划", "完成状态"],
    ["C001", "2024-05-06", "电话", "确认续约", "王五", "5月20日前发送报价单", "进行中"],
    ["C002", "2024/4/2", "上门拜访", "季度回访", "赵六", "继续跟进", "已完成"],
    ["C009", "2024-05-08", "微信", "咨询", "王五", None, "已完成"],
]
EVAL = [
    ["评估维度", "核心指标", "目标值", "实际值", "差异率", "原因分析"],
    ["客户维护", "核心客户留存率", "≥95%", "92%", "-3.2%", "2家核心客户转向竞品"],
    ["市场开拓", "线索转化率", "≥25%", "18%", "-7%", "线索质量低"],
]
CAMPAIGN = [
    ["渠道类型", "活动名称", "负责人", "预算(元)", "潜在客户数量", "已转化客户数量"],
    ["行业展会", "2024华东智能制造展", "王五", 15000, 100, 5],
]


def _png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    raw = b"".join(b"\x00" + b"\xff\x00\x00" * 4 for _ in range(4))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 4, 4, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def build_record(path: Path) -> Path:
    """A hand-kept record with what Excel users have: chart, image, data bar, comments, names, dropdowns."""
    wb = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False, "strings_to_formulas": False})
    bold = wb.add_format({"bold": True, "bg_color": "#DDEBF7"})
    for name, rows in (
        ("客户档案", ARCHIVE),
        ("客户跟进记录表", FOLLOW),
        ("效果评估表", EVAL),
        ("市场开拓跟踪表", CAMPAIGN),
    ):
        ws = wb.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, v in enumerate(row):
                if v is None:
                    continue
                if r == 0:
                    ws.write_string(r, c, v, bold)
                elif isinstance(v, str):
                    ws.write_string(r, c, v)
                else:
                    ws.write_number(r, c, v)
        ws.freeze_panes(1, 0)
    arch = wb.get_worksheet_by_name("客户档案")
    arch.conditional_format("G2:G5", {"type": "data_bar", "data_bar_2010": True})
    arch.data_validation("K2:K100", {"validate": "list", "source": ["潜在客户", "意向客户", "成交客户"]})
    arch.write_comment("M2", "用户自己的批注：重点客户", {"author": "张经理"})
    mine = wb.add_worksheet("我的分析")
    mine.merge_range("A1:D1", "我的分析（用户自己的表）", bold)
    mine.write_row(1, 0, ["月份", "金额"])
    mine.write_column(2, 0, ["1月", "2月", "3月"])
    mine.write_column(2, 1, [10, 20, 30])
    mine.write_formula("B6", "=SUM(B3:B5)", None, 60)
    chart = wb.add_chart({"type": "column"})
    chart.add_series({"categories": "=我的分析!$A$3:$A$5", "values": "=我的分析!$B$3:$B$5"})
    mine.insert_chart("D3", chart)
    mine.insert_image("D20", "logo.png", {"image_data": io.BytesIO(_png())})
    mine.add_sparkline("C3", {"range": "我的分析!B3:B5"})
    wb.define_name("销售合计", "=我的分析!$B$6")
    wb.close()
    return path


def members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()}


@pytest.fixture
def record(tmp_path: Path) -> Path:
    return build_record(tmp_path / "台账.xlsx")


def run_json(path: Path, *extra: str) -> tuple[int, dict]:
    return cli_json("run", str(path), "--month", "2024-05", "--no-summary", *extra)


def test_run_writes_values_ids_and_computed_sheets(record: Path):
    before = members(record)
    original = record.read_bytes()
    code, obj = run_json(record)
    assert code == 1  # the masked phone and the unknown customer remain for a human
    assert Path(obj["backup"]).read_bytes() == original  # the backup is the file as it was
    changes = {(c["sheet"], c["cell"]): c for c in obj["changes"]}
    assert changes[("客户档案", "D2")]["new"] == "13800138000"
    assert changes[("客户档案", "A5")]["new"].startswith("C")  # the blank ID got one
    after = members(record)
    # untouched parts are byte-identical: chart, drawing, image, the user's sheet
    for name, data in before.items():
        if (
            name.startswith(("xl/charts/", "xl/media/", "xl/drawings/drawing"))
            or name == "xl/worksheets/sheet5.xml"
        ):
            assert after[name] == data, name

    wb = openpyxl.load_workbook(record)
    arch = wb["客户档案"]
    assert arch["D2"].value == "13800138000" and arch["D2"].data_type == "s"
    assert isinstance(arch["F2"].value, datetime) and arch["F2"].number_format == "yyyy-mm-dd"
    assert arch["A5"].value == changes[("客户档案", "A5")]["new"]
    assert arch["M2"].comment is not None and "重点客户" in arch["M2"].comment.text  # the user's comment kept
    assert arch["D4"].comment is not None and "workbook-crm" in arch["D4"].comment.text  # our mark
    assert wb.sheetnames[:5] == ["客户档案", "客户跟进记录表", "效果评估表", "市场开拓跟踪表", "我的分析"]
    for name in ("客户分层", "跟进提醒", "疑似重复", "校验问题", "变更记录", "分级历史"):
        assert name in wb.sheetnames
    assert "销售合计" in wb.defined_names
    issues = wb["校验问题"]
    assert [c.value for c in issues[1]] == [
        "级别",
        "代码",
        "工作表",
        "单元格",
        "字段",
        "原值",
        "问题说明",
        "建议",
    ]
    links = [c.hyperlink.location for c in issues["D"][1:] if c.hyperlink is not None]
    assert "'客户档案'!D4" in links

    # the second reader agrees
    cw = CalamineWorkbook.from_path(str(record))
    tiers = cw.get_sheet_by_name("客户分层").to_python()
    header = tiers[0]
    by_id = {r[0]: dict(zip(header, r, strict=False)) for r in tiers[1:]}
    assert by_id["C001"]["客户分层"] == "核心客户"
    assert by_id["C002"]["客户分层"] == "成熟客户"
    assert by_id["C003"]["客户分层"] == "潜力客户"
    ev = cw.get_sheet_by_name("效果评估表").to_python()
    head = ev[0]
    assert "计算差异率" in head and "达标情况" in head
    row = dict(zip(head, ev[1], strict=False))
    assert round(row["计算差异率"], 3) == -0.032 and row["达标情况"] == "未达标"
    mk = cw.get_sheet_by_name("市场开拓跟踪表").to_python()
    row = dict(zip(mk[0], mk[1], strict=False))
    assert row["转化率"] == pytest.approx(0.05) and row["获客成本"] == pytest.approx(3000)
    log = cw.get_sheet_by_name("变更记录").to_python()
    assert len(log) - 1 == len(obj["changes"])


def test_second_run_changes_nothing(record: Path):
    run_json(record)
    first = members(record)
    code, obj = run_json(record)
    assert obj["changes"] == []
    second = members(record)
    assert second.keys() == first.keys()
    changed = [n for n in first if first[n] != second[n]]
    assert changed == []


def test_dry_run_writes_nothing(record: Path):
    before = sha256(record)
    code, obj = run_json(record, "--dry-run")
    assert obj["changes"] and obj["backup"] is None
    assert sha256(record) == before
    assert not (record.parent / ".workbook-crm").exists()


def test_locked_file_is_refused_and_untouched(record: Path):
    before = sha256(record)
    (record.parent / f"~${record.name}").write_bytes(b"\x00" * 165)
    code, out, err = cli("run", str(record), "--month", "2024-05", "--no-summary")
    assert code == 2 and "Excel" in err and "Traceback" not in err
    assert sha256(record) == before


def test_output_copy_leaves_the_original(record: Path, tmp_path: Path):
    before = sha256(record)
    copy = tmp_path / "结果.xlsx"
    code, _ = run_json(record, "--output", str(copy))
    assert sha256(record) == before
    mask = os.umask(0)
    os.umask(mask)
    assert copy.stat().st_mode & 0o777 == 0o666 & ~mask
    assert "客户分层" in openpyxl.load_workbook(copy, read_only=True).sheetnames


def test_summary_written_beside_the_file(record: Path):
    code, out, err = cli("run", str(record), "--month", "2024-05", "--format", "json")
    summary = record.with_name("台账-汇总-2024-05.xlsx")
    assert summary.exists(), err
    mask = os.umask(0)
    os.umask(mask)
    assert summary.stat().st_mode & 0o777 == 0o666 & ~mask  # not mkstemp's private 0600
    assert "概览" in openpyxl.load_workbook(summary, read_only=True).sheetnames


@pytest.mark.libreoffice
def test_result_opens_in_libreoffice(record: Path, tmp_path: Path):
    exe = soffice()
    if exe is None:
        pytest.skip("LibreOffice not installed")
    run_json(record)
    out = tmp_path / "pdf"
    proc = subprocess.run(
        [exe, "--headless", "--convert-to", "pdf", "--outdir", str(out), str(record)],
        capture_output=True,
        text=True,
        timeout=180,
    )
    pdf = out / "台账.pdf"
    # LibreOffice refuses a broken package; a rendered PDF with pages means it opened
    assert pdf.exists() and pdf.stat().st_size > 1000, proc.stderr
    assert pdf.read_bytes().count(b"/Type /Page") + pdf.read_bytes().count(b"/Type/Page") >= 2


HOSTILE = [
    '=HYPERLINK("http://x","y")',
    "+cmd|' /C calc'!A0",
    "-1+2",
    "@SUM(A1)",
    "{=1+1}",
    "http://evil.example/x",
    "file:///etc/passwd",
    "javascript:alert(1)",
]


def test_user_text_is_never_a_formula_or_a_link_in_the_record(tmp_path: Path):
    rows = [ARCHIVE[0]] + [
        [f"C{i + 1:03d}", name, "王五", None, None, "2024-01-05", 10, "90%", 4.0, 5, "意向客户", "展会", name]
        for i, name in enumerate(HOSTILE)
    ]
    p = tmp_path / "台账.xlsx"
    wb = xlsxwriter.Workbook(str(p), {"strings_to_formulas": False, "strings_to_urls": False})
    ws = wb.add_worksheet("客户档案")
    for r, row in enumerate(rows):
        for c, v in enumerate(row):
            if v is not None:
                ws.write_string(r, c, v) if isinstance(v, str) else ws.write_number(r, c, v)
    wb.close()
    code, obj = run_json(p)
    assert code in (0, 1)
    with zipfile.ZipFile(p) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/sheet"):
                assert b"<f>" not in z.read(name) and b"<f " not in z.read(name), name
            if name.endswith(".rels"):
                assert b'TargetMode="External"' not in z.read(name), name
    book = openpyxl.load_workbook(p)
    tiers = book["客户分层"]
    names = [tiers.cell(row=r, column=2) for r in range(2, tiers.max_row + 1)]
    assert {c.value for c in names} == set(HOSTILE)
    assert all(c.data_type == "s" and c.hyperlink is None for c in names)


def test_a_package_the_editor_cannot_take_is_refused_untouched(record: Path, monkeypatch):
    from workbook_crm import writeback

    def broken(self):
        raise ValueError("workbook has no styles part")

    monkeypatch.setattr(writeback.WorkbookEditor, "to_bytes", broken)
    before = sha256(record)
    code, out, err = cli("run", str(record), "--month", "2024-05", "--no-summary")
    assert code == 2 and "写入失败" in err and "原文件未改动" in err and "Traceback" not in err
    assert sha256(record) == before and not (record.parent / ".workbook-crm").exists()


def test_no_summary_when_the_record_is_not_written(record: Path):
    (record.parent / f"~${record.name}").write_bytes(b"\x00" * 165)
    code, out, err = cli("run", str(record), "--month", "2024-05")
    assert code == 2
    leftovers = [p.name for p in record.parent.iterdir() if p.name not in (record.name, f"~${record.name}")]
    assert leftovers == []  # neither a summary nor its temporary file


def test_a_failing_summary_does_not_undo_the_record(record: Path, monkeypatch):
    from workbook_crm import reports

    def broken(*args, **kwargs):
        raise RuntimeError("chart engine down")

    monkeypatch.setattr(reports, "write_summary", broken)
    code, obj = cli_json("run", str(record), "--month", "2024-05")
    assert obj["summary"] is None and "chart engine down" in obj["summary_error"]
    assert obj["backup"] and "客户分层" in openpyxl.load_workbook(record, read_only=True).sheetnames
    assert not any(p.name.startswith(".~") for p in record.parent.iterdir())
