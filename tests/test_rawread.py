"""Raw values at absolute positions, checked against openpyxl as the second reader."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest

from workbook_crm.errors import SheetNotFound
from workbook_crm.io.guard import open_source
from workbook_crm.io.rawread import read_raw

CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus"  # ../shared beside the clone
ROOT = Path(__file__).resolve().parents[1]
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def hand_xlsx(path: Path, sheet_data: str, *, dimension: str = "A1") -> Path:
    """A one-sheet package written by hand, for cells openpyxl will not write (far refs, errors)."""
    ct = (
        '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'
    )
    rels = (
        '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
    )
    wb = (
        f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN}" xmlns:r="{REL}">'
        '<sheets><sheet name="客户档案" sheetId="1" r:id="rId1"/></sheets></workbook>'
    )
    wbrels = (
        '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{REL}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
    )
    sheet = (
        f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN}"><dimension ref="{dimension}"/>'
        f"<sheetData>{sheet_data}</sheetData></worksheet>"
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, body in [
            ("[Content_Types].xml", ct),
            ("_rels/.rels", rels),
            ("xl/workbook.xml", wb),
            ("xl/_rels/workbook.xml.rels", wbrels),
            ("xl/worksheets/sheet1.xml", sheet),
        ]:
            z.writestr(name, body)
    return path


def same_value(got: object, want: object) -> bool:
    """calamine gives ``date`` for a date-only format where openpyxl gives midnight ``datetime``."""
    if isinstance(want, dt.datetime) and type(got) is dt.date:
        return want == dt.datetime.combine(got, dt.time())
    if isinstance(want, int) and not isinstance(want, bool):
        return type(got) is float and got == want
    return type(got) is type(want) and got == want


def test_values_sit_at_absolute_positions(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "客户档案"
    ws["C5"] = "客户编号"
    ws["D5"] = "首次接触时间"
    ws["C6"] = "C001"
    ws["D6"] = dt.datetime(2024, 5, 10)
    ws["E6"] = 42
    ws["F6"] = 3.5
    ws["G6"] = True
    ws.merge_cells("C2:F3")
    wb.create_sheet("跟进").append(["x"])
    p = tmp_path / "abs.xlsx"
    wb.save(p)
    raw = read_raw(open_source(p))
    sheet = raw.sheets["客户档案"]
    assert raw.sheet_names == ["客户档案", "跟进"] and raw.date1904 is False
    assert (sheet.n_rows, sheet.n_cols) == (6, 7)
    back = openpyxl.load_workbook(p)["客户档案"]
    for r in range(sheet.n_rows):
        for c in range(sheet.n_cols):
            assert same_value(sheet.rows[r][c], back.cell(r + 1, c + 1).value), (r, c)
    assert sheet.rows[0] == [None] * 7  # row 0 is Excel row 1, even when empty
    assert sheet.merged == [(1, 2, 2, 5)]
    assert raw.sheets["跟进"].rows == [["x"]]


def test_requested_sheets_only_and_unknown_name(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    wb.active.title = "A"
    wb.create_sheet("B")["A1"] = 1
    p = tmp_path / "two.xlsx"
    wb.save(p)
    src = open_source(p)
    assert list(read_raw(src, sheets=["B"]).sheets) == ["B"]
    with pytest.raises(SheetNotFound) as info:
        read_raw(src, sheets=["客户档案"])
    assert str(p) in info.value.message("zh") and "客户档案" in info.value.message("zh")


def test_date1904_dates_come_back_as_dates(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    wb.epoch = openpyxl.utils.datetime.CALENDAR_MAC_1904
    wb.active["A1"] = dt.datetime(2024, 5, 10)
    wb.active["A1"].number_format = "yyyy-mm-dd"
    p = tmp_path / "mac.xlsx"
    wb.save(p)
    raw = read_raw(open_source(p))
    assert raw.date1904 is True
    got = raw.sheets[raw.sheet_names[0]].rows[0][0]
    assert got == dt.date(2024, 5, 10)
    assert same_value(got, openpyxl.load_workbook(p).active["A1"].value)


def test_error_cells_keep_their_text(tmp_path: Path) -> None:
    p = hand_xlsx(
        tmp_path / "err.xlsx",
        '<row r="1"><c r="A1" t="inlineStr"><is><t>金额</t></is></c><c r="B1" t="e"><v>#N/A</v></c></row>'
        '<row r="2"><c r="B2" s="0" t="e"><f>1/0</f><v>#DIV/0!</v></c><c r="C2"><v>7</v></c></row>',
    )
    rows = read_raw(open_source(p)).sheets["客户档案"].rows
    assert rows == [["金额", "#N/A", None], [None, "#DIV/0!", 7.0]]
    back = openpyxl.load_workbook(p, data_only=True).active
    assert [back["B1"].value, back["B2"].value] == [rows[0][1], rows[1][1]]


def test_declared_huge_dimension_is_ignored(tmp_path: Path) -> None:
    p = hand_xlsx(tmp_path / "dim.xlsx", '<row r="1"><c r="A1"><v>1</v></c></row>', dimension="A1:XFD1048576")
    sheet = read_raw(open_source(p)).sheets["客户档案"]
    assert (sheet.n_rows, sheet.n_cols, sheet.rows) == (1, 1, [[1.0]])


def test_stray_cell_far_below_is_dropped_and_reported(tmp_path: Path) -> None:
    rows = "".join(
        f'<row r="{r}"><c r="A{r}"><v>{r}</v></c><c r="S{r}"><v>{r}</v></c></row>' for r in range(1, 301)
    )
    p = hand_xlsx(tmp_path / "stray.xlsx", rows + '<row r="1048576"><c r="T1048576"><v>9</v></c></row>')
    src = open_source(p)
    assert src.extents["客户档案"].suspicious  # the quick scan sends it down the precise path
    sheet = read_raw(src).sheets["客户档案"]
    assert (sheet.n_rows, sheet.n_cols) == (300, 19)
    assert sheet.dropped == ["T1048576"] and sheet.dropped_count == 1
    assert sheet.rows[299][18] == 300.0 == openpyxl.load_workbook(p).active["S300"].value


XFD_PROBE = """
import json, resource, sys
sys.path.insert(0, sys.argv[2])
from workbook_crm.io.guard import open_source
from workbook_crm.io.rawread import read_raw
from workbook_crm.errors import WorkbookCrmError
try:
    sheet = read_raw(open_source(sys.argv[1])).sheets["客户档案"]
    out = {"rows": sheet.rows, "dropped": sheet.dropped}
