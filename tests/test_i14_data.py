"""#14 items 1, 5, 10, 11, 16: the user's data survives intake, normalisation and odd cells.

Each test builds a real workbook (xlsxwriter or openpyxl), runs the real CLI, and reads the result
back with openpyxl (formulas, as stored) and python-calamine (values).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import date
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter
from conftest import SAMPLE, cli_json, soffice
from hypothesis import given
from hypothesis import strategies as st
from python_calamine import CalamineWorkbook

from workbook_crm.normalize import normalize_date, normalize_phone
from workbook_crm.schema.base import PHONE
from workbook_crm.validators.values import _edit

ARCH_HEAD = ["客户编号", "客户名称", "负责人", "手机号码", "累计交易金额"]
CUSTOMERS = [
    ["C001", "上海甲科技有限公司", "王五", "13800138000", 1000],
    ["C002", "北京乙贸易有限公司", "赵六", "13900139000", 2000],
    ["C003", "广州丙制造有限公司", "王五", "13700137000", 3000],
    ["C004", "深圳丁物流有限公司", "赵六", "13600136000", 4000],
    ["C005", "杭州戊软件有限公司", "王五", "13500135000", 5000],
]
REG_HEAD = ["客户编号", "客户名称", "联系人", "手机号码", "跟进人", "首次接触时间"]
REGS = [
    [None, "成都己新材料有限公司", "李雷", "13312345678", "王五", "2024-05-06"],
    [None, "武汉庚医疗器械有限公司", "韩梅", "13412345678", "赵六", "2024-05-07"],
]


OOXML = Path(__file__).resolve().parent.parent.parent / "shared" / "ooxml"
_SCHEMAS: list = []


def ooxml_errors(path: Path) -> list[tuple[str, str]]:
    """Errors of the shared OOXML check (ECMA-376 schemas + Excel's load-time rules) on a written file."""
    if not (OOXML / "ooxml_check.py").exists():
        return []
    import sys

    sys.path.insert(0, str(OOXML))
    try:
        import ooxml_check
    finally:
        sys.path.remove(str(OOXML))
    if not _SCHEMAS:
        _SCHEMAS.append(ooxml_check.SchemaSet(str(OOXML / "schemas")))
    pkg = ooxml_check.check_file(str(path), _SCHEMAS[0])
    return [(x.code, x.message) for x in pkg.findings if x.severity == "error"]


def run_json(path: Path, *extra: str) -> tuple[int, dict]:
    """The real CLI's monthly run; whatever it wrote must pass the OOXML check."""
    before = Path(path).read_bytes()
    code, obj = cli_json("run", str(path), "--month", "2024-05", "--no-summary", *extra)
    if Path(path).read_bytes() != before:
        assert ooxml_errors(Path(path)) == []
    return code, obj


def cal(path: Path, sheet: str) -> list[list]:
    """Values as python-calamine reads them (its blank "" as None)."""
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(sheet).to_python(skip_empty_area=False)
    return [[None if v == "" else v for v in r] for r in rows]


def found(obj: dict) -> list[tuple[str, str, str]]:
    return sorted((f["sheet"], f["cell"], f["code"]) for f in obj["findings"])


def add_registrations(wb: xlsxwriter.Workbook) -> None:
    """The 客户信息登记表 of REGS, every value as text (as typed)."""
    reg = wb.add_worksheet("客户信息登记表")
    reg.write_row(0, 0, REG_HEAD)
    for r, row in enumerate(REGS, start=1):
        for c, v in enumerate(row):
            if v is not None:
                reg.write_string(r, c, v)


def build_footer_record(
    path: Path,
    *,
    pointer: str | None = None,
    table: bool = False,
    merged: bool = False,
    structures: bool = False,
    gap: int = 0,
) -> Path:
    """客户档案: title, header (row 2), customers in rows 3-7, a 合计 footer at row 8 with formulas;
    客户信息登记表 with two new leads. ``pointer``: a formula on another sheet; ``table``: the data
    as an Excel Table with a totals row instead of the hand-made footer."""
    wb = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False})
    bold = wb.add_format({"bold": True, "top": 1})
    ws = wb.add_worksheet("客户档案")
    ws.write_string(0, 0, "客户档案")
    if table:
        ws.add_table(
            1,
            0,
            7,
            4,
            {
                "data": CUSTOMERS,
                "total_row": True,
                "columns": [
                    {"header": ARCH_HEAD[0], "total_string": "合计"},
                    {"header": ARCH_HEAD[1], "total_function": "count"},
                    {"header": ARCH_HEAD[2]},
                    {"header": ARCH_HEAD[3]},
                    {"header": ARCH_HEAD[4], "total_function": "sum"},
                ],
            },
        )
    else:
        ws.write_row(1, 0, ARCH_HEAD)
        for r, row in enumerate(CUSTOMERS, start=2):
            ws.write_row(r, 0, row)
        f = 7 + gap  # the footer's 0-based row (blank rows between it and the data when gap > 0)
        if merged:  # the label merged across the footer row
            ws.merge_range(f, 0, f, 3, "合计", bold)
        else:
            ws.write_string(f, 0, "合计", bold)
            ws.write_formula(f, 1, '=COUNTA(B3:B7)&"家"', bold, "5家")
        ws.write_formula(f, 4, "=SUM(E3:E7)", bold, 15000)
    if structures:  # a filter, a format and a dropdown reaching over the footer, as users select them
        ws.autofilter(1, 0, 7 + gap, 4)
        ws.conditional_format(
            "E3:E8", {"type": "cell", "criteria": ">", "value": 2500, "format": wb.add_format({"bold": True})}
        )
        ws.data_validation("C3:C100", {"validate": "list", "source": ["王五", "赵六"]})
    add_registrations(wb)
    if pointer:
        mine = wb.add_worksheet("我的分析")
        mine.write_string(0, 0, "合计金额")
        mine.write_formula(0, 1, pointer, None, 15000)
    wb.close()
    return path


