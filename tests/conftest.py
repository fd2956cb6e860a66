"""Shared test helpers: build real .xlsx files, run the real CLI, read results back with two readers."""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner

from workbook_crm.cli import main

FIXTURES = Path(__file__).parent / "fixtures"
SAMPLE = Path(__file__).parent.parent / "sample_data" / "示例台账.xlsx"
CORPUS = Path(__file__).parent.parent.parent / "shared" / "corpus"


def build_workbook(
    path: Path, sheets: dict[str, Sequence[Sequence[Any]]], *, merge_title: bool = False
) -> Path:
    """One sheet per entry, rows as given (row 1 first). ``merge_title`` merges row 1 across the header."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(list(row))
        if merge_title and len(rows) > 1:
            ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=max(2, len(rows[1])))
    wb.save(path)
    return path


def sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def cli(*args: str) -> tuple[int, str, str]:
    """Run the real click command; (exit code, stdout, stderr)."""
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def cli_json(*args: str) -> tuple[int, dict]:
    code, out, err = cli(*args, "--format", "json")
    assert out.strip(), err
    return code, json.loads(out)


def keys(obj: dict) -> set[tuple[str, str, str]]:
    return {(f["sheet"], f["cell"], f["code"]) for f in obj["findings"]}


@pytest.fixture
def sample_copy(tmp_path: Path) -> Path:
    if not SAMPLE.exists():
        pytest.skip("sample workbook not generated yet")
    dst = tmp_path / "台账.xlsx"
    shutil.copy(SAMPLE, dst)
    return dst


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def pytest_configure(config: pytest.Config) -> None:
    """Record every package our code writes (issue #14: the OOXML check runs over all of them)."""
    from ooxml_written import install

    install()


def pytest_unconfigure(config: pytest.Config) -> None:
    from ooxml_written import uninstall

    uninstall()


def calamine_cells(path: Path) -> dict[str, list[list[Any]]]:
    """Every sheet's cells read back with python-calamine; 变更记录's clock times blanked (two runs differ)."""
    import re

    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_path(str(path))
    out = {n: book.get_sheet_by_name(n).to_python() for n in book.sheet_names}
    for row in out.get("变更记录", [])[1:]:
        row[0] = re.sub(r"\d{2}:\d{2}:\d{2}", "hh:mm:ss", str(row[0]))
    return out


def run_copy(
    src: Path, folder: Path, month: str
) -> tuple[int, dict[str, Any], dict[str, Any], dict[str, Any]]:
    """The real CLI run on a copy of ``src`` in ``folder``: exit code, JSON (without paths), every cell
    of the record and of the summary."""
    import shutil

    folder.mkdir()
    work = folder / "台账.xlsx"
    shutil.copy(src, work)
    summary = folder / "汇总.xlsx"
    code, out, err = cli("run", str(work), "--month", month, "--format", "json", "--summary", str(summary))
    assert code in (0, 1), err
    result = json.loads(out)
    for k in ("file", "backup", "summary"):
        result.pop(k, None)
    from workbook_crm.runstate import state_path

    state = json.loads(state_path(work).read_text(encoding="utf-8"))
    return code, result, calamine_cells(work), calamine_cells(summary), state
