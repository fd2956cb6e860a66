"""Issue #14, items 17–21: packages other producers write, edited so that Excel opens them without
"repair" — checked by ../shared/ooxml/ooxml_check.py and read back by openpyxl and calamine."""

from __future__ import annotations

import io
import re
import subprocess
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter
from conftest import CORPUS, soffice
from lxml import etree
from ooxml_written import ooxml_errors
from openpyxl.comments import Comment
from python_calamine import CalamineWorkbook

from workbook_crm.writeback import WorkbookEditor

NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {n: z.read(n) for n in z.namelist()}


def repack(data: bytes, change: dict) -> bytes:
    """The package with some members rewritten (``change[name](bytes) -> bytes``, None deletes)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as zi, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zo:
        for info in zi.infolist():
            body = zi.read(info.filename)
            if info.filename in change:
                body = change[info.filename](body)
                if body is None:
                    continue
            zo.writestr(info, body)
    return out.getvalue()


def customers(path: Path, n: int = 8, *, extra=None) -> Path:
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("客户档案")
    ws.write_row(0, 0, ["客户编号", "客户名称", "年合作金额"])
    for i in range(n):
        ws.write_row(i + 1, 0, [f"C{i + 1:03}", f"公司{i + 1}", (i + 1) * 10])
    if extra:
        extra(wb, ws)
    wb.close()
    return path


def top_children(sheet_xml: bytes) -> list[str]:
    return [etree.QName(el).localname for el in etree.fromstring(sheet_xml)]


def comments_of(data: bytes, sheet: str) -> dict[str, str]:
    ws = openpyxl.load_workbook(io.BytesIO(data))[sheet]
    return {c.coordinate: c.comment.text for row in ws.iter_rows() for c in row if c.comment is not None}


# --- 17: <legacyDrawing> among the worksheet's own children ----------------------------------------
def test_first_mark_on_a_sheet_with_a_data_bar_goes_to_the_top_level(tmp_path: Path) -> None:
    src = customers(
        tmp_path / "bar.xlsx",
        extra=lambda wb, ws: ws.conditional_format("C2:C9", {"type": "data_bar", "data_bar_2010": True}),
    )
    data = src.read_bytes()
    assert b"<extLst>" in members(data)["xl/worksheets/sheet1.xml"].split(b"<conditionalFormatting")[1]
    ed = WorkbookEditor(data)
    ed.mark_cells("客户档案", {"B3": "名称可疑"})
    out = ed.to_bytes()
    sheet = members(out)["xl/worksheets/sheet1.xml"]
    kids = top_children(sheet)
    assert "legacyDrawing" in kids and kids.index("legacyDrawing") < kids.index("extLst")
    cf = etree.fromstring(sheet).find(f"{{{NS_MAIN}}}conditionalFormatting")
    assert not any(etree.QName(e).localname == "legacyDrawing" for e in cf.iter())
    assert ooxml_errors(out) == []
    assert "名称可疑" in comments_of(out, "客户档案")["B3"]
    rows = CalamineWorkbook.from_filelike(io.BytesIO(out)).get_sheet_by_name("客户档案").to_python()
    assert rows[2][:3] == ["C002", "公司2", 20]


def test_first_mark_on_a_sheet_with_a_poi_autofilter_extlst(tmp_path: Path) -> None:
    src = customers(tmp_path / "af.xlsx", extra=lambda wb, ws: ws.autofilter("A1:C9"))
    data = repack(
        src.read_bytes(),
        {
            "xl/worksheets/sheet1.xml": lambda b: re.sub(
                rb"<autoFilter ([^>]*)/>", rb"<autoFilter \1><extLst/></autoFilter>", b
            )
        },
    )
    ed = WorkbookEditor(data)
    ed.mark_cells("客户档案", {"A2": "编号可疑"})
    out = ed.to_bytes()
    kids = top_children(members(out)["xl/worksheets/sheet1.xml"])
    assert kids.index("autoFilter") < kids.index("legacyDrawing")
    assert ooxml_errors(out) == []
    assert "编号可疑" in comments_of(out, "客户档案")["A2"]


# --- 18: [Content_Types].xml and .rels written with a prefix ---------------------------------------
def _prefixed(body: bytes) -> bytes:
    """What ElementTree writes: the default namespace turned into ns0:."""
    ET.register_namespace("", "")
    root = ET.fromstring(body)
    return b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' + ET.tostring(root)


def test_prefixed_content_types_and_rels_get_elements_in_their_namespace(tmp_path: Path) -> None:
    src = customers(tmp_path / "ns0.xlsx")
    data = src.read_bytes()
    names = [n for n in members(data) if n.endswith(".rels") or n == "[Content_Types].xml"]
    data = repack(data, {n: _prefixed for n in names})
    assert b"<ns0:Types" in members(data)["[Content_Types].xml"]
    ed = WorkbookEditor(data)
    ed.mark_cells("客户档案", {"B2": "标记"})
    ed.replace_sheet(
        "客户分层", ["客户编号", "客户名称"], [["C001", "公司1"]], links={(0, 0): "'客户档案'!A2"}
    )
    out = ed.to_bytes()
    ct = members(out)["[Content_Types].xml"]
    assert not re.search(rb"<(Override|Default|Relationship)\b", ct)  # nothing outside the namespace
    assert len(re.findall(rb'<ns0:Default\b[^>]*Extension="vml"', ct)) == 1
    assert (
        len(re.findall(rb'<(?:\w+:)?Default\b[^>]*Extension="rels"', ct)) == 1
    )  # ns0:Default seen, none added
    assert b"<Relationship " not in members(out)["xl/_rels/workbook.xml.rels"]
    assert ooxml_errors(out) == []
    wb = openpyxl.load_workbook(io.BytesIO(out))
    assert wb.sheetnames == ["客户档案", "客户分层"] and wb["客户分层"]["B2"].value == "公司1"
    assert "标记" in comments_of(out, "客户档案")["B2"]


# --- 19: LibreOffice 5 content types (no Default for rels) -----------------------------------------
def _lo5(body: bytes) -> bytes:
    root = etree.fromstring(body)
    for d in [d for d in root if d.get("Extension") == "rels"]:
        root.remove(d)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def test_new_rels_parts_get_a_content_type_without_a_rels_default(tmp_path: Path) -> None:
    src = customers(tmp_path / "lo5.xlsx")
    data = src.read_bytes()
    rels = [n for n in members(data) if n.endswith(".rels")]

    def content_types(body: bytes) -> bytes:
        body = _lo5(body)
        over = "".join(
            f'<Override PartName="/{n}" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            for n in rels
        )
        return body.replace(b"</Types>", over.encode() + b"</Types>")

    data = repack(data, {"[Content_Types].xml": content_types})
    assert ooxml_errors(data) == []
    ed = WorkbookEditor(data)
    ed.mark_cells("客户档案", {"C4": "金额可疑"})  # the sheet gets its first .rels
    ed.replace_sheet(
        "校验问题",
        ["单元格"],
        [["C4"], ["https://example.com"]],
        links={(0, 0): "'客户档案'!C4", (1, 0): "https://example.com"},
    )
    out = ed.to_bytes()
    assert ooxml_errors(out) == []
    cal = CalamineWorkbook.from_filelike(io.BytesIO(out))
    assert cal.get_sheet_by_name("校验问题").to_python() == [["单元格"], ["C4"], ["https://example.com"]]
    assert "金额可疑" in comments_of(out, "客户档案")["C4"]


# --- 20: VML shape ids: 1024-id blocks, unique across the workbook ---------------------------------
def _vml_ids(data: bytes) -> dict[str, tuple[list[int], list[int]]]:
    out = {}
    for name, body in members(data).items():
        if name.endswith(".vml"):
            blocks = [int(x) for x in re.search(rb'data="([^"]*)"', body).group(1).split(b",")]
            out[name] = (blocks, [int(x) for x in re.findall(rb'id="_x0000_s(\d+)"', body)])
    return out


def test_more_than_1024_marks_reserve_more_blocks_and_never_collide(tmp_path: Path) -> None:
    def second(wb, ws):
        other = wb.add_worksheet("跟进")
        other.write_row(0, 0, ["客户编号", "内容"])
        for i in range(30):
            other.write_row(i + 1, 0, [f"C{i + 1:03}", "回访"])
        other.write_comment("B2", "用户批注")

    data = customers(tmp_path / "many.xlsx", n=2500, extra=second).read_bytes()
    ed = WorkbookEditor(data)
    ed.mark_cells("客户档案", {f"B{r}": f"问题{r}" for r in range(2, 2302)})  # 2,300 notes
    ed.mark_cells("跟进", {f"A{r}": "编号不存在" for r in range(3, 20)})
    out = ed.to_bytes()
    vml = _vml_ids(out)
    all_ids = [i for _, ids in vml.values() for i in ids]
    assert len(all_ids) == len(set(all_ids)) == 2300 + 17 + 1
    all_blocks = [b for blocks, _ in vml.values() for b in blocks]
    assert len(all_blocks) == len(set(all_blocks))
    for blocks, ids in vml.values():
        assert {i // 1024 for i in ids} <= set(blocks)
    assert max(len(b) for b, _ in vml.values()) == 3  # 2,300 shapes need three blocks: data="a,b,c"
    assert ooxml_errors(out) == []
    notes = comments_of(out, "客户档案")
    assert len(notes) == 2300 and "问题2301" in notes["B2301"]
    assert comments_of(out, "跟进")["B2"].startswith("用户批注")
    # a second edit (next month's run) keeps the workbook consistent
    ed = WorkbookEditor(out)
    ed.mark_cells("客户档案", {f"C{r}": "金额" for r in range(2, 1500)})
    again = ed.to_bytes()
    assert ooxml_errors(again) == []
    assert len(comments_of(again, "客户档案")) == 1498


@pytest.mark.libreoffice
def test_libreoffice_saved_comments_on_two_sheets(tmp_path: Path) -> None:
    office = soffice()
    if office is None:
        pytest.skip("LibreOffice not installed")
    wb = openpyxl.Workbook()
    a = wb.active
    a.title = "客户档案"
    a.append(["客户编号", "客户名称"])
    a.append(["C001", "公司1"])
    a["B2"].comment = Comment("用户批注一", "张三")
    b = wb.create_sheet("跟进")
    b.append(["客户编号", "内容"])
    b.append(["C001", "回访"])
    b["B2"].comment = Comment("用户批注二", "李四")
    wb.save(tmp_path / "in.xlsx")
    subprocess.run(
        [
            office,
            "--headless",
            "--convert-to",
            "xlsx",
            "--outdir",
            str(tmp_path / "lo"),
            str(tmp_path / "in.xlsx"),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    data = (tmp_path / "lo" / "in.xlsx").read_bytes()
    ed = WorkbookEditor(data)
    ed.mark_cells("客户档案", {"A2": "编号可疑"})
    ed.mark_cells("跟进", {"A2": "编号可疑"})
    out = ed.to_bytes()
    for name, body in members(out).items():
        if name.endswith(".vml"):
            etree.fromstring(body)  # well-formed (LibreOffice's id="shape_0" shapes get no second id)
    vml = _vml_ids(out)
    all_ids = [i for _, ids in vml.values() for i in ids]
    assert len(all_ids) == len(set(all_ids)) == 2  # ours; LibreOffice's notes keep their id="shape_0"
    blocks = [b for bl, _ in vml.values() for b in bl]
    assert len(blocks) == len(set(blocks)) == 2
    assert ooxml_errors(out) == []
    assert comments_of(out, "客户档案")["B2"].startswith("用户批注一")
    assert comments_of(out, "跟进")["B2"].startswith("用户批注二")


# --- 21: editor-level guards -------------------------------------------------------------------------
def test_a_set_on_a_table_header_cell_is_refused(tmp_path: Path) -> None:
    src = customers(
        tmp_path / "t.xlsx",
        extra=lambda wb, ws: ws.add_table(
            "A1:C9", {"columns": [{"header": "客户编号"}, {"header": "客户名称"}, {"header": "年合作金额"}]}
        ),
    )
    data = src.read_bytes()
    ed = WorkbookEditor(data)
    with pytest.raises(ValueError, match="header cell of the Excel table"):
        ed.set_cells("客户档案", {"B1": "名称"})
    ed.set_cells("客户档案", {"B2": "新名称"})  # a data cell is fine
    out = ed.to_bytes()
    assert ooxml_errors(out) == []
    ws = openpyxl.load_workbook(io.BytesIO(out))["客户档案"]
    assert [c.value for c in ws[1]] == ["客户编号", "客户名称", "年合作金额"] and ws["B2"].value == "新名称"


def _strip_styles(body: bytes) -> bytes:
    body = re.sub(rb"<fonts\b.*?</fonts>", b"", body, flags=re.S)
    body = re.sub(rb"<borders\b.*?</borders>", b"", body, flags=re.S)
    body = re.sub(rb"<cellStyleXfs\b.*?</cellStyleXfs>", b"", body, flags=re.S)
    body = re.sub(rb"<cellStyles\b.*?</cellStyles>", b"", body, flags=re.S)
    return re.sub(rb'\s(?:fontId|borderId|xfId)="\d+"', b"", body)


def test_styles_without_fonts_borders_and_cell_style_xfs(tmp_path: Path) -> None:
    src = customers(tmp_path / "st.xlsx")
    data = repack(src.read_bytes(), {"xl/styles.xml": _strip_styles})
    assert b"<fonts" not in members(data)["xl/styles.xml"]
    ed = WorkbookEditor(data)
    ed.replace_sheet(
        "客户分层",
        ["客户编号", "首次接触"],
        [["C001", __import__("datetime").date(2024, 5, 1)]],
        links={(0, 0): "'客户档案'!A2"},
    )
    ed.mark_cells("客户档案", {"B2": "标记"})
    out = ed.to_bytes()
    styles = members(out)["xl/styles.xml"]
    assert b"<fonts" in styles and b"<borders" in styles and b"xfId=" not in styles
    assert ooxml_errors(out) == []
    rows = CalamineWorkbook.from_filelike(io.BytesIO(out)).get_sheet_by_name("客户分层").to_python()
    assert rows[1][0] == "C001" and str(rows[1][1])[:10] == "2024-05-01"


def test_corpus_nonstandard_prefix_styles_take_a_computed_sheet() -> None:
    src = CORPUS / "calamine__nonstandard-xml-ns-prefix.xlsx"
    if not src.exists():
        pytest.skip("corpus absent")
    data = src.read_bytes()
    ed = WorkbookEditor(data)
    ed.replace_sheet("客户分层", ["客户编号", "客户名称"], [["C001", "公司1"]])
    out = ed.to_bytes()
    errors_before = set(ooxml_errors(data))
    assert [e for e in ooxml_errors(out) if e not in errors_before] == []
    rows = CalamineWorkbook.from_filelike(io.BytesIO(out)).get_sheet_by_name("客户分层").to_python()
    assert rows == [["客户编号", "客户名称"], ["C001", "公司1"]]


def test_mark_fill_over_a_six_digit_rgb_fill(tmp_path: Path) -> None:
    def fill(wb, ws):
        ws.write_string("B3", "公司2", wb.add_format({"bg_color": "#FFC000"}))

    data = customers(tmp_path / "rgb.xlsx", extra=fill).read_bytes()
    data = repack(data, {"xl/styles.xml": lambda b: b.replace(b'rgb="FFFFC000"', b'rgb="FFC000"')})
    assert b'rgb="FFC000"' in members(data)["xl/styles.xml"]
    ed = WorkbookEditor(data)
    ed.mark_cells("客户档案", {"B3": "名称可疑"})
    marked = ed.to_bytes()
    styles = members(marked)["xl/styles.xml"]
    bgs = re.findall(rb'<bgColor rgb="([^"]*)"', styles)
    assert b"FFFFC000" in bgs and all(len(x) == 8 for x in bgs)
    before = set(ooxml_errors(data))  # the user's own 6-digit fgColor is theirs to keep
    assert [e for e in ooxml_errors(marked) if e not in before] == []
    original_style = openpyxl.load_workbook(io.BytesIO(data))["客户档案"]["B3"].style_id
    ed = WorkbookEditor(marked)
    ed.mark_cells("客户档案", {})  # next run: no problem left, our mark goes
    clean = ed.to_bytes()
    ws = openpyxl.load_workbook(io.BytesIO(clean))["客户档案"]
    assert ws["B3"].style_id == original_style and ws["B3"].value == "公司2"


# --- the checker's fixtures: the sample as other producers write it, through the monthly run ------
FIXTURE_SCRIPT = Path(__file__).resolve().parent.parent.parent / "shared" / "ooxml" / "ooxml_fixtures.py"
VARIANTS = ["R1_databar", "R1b_autofilter_extlst", "R2_ns0_prefix", "R3_lo5_content_types", "R4_table"]


@pytest.fixture(scope="module")
def variants(tmp_path_factory) -> Path:
    from conftest import SAMPLE

    if not FIXTURE_SCRIPT.exists() or not SAMPLE.exists():
        pytest.skip("../shared/ooxml or the sample absent")
    out = tmp_path_factory.mktemp("variants")
    import sys

    subprocess.run(
        [sys.executable, str(FIXTURE_SCRIPT), str(SAMPLE), str(out)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    return out


@pytest.mark.parametrize("variant", VARIANTS)
def test_monthly_run_on_each_producer_variant_passes_the_check(
    variants: Path, tmp_path: Path, variant: str
) -> None:
    from conftest import cli_json

    path = tmp_path / "台账.xlsx"
    path.write_bytes((variants / f"{variant}.xlsx").read_bytes())
    assert ooxml_errors(path) == []  # the variant itself is clean: what follows is ours
    before = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("客户档案").to_python()
    for _ in range(2 if variant in ("R2_ns0_prefix", "R4_table") else 1):  # (a re-run where it matters)
        code, obj = cli_json("run", str(path), "--no-summary")
        assert code in (0, 1), obj
        assert ooxml_errors(path) == []
    after = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("客户档案").to_python()
    assert len(after) >= len(before) and after[1][:3] == before[1][:3]  # header and names kept
    wb = openpyxl.load_workbook(path)
    assert {"客户分层", "校验问题", "变更记录"} <= set(wb.sheetnames)
    assert any(c.comment is not None for row in wb["客户档案"].iter_rows() for c in row)  # our notes show
    if variant == "R4_table":
        (table,) = wb["客户档案"].tables.values()
        last = max(
            r
            for r in range(1, wb["客户档案"].max_row + 1)
            if wb["客户档案"].cell(r, 1).value not in (None, "")
        )
        assert int(re.sub(r"\D", "", table.ref.split(":")[1])) >= last
    if variant == "R1_databar":
        assert b"dataBar" in members(path.read_bytes())["xl/worksheets/sheet5.xml"]