# --- item 1: the footer ---------------------------------------------------------------------------
def test_new_customers_go_above_the_footer_and_its_formulas_grow(tmp_path: Path):
    path = build_footer_record(tmp_path / "台账.xlsx")
    code, obj = run_json(path)
    assert code == 0 and found(obj) == []
    assert sorted(
        (c["sheet"], c["cell"], c["new"]) for c in obj["changes"] if c["rule"] == "登记表建档"
    ) == sorted(
        [
            ("客户档案", "A8", "C006"),
            ("客户档案", "B8", REGS[0][1]),
            ("客户档案", "C8", "王五"),
            ("客户档案", "D8", REGS[0][3]),
            ("客户档案", "A9", "C007"),
            ("客户档案", "B9", REGS[1][1]),
            ("客户档案", "C9", "赵六"),
            ("客户档案", "D9", REGS[1][3]),
        ]
    )
    values = cal(path, "客户档案")
    assert [r[:5] for r in values[2:7]] == [
        [*c[:4], float(c[4])] for c in CUSTOMERS
    ]  # the customers as typed
    assert [r[1] for r in values[7:9]] == [REGS[0][1], REGS[1][1]]  # new rows 8, 9
    assert values[7][0] and values[8][0] and values[7][0] != "合计"
    assert values[7][4] is None and values[8][4] is None  # no inherited totals
    assert values[9][0] == "合计" and len(values) == 10
    ws = openpyxl.load_workbook(path)["客户档案"]
    assert ws["B10"].value == '=COUNTA(B3:B9)&"家"' and ws["E10"].value == "=SUM(E3:E9)"
    assert ws["A10"].font.b and not ws["A8"].font.b  # the footer keeps its style; new rows do not take it
    assert ws["B8"].value is None or isinstance(ws["B8"].value, str) and not ws["B8"].value.startswith("=")
    # a second run files nothing more and leaves the footer where it is
    before = cal(path, "客户档案")
    code, obj2 = run_json(path)
    assert found(obj2) == [] and obj2["changes"] == []
    assert cal(path, "客户档案") == before


def test_filters_formats_and_dropdowns_over_the_footer_grow_as_with_a_row_insert(tmp_path: Path):
    path = build_footer_record(tmp_path / "台账.xlsx", structures=True)
    code, obj = run_json(path)
    assert code == 0 and found(obj) == []
    ws = openpyxl.load_workbook(path)["客户档案"]
    assert ws.auto_filter.ref == "A2:E10"
    assert [str(r.sqref) for r in ws.conditional_formatting] == ["E3:E10"]
    assert [str(v.sqref) for v in ws.data_validations.dataValidation] == ["C3:C102"]
    assert ws["A10"].value == "合计" and cal(path, "客户档案")[7][1] == REGS[0][1]


def test_a_footer_below_blank_rows_moves_only_as_far_as_needed(tmp_path: Path):
    path = build_footer_record(tmp_path / "台账.xlsx", structures=True, gap=1)  # data 3-7, blank 8, 合计 9
    code, obj = run_json(path)
    assert code == 0 and found(obj) == []
    ws = openpyxl.load_workbook(path)["客户档案"]
    assert (
        ws["A10"].value == "合计"
        and ws["B10"].value == '=COUNTA(B3:B9)&"家"'
        and ws["E10"].value == "=SUM(E3:E9)"
    )
    assert ws.auto_filter.ref == "A2:E10" and [str(v.sqref) for v in ws.data_validations.dataValidation] == [
        "C3:C101"
    ]
    assert [r[1] for r in cal(path, "客户档案")[7:10]] == [REGS[0][1], REGS[1][1], "5家"]


