"""Re-marking, idempotence, formula-text injection and streaming edge cases of the package editor."""

from __future__ import annotations

import io
import re
import zipfile

import openpyxl
import pytest
import python_calamine
import xlsxwriter

from workbook_crm.writeback import COMMENT_PREFIX, MARK_RGB, WorkbookEditor


def _book(n_rows: int = 20) -> bytes:
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    ws = wb.add_worksheet("客户档案")
    yellow = wb.add_format({"bg_color": "#FFFF00"})
    ws.write_row(0, 0, ["编号", "名称", "电话"])
    for i in range(1, n_rows):
        ws.write_row(i, 0, [f"C{i:03}", f"公司{i}", 13800138000 + i])
    ws.write("B3", "黄色的用户单元格", yellow)
    ws.write_comment("C5", "用户批注", {"author": "李四"})
    wb.close()
    return buf.getvalue()


def _load(data: bytes):
    return openpyxl.load_workbook(io.BytesIO(data))["客户档案"]


def _mark(data: bytes, marks: dict[str, str]) -> bytes:
    ed = WorkbookEditor(data)
    ed.mark_cells("客户档案", marks)
    return ed.to_bytes()


def test_remark_removes_old_marks_and_keeps_user_comment():
    base = _book()
    a = _mark(base, {"A2": "问题A", "B3": "问题B3", "C5": "用户已有批注"})
    ws = _load(a)
    assert ws["A2"].fill.fgColor.rgb == MARK_RGB and ws["A2"].comment.text == COMMENT_PREFIX + "问题A"
    assert ws["C5"].comment.text == "用户批注" and ws["C5"].fill.fgColor.rgb == MARK_RGB
    b = _mark(a, {"A4": "问题B"})
    ws = _load(b)
    assert ws["A2"].comment is None and ws["A2"].fill.fgColor.rgb != MARK_RGB
    assert ws["B3"].fill.fgColor.rgb == "FFFFFF00", "the user's own fill comes back"
    assert ws["A4"].comment.author == "workbook-crm" and ws["A4"].fill.fgColor.rgb == MARK_RGB
    assert ws["C5"].comment.text == "用户批注" and ws["C5"].comment.author == "李四"
    assert ws["C5"].fill.fgColor.rgb != MARK_RGB
    orig = _load(base)
    assert [c.style_id for c in ws["A"]][:3] == [c.style_id for c in orig["A"]][:3]
    # VML: one note shape per comment left (the user's and A4)
    vml = [v for n, v in _parts(b).items() if n.endswith(".vml")][0]
    assert len(re.findall(rb'ObjectType="Note"', vml)) == 2


def _parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {n: z.read(n) for n in z.namelist()}


def _full_edit(data: bytes) -> bytes:
    ed = WorkbookEditor(data)
    ed.set_cells("客户档案", {"B2": "新名称", "D2": 3.25, "C3": 13800000000}, as_text=False)
    ed.set_cells("客户档案", {"C4": 13912345678}, as_text=True)
    ed.mark_cells("客户档案", {"A2": "问题", "D9": "新单元格"})
    ed.replace_sheet("跟进提醒", ["编号", "天数"], [["C001", 31], ["C002", 95]])
    return ed.to_bytes()


def test_same_edit_twice_changes_nothing():
    once = _full_edit(_book())
    twice = _full_edit(once)
    assert _parts(twice) == _parts(once)


def test_clearing_unmarks_a_sheet_without_marks_left():
    marked = _mark(_book(), {"A2": "x"})
    cleared = _mark(marked, {})
    ws = _load(cleared)
    assert ws["A2"].comment is None and ws["A2"].fill.fgColor.rgb != MARK_RGB
    assert ws["C5"].comment.text == "用户批注"


@pytest.mark.parametrize(
    "text", ['=HYPERLINK("http://x","y")', "+cmd|' /C calc'!A0", "-1+2", "@SUM(A1)", "=1+1"]
)
def test_formula_looking_text_stays_text(text):
    ed = WorkbookEditor(_book())
    ed.set_cells("客户档案", {"B2": text, "H30": text})
    data = ed.to_bytes()
    ws = _load(data)
    for ref in ("B2", "H30"):
        assert ws[ref].value == text and ws[ref].data_type == "s"
    assert b"<f>" not in _parts(data)["xl/worksheets/sheet1.xml"]
    rows = (
        python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        .get_sheet_by_name("客户档案")
        .to_python()
    )
    assert rows[1][1] == text


def test_awkward_text_round_trips():
    text = " 前后空格 \n换行\t制表 & <尖括号> _x0041_ \x01控制"
    ed = WorkbookEditor(_book())
    ed.set_cells("客户档案", {"B2": text})
    data = ed.to_bytes()
    # Excel decodes _xHHHH_ escapes in cell text; calamine does too (openpyxl does not for inline strings)
    rows = (
        python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        .get_sheet_by_name("客户档案")
        .to_python()
    )
    assert rows[1][1] == text
    assert WorkbookEditor(data).read_cells("客户档案", ["B2"])["B2"] == text


