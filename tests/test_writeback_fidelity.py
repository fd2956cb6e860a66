"""Fidelity of the package editor: every part we did not need to change keeps its bytes; changed parts differ only where edited."""

from __future__ import annotations

import datetime as dt
import io
import re
import struct
import zipfile
import zlib
from pathlib import Path

import openpyxl
import pytest
import python_calamine
import xlsxwriter
from lxml import etree

from workbook_crm.writeback import COMMENT_PREFIX, MARK_RGB, WorkbookEditor

CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus"  # ../shared beside the clone


def tiny_png() -> bytes:
    """A 2×2 red PNG, built by hand (no imaging library needed)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"".join(b"\x00" + b"\xff\x00\x00" * 2 for _ in range(2))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def vba_project(tmp_path: Path) -> Path:
    """vbaProject.bin taken out of a real .xlsm in the shared corpus (read there, never copied into the repo)."""
    out = tmp_path / "vbaProject.bin"
    src = CORPUS / "poi__SimpleMacro.xlsm"
    if src.exists():
        with zipfile.ZipFile(src) as z:
            out.write_bytes(z.read("xl/vbaProject.bin"))
    else:  # an OLE compound-file header: the editor treats the part as opaque bytes either way
        out.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))
    return out


def build_rich(path: Path, tmp_path: Path) -> Path:
    """A workbook holding everything openpyxl would lose or that we must keep."""
    wb = xlsxwriter.Workbook(str(path))
    if path.suffix == ".xlsm":
        wb.add_vba_project(str(vba_project(tmp_path)))
    ws = wb.add_worksheet("客户档案")
    bold = wb.add_format({"bold": True, "bg_color": "#FFFF00"})
    money = wb.add_format({"num_format": "#,##0"})
    ws.merge_range("A1:F1", "客户档案（合并标题）", bold)
    ws.write_row(1, 0, ["客户编号", "客户名称", "首次接触时间", "手机号码", "年合作金额", "合计"], bold)
    for i in range(10):
        ws.write_row(2 + i, 0, [f"CX2024050{i + 1:02}", f"测试公司{i + 1}", "2024/5/1", 13800138000 + i])
        ws.write_number(2 + i, 4, (i + 1) * 10000, money)
        ws.write_formula(2 + i, 5, f"=E{3 + i}*2")
    ws.write_rich_string("B13", "富", bold, "文本", " 公司")
    ws.write_comment("B4", "用户批注：重点客户", {"author": "张三"})
    ws.data_validation("G3:G12", {"validate": "list", "source": ["潜在客户", "意向客户", "成交客户"]})
    ws.conditional_format("E3:E12", {"type": "data_bar", "data_bar_2010": True})
    ws.conditional_format("D3:D12", {"type": "cell", "criteria": ">", "value": 13800138005, "format": bold})
    ws.add_sparkline("H3", {"range": "E3:E12"})
    ws.insert_image("J2", "dot.png", {"image_data": io.BytesIO(tiny_png())})
    ws.insert_textbox("J8", "用户的文本框", {"width": 200, "height": 60})
    ws.freeze_panes(2, 0)
    chart = wb.add_chart({"type": "column"})
    chart.add_series({"values": "='客户档案'!$E$3:$E$12", "categories": "='客户档案'!$B$3:$B$12"})
    ws.insert_chart("J14", chart)
    wb.define_name("金额", "='客户档案'!$E$3:$E$12")
    other = wb.add_worksheet("备忘")
    other.write("A1", "用户自己的表，不许动")
    other.write_comment("A1", "另一张表的批注")
    wb.close()
    _make_comment_rich(path)
    return path


def _make_comment_rich(path: Path) -> None:
    """XlsxWriter writes one run per comment; give the first comment a second (bold) run."""
    data = path.read_bytes()
    zin = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            body = zin.read(info.filename)
            if info.filename == "xl/comments1.xml":
                body = body.replace(
                    b"</r></text>",
                    '</r><r><rPr><b/><sz val="9"/></rPr><t>（加粗）</t></r></text>'.encode(),
                    1,
                )
            zout.writestr(info, body)
    path.write_bytes(out.getvalue())


def members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {n: z.read(n) for n in z.namelist()}


def strip_cells(xml: bytes, refs: set[str]) -> bytes:
    """The sheet XML without the given <c> elements, row spans, dimension and <legacyDrawing>."""

    def drop(m: re.Match[bytes]) -> bytes:
        r = re.search(rb'\br="([A-Z]+\d+)"', m.group(0))
        return b"" if r and r.group(1).decode() in refs else m.group(0)

    xml = re.sub(rb"<c\b[^>]*?(?:/>|>.*?</c>)", drop, xml, flags=re.S)
    xml = re.sub(rb'\s(?:spans)="[^"]*"', b"", xml)
    xml = re.sub(rb"<dimension\b[^>]*/>", b"", xml)
    xml = re.sub(rb"<legacyDrawing\b[^>]*/>", b"", xml)
    return re.sub(rb'<row r="\d+"></row>', b"", xml)


# --- the tests ----------------------------------------------------------------------------------
FIXTURES = Path(__file__).parent / "fixtures" / "fidelity"
NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
SET = {"C3": dt.date(2024, 5, 1), "C4": dt.date(2024, 5, 2), "F3": 42, "B5": "新名称", "Z40": "新行新列"}
MARKS = {"A6": "客户编号重复", "B4": "用户已有批注的单元格", "C7": "日期格式错误"}


def _edit(data: bytes, sheet: str = "客户档案") -> bytes:
    ed = WorkbookEditor(data)
    ed.set_cells(sheet, SET, replace_formulas=True)  # F3 holds a formula: replaced only when asked
    ed.set_cells(sheet, {"D3": 13800138000}, as_text=True)
    ed.mark_cells(sheet, MARKS)
    ed.replace_sheet(
        "校验问题",
        ["工作表", "单元格", "问题", "日期"],
        [[sheet, ref, msg, dt.date(2024, 6, 1)] for ref, msg in MARKS.items()],
        links={(i, 1): f"'{sheet}'!{ref}" for i, ref in enumerate(MARKS)},
        widths=[12, 8, 30, 12],
    )
    return ed.to_bytes()


def _children_prefix(old: bytes, new: bytes, tag: str) -> None:
    """Every original entry of a styles list is still at its index (we only append)."""
    o, n = etree.fromstring(old).find(NS + tag), etree.fromstring(new).find(NS + tag)
    if o is None:
        return
    old_items = [etree.tostring(c, method="c14n", exclusive=True) for c in o]
    new_items = [etree.tostring(c, method="c14n", exclusive=True) for c in n]
    assert new_items[: len(old_items)] == old_items, tag


@pytest.fixture(params=["xlsx", "xlsm", "libreoffice"])
def source(request, tmp_path) -> bytes:
    if request.param == "libreoffice":
        return (FIXTURES / "libreoffice_saved.xlsx").read_bytes()
    return build_rich(tmp_path / f"rich.{request.param}", tmp_path).read_bytes()


def test_untouched_parts_are_byte_identical(source):
    before, after = members(source), members(_edit(source))
    changed = {
        "xl/worksheets/sheet1.xml",
        "xl/styles.xml",
        "xl/workbook.xml",
        "xl/_rels/workbook.xml.rels",
        "[Content_Types].xml",
        "xl/comments1.xml",
        "xl/drawings/vmlDrawing1.vml",
    }
    for name, body in before.items():
        assert name in after, f"{name} was dropped"
        if name not in changed:
            assert after[name] == body, f"{name} changed"
    assert list(after)[: len(before)] == list(before), "original member order kept"
    assert "xl/vbaProject.bin" not in before or after["xl/vbaProject.bin"] == before["xl/vbaProject.bin"]


def test_changed_parts_differ_only_where_edited(source):
    before, after = members(source), members(_edit(source))
    refs = set(SET) | set(MARKS) | {"D3"}
    assert strip_cells(after["xl/worksheets/sheet1.xml"], refs) == strip_cells(
        before["xl/worksheets/sheet1.xml"], refs
    )
    for tag in ("numFmts", "fonts", "fills", "borders", "cellXfs", "cellStyleXfs", "dxfs"):
        _children_prefix(before["xl/styles.xml"], after["xl/styles.xml"], tag)
    wb_new = re.sub('<sheet name="校验问题"[^>]*/>'.encode(), b"", after["xl/workbook.xml"])
    wb_new = re.sub(rb'\s?fullCalcOnLoad="1"', b"", wb_new)
    # our marker on the new computed sheet (ownership.py), in the definedNames block or a new one
    wb_new = re.sub(rb'<definedName name="workbook_crm_sheet"[^>]*>[^<]*</definedName>', b"", wb_new)
    wb_new = wb_new.replace(b"<definedNames></definedNames>", b"")
    assert wb_new == re.sub(rb'\s?fullCalcOnLoad="1"', b"", before["xl/workbook.xml"])
    old_c = etree.fromstring(before["xl/comments1.xml"])
    new_c = etree.fromstring(after["xl/comments1.xml"])
    old_list = [etree.tostring(c, method="c14n", exclusive=True) for c in old_c.find(NS + "commentList")]
    new_list = [etree.tostring(c, method="c14n", exclusive=True) for c in new_c.find(NS + "commentList")]
    assert new_list[: len(old_list)] == old_list, "the user's comments (rich text included) are untouched"


def test_results_read_back_with_two_readers(source, tmp_path):
    out = tmp_path / "out.xlsx"
    out.write_bytes(_edit(source))
    wb = openpyxl.load_workbook(out)
    ws = wb["客户档案"]
    assert ws["C3"].value == dt.datetime(2024, 5, 1) and ws["C3"].number_format == "yyyy-mm-dd"
    assert ws["D3"].value == "13800138000" and ws["D3"].data_type == "s"
    assert ws["F3"].value == 42 and ws["B5"].value == "新名称" and ws["Z40"].value == "新行新列"
    for ref in ("A6", "C7"):
        assert ws[ref].fill.fgColor.rgb == MARK_RGB
        assert ws[ref].comment.author == "workbook-crm" and ws[ref].comment.text.startswith(COMMENT_PREFIX)
    assert ws["B4"].fill.fgColor.rgb == MARK_RGB and not ws["B4"].comment.text.startswith(COMMENT_PREFIX)
    assert "重点客户" in ws["B4"].comment.text
    assert wb.sheetnames[-1] == "校验问题" and wb.sheetnames[:2] == ["客户档案", "备忘"]
    issues = wb["校验问题"]
    assert issues["B2"].hyperlink.location == "'客户档案'!A6"
    assert issues["D2"].number_format == "yyyy-mm-dd" and issues.freeze_panes == "A2"
    assert issues.auto_filter.ref == "A1:D4" and issues["A1"].font.b
    cal = python_calamine.CalamineWorkbook.from_path(str(out))
    rows = cal.get_sheet_by_name("客户档案").to_python()
    assert rows[2][2] == dt.date(2024, 5, 1) and rows[2][3] == "13800138000" and rows[4][1] == "新名称"
    assert rows[39][25] == "新行新列"
    assert cal.get_sheet_by_name("校验问题").to_python()[1][:2] == ["客户档案", "A6"]
    assert "金额" in wb.defined_names


def test_xlsx_features_survive_in_openpyxl_view(tmp_path):
    src = build_rich(tmp_path / "rich.xlsx", tmp_path)
    out = tmp_path / "out.xlsx"
    out.write_bytes(_edit(src.read_bytes()))
    ws = openpyxl.load_workbook(out)["客户档案"]
    assert "A1:F1" in {str(r) for r in ws.merged_cells.ranges}
    assert ws.freeze_panes == "A3"
    assert ws.data_validations.dataValidation[0].formula1 == '"潜在客户,意向客户,成交客户"'
    assert len(ws.conditional_formatting) == 2
    assert ws["F4"].value == "=E4*2", "formulas we did not touch keep their text"
    xml = members(out.read_bytes())["xl/worksheets/sheet1.xml"]
    assert b"x14:dataBar" in xml and b"x14:sparklineGroup" in xml, "x14 extensions kept"


def test_replace_sheet_in_place_keeps_position_and_id(tmp_path):
    data = build_rich(tmp_path / "rich.xlsx", tmp_path).read_bytes()
    ed = WorkbookEditor(data)
    ed.replace_sheet("客户分层", ["客户编号", "分层"], [["CX1", "核心客户"]])
    ed.replace_sheet("备忘2", ["x"], [[1]])
    once = ed.to_bytes()
    ed = WorkbookEditor(once)
    ed.replace_sheet(
        "客户分层", ["客户编号", "分层", "金额"], [["CX2", "潜力客户", 3.5]], formats={2: "0.0%"}
    )
    twice = ed.to_bytes()
    assert ed.sheet_names == ["客户档案", "备忘", "客户分层", "备忘2"]
    ids = re.findall(rb'<sheet name="([^"]+)" sheetId="(\d+)"', members(twice)["xl/workbook.xml"])
    assert ids == re.findall(rb'<sheet name="([^"]+)" sheetId="(\d+)"', members(once)["xl/workbook.xml"])
    (tmp_path / "t.xlsx").write_bytes(twice)
    ws = openpyxl.load_workbook(tmp_path / "t.xlsx")["客户分层"]
    assert [c.value for c in ws[2]] == ["CX2", "潜力客户", 3.5] and ws["C2"].number_format == "0.0%"
    assert ws.max_row == 2


def test_overwritten_formula_drops_calc_chain(tmp_path):
    data = build_rich(tmp_path / "rich.xlsx", tmp_path).read_bytes()
    parts = members(data)
    parts["xl/calcChain.xml"] = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<calcChain xmlns='
        b'"http://schemas.openxmlformats.org/spreadsheetml/2006/main"><c r="F3" i="1"/></calcChain>'
    )
    parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>",
        b'<Relationship Id="rId99" Type="http://schemas.openxmlformats.org/officeDocument/'
        b'2006/relationships/calcChain" Target="calcChain.xml"/></Relationships>',
    )
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
        b"</Types>",
        b'<Override PartName="/xl/calcChain.xml" ContentType="application/vnd.openxmlformats-'
        b'officedocument.spreadsheetml.calcChain+xml"/></Types>',
    )
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, body in parts.items():
            z.writestr(name, body)
    ed = WorkbookEditor(buf.getvalue())
    ed.set_cells("客户档案", {"F3": 1}, replace_formulas=True)
    after = members(ed.to_bytes())
    assert "xl/calcChain.xml" not in after
    assert (
        b"calcChain" not in after["xl/_rels/workbook.xml.rels"]
        and b"calcChain" not in after["[Content_Types].xml"]
    )
    assert b"<f>" not in re.search(rb'<c r="F3".*?</c>', after["xl/worksheets/sheet1.xml"]).group(0)
