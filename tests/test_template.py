"""The template workbook (`workbook-crm init`) matches the schemas — fresh and committed copies alike."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from openpyxl.utils import get_column_letter
from python_calamine import CalamineWorkbook

from workbook_crm.schema.base import CREDIT_CODE, DATE, ENUM, MONEY, PERCENT, PHONE, SCORE
from workbook_crm.schema.registry import DATA_SHEETS, SETTINGS
from workbook_crm.schema.settings import MAPPING_ROWS
from workbook_crm.template import rules_rows, write_template

COMMITTED = Path(__file__).resolve().parent.parent / "templates" / "台账模板.xlsx"


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_template(tmp_path_factory.mktemp("tpl") / "nested" / "模板.xlsx")


@pytest.fixture(params=["fresh", "committed"])
def template(request: pytest.FixtureRequest, fresh: Path) -> Path:
    if request.param == "committed":
        assert COMMITTED.exists(), (
            "regenerate: python -c 'from workbook_crm.template import write_template; "
            'write_template("templates/台账模板.xlsx")\''
        )
        return COMMITTED
    return fresh


def _dv_by_column(ws) -> dict[str, object]:
    out = {}
    for dv in ws.data_validations.dataValidation:
        for rng in dv.sqref.ranges:
            out[get_column_letter(rng.min_col)] = (dv, rng)
    return out


def _dim(ws, col: int):
    """The <col> element covering a column (writers group equal neighbours into one min..max range)."""
    for dim in ws.column_dimensions.values():
        if dim.min is not None and dim.min <= col <= dim.max:
            return dim
    raise AssertionError(f"no width set for column {col}")


def test_sheets_in_registry_order_with_headers_in_order(template: Path) -> None:
    cal = CalamineWorkbook.from_path(str(template))
    assert cal.sheet_names == [s.name for s in DATA_SHEETS]
    wb = openpyxl.load_workbook(template)
    assert wb.sheetnames == [s.name for s in DATA_SHEETS]
    for schema in DATA_SHEETS:
        rows = cal.get_sheet_by_name(schema.name).to_python()
        header = [str(h) for h in rows[1]][: len(schema.fields)]
        assert [h.rstrip("*") for h in header] == [f.header for f in schema.fields], schema.name
        assert [h.endswith("*") for h in header] == [f.required for f in schema.fields], schema.name
        assert schema.name in str(rows[0][0])  # merged title names the sheet
        ws = wb[schema.name]
        assert ws.freeze_panes == "A3"
        assert [str(r) for r in ws.merged_cells.ranges] == [f"A1:{get_column_letter(len(schema.fields))}1"]
        for c, f in enumerate(schema.fields, start=1):
            cell = ws.cell(row=2, column=c)
            assert (
                cell.font.b and cell.fill.fgColor.rgb.endswith("DDEBF7") and cell.border.left.style == "thin"
            )
            assert (cell.font.color is not None and cell.font.color.rgb == "FFC00000") == f.required, f.header


def test_every_enum_has_exactly_its_choices_and_dates_are_validated(template: Path) -> None:
    wb = openpyxl.load_workbook(template)
    n_lists = 0
    for schema in DATA_SHEETS:
        ws = wb[schema.name]
        dvs = _dv_by_column(ws)
        for c, f in enumerate(schema.fields, start=1):
            letter = get_column_letter(c)
            if f.kind == ENUM:
                dv, rng = dvs[letter]
                assert dv.type == "list"
                assert dv.formula1.strip('"').split(",") == list(f.choices), f.header
                assert (rng.min_row, rng.max_row) == (3, 5000)
                n_lists += 1
            elif f.kind == DATE:
                dv, rng = dvs[letter]
                assert dv.type == "date" and (rng.min_row, rng.max_row) == (3, 5000)
            if f.hint:
                dv, _ = dvs[letter]
                assert dv.prompt == f.hint and dv.showInputMessage
    assert n_lists == sum(f.kind == ENUM for s in DATA_SHEETS for f in s.fields) > 5


def test_number_formats_and_widths(template: Path) -> None:
    wb = openpyxl.load_workbook(template)
    expected = {DATE: "yyyy-mm-dd", PERCENT: "0.0%", SCORE: "0.0", PHONE: "@", CREDIT_CODE: "@"}
    seen = set()
    for schema in DATA_SHEETS:
        ws = wb[schema.name]
        for c, f in enumerate(schema.fields, start=1):
            dim = _dim(ws, c)
            assert abs(dim.width - f.width) < 1, f.header
            if f.kind in expected:
                assert dim.number_format == expected[f.kind], f.header
                seen.add(f.kind)
            elif f.kind == MONEY:
                assert dim.number_format in ("#,##0", "#,##0.00"), f.header
                seen.add(MONEY)
    assert seen == {*expected, MONEY}


def test_settings_sheet_holds_the_rule_defaults(template: Path) -> None:
    expected = [tuple(r) for r in rules_rows()]
    assert len(expected) >= 10
    cal_rows = CalamineWorkbook.from_path(str(template)).get_sheet_by_name(SETTINGS.name).to_python()[2:]
    ws = openpyxl.load_workbook(template)[SETTINGS.name]
    xl_rows = [tuple(c.value for c in row) for row in ws.iter_rows(min_row=3, max_col=4)]
    assert len(cal_rows) == len(xl_rows) == len(expected) + 1 + len(MAPPING_ROWS)
    # after the rules, a blank row and the 字段映射 section (issue #11), documentation rows with no 值
    assert [r[0] for r in cal_rows[len(expected) + 1 :]] == [r[0] for r in MAPPING_ROWS]
    assert all(not r[1] for r in xl_rows[len(expected) :])
    cal_rows, xl_rows = cal_rows[: len(expected)], xl_rows[: len(expected)]
    for want, got_cal, got_xl in zip(expected, cal_rows, xl_rows, strict=True):
        assert got_cal[0] == got_xl[0] == want[0]
        value = want[1]
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            assert float(got_cal[1]) == float(got_xl[1]) == float(value), want[0]
        else:
            assert got_xl[1] == got_cal[1] == value, want[0]
        assert (got_xl[2] or "") == (want[2] or "") and (got_xl[3] or "") == (want[3] or "")


def test_template_has_no_data_rows(fresh: Path) -> None:
    cal = CalamineWorkbook.from_path(str(fresh))
    for schema in DATA_SHEETS:
        if schema is SETTINGS:
            continue
        rows = cal.get_sheet_by_name(schema.name).to_python()
        assert len(rows) == 2, schema.name  # title and header only


def test_strings_that_look_like_formulas_stay_text(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from workbook_crm import template as tpl

    monkeypatch.setattr(tpl, "rules_rows", lambda: [("公式样例", "=1+1", "", "+86 开头也是文本")])
    out = tpl.write_template(tmp_path / "t.xlsx")
    ws = openpyxl.load_workbook(out)[SETTINGS.name]
    assert ws["B3"].value == "=1+1" and ws["B3"].data_type == "s"
