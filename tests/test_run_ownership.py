"""Issue #14, items 3, 6, 13, 16: what the monthly run leaves as the user made it — sheets we did not
write, formulas, array formulas, tables and notes the user added to a computed sheet. Real files,
the real CLI, read back by openpyxl and calamine."""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
from conftest import cli_json
from ooxml_written import ooxml_errors
from openpyxl.comments import Comment
from openpyxl.worksheet.formula import ArrayFormula
from openpyxl.worksheet.table import Table
from python_calamine import CalamineWorkbook
from test_run import ARCHIVE, CAMPAIGN, EVAL, FOLLOW, build_record

from workbook_crm.schema.computed import CHANGE_COLUMNS  # noqa: E402

COMPUTED = ["客户分层", "跟进提醒", "疑似重复", "校验问题", "变更记录", "分级历史"]
N = len(CHANGE_COLUMNS)


def run(path: Path) -> tuple[int, dict]:
    return cli_json("run", str(path), "--month", "2024-05", "--no-summary")


def of_code(obj: dict, *codes: str) -> list[tuple[str, str, str]]:
    return sorted((f["sheet"], f["cell"], f["code"]) for f in obj["findings"] if f["code"] in codes)


def calamine_rows(path: Path, sheet: str) -> list[list]:
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_name(sheet).to_python()


def openpyxl_record(path: Path, extra=None) -> Path:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in (
        ("客户档案", ARCHIVE),
        ("客户跟进记录表", FOLLOW),
        ("效果评估表", EVAL),
        ("市场开拓跟踪表", CAMPAIGN),
    ):
        ws = wb.create_sheet(name)
        for r in rows:
            ws.append(r)
    if extra:
        extra(wb)
    wb.save(path)
    return path


def orphans(path: Path) -> set[str]:
    """Parts no relationship reaches (Excel ignores them; they are what a replaced sheet leaves)."""
    with zipfile.ZipFile(path) as z:
        names = set(z.namelist())
        reached = set()
        for rels in (n for n in names if n.endswith(".rels")):
            folder = posixpath.dirname(posixpath.dirname(rels))
            for m in re.finditer(rb'Target="([^"]+)"[^>]*?(TargetMode="External")?', z.read(rels)):
                if m.group(2):
                    continue
                t = m.group(1).decode()
                reached.add(
                    t.lstrip("/") if t.startswith("/") else posixpath.normpath(posixpath.join(folder, t))
                )
    return {n for n in names if not n.endswith((".rels", "/")) and n != "[Content_Types].xml"} - reached


# --- 3: a user's own sheet named like a computed one ---------------------------------------------
USER_LOG = [
    ["日期", "工作表", "单元格", "原值", "新值", "规则", "审核人", "说明"],
    ["2024-04-01", "客户档案", "B2", "旧名", "新名", "手工", "李四", "客户更名"],
]
USER_TIERS = [["客户", "我的分层"], ["上海甲科技有限公司", "A类"]]


def test_a_users_own_sheets_named_like_ours_are_never_replaced(tmp_path: Path) -> None:
    def mine(wb):
        for name, rows in (("变更记录", USER_LOG), ("客户分层", USER_TIERS)):
            ws = wb.create_sheet(name)
            for r in rows:
                ws.append(r)

    path = openpyxl_record(tmp_path / "台账.xlsx", mine)
    code, obj = run(path)
    assert code == 1
    assert of_code(obj, "sheet-not-ours") == [
        ("变更记录", "", "sheet-not-ours"),
        ("客户分层", "", "sheet-not-ours"),
    ]
    msg = next(
        f["message"] for f in obj["findings"] if f["code"] == "sheet-not-ours" and f["sheet"] == "变更记录"
    )
    assert "变更记录（workbook-crm）" in msg
    assert calamine_rows(path, "变更记录") == USER_LOG  # every column of the user's log kept
    assert calamine_rows(path, "客户分层") == USER_TIERS
    wb = openpyxl.load_workbook(path)
    assert [c.value for c in wb["变更记录"][1]] == USER_LOG[0]
    ours = calamine_rows(path, "变更记录（workbook-crm）")
    assert ours[0] == list(CHANGE_COLUMNS) and len(ours) - 1 == len(obj["changes"])
    assert calamine_rows(path, "客户分层（workbook-crm）")[0][:2] == ["客户编号", "客户名称"]
    names_after_first = wb.sheetnames
    # the next run writes into the same alternatives (they are ours now), nothing new appears
    code, obj2 = run(path)
    assert openpyxl.load_workbook(path).sheetnames == names_after_first
    assert calamine_rows(path, "变更记录") == USER_LOG
    assert ooxml_errors(path) == []


