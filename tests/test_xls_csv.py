"""Legacy .xls and CSV in (issue #11): validate, inspect and summary read them; `run` never touches
them and writes the record as a new .xlsx. Fixtures are made by LibreOffice from a workbook built
here (the tests skip where it is absent); results are read back with openpyxl and python-calamine.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import openpyxl
import pytest
from conftest import build_workbook, cli, cli_json, sha256, soffice
from python_calamine import CalamineWorkbook

MONTH = "2026-11"
ROWS = [
    [
        "客户编号",
        "客户名称",
        "负责人",
        "手机号码",
        "电子邮箱",
        "首次接触时间",
        "年合作金额(万元)",
        "客户级别",
    ],
    ["C001", "华东精密机械有限公司", "张伟", "13800138000", "zw@hdjx.com", "2026-03-02", 120, "重要"],
    ["C002", "南方物流有限公司", "李娜", "13900139000", "ln@@nfwl.com", "2026-04-15", 30, "一般"],  # wrong
    ["C003", "北辰软件有限公司", "王强", "13700137000", "", "2026-05-20", 8, "一般"],
]
EXPECTED = {("客户名单", "E3", "bad-email")}

pytestmark = pytest.mark.skipif(soffice() is None, reason="LibreOffice not installed")


def _convert(src: Path, fmt: str, out: Path) -> Path:
    subprocess.run(
        [
            soffice(),
            "--headless",
            f"-env:UserInstallation=file://{out}/lo-profile",
            "--convert-to",
            fmt,
            "--outdir",
            str(out),
            str(src),
        ],
        check=True,
        capture_output=True,
        timeout=240,
    )
    made = out / f"{src.stem}.{fmt.split(':')[0]}"
    assert made.exists()
    return made


@pytest.fixture(scope="module")
def fixtures(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("lo")
    src = build_workbook(d / "客户名单.xlsx", {"客户名单": ROWS})
    xls = _convert(src, "xls", d / "xls")
    # LibreOffice's CSV: UTF-8, comma; the other encodings and delimiters are the same text re-encoded
    csv = _convert(src, "csv:Text - txt - csv (StarCalc):44,34,76,1", d / "csv")
    return {"xls": xls, "csv": csv}


def _variant(fixtures: dict[str, Path], tmp_path: Path, kind: str) -> Path:
    if kind == "xls":
        p = tmp_path / "客户名单.xls"
        p.write_bytes(fixtures["xls"].read_bytes())
        return p
    text = fixtures["csv"].read_text(encoding="utf-8")
    encoding, delimiter = {
        "utf8": ("utf-8", ","),
        "utf8-bom-semicolon": ("utf-8-sig", ";"),
        "gbk-tab": ("gbk", "\t"),
        "gb18030": ("gb18030", ","),
    }[kind]
    p = tmp_path / "客户名单.csv"
    p.write_bytes(text.replace(",", delimiter).encode(encoding))
    return p


KINDS = ["xls", "utf8", "utf8-bom-semicolon", "gbk-tab", "gb18030"]


@pytest.mark.parametrize("kind", KINDS)
def test_validate_and_inspect_read_xls_and_csv(fixtures: dict[str, Path], tmp_path: Path, kind: str) -> None:
    p = _variant(fixtures, tmp_path, kind)
    before = sha256(p)
    code, obj = cli_json("validate", str(p), "--month", MONTH)
    assert {
        (f["sheet"], f["cell"], f["code"]) for f in obj["findings"] if f["severity"] == "error"
    } == EXPECTED
    assert code == 1
    code, ins = cli_json("inspect", str(p))
    assert code == 0 and ins["converted_from"] == (".xls" if kind == "xls" else ".csv")
    sheet = ins["sheets"][0]
    assert sheet["kind"] == "客户档案" and sheet["rows"] == 3
    fields = {c["header"]: c["field_key"] for c in sheet["columns"]}
    assert (
        fields["客户名称"] == "name" and fields["手机号码"] == "mobile" and fields["客户级别"] == "user_level"
    )
    assert sha256(p) == before


@pytest.mark.parametrize("kind", ["xls", "gbk-tab"])
def test_summary_reads_them(fixtures: dict[str, Path], tmp_path: Path, kind: str) -> None:
    p = _variant(fixtures, tmp_path, kind)
    before = sha256(p)
    out = tmp_path / "汇总.xlsx"
    code, stdout, err = cli("summary", str(p), "-o", str(out), "--month", MONTH)
    assert code == 0, err
    names = CalamineWorkbook.from_path(str(out)).sheet_names
    assert names[0] == "概览" and "客户分层" in names
    tiers = openpyxl.load_workbook(out)["客户分层"]
    assert {c.value for c in tiers["B"]} >= {"华东精密机械有限公司", "北辰软件有限公司"}
    assert sha256(p) == before


@pytest.mark.parametrize("kind", ["xls", "utf8-bom-semicolon"])
def test_run_writes_a_new_xlsx_and_never_the_source(
    fixtures: dict[str, Path], tmp_path: Path, kind: str
) -> None:
    p = _variant(fixtures, tmp_path, kind)
    before = sha256(p)
    record = tmp_path / "out" / "记录.xlsx"
    record.parent.mkdir()
    code, out, err = cli("run", str(p), "--month", MONTH, "--output", str(record), "--no-summary")
    assert code == 1, err  # the one broken email, written and marked
    assert "未改动" in out and str(record) in out
    assert sha256(p) == before
    book = CalamineWorkbook.from_path(str(record))
    assert book.sheet_names[0] == "客户名单" and "客户分层" in book.sheet_names
    data = book.get_sheet_by_name("客户名单").to_python()
    assert [r[1] for r in data[1:]] == ["华东精密机械有限公司", "南方物流有限公司", "北辰软件有限公司"]
    ws = openpyxl.load_workbook(record)["客户名单"]
    assert ws["E3"].value == "ln@@nfwl.com" and ws["E3"].comment is not None  # marked, kept as typed
    tiers = openpyxl.load_workbook(record)["客户分层"]
    header = [c.value for c in tiers[1]]
    assert [r[header.index("客户级别(自定)")] for r in tiers.iter_rows(min_row=2, values_only=True)] == [
        "重要",
        "一般",
        "一般",
    ]


def test_run_default_output_beside_the_source(fixtures: dict[str, Path], tmp_path: Path) -> None:
    p = _variant(fixtures, tmp_path, "utf8")
    code, out, err = cli("run", str(p), "--month", MONTH, "--no-summary")
    assert code == 1, err
    first = tmp_path / "客户名单.xlsx"
    assert first.exists() and str(first) in out
    code, out, err = cli("run", str(p), "--month", MONTH, "--no-summary")  # the name is taken now
    second = tmp_path / "客户名单-workbook-crm.xlsx"
    assert code == 1 and second.exists() and str(second) in out
    before = sha256(first)
    code, out, err = cli("run", str(p), "--month", MONTH, "--no-summary")  # both taken: ask, write nothing
    assert code == 2 and "--output" in err and len(err.strip().splitlines()) == 1
    assert sha256(first) == before
    assert not (tmp_path / ".workbook-crm" / "backups").exists() or not any(
        (tmp_path / ".workbook-crm" / "backups").iterdir()
    )


def test_dry_run_on_csv_writes_nothing(fixtures: dict[str, Path], tmp_path: Path) -> None:
    p = _variant(fixtures, tmp_path, "gb18030")
    code, out, err = cli("run", str(p), "--month", MONTH, "--dry-run")
    assert code == 1
    assert sorted(x.name for x in tmp_path.iterdir()) == ["客户名单.csv"]
