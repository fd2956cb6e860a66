"""The reader: sheets by name or headers, header rows below titles, aliases, units, source cells."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from conftest import FIXTURES, build_workbook, cli_json, keys, sha256

from workbook_crm.io.reader import read_workbook
from workbook_crm.validators import check_workbook

LO = FIXTURES / "libreoffice" / "登记表-libreoffice.xlsx"


def test_libreoffice_fixture_is_read_with_aliases_and_user_column():
    wb = read_workbook(LO)
    reg = wb.sheets["客户信息登记表"]
    assert reg.tab == "客戶信息登記表"  # Traditional tab name recognised
    assert reg.header_row == 2  # below the merged title
    assert reg.columns["name"] == 0 and reg.columns["mobile"] == 2 and reg.columns["email"] == 3
    assert reg.user_columns() == {8: "内部评级"}
    assert reg.scale("budget") == 10_000  # （万元） in the header
    assert list(reg.frame.index) == [3, 4, 5]
    assert reg.frame.at[3, "内部评级"] == "A"  # the user's column travels along
    assert wb.sheets["客户档案"].scale("annual_amount") == 10_000


def test_libreoffice_fixture_findings_at_their_cells(tmp_path: Path):
    before = sha256(LO)
    code, obj = cli_json("validate", str(LO))
    assert code == 1
    found = keys(obj)
    expected = {
        ("客戶信息登記表", "C4", "masked-phone"),
        ("客戶信息登記表", "D4", "bad-email"),
        ("客戶信息登記表", "F4", "ambiguous-date"),
        ("客戶信息登記表", "H4", "vague-next-step"),
        ("客戶信息登記表", "B5", "required"),
        ("客戶信息登記表", "E5", "bad-enum"),
        ("客戶信息登記表", "J4", "bad-credit-code"),
        ("客戶檔案", "H4", "personal-id-number"),
        ("客戶信息登記表", "J3", "bad-credit-code"),  # 91310000MA1FL8TQ3X: python-stdnum agrees it is invalid
    }
    assert found == expected, (found - expected, expected - found)
    # the synonyms typed were understood, not reported
    assert not any(k[1] in ("E3", "E4", "C3", "D3") for k in found if k[0] == "客戶信息登記表")
    assert sha256(LO) == before  # validate is read-only


def test_header_below_notes_footer_and_blank_rows_skipped(tmp_path: Path):
    p = build_workbook(
        tmp_path / "a.xlsx",
        {
            "客户档案": [
                ["客户档案"],
                ["填表说明：带 * 的列必填"],
                [],
                ["客户编号*", "客户名称 ", "负责人", "年合作金额(元)", "自定义"],
                ["CX202401001", "甲公司", "王五", 500000, "x"],
                [None, None, None, None, None],
                ["CX202401002", "乙公司", "赵六", 200000, None],
                ["合计", None, None, 700000, None],
            ]
        },
        merge_title=True,
    )
    wb = read_workbook(p)
    s = wb.sheets["客户档案"]
    assert s.header_row == 4
    assert list(s.frame.index) == [5, 7]
    assert s.scale("annual_amount") == 1  # (元) overrides the field's 万元 default
    assert s.cell("annual_amount", 7) == "D7"
    c = check_workbook(wb, asof=date(2024, 5, 31))
    assert c.clean["客户档案"].at[5, "annual_amount_yuan"] == 500000


def test_missing_required_column_is_one_finding_at_the_header(tmp_path: Path):
    rows = [["客户编号", "客户名称"]] + [[f"CX2024010{i:02d}", f"公司{i}"] for i in range(1, 6)]
    p = build_workbook(tmp_path / "a.xlsx", {"客户档案": rows})
    code, obj = cli_json("validate", str(p))
    missing = [f for f in obj["findings"] if f["code"] == "missing-column"]
    assert [(f["sheet"], f["cell"], f["field"]) for f in missing] == [("客户档案", "A1", "负责人")]
    assert code == 1


def test_unnamed_sheet_found_by_its_headers(tmp_path: Path):
    p = build_workbook(
        tmp_path / "a.xlsx",
        {
            "Sheet1": [
                ["客户编号", "客户名称", "负责人", "手机号码", "电子邮箱"],
                ["CX202401001", "甲公司", "王五", "13800138000", "a@b.com"],
            ]
        },
    )
    wb = read_workbook(p)
    assert wb.sheets["客户档案"].tab == "Sheet1"


def test_duplicate_column_warned_at_second_header(tmp_path: Path):
    p = build_workbook(
        tmp_path / "a.xlsx",
        {
            "客户档案": [
                ["客户编号", "客户名称", "负责人", "手机号码", "邮箱", "电子邮箱"],
                ["CX202401001", "甲公司", "王五", "13800138000", "a@b.com", "c@d.com"],
            ]
        },
    )
    _, obj = cli_json("validate", str(p))
    assert sorted(keys(obj)) == [("客户档案", "F1", "duplicate-column")]


def test_no_recognisable_sheet_exits_2(tmp_path: Path):
    p = build_workbook(tmp_path / "a.xlsx", {"Sheet1": [["a", "b"], [1, 2]]})
    from conftest import cli

    code, out, err = cli("validate", str(p))
    assert code == 2
    assert "a.xlsx" in err and "Sheet1" in err
    assert "Traceback" not in err + out


def test_missing_archive_is_a_warning(tmp_path: Path):
    p = build_workbook(
        tmp_path / "a.xlsx",
        {"客户跟进记录表": [["客户编号", "跟进日期", "跟进方式"], ["CX202401001", "2024-05-06", "电话"]]},
    )
    code, obj = cli_json("validate", str(p), "--month", "2024-05")
    assert ("客户档案", "", "missing-sheet") in keys(obj)
    assert code == 0  # a warning: the follow-ups alone are still checked
