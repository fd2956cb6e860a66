"""The summary of a real graded sample: the `summary` command's file, read back by calamine, openpyxl
and LibreOffice, holds the grading's own figures (issue #15: no hand-built look-alike fixture).

The sample comes from ``workbook_crm.sample.write_sample``; the expected figures from ``api.check``
(the same read → validate → grade the command runs), never from the summary code.
"""

from __future__ import annotations

import math
import re
import shutil
import subprocess
import sys
import zipfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest
from python_calamine import CalamineWorkbook
from test_i14_data import ooxml_errors

from workbook_crm import api
from workbook_crm.grading.model import MonthResult
from workbook_crm.sample import write_sample

MONTH = "2024-05"
ROOT = Path(__file__).resolve().parents[1]
# Columns of 客户分层 whose text is never masked (IDs, names of people and labels, numbers, dates).
TIER_COLUMNS = [
    "客户编号",
    "负责人",
    "年交易额(万元)",
    "潜力评分",
    "客户等级",
    "客户分层",
    "健康度得分",
    "维护周期(天)",
    "最近跟进日期",
    "跟进状态",
]


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> tuple[Path, Path, MonthResult]:
    folder = tmp_path_factory.mktemp("sample")
    record = write_sample(folder / "客户管理.xlsx", customers=240, seed=5, today=date(2024, 5, 28))
    before = record.read_bytes()
    out = folder / "汇总.xlsx"
    run = subprocess.run(
        [sys.executable, "-m", "workbook_crm", "summary", str(record), "-o", str(out), "--month", MONTH],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=600,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert record.read_bytes() == before  # read-only on the record
    _, graded = api.check(record, month=MONTH)
    return record, out, graded


def _norm(value: Any) -> Any:
    """One form for both readers and the frame: blank → None, numbers → float, dates → date."""
    if value is None or value == "" or (isinstance(value, float) and math.isnan(value)):
        return None
    if value is pd.NaT or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, (pd.Timestamp, datetime)):
        return (
            value.date() if value == pd.Timestamp(value).normalize() else pd.Timestamp(value).to_pydatetime()
        )
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return round(float(value), 9)
    if hasattr(value, "item"):  # numpy scalars
        return _norm(value.item())
    return value


def _calamine_table(path: Path, sheet: str, first: str) -> list[dict[str, Any]]:
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(sheet).to_python()
    start = next(i for i, r in enumerate(rows) if r and r[0] == first)
    return [dict(zip(rows[start], r, strict=True)) for r in rows[start + 1 :]]


def _openpyxl_table(path: Path, sheet: str, first: str) -> list[dict[str, Any]]:
    ws = openpyxl.load_workbook(path, read_only=True)[sheet]
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    start = next(i for i, r in enumerate(rows) if r and r[0] == first)
    header = rows[start]
    return [dict(zip(header, r, strict=False)) for r in rows[start + 1 :] if any(v is not None for v in r)]


def _expected(frame: pd.DataFrame, columns: list[str]) -> list[list[Any]]:
    return [[_norm(v) for v in row] for row in frame[columns].astype(object).itertuples(index=False)]


def _got(table: list[dict[str, Any]], columns: list[str]) -> list[list[Any]]:
    return [[_norm(row.get(c)) for c in columns] for row in table]


def test_tiers_sheet_holds_the_gradings_rows(sample):
    _, out, graded = sample
    assert len(graded.tiers) > 200
    want = _expected(graded.tiers, TIER_COLUMNS)
    assert _got(_calamine_table(out, "客户分层", "客户编号"), TIER_COLUMNS) == want
    assert _got(_openpyxl_table(out, "客户分层", "客户编号"), TIER_COLUMNS) == want


def test_reminders_and_owners_hold_the_gradings_rows(sample):
    _, out, graded = sample
    columns = ["客户编号", "负责人", "提醒类型", "应跟进日期", "逾期天数"]
    want = _expected(graded.reminders, columns)
    assert len(want) > 100
    assert _got(_calamine_table(out, "跟进提醒", "客户编号"), columns) == want
    assert _got(_openpyxl_table(out, "跟进提醒", "客户编号"), columns) == want
    owner_columns = [
        c for c in ("负责人", "客户数", "S", "A", "B", "C", "逾期", "本月跟进") if c in graded.owners
    ]
    owners = _calamine_table(out, "负责人看板", "负责人")
    assert _got(owners, owner_columns)[: len(graded.owners)] == _expected(graded.owners, owner_columns)


