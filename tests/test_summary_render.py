"""LibreOffice opens the summary and renders 概览 (skipped when soffice is not installed)."""

from __future__ import annotations

import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from test_summary_data import make_month_result

from workbook_crm.reports import write_summary

pytestmark = pytest.mark.libreoffice
SOFFICE = shutil.which("soffice")


def _soffice(args: list[str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    # A private profile: a user's running LibreOffice (or a parallel test) never blocks the run.
    profile = (tmp_path / "lo-profile").as_uri()
    return subprocess.run(
        [SOFFICE, f"-env:UserInstallation={profile}", "--headless", "--norestore", *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed")
def test_libreoffice_renders_the_summary(tmp_path):
    result, findings = make_month_result(n=120)
    xlsx = write_summary(result, findings, tmp_path / "summary.xlsx", source_name="客户管理.xlsx")
    run = _soffice(["--convert-to", "pdf", "--outdir", str(tmp_path), str(xlsx)], tmp_path)
    pdf = tmp_path / "summary.pdf"
    assert pdf.exists(), run.stderr
    assert pdf.stat().st_size > 10_000
    assert pdf.read_bytes().startswith(b"%PDF")
    if shutil.which("pdftotext"):
        text = subprocess.run(
            ["pdftotext", "-f", "1", "-l", "1", str(pdf), "-"], capture_output=True, text=True, check=True
        ).stdout
        assert "客户月度汇总" in text and "客户总数" in text and "KPI 达标" in text
    # Opened without repair: LibreOffice re-saves it with every sheet and the charts still there.
    run = _soffice(
        ["--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", str(tmp_path / "resaved"), str(xlsx)],
        tmp_path,
    )
    resaved = tmp_path / "resaved" / "summary.xlsx"
    assert resaved.exists(), run.stderr
    with zipfile.ZipFile(resaved) as z:
        names = z.namelist()
        workbook = z.read("xl/workbook.xml").decode()
    assert sum(n.startswith("xl/charts/chart") and n.endswith(".xml") for n in names) >= 3
    for sheet in ("概览", "客户分层", "负责人看板", "跟进提醒", "效果评估", "渠道分析", "数据质量"):
        assert f'name="{sheet}"' in workbook
