"""reports/splice.py on a small xlsxwriter package: rendered rows merged with what xlsxwriter wrote.

Read back with openpyxl and python-calamine; the expected cells are the values put in, by position.
"""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pandas as pd
import xlsxwriter
from python_calamine import CalamineWorkbook
from test_i14_data import ooxml_errors

from workbook_crm.reports.splice import splice
from workbook_crm.reports.tablexml import Tables


def _book(strings: bool) -> tuple[io.BytesIO, Tables]:
    buffer = io.BytesIO()
    wb = xlsxwriter.Workbook(buffer, {"in_memory": True})
    ws = wb.add_worksheet("表")
    border = wb.add_format({"border": 1})
    dates = wb.add_format({"num_format": "yyyy-mm-dd"})
    if strings:
        ws.write_string(0, 0, "名称")
    ws.write_number(0, 1, 1.5)
    ws.set_row(2, 30)  # a row attribute inside the table's rows
    frame = pd.DataFrame(
        {
            "名称": ["甲", None, "乙 ", "甲"],
            "金额": [1.0, None, 2.5, 3.0],
            "日期": pd.to_datetime(["2024-05-01", None, "2024-05-03 12:00", "2024-05-04"], format="ISO8601"),
        }
    )
    tables = Tables()
    columns = [tables.column(frame[c], lambda xs: [str(x) for x in xs]) for c in frame.columns]
    tables.add(ws, 1, 0, columns, [border, border, border], dates)
    side = [tables.column(pd.Series(["右", "边"]), lambda xs: [str(x) for x in xs])]
    tables.add(ws, 1, 7, side, [border], dates)  # a second table beside the first, on the same rows
    ws.write_number(3, 1, 99)  # written over the table afterwards: wins
    ws.write_string(4, 5, "旁注")  # beside the table on its last row
    wb.close()
    return buffer, tables


def _read(path: Path) -> tuple[list[list], list[list]]:
    cal = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("表").to_python(skip_empty_area=False)
    ws = openpyxl.load_workbook(path)["表"]
    opx = [[c.value for c in row] for row in ws.iter_rows(min_row=1, max_row=5, max_col=8)]
    return [[None if v == "" else v for v in r[:8]] for r in cal[:5]], opx


def _plain(v: object) -> object:
    if isinstance(v, int):
        return float(v)
    if isinstance(v, date) and not isinstance(v, datetime):
        return datetime(v.year, v.month, v.day)
    return v


def _check(out: Path, header: str | None) -> None:
    cal, opx = _read(out)
    want = [
        [header, 1.5, None, None, None, None, None, None],
        ["甲", 1.0, datetime(2024, 5, 1), None, None, None, None, "右"],
        [None, None, None, None, None, None, None, "边"],
        ["乙 ", 99.0, datetime(2024, 5, 3, 12), None, None, None, None, None],
        ["甲", 3.0, datetime(2024, 5, 4), None, None, "旁注", None, None],
    ]
    assert opx == want
    # calamine gives a date-formatted midnight as a date and whole numbers as int
    assert [[_plain(v) for v in r] for r in cal] == want
    ws = openpyxl.load_workbook(out)["表"]
    assert ws.row_dimensions[3].height == 30
    assert ws["A2"].border.left.style == "thin" and ws["C2"].number_format == "yyyy-mm-dd"
    assert ws["A3"].border.left.style == "thin"  # a blank of the table keeps its column's format
    assert ws.max_column == 8 and ws.max_row == 5  # <dimension>: the probes in XFD are gone
    assert ooxml_errors(out) == []


def test_rows_merge_with_xlsxwriters_cells_and_texts_join_shared_strings(tmp_path):
    buffer, tables = _book(strings=True)
    out = tmp_path / "s.xlsx"
    with zipfile.ZipFile(buffer) as source:
        splice(source, out, tables)
    _check(out, "名称")
    with zipfile.ZipFile(out) as z:
        sst = z.read("xl/sharedStrings.xml").decode()
    # 名称 and 旁注 (xlsxwriter's); 甲, 乙 , 右, 边: five body cells refer to texts.
    assert 'count="7" uniqueCount="6"' in sst and '<t xml:space="preserve">乙 </t>' in sst


def test_without_shared_strings_the_texts_are_inline(tmp_path):
    buffer, tables = _book(strings=False)
    with zipfile.ZipFile(buffer) as source:
        assert "xl/sharedStrings.xml" in source.namelist()  # 旁注 is text
    # A package without any text of xlsxwriter's: the body's texts go inline.
    buffer2 = io.BytesIO()
    with zipfile.ZipFile(buffer) as source, zipfile.ZipFile(buffer2, "w") as copy:
        for info in source.infolist():
            if info.filename != "xl/sharedStrings.xml":
                copy.writestr(info, source.read(info))
    out = tmp_path / "i.xlsx"
    with zipfile.ZipFile(buffer2) as source:
        splice(source, out, tables)
    with zipfile.ZipFile(out) as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
    assert sheet.count('t="inlineStr"') == 5