except WorkbookCrmError as exc:
    out = {"refused": type(exc).__name__}
# VmHWM is this process image's own peak; ru_maxrss survives exec and so reports the peak of
# the forked test runner (hundreds of MB late in a long session) rather than this probe's
try:
    hwm = [l for l in open("/proc/self/status") if l.startswith("VmHWM:")][0]
    out["maxrss_mb"] = int(hwm.split()[1]) // 1024
except (OSError, IndexError):
    out["maxrss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
print(json.dumps(out, ensure_ascii=False))
"""


def test_cell_at_xfd1048576_does_not_kill_the_process(tmp_path: Path) -> None:
    # calamine alone aborts the whole process on this file (a Rust allocation failure), so the
    # probe runs in a child: a crash there fails this test instead of killing the test run.
    p = hand_xlsx(
        tmp_path / "xfd.xlsx",
        '<row r="1"><c r="A1" t="inlineStr"><is><t>客户编号</t></is></c></row>'
        '<row r="2"><c r="A2" t="inlineStr"><is><t>C001</t></is></c></row>'
        '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>',
        dimension="A1:XFD1048576",
    )
    run = subprocess.run(
        [sys.executable, "-c", XFD_PROBE, str(p), str(ROOT)], capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stderr[-2000:]
    out = json.loads(run.stdout)
    assert out["rows"] == [["客户编号"], ["C001"]] and out["dropped"] == ["XFD1048576"]
    assert out["maxrss_mb"] < 500
    assert openpyxl.load_workbook(p, read_only=True).active["A2"].value == "C001"


def test_corpus_strict_reads_like_its_transitional_twin() -> None:
    strict, twin = CORPUS / "poi__SampleSS.strict.xlsx", CORPUS / "poi__SampleSS.xlsx"
    if not strict.exists():
        pytest.skip("corpus absent")
    a, b = read_raw(open_source(strict)), read_raw(open_source(twin))
    assert a.sheet_names == b.sheet_names
    assert {n: s.rows for n, s in a.sheets.items()} == {n: s.rows for n, s in b.sheets.items()}
    assert any(s.n_rows for s in a.sheets.values())


def test_chartsheet_reads_as_empty() -> None:
    p = CORPUS / "xw__chartsheet01.xlsx"
    if not p.exists():
        pytest.skip("corpus absent")
    raw = read_raw(open_source(p))
    kinds = {n: s.n_rows for n, s in raw.sheets.items()}
    assert set(kinds) == set(raw.sheet_names) and 0 in kinds.values() and any(kinds.values())


def test_ordinary_sheet_is_not_suspicious_and_wide_column_is(tmp_path: Path) -> None:
    rows = "".join(
        f'<row r="{r}"><c r="A{r}"><v>{r}</v></c><c r="AZ{r}"><v>1</v></c></row>' for r in range(1, 2001)
    )
    src = open_source(hand_xlsx(tmp_path / "ok.xlsx", rows))
    assert not src.extents["客户档案"].suspicious
    wide = rows + '<row r="2001"><c r="BA2001"><v>1</v></c></row>'
    src = open_source(hand_xlsx(tmp_path / "wide.xlsx", wide))
    assert src.extents["客户档案"].suspicious and src.extents["客户档案"].max_col == 52
    tabbed = rows.replace('<c r="A5"', '<c\tr="ZZZ5"')
    assert open_source(hand_xlsx(tmp_path / "tab.xlsx", tabbed)).extents["客户档案"].suspicious