def test_overview_tiles_are_the_gradings_kpis(sample):
    _, out, graded = sample
    k = graded.kpis
    want = {
        "客户总数": k["客户总数"],
        "本月新增": k["本月新增"],
        "逾期跟进": k["逾期跟进"],
        **{f"{g} 级客户": k[g] for g in "SABC"},
        "KPI 达标": k["KPI达标"],
    }
    rows = CalamineWorkbook.from_path(str(out)).get_sheet_by_name("概览").to_python()
    cal = {v: rows[i + 1][j] for i, r in enumerate(rows[:-1]) for j, v in enumerate(r) if v in want}
    ws = openpyxl.load_workbook(out)["概览"]
    opx = {
        c.value: ws.cell(c.row + 1, c.column).value for row in ws.iter_rows() for c in row if c.value in want
    }
    assert {label: _norm(v) for label, v in cal.items()} == {label: float(v) for label, v in want.items()}
    assert {label: _norm(v) for label, v in opx.items()} == {label: float(v) for label, v in want.items()}


def test_summary_package_passes_the_ooxml_check(sample):
    _, out, _ = sample
    assert ooxml_errors(out) == []
    with zipfile.ZipFile(out) as z:
        infos = z.infolist()
        sheet = z.read("xl/worksheets/sheet2.xml").decode()
    assert infos[0].filename == "[Content_Types].xml"
    assert {(i.compress_type, i.date_time) for i in infos} == {(zipfile.ZIP_DEFLATED, (1980, 1, 1, 0, 0, 0))}
    # The format probes in column XFD are gone from the written sheets.
    assert not re.search(r'<c r="XFD\d+"', sheet)


@pytest.mark.libreoffice
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")
def test_libreoffice_reads_the_tables_we_rendered(sample, tmp_path):
    _, out, graded = sample
    profile = (tmp_path / "lo-profile").as_uri()
    run = subprocess.run(
        [
            shutil.which("soffice") or "soffice",
            f"-env:UserInstallation={profile}",
            "--headless",
            "--norestore",
            "--convert-to",
            "xlsx:Calc MS Excel 2007 XML",
            "--outdir",
            str(tmp_path / "lo"),
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    resaved = tmp_path / "lo" / out.name
    assert resaved.exists(), run.stderr
    want = _expected(graded.tiers, TIER_COLUMNS)
    assert _got(_calamine_table(resaved, "客户分层", "客户编号"), TIER_COLUMNS) == want


def test_reports_use_no_private_xlsxwriter_internals():
    """#15: reports/ talks to xlsxwriter through its public API only."""
    private = re.compile(
        r"_write_rows|_write_cell|_get_xf_index|_get_shared_string_index|_convert_date_time|str_table"
        r"|xlsxwriter\.workbook|worksheet_class|_check_dimensions"
    )
    found = [
        (p.name, n)
        for p in sorted((ROOT / "workbook_crm" / "reports").glob("*.py"))
        for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), start=1)
        if private.search(line)
    ]
    assert found == []


def test_profit_is_shown_as_the_amount_the_grading_computed(sample):
    """利润贡献 is profit in 万元 (grading/month.py): shown with 万, never as a percentage."""
    _, out, graded = sample
    profits = pd.to_numeric(graded.tiers["利润贡献"], errors="coerce").dropna()
    assert len(profits) > 0  # the sample has profits, so the format is exercised
    ws = openpyxl.load_workbook(out)["客户分层"]
    header_row = next(r for r in ws.iter_rows(min_row=1, max_row=5) if r[0].value == "客户编号")
    col = next(c.column for c in header_row if c.value == "利润贡献")
    formats = {
        ws.cell(row, col).number_format
        for row in range(header_row[0].row + 1, ws.max_row + 1)
        if isinstance(ws.cell(row, col).value, (int, float))
    }
    assert formats == {'#,##0.00"万"'}
