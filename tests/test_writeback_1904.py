"""Dates written into a 1904-system workbook (``<workbookPr date1904="1"/>``, old Mac Excel): the XML
holds the 1904 serial (4 years and a day smaller), and openpyxl and calamine both read the same date."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date, datetime
from pathlib import Path

import openpyxl
from openpyxl.utils.datetime import CALENDAR_MAC_1904
from python_calamine import CalamineWorkbook
from test_i14_data import ARCH_HEAD, CUSTOMERS, run_json

from workbook_crm.writeback import WorkbookEditor


def serial_1904(d: date | datetime) -> float:
    """Days since 1904-01-01 (the 1904 system's day 0), counted independently of the code under test."""
    if isinstance(d, datetime):
        return (d - datetime(1904, 1, 1)).total_seconds() / 86400
    return float((d - date(1904, 1, 1)).days)


def sheet_values(path: Path, sheet_part: str = "xl/worksheets/sheet1.xml") -> dict[str, str]:
    """Cell ref -> the text of its <v> in the written XML."""
    with zipfile.ZipFile(path) as z:
        xml = z.read(sheet_part).decode()
    return dict(re.findall(r'<c r="([A-Z]+\d+)"[^>]*>(?:<f>[^<]*</f>)?<v>([^<]*)</v>', xml))


def record_1904(path: Path, dates: list[object]) -> Path:
    wb = openpyxl.Workbook()
    wb.epoch = CALENDAR_MAC_1904
    ws = wb.active
    ws.title = "客户档案"
    ws.append([*ARCH_HEAD[:4], "首次接触时间"])
    for row, d in zip(CUSTOMERS, dates, strict=True):
        ws.append([*row[:4], d])
    wb.save(path)
    with zipfile.ZipFile(path) as z:
        assert re.search(rb'date1904="(1|true)"', z.read("xl/workbook.xml"))
    return path


def test_the_editor_writes_1904_serials_read_back_as_the_same_dates(tmp_path: Path) -> None:
    path = record_1904(tmp_path / "mac.xlsx", [date(2020, 1, 1)] * len(CUSTOMERS))
    ed = WorkbookEditor(path.read_bytes())
    assert ed.date1904
    when = datetime(2024, 3, 15, 9, 30)
    ed.set_cells("客户档案", {"E2": date(2024, 3, 15), "E3": when, "E4": date(1904, 1, 2)})
    out = tmp_path / "out.xlsx"
    out.write_bytes(ed.to_bytes())
    v = sheet_values(out)
    assert float(v["E2"]) == serial_1904(date(2024, 3, 15)) == 43904.0
    assert abs(float(v["E3"]) - serial_1904(when)) < 1e-9
    assert float(v["E4"]) == 1.0
    back = openpyxl.load_workbook(out)
    assert back.epoch == CALENDAR_MAC_1904
    ws = back["客户档案"]
    assert [ws[r].value for r in ("E2", "E3", "E4")] == [datetime(2024, 3, 15), when, datetime(1904, 1, 2)]
    rows = CalamineWorkbook.from_path(str(out)).get_sheet_by_name("客户档案").to_python()
    assert [rows[1][4], rows[2][4], rows[3][4]] == [date(2024, 3, 15), when, date(1904, 1, 2)]
    assert ed.read_cells("客户档案", ["E2", "E3"]) == {"E2": date(2024, 3, 15), "E3": when}


def test_a_run_normalizes_text_dates_into_1904_serials(tmp_path: Path) -> None:
    path = record_1904(
        tmp_path / "台账.xlsx", ["2024/3/1", "2024年3月2日", "2024-03-03", "20240304", "2024.3.5"]
    )
    code, obj = run_json(path)
    assert code == 0, obj
    assert sorted(c["cell"] for c in obj["changes"] if c["sheet"] == "客户档案") == [
        "E2",
        "E3",
        "E4",
        "E5",
        "E6",
    ]
    want = [date(2024, 3, d) for d in range(1, 6)]
    v = sheet_values(path)
    assert [float(v[f"E{r}"]) for r in range(2, 7)] == [serial_1904(d) for d in want]
    back = openpyxl.load_workbook(path)
    assert back.epoch == CALENDAR_MAC_1904
    assert [back["客户档案"][f"E{r}"].value.date() for r in range(2, 7)] == want
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("客户档案").to_python()
    assert [rows[r][4] for r in range(1, 6)] == want
    with zipfile.ZipFile(io.BytesIO(path.read_bytes())) as z:
        assert z.testzip() is None
