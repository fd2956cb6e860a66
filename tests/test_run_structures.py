"""Issue #14, items 4 and 12: computed columns only where a column is empty in every row and
visible; the user's structures (Table, filter, validations, conditional formats, names, print
area) take the customers intake appends. Real workbooks, the real CLI, two readers."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import openpyxl
import xlsxwriter
from conftest import cli_json
from ooxml_written import ooxml_errors
from python_calamine import CalamineWorkbook
from test_i14_data import ARCH_HEAD, CUSTOMERS, add_registrations, build_footer_record
from test_run_ownership import openpyxl_record

from workbook_crm.schema.computed import CAMPAIGN_COLUMNS, EVAL_COLUMNS


def run(path: Path) -> tuple[int, dict]:
    return cli_json("run", str(path), "--month", "2024-05", "--no-summary")


def rows(path: Path, sheet: str) -> list[list]:
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_name(sheet).to_python()


def part(path: Path, name: str) -> bytes:
    with zipfile.ZipFile(path) as z:
        return z.read(name)


# --- 4 (and 16): computed columns beside 效果评估表 / 市场开拓跟踪表 ----------------------------------
def test_computed_columns_skip_headerless_notes_and_hidden_columns(tmp_path: Path) -> None:
    def notes_and_hidden(wb: openpyxl.Workbook) -> None:
        ev = wb["效果评估表"]
        ev["G3"] = "备注：下季度复盘"  # a note without a header, two rows down
        ev.column_dimensions["H"].hidden = True
        mk = wb["市场开拓跟踪表"]
        mk.column_dimensions["G"].hidden = True
        mk["H5"] = "无表头备注"  # below the data
        mk["I1"] = "=1+1"  # a formula in the header row (no cached value)

    path = openpyxl_record(tmp_path / "台账.xlsx", notes_and_hidden)
    run(path)
    ev_rows, mk_rows = rows(path, "效果评估表"), rows(path, "市场开拓跟踪表")
    ev_names, mk_names = [n for n, _ in EVAL_COLUMNS], [n for n, _ in CAMPAIGN_COLUMNS]
    assert ev_rows[0][6 : 8 + len(ev_names)] == ["", "", *ev_names]
    assert ev_rows[2][6] == "备注：下季度复盘" and ev_rows[2][7] == ""
    assert mk_rows[0][9 : 9 + len(mk_names)] == mk_names and mk_rows[1][6:9] == ["", "", ""]
    assert mk_rows[4][7] == "无表头备注"
    back = openpyxl.load_workbook(path)
    assert back["效果评估表"].column_dimensions["H"].hidden and back["效果评估表"]["H1"].value is None
    assert back["市场开拓跟踪表"]["I1"].value == "=1+1"
    # a second run finds its own columns again: nothing moves, nothing is added
    run(path)
    assert rows(path, "效果评估表")[0] == ev_rows[0] and rows(path, "市场开拓跟踪表")[0] == mk_rows[0]
    assert ooxml_errors(path) == []


# --- 12: structures follow the data --------------------------------------------------------------
def _structured(path: Path, *, table: bool) -> Path:
    wb = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False})
    ws = wb.add_worksheet("客户档案")
    if table:
        ws.add_table(0, 0, 5, 4, {"data": CUSTOMERS, "columns": [{"header": h} for h in ARCH_HEAD]})
    else:
        ws.write_row(0, 0, ARCH_HEAD)
        for r, row in enumerate(CUSTOMERS, start=1):
            ws.write_row(r, 0, row)
        ws.autofilter("A1:E6")
    ws.data_validation("C2:C6", {"validate": "list", "source": ["王五", "赵六"]})
    ws.data_validation("G2:G3", {"validate": "list", "source": ["是", "否"]})  # not a data column
    ws.conditional_format("E2:E6", {"type": "data_bar", "data_bar_2010": True})
    ws.conditional_format("B2:B6", {"type": "duplicate", "format": wb.add_format({"bold": True})})
    ws.print_area("A1:E6")
    wb.define_name("客户范围", "='客户档案'!$A$2:$E$6")
    wb.define_name("首位客户", "='客户档案'!$A$2")
    add_registrations(wb)
    wb.close()
    return path


def _names(path: Path) -> dict[str, str]:
    wb = part(path, "xl/workbook.xml").decode()
    return {
        m.group(1): m.group(2).replace("&apos;", "'").replace("'", "")
        for m in re.finditer(r'<definedName name="([^"]+)"[^>]*>([^<]*)<', wb)
    }


def test_appended_customers_join_filter_validations_formats_names_print_area(tmp_path: Path) -> None:
    path = _structured(tmp_path / "台账.xlsx", table=False)
    code, obj = run(path)
    data = rows(path, "客户档案")
    assert [r[1] for r in data[6:8]] == ["成都己新材料有限公司", "武汉庚医疗器械有限公司"]
    assert data[1:6] == [[*c[:4], float(c[4])] + [""] * (len(data[1]) - 5) for c in CUSTOMERS]
    ws = openpyxl.load_workbook(path)["客户档案"]
    assert ws.auto_filter.ref == "A1:E8"
    assert sorted(str(dv.sqref) for dv in ws.data_validations.dataValidation) == ["C2:C8", "G2:G3"]
    assert sorted(str(cf.sqref) for cf in ws.conditional_formatting) == ["B2:B8", "E2:E8"]
    sheet = part(path, "xl/worksheets/sheet1.xml")
    assert re.findall(rb"<xm:sqref>([^<]*)</xm:sqref>", sheet) == [b"E2:E8"]  # the data bar's x14 twin
    names = _names(path)
    assert names["客户范围"] == "客户档案!$A$2:$E$8" and names["首位客户"] == "客户档案!$A$2"
    assert names["_xlnm.Print_Area"] == "客户档案!$A$1:$E$8"
    assert names["_xlnm._FilterDatabase"] == "客户档案!$A$1:$E$8"
    assert ooxml_errors(path) == []


def test_appended_customers_grow_the_excel_table(tmp_path: Path) -> None:
    path = _structured(tmp_path / "台账.xlsx", table=True)
    run(path)
    ws = openpyxl.load_workbook(path)["客户档案"]
    (table,) = ws.tables.values()
    assert table.ref == "A1:E8" and table.autoFilter.ref == "A1:E8"
    assert [c.value for c in ws[1]][:5] == ARCH_HEAD
    assert [ws.cell(r, 2).value for r in (7, 8)] == ["成都己新材料有限公司", "武汉庚医疗器械有限公司"]
    assert ooxml_errors(path) == []


def test_rows_inserted_above_a_footer_grow_ranges_and_the_footer_moves(tmp_path: Path) -> None:
    path = build_footer_record(tmp_path / "台账.xlsx")
    # the user's ranges on the data column E3:E7 (a name, a validation); what points at the footer
    # itself makes the intake refuse to move it (i14-data, io/placement.py)
    with zipfile.ZipFile(path) as z:
        members = {n: z.read(n) for n in z.namelist()}
    wb_xml = members["xl/workbook.xml"].decode()
    names = (
        "<definedNames><definedName name=\"金额\">'客户档案'!$E$3:$E$7</definedName>"
        '<definedName name="_xlnm.Print_Area" localSheetId="0">\'客户档案\'!$A$1:$E$7</definedName></definedNames>'
    )
    members["xl/workbook.xml"] = wb_xml.replace("<calcPr", names + "<calcPr").encode()
    dv = (
        b'<dataValidations count="1"><dataValidation type="list" allowBlank="1" sqref="C3:C7">'
        b'<formula1>"\xe7\x8e\x8b\xe4\xba\x94,\xe8\xb5\xb5\xe5\x85\xad"</formula1></dataValidation></dataValidations>'
    )
    members["xl/worksheets/sheet1.xml"] = members["xl/worksheets/sheet1.xml"].replace(
        b"<pageMargins", dv + b"<pageMargins"
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for n, b in members.items():
            z.writestr(n, b)
    code, obj = run(path)
    data = rows(path, "客户档案")
    assert len(data) == 10, (obj.get("error"), [f["code"] for f in obj["findings"]])
    assert data[9][:2] == ["合计", "5家"] and data[7][1] == "成都己新材料有限公司"
    got = _names(path)
    assert got["金额"] == "客户档案!$E$3:$E$9"
    assert got["_xlnm.Print_Area"] == "客户档案!$A$1:$E$9"
    ws = openpyxl.load_workbook(path)["客户档案"]
    assert [str(dv.sqref) for dv in ws.data_validations.dataValidation] == ["C3:C9"]
    assert ws["B10"].value == '=COUNTA(B3:B9)&"家"'  # i14-data's footer formula follows
    assert ooxml_errors(path) == []


def test_growth_rules_never_shrink_or_touch_what_does_not_cover_the_data() -> None:
    from workbook_crm.writeback.structures import Growth, grow_sqref

    append = Growth(first=2, r1=7, r2=9, inserted=False)
    assert (
        grow_sqref("A2:A6 $C$1:$C$6 E2:E100 G2:G3 H4:H6 A:A B7", append)
        == "A2:A9 $C$1:$C$9 E2:E100 G2:G3 H4:H6 A:A B7"
    )
    insert = Growth(first=3, r1=8, r2=9, inserted=True)  # the footer at row 8 moved to 10
    assert grow_sqref("A3:E7 A1:E8 A8:E8 B8 G20:G30 C1", insert) == "A3:E9 A1:E10 A10:E10 B10 G22:G32 C1"