def test_our_change_log_keeps_the_columns_the_user_added(tmp_path: Path) -> None:
    path = build_record(tmp_path / "台账.xlsx")
    run(path)
    wb = openpyxl.load_workbook(path)
    ws = wb["变更记录"]
    ws.cell(1, N + 1, "审核")
    ws.cell(2, N + 1, "已核对")
    ws.cell(3, N + 2, "无表头的备注")
    wb.save(path)
    first = calamine_rows(path, "变更记录")
    code, obj = run(path)
    assert of_code(obj, "sheet-not-ours") == []
    log = calamine_rows(path, "变更记录")
    assert log[0][: N + 1] == [*CHANGE_COLUMNS, "审核"]
    assert log[1][N] == "已核对" and log[2][N + 1] == "无表头的备注"
    assert [r[:N] for r in log[1 : len(first)]] == [r[:N] for r in first[1:]]


def test_sheets_written_before_the_marker_are_still_ours(tmp_path: Path) -> None:
    path = build_record(tmp_path / "台账.xlsx")
    run(path)
    names = openpyxl.load_workbook(path).sheetnames
    # what an earlier version wrote: the same sheets without our defined names
    buf = io.BytesIO()
    with zipfile.ZipFile(path) as zi, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zo:
        for info in zi.infolist():
            body = zi.read(info.filename)
            if info.filename == "xl/workbook.xml":
                assert body.count(b'name="workbook_crm_sheet"') == 6
                body = re.sub(rb'<definedName name="workbook_crm_sheet"[^>]*>[^<]*</definedName>', b"", body)
            zo.writestr(info, body)
    path.write_bytes(buf.getvalue())
    code, obj = run(path)
    assert of_code(obj, "sheet-not-ours") == []
    assert openpyxl.load_workbook(path).sheetnames == names
    with zipfile.ZipFile(path) as z:
        assert z.read("xl/workbook.xml").count(b'name="workbook_crm_sheet"') == 6


# --- 16: tables, notes, pictures a user adds to a computed sheet -----------------------------------
def test_user_additions_to_a_computed_sheet_are_kept_not_orphaned(tmp_path: Path) -> None:
    path = build_record(tmp_path / "台账.xlsx")
    run(path)
    wb = openpyxl.load_workbook(path)
    wb["客户分层"]["A2"].comment = Comment("用户在我们的表上写的批注", "张经理")
    rem = wb["跟进提醒"]
    last = rem.max_row
    rem.add_table(Table(displayName="我的提醒", ref=f"A1:G{max(last, 2)}"))
    wb.save(path)
    assert orphans(path) == set()
    code, obj = run(path)
    assert of_code(obj, "sheet-not-ours") == [
        ("客户分层", "", "sheet-not-ours"),
        ("跟进提醒", "", "sheet-not-ours"),
    ]
    wb = openpyxl.load_workbook(path)
    assert wb["客户分层"]["A2"].comment.text.startswith("用户在我们的表上写的批注")
    assert "我的提醒" in wb["跟进提醒"].tables
    assert "客户分层（workbook-crm）" in wb.sheetnames and "跟进提醒（workbook-crm）" in wb.sheetnames
    assert orphans(path) == set()
    assert ooxml_errors(path) == []