def test_a_merged_footer_label_moves_with_its_row(tmp_path: Path):
    path = build_footer_record(tmp_path / "台账.xlsx", merged=True)
    code, obj = run_json(path)
    assert code == 0 and found(obj) == []
    ws = openpyxl.load_workbook(path)["客户档案"]
    assert [str(m) for m in ws.merged_cells.ranges] == ["A10:D10"]
    assert ws["A10"].value == "合计" and ws["E10"].value == "=SUM(E3:E9)"
    values = cal(path, "客户档案")
    assert [r[:4] for r in values[7:9]] == [
        ["C006", REGS[0][1], "王五", REGS[0][3]],
        ["C007", REGS[1][1], "赵六", REGS[1][3]],
    ]


@pytest.mark.skipif(soffice() is None, reason="LibreOffice not installed")
def test_footer_moves_in_a_libreoffice_saved_record(tmp_path: Path):
    built = (
        build_footer_record(tmp_path / "built" / "台账.xlsx")
        if (tmp_path / "built").mkdir() is None
        else None
    )
    out = tmp_path / "lo"
    subprocess.run(
        [soffice(), "--headless", "--convert-to", "xlsx", "--outdir", str(out), str(built)],
        check=True,
        capture_output=True,
        timeout=180,
    )
    path = out / built.name
    code, obj = run_json(path)
    assert code == 0 and not any(f["code"] == "footer-blocks-intake" for f in obj["findings"])
    values = cal(path, "客户档案")
    assert [r[1] for r in values[7:9]] == [REGS[0][1], REGS[1][1]] and values[9][0] == "合计"
    assert values[9][4] == 15000.0 and [r[4] for r in values[2:7]] == [1000.0, 2000.0, 3000.0, 4000.0, 5000.0]
    ws = openpyxl.load_workbook(path)["客户档案"]
    assert ws["B10"].value == '=COUNTA(B3:B9)&"家"' and ws["E10"].value == "=SUM(E3:E9)"


def test_sample_footer_is_never_overwritten(tmp_path: Path):
    if not SAMPLE.exists():
        pytest.skip("sample workbook not generated yet")
    path = shutil.copy(SAMPLE, tmp_path / "台账.xlsx")
    before = cal(path, "客户档案")
    footer = next(i for i, r in enumerate(before) if r[0] == "合计")
    code, obj = run_json(path)
    filed = sorted(
        {
            int(c["cell"][1:])
            for c in obj["changes"]
            if c["rule"] == "登记表建档" and re.fullmatch(r"A\d+", c["cell"])
        }
    )
    assert filed == list(range(footer + 1, footer + 1 + len(filed))) and len(filed) > 1
    after = cal(path, "客户档案")
    moved = footer + len(filed)
    assert after[moved][0] == "合计" and after[moved][20:22] == before[footer][20:22]
    assert all(after[footer + i][0] != "合计" and after[footer + i][20] is None for i in range(len(filed)))
    assert [r[1] for r in after[2:footer]] == [r[1] for r in before[2:footer]]  # customers stay in their rows
    assert not any(f["code"] == "footer-blocks-intake" for f in obj["findings"])


def test_footer_pointed_at_from_another_sheet_blocks_intake_with_one_finding(tmp_path: Path):
    path = build_footer_record(tmp_path / "台账.xlsx", pointer="=客户档案!E8")
    code, obj = run_json(path)
    blocked = [f for f in obj["findings"] if f["code"] == "footer-blocks-intake"]
    assert [(f["sheet"], f["cell"]) for f in blocked] == [("客户档案", "A8")]
    assert (
        "我的分析" in blocked[0]["message"]
        and "第 8 行" in blocked[0]["message"]
        and "2 条" in blocked[0]["message"]
    )
    assert not any(c["rule"] == "登记表建档" for c in obj["changes"])
    values = cal(path, "客户档案")
    assert values[7][0] == "合计" and len(values) == 8
    assert openpyxl.load_workbook(path)["我的分析"]["B1"].value == "=客户档案!E8"
    assert [r[0] for r in cal(path, "客户信息登记表")[1:3]] == [None, None]  # no ID for an unfiled lead


