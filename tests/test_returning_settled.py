"""A registration row already filed is not a 'returning lead' when the user later edits the archive.

Found by using the tool as a team does (init → leads typed → run → a phone changed by hand in 客户档案
→ next run): the old registration row, still carrying the old phone, was reported every month as a
returning lead with other contact data. A genuinely new registration of the same customer still is.
"""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
from conftest import cli
from python_calamine import CalamineWorkbook


def _put(ws, row: int, values: dict) -> None:
    header = [c.value for c in ws[2]]
    for k, v in values.items():
        ws.cell(row=row, column=header.index(k) + 1, value=v)


def _findings(path: Path, month: str) -> list[tuple[str, str, str]]:
    code, out, _ = cli("validate", str(path), "--month", month, "--format", "json")
    assert code in (0, 1), out
    return sorted((f["sheet"], f["cell"], f["code"]) for f in json.loads(out)["findings"])


def test_an_old_registration_is_not_a_return_but_a_new_one_is(tmp_path: Path) -> None:
    book = tmp_path / "台账.xlsx"
    assert cli("init", str(book))[0] == 0
    wb = openpyxl.load_workbook(book)
    _put(
        wb["客户信息登记表"],
        3,
        {"客户名称*": "上海明达科技有限公司", "联系人*": "李雷", "手机号码": "13900139000"},
    )
    wb.save(book)
    assert cli("run", str(book), "--month", "2026-11", "--no-summary")[0] in (0, 1)

    wb = openpyxl.load_workbook(book)  # the user updates the phone in 客户档案, by hand
    archive = wb["客户档案"]
    header = [c.value for c in archive[2]]
    assert archive.cell(row=3, column=header.index("客户名称*") + 1).value == "上海明达科技有限公司"
    _put(archive, 3, {"手机号码": "13700137000", "负责人*": "李四"})
    wb.save(book)
    assert cli("run", str(book), "--month", "2026-12", "--no-summary")[0] in (0, 1)
    assert [f for f in _findings(book, "2026-12") if f[2] == "returning-lead-contact"] == []
    assert cli("run", str(book), "--month", "2027-01", "--no-summary")[0] in (0, 1)
    assert [f for f in _findings(book, "2027-01") if f[2] == "returning-lead-contact"] == []

    wb = openpyxl.load_workbook(book)  # the lead registers again, with yet another phone
    _put(
        wb["客户信息登记表"],
        4,
        {"客户名称*": "上海明达科技有限公司", "联系人*": "李雷", "手机号码": "13600136000"},
    )
    wb.save(book)
    assert [f for f in _findings(book, "2027-01") if f[2] == "returning-lead-contact"] == [
        ("客户信息登记表", "H4", "returning-lead-contact")
    ]
    rows = CalamineWorkbook.from_path(str(book)).get_sheet_by_name("客户档案").to_python()
    assert str(rows[2][header.index("手机号码")]) == "13700137000"  # the archive keeps the user's edit