# --- 6, 13: formulas are never replaced by constants -------------------------------------------------
def test_formula_cells_and_array_ranges_are_reported_not_overwritten(tmp_path: Path) -> None:
    def formulas(wb):
        ws = wb["客户档案"]
        ws["A5"] = "=A4"  # openpyxl writes no cached value: most readers see a blank ID
        ws["D3"] = ArrayFormula("D3:D4", '=IF(1,"139 0013 9000")')
        ws["D4"] = "138 0013 8001"  # a value inside the array range
        ws["E2"] = '=LOWER("A@JIA.COM")'

    path = openpyxl_record(tmp_path / "台账.xlsx", formulas)
    code, obj = run(path)
    assert of_code(obj, "formula-kept", "array-formula-kept") == [
        ("客户档案", "A5", "formula-kept"),
        ("客户档案", "D4", "array-formula-kept"),
    ]
    changed = {(c["sheet"], c["cell"]) for c in obj["changes"]}
    assert ("客户档案", "A5") not in changed and ("客户档案", "D4") not in changed
    ws = openpyxl.load_workbook(path)["客户档案"]
    assert ws["A5"].value == "=A4" and ws["E2"].value == '=LOWER("A@JIA.COM")'
    assert ws["D4"].value == "138 0013 8001" and isinstance(ws["D3"].value, ArrayFormula)
    assert ws["D2"].value == "13800138000"  # the plain cell is still normalised
    log = calamine_rows(path, "变更记录")
    assert not any(r[1] == "客户档案" and r[2] in ("A5", "D4") for r in log[1:])
    assert ooxml_errors(path) == []


def test_a_formula_whose_value_would_be_normalised_stays_a_formula(tmp_path: Path) -> None:
    import xlsxwriter

    path = tmp_path / "台账.xlsx"
    wb = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False})
    for name, rows in (
        ("客户档案", ARCHIVE),
        ("客户跟进记录表", FOLLOW),
        ("效果评估表", EVAL),
        ("市场开拓跟踪表", CAMPAIGN),
    ):
        ws = wb.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, v in enumerate(row):
                if v is not None:
                    ws.write(r, c, v)
    ws = wb.get_worksheet_by_name("客户档案")
    ws.write_formula("D3", '="139 0013 "&"9000"', None, "139 0013 9000")  # cached value, not normalised form
    wb.close()
    code, obj = run(path)
    assert of_code(obj, "formula-kept") == [("客户档案", "D3", "formula-kept")]
    f = next(f for f in obj["findings"] if f["code"] == "formula-kept")
    assert "13900139000" in f["message"]
    ws = openpyxl.load_workbook(path)["客户档案"]
    assert ws["D3"].value == '="139 0013 "&"9000"'
    assert calamine_rows(path, "客户档案")[2][3] == "139 0013 9000"


@pytest.mark.parametrize("dry", [True, False])
def test_dry_run_reports_the_same_kept_formulas(tmp_path: Path, dry: bool) -> None:
    path = openpyxl_record(tmp_path / "台账.xlsx", lambda wb: wb["客户档案"].__setitem__("A5", "=A4"))
    args = ["run", str(path), "--month", "2024-05", "--no-summary"] + (["--dry-run"] if dry else [])
    code, obj = cli_json(*args)
    assert of_code(obj, "formula-kept") == [("客户档案", "A5", "formula-kept")]


@pytest.mark.libreoffice
def test_our_sheets_stay_ours_after_a_libreoffice_save(tmp_path: Path) -> None:
    import subprocess

    from conftest import soffice

    office = soffice()
    if office is None:
        pytest.skip("LibreOffice not installed")
    path = build_record(tmp_path / "台账.xlsx")
    run(path)
    subprocess.run(
        [office, "--headless", "--convert-to", "xlsx", "--outdir", str(tmp_path / "lo"), str(path)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    saved = tmp_path / "lo" / "台账.xlsx"
    names = openpyxl.load_workbook(saved).sheetnames
    code, obj = run(saved)
    assert of_code(obj, "sheet-not-ours") == []
    assert openpyxl.load_workbook(saved).sheetnames == names
    assert ooxml_errors(saved) == []
    log = calamine_rows(saved, "变更记录")
    assert log[0] == list(CHANGE_COLUMNS) and len(log) > 1