def test_table_totals_row_is_not_a_customer_and_new_rows_go_inside_the_table(tmp_path: Path):
    path = build_footer_record(tmp_path / "台账.xlsx", table=True)
    code, obj = run_json(path)
    assert code == 0 and found(obj) == []
    assert not [c for c in obj["changes"] if c["cell"] in {"A8", "A9"} and c["rule"] != "登记表建档"]
    ws = openpyxl.load_workbook(path)["客户档案"]
    table = ws.tables[next(iter(ws.tables))]
    assert table.ref == "A2:E10" and table.totalsRowCount == 1  # the Table took the new rows
    assert ws["A10"].value == "合计" and ws["E10"].value == "=SUBTOTAL(109,[累计交易金额])"
    values = cal(path, "客户档案")
    assert [r[:4] for r in values[7:9]] == [
        ["C006", REGS[0][1], "王五", REGS[0][3]],
        ["C007", REGS[1][1], "赵六", REGS[1][3]],
    ]
    assert [r[4] for r in values[2:7]] == [1000.0, 2000.0, 3000.0, 4000.0, 5000.0]


@pytest.mark.parametrize(
    ("formula", "moved"),
    [
        ('COUNTA(B3:B45)&"家"', 'COUNTA(B3:B47)&"家"'),
        ("SUM($U$3:$U$45)/U46", "SUM($U$3:$U$47)/U48"),  # its own row moves with it
        ("SUM('客户档案'!E3:E45)+SUM(其他!E3:E45)", "SUM('客户档案'!E3:E47)+SUM(其他!E3:E45)"),
        ("SUBTOTAL(109,E3:E40)+E2", "SUBTOTAL(109,E3:E40)+E2"),  # ranges ending higher up stay
    ],
)
def test_footer_formula_references_follow_the_rows(formula: str, moved: str):
    from workbook_crm.io.placement import shift_formula

    assert shift_formula(formula, "客户档案", start=46, shift=2, data_end=45, grow_to=47) == moved


# --- item 5: several phone numbers in one cell --------------------------------------------------
def test_multiple_phones_stay_in_the_cell_run_after_run(tmp_path: Path):
    path = tmp_path / "台账.xlsx"
    rows = [["客户档案"], ARCH_HEAD, *CUSTOMERS]
    rows[3] = ["C002", "北京乙贸易有限公司", "赵六", "13900139000 / 010-12345678", 2000]
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "客户档案"
    for row in rows:
        ws.append(row)
    wb.save(path)
    for _ in range(2):
        code, obj = run_json(path)
        assert found(obj) == [("客户档案", "D4", "multiple-phones")]
        assert not [c for c in obj["changes"] if c["cell"] == "D4"]
        assert cal(path, "客户档案")[3][3] == "13900139000 / 010-12345678"
        assert openpyxl.load_workbook(path)["客户档案"]["D4"].value == "13900139000 / 010-12345678"


# --- item 10: a 序号 filled down is not a customer ----------------------------------------------
def test_rows_with_only_a_user_column_value_are_not_customers(tmp_path: Path):
    path = tmp_path / "台账.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("客户档案")
    ws.write_row(0, 0, ["序号", *ARCH_HEAD])
    for r in range(1, 40):
        ws.write_formula(r, 0, "=ROW()-1", None, r)  # filled down far below the data
    for r, row in enumerate(CUSTOMERS, start=1):
        ws.write_row(r, 1, row)
    ws.write_number(10, 0, 10)  # and one typed number in it
    wb.close()
    code, obj = cli_json("run", str(path), "--month", "2024-05", "--no-summary", "--dry-run")
    assert code == 0 and found(obj) == [] and obj["changes"] == []
    code, obj = run_json(path)
    assert found(obj) == [] and obj["changes"] == []
    values = cal(path, "客户档案")
    assert [r[1] for r in values[6:40]] == [None] * 34 and values[39][0] == 39.0


# --- item 11: one odd cell is a finding ---------------------------------------------------------
def test_a_cell_near_excels_limit_is_a_finding_not_a_refused_run(tmp_path: Path):
    path = tmp_path / "台账.xlsx"
    huge = "x" * 32_760 + "@bad"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "客户档案"
    ws.append([*ARCH_HEAD[:4], "电子邮箱"])
    for row in CUSTOMERS:
        ws.append([*row[:4], None])
    ws["E3"] = huge
    ws["D4"] = "1" * 32_767
    wb.save(path)
    code, obj = run_json(path)
    assert code == 1
    assert found(obj) == [("客户档案", "D4", "bad-phone"), ("客户档案", "E3", "bad-email")]
    assert all(len(f["message"]) < 400 for f in obj["findings"])
    back = openpyxl.load_workbook(path)
    assert back["客户档案"]["E3"].value == huge and cal(path, "客户档案")[3][3] == "1" * 32_767
    assert back["客户档案"]["E3"].comment is not None  # marked, with a short note
    issues = cal(path, "校验问题")
    assert any(r[3] == "E3" and r[5] == huge for r in issues)  # the value itself is listed whole