def test_none_clears_value_but_keeps_style():
    ed = WorkbookEditor(_book())
    ed.set_cells("客户档案", {"B3": None})
    ws = _load(ed.to_bytes())
    assert ws["B3"].value is None and ws["B3"].fill.fgColor.rgb == "FFFFFF00"


def test_style_from_and_number_format():
    ed = WorkbookEditor(_book())
    ed.set_cells("客户档案", {"E1": "新表头"}, style_from="B3")
    ed.set_cells("客户档案", {"E2": 0.875}, number_format="0.0%")
    ws = _load(ed.to_bytes())
    assert ws["E1"].fill.fgColor.rgb == "FFFFFF00" and ws["E2"].number_format == "0.0%"


def test_shared_formula_master_overwritten_keeps_the_group(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "客户档案"
    for r in range(1, 6):
        ws.cell(r, 1, r)
    path = tmp_path / "s.xlsx"
    wb.save(path)
    parts = _parts(path.read_bytes())
    xml = parts["xl/worksheets/sheet1.xml"].decode()
    # Excel's shared formula: B1 is the master, B2:B5 refer to it by si="0"
    for r in range(1, 6):
        f = '<f t="shared" ref="B1:B5" si="0">A1*2</f>' if r == 1 else '<f t="shared" si="0"/>'
        xml = xml.replace(
            f'<c r="A{r}" t="n"><v>{r}</v></c>',
            f'<c r="A{r}" t="n"><v>{r}</v></c><c r="B{r}">{f}<v>{2 * r}</v></c>',
        )
    parts["xl/worksheets/sheet1.xml"] = xml.encode()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for n, b in parts.items():
            z.writestr(n, b)
    ed = WorkbookEditor(buf.getvalue())
    ed.set_cells("客户档案", {"B1": "手填"})  # refused: a formula is never replaced unless asked
    kept = openpyxl.load_workbook(io.BytesIO(ed.to_bytes()))["客户档案"]
    assert kept["B1"].value == "=A1*2" and ed.kept_formulas["客户档案"] == ["B1"]
    ed = WorkbookEditor(buf.getvalue())
    ed.set_cells("客户档案", {"B1": "手填"}, replace_formulas=True)
    out = openpyxl.load_workbook(io.BytesIO(ed.to_bytes()))["客户档案"]
    assert out["B1"].value == "手填"
    assert [out[f"B{r}"].value for r in range(2, 6)] == [f"=A{r}*2" for r in range(2, 6)]


def test_bad_values_are_refused_before_writing():
    ed = WorkbookEditor(_book())
    with pytest.raises(ValueError):
        ed.set_cells("客户档案", {"A2": "x" * 40000})
    with pytest.raises(TypeError):
        ed.set_cells("客户档案", {"A2": object()})
    with pytest.raises(ValueError):
        ed.replace_sheet("坏", ["a"], [["x"]], links={(0, 0): "file:///etc/passwd"})
    with pytest.raises(ValueError):
        ed.replace_sheet("a/b", ["a"], [])
    with pytest.raises(KeyError):
        ed.set_cells("没有这张表", {"A1": 1})


def test_rows_without_r_and_new_rows_take_the_general_scan():
    """The byte-search fast path needs every <row> to start with r=; a part without row numbers, rows
    that do not exist yet and cells that do not exist yet all go through the general scan."""
    parts = _parts(_book())
    xml = parts["xl/worksheets/sheet1.xml"]
    parts["xl/worksheets/sheet1.xml"] = re.sub(rb'<row r="\d+"', b"<row", xml)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for n, b in parts.items():
            z.writestr(n, b)
    for data in (_book(), buf.getvalue()):
        ed = WorkbookEditor(data)
        ed.set_cells("客户档案", {"B4": "改", "E4": "新列", "A25": "新行", "A3": 7})
        ws = _load(ed.to_bytes())
        assert [ws["B4"].value, ws["E4"].value, ws["A25"].value, ws["A3"].value] == ["改", "新列", "新行", 7]
        assert ws["B5"].value == "公司4" and ws["A20"].value == "C019"


def test_deflated_parts_concatenate_with_the_right_crc():
    import os
    import zlib

    from workbook_crm.writeback.package import Deflater, crc32_combine

    for a, b in [(b"", b"x"), (b"abc", b""), (os.urandom(999), os.urandom(70001))]:
        assert crc32_combine(zlib.crc32(a), zlib.crc32(b), len(b)) == zlib.crc32(a + b)
    d = Deflater()
    d.write(b"<row/>" * 5000)
    d.write(memoryview(b"tail"))
    part = d.finish().prepend(b"<head/>")
    body = b"<head/>" + b"<row/>" * 5000 + b"tail"
    assert part.inflate() == body and part.crc == zlib.crc32(body) and part.size == len(body)