def test_a_pre_1904_text_date_in_a_1904_workbook_is_a_finding_left_as_typed(tmp_path: Path):
    path = tmp_path / "台账.xlsx"
    wb = openpyxl.Workbook()
    wb.epoch = openpyxl.utils.datetime.CALENDAR_MAC_1904
    ws = wb.active
    ws.title = "客户档案"
    ws.append([*ARCH_HEAD[:4], "首次接触时间"])
    for row in CUSTOMERS:
        ws.append([*row[:4], "2024-03-01"])
    ws["E3"] = "1902-05-01"
    wb.save(path)
    code, obj = run_json(path)
    assert code == 1
    assert found(obj) == [("客户档案", "E3", "date-before-1904")]
    assert {c["cell"] for c in obj["changes"]} == {"E2", "E4", "E5", "E6"}  # the others become dates
    assert cal(path, "客户档案")[2][4] == "1902-05-01"
    back = openpyxl.load_workbook(path)
    assert (
        back.epoch == openpyxl.utils.datetime.CALENDAR_MAC_1904 and back["客户档案"]["E4"].value.year == 2024
    )


# --- item 16: vertically merged cells -----------------------------------------------------------
def test_hidden_cells_of_a_vertical_merge_take_the_merged_value(tmp_path: Path):
    path = tmp_path / "台账.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("客户档案")
    ws.write_row(0, 0, ARCH_HEAD)
    for r, row in enumerate(CUSTOMERS, start=1):
        ws.write_row(r, 0, row)
    fu = wb.add_worksheet("客户跟进记录表")
    fu.write_row(0, 0, ["客户编号", "客户名称", "跟进日期", "跟进方式", "跟进人"])
    fu.merge_range("A2:A4", "C001")  # one customer, three contacts
    fu.merge_range("B2:B4", "上海甲科技有限公司")
    for r, (d, how) in enumerate(
        (("2024-05-02", "电话"), ("2024-05-09", "微信"), ("2024-05-16", "上门拜访")), start=1
    ):
        fu.write_string(r, 2, d)
        fu.write_string(r, 3, how)
        fu.write_string(r, 4, "王五")
    fu.write_row(4, 0, ["C002", "北京乙贸易有限公司", "2024-05-03", "电话", "赵六"])
    fu.write_row(5, 0, ["C003", "广州丙制造有限公司", None, "电话", "王五"])  # a real missing date
    wb.close()
    code, obj = run_json(path)
    assert found(obj) == [("客户跟进记录表", "C6", "required")]
    written = {c["cell"] for c in obj["changes"] if c["sheet"] == "客户跟进记录表"}
    assert written == {"C2", "C3", "C4", "C5"}  # dates normalised; nothing into A3/A4
    back = openpyxl.load_workbook(path)["客户跟进记录表"]
    assert [str(m) for m in back.merged_cells.ranges] == ["A2:A4", "B2:B4"]
    assert back["A3"].value is None and back["A4"].value is None and back["A2"].value == "C001"
    assert cal(path, "客户跟进记录表")[1][0] == "C001"


# --- properties of the normalisers these items rely on ----------------------------------------
@given(
    st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31)),
    st.sampled_from(["{y}-{m:02d}-{d:02d}", "{y}/{m}/{d}", "{y}年{m}月{d}日", "{y}{m:02d}{d:02d}"]),
)
def test_a_date_the_1904_system_cannot_hold_is_left_as_typed(d: date, form: str):
    text = form.format(y=d.year, m=d.month, d=d.day)
    n1900, n1904 = normalize_date(text), normalize_date(text, date1904=True)
    assert n1900.value == d and n1900.code is None
    if d.year < 1904:
        assert (n1904.value, n1904.code) == (text, "date-before-1904") and not n1904.ok
    else:
        assert (n1904.value, n1904.code) == (d, None)


@given(
    st.lists(st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True), min_size=2, max_size=4),
    st.sampled_from([" / ", "、", ";", "，", " "]),
)
def test_several_phones_in_a_cell_are_never_rewritten(numbers: list[str], sep: str):
    typed = sep.join(numbers)
    n = normalize_phone(typed)
    assert (n.value, n.code) == (numbers[0], "multiple-phones")
    assert not _edit(typed, n, PHONE)
