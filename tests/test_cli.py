"""The CLI contract: exit codes, JSON shape, languages, help with examples, the installed command."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import build_workbook, cli, cli_json, sha256

from workbook_crm.cli import main
from workbook_crm.findings import CATALOG, catalog_markdown

ROOT = Path(__file__).parent.parent
CLEAN_ARCHIVE = [
    ["客户编号", "客户名称", "负责人", "手机号码", "电子邮箱", "首次接触时间"],
    ["CX202401001", "上海甲科技有限公司", "王五", "13800138000", "a@jia.com", "2024-01-05"],
    ["CX202401002", "北京乙贸易有限公司", "赵六", "13900139000", "b@yi.cn", "2024-01-09"],
]


def test_validate_clean_workbook_exits_0(tmp_path: Path):
    p = build_workbook(tmp_path / "ok.xlsx", {"客户档案": CLEAN_ARCHIVE})
    code, obj = cli_json("validate", str(p))
    assert code == 0, obj["findings"]
    assert obj["ok"] is True and obj["counts"] == {"error": 0, "warning": 0}
    assert obj["file"] == str(p)


def test_validate_json_shape_and_english(tmp_path: Path):
    rows = [r[:] for r in CLEAN_ARCHIVE]
    rows[2][3] = "138****5678"
    p = build_workbook(tmp_path / "bad.xlsx", {"客户档案": rows})
    code, obj = cli_json("validate", str(p), "--lang", "en")
    assert code == 1 and obj["ok"] is False and obj["counts"]["error"] == 1
    f = obj["findings"][0]
    assert set(f) >= {"code", "severity", "sheet", "cell", "row", "column", "field", "value", "message"}
    assert (f["sheet"], f["cell"], f["row"], f["column"], f["code"]) == (
        "客户档案",
        "D3",
        3,
        "D",
        "masked-phone",
    )
    assert re.search(r"[A-Za-z]{4}", f["message"]) and "masked" in f["message"]
    _, zh = cli_json("validate", str(p))
    assert re.search(r"[\u4e00-\u9fff]", zh["findings"][0]["message"])


def test_validate_text_output_groups_by_sheet(tmp_path: Path):
    rows = [r[:] for r in CLEAN_ARCHIVE]
    rows[1][4] = "bad-email"
    p = build_workbook(tmp_path / "bad.xlsx", {"客户档案": rows})
    code, out, _ = cli("validate", str(p))
    assert code == 1
    assert "客户档案" in out and "E2" in out and "bad-email" in out


@pytest.mark.parametrize(
    "make, needle",
    [
        (lambda p: None, "找不到"),
        (lambda p: p.write_bytes(b""), "bad.xlsx"),
        (lambda p: p.write_text("客户名称,电话\n甲,138\n", encoding="utf-8"), "bad.xlsx"),
        (lambda p: p.write_bytes(b"PK\x03\x04" + b"\0" * 100), "bad.xlsx"),
    ],
)
def test_unusable_files_exit_2_without_traceback(tmp_path: Path, make, needle):
    p = tmp_path / "bad.xlsx"
    make(p)
    before = p.read_bytes() if p.exists() else None
    code, out, err = cli("validate", str(p))
    assert code == 2
    assert needle in err
    assert "Traceback" not in out + err
    assert (p.read_bytes() if p.exists() else None) == before


def test_bad_month_is_a_usage_error(tmp_path: Path):
    p = build_workbook(tmp_path / "ok.xlsx", {"客户档案": CLEAN_ARCHIVE})
    code, _, err = cli("validate", str(p), "--month", "2024-13")
    assert code == 2 and "2024-13" in err


def test_every_command_has_help_with_an_example_and_is_in_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name, _cmd in main.commands.items():
        code, out, _ = cli(name, "--help")
        assert code == 0
        assert "Example" in out, name
        assert f"workbook-crm {name}" in readme, name


def test_every_check_code_is_unique_and_documented():
    codes = [c.code for c in CATALOG.values()]
    assert len(codes) == len(set(codes))
    for c in CATALOG.values():
        assert c.severity in ("error", "warning")
        assert c.zh and c.en and c.hint_zh and c.hint_en, c.code
    doc = (ROOT / "docs" / "CHECKS.md").read_text(encoding="utf-8")
    assert doc == catalog_markdown(), "regenerate: python -m workbook_crm.findings > docs/CHECKS.md"


def test_installed_command_runs(tmp_path: Path):
    exe = shutil.which("workbook-crm", path=str(Path(sys.executable).parent))
    if exe is None:
        pytest.skip("package not installed as a command")
    p = build_workbook(tmp_path / "ok.xlsx", {"客户档案": CLEAN_ARCHIVE})
    before = sha256(p)
    proc = subprocess.run(
        [exe, "validate", str(p), "--format", "json"], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["ok"] is True
    proc = subprocess.run(
        [sys.executable, "-m", "workbook_crm", "--help"], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0 and "validate" in proc.stdout
    assert sha256(p) == before


@pytest.mark.parametrize("command", ["validate", "run", "summary"])
def test_a_month_that_cannot_be_is_refused_when_parsed(tmp_path: Path, command: str):
    p = build_workbook(tmp_path / "ok.xlsx", {"客户档案": CLEAN_ARCHIVE})
    before = sha256(p)
    extra = ["-o", str(tmp_path / "s.xlsx")] if command == "summary" else []
    code, out, err = cli(command, str(p), "--month", "2024-13", *extra)
    assert code == 2 and "2024-13" in err and "Traceback" not in out + err
    assert sha256(p) == before and sorted(x.name for x in tmp_path.iterdir()) == ["ok.xlsx"]


def test_a_bug_of_ours_is_an_internal_error_not_a_bad_option(tmp_path: Path, monkeypatch):
    """A ValueError deep in the library is our bug: exit 2 with 'internal error', never 'bad option'."""
    from workbook_crm import api

    def broken(*args, **kwargs):
        raise ValueError("cannot convert float NaN to integer")

    monkeypatch.setattr(api, "grade_month", broken)
    p = build_workbook(tmp_path / "ok.xlsx", {"客户档案": CLEAN_ARCHIVE})
    code, out, err = cli("validate", str(p))
    assert code == 2 and "internal error" in err and "bad option" not in err and "Traceback" not in err


def test_the_readme_python_api_runs(tmp_path: Path, monkeypatch):
    """The README's library snippet, executed as written on a copy of a real workbook."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    snippet = re.search(r"```python\n(.*?)```", readme, re.S).group(1)
    build_workbook(tmp_path / "台账.xlsx", {"客户档案": CLEAN_ARCHIVE})
    before = sha256(tmp_path / "台账.xlsx")
    monkeypatch.chdir(tmp_path)
    scope: dict = {}
    exec(compile(snippet, "README.md", "exec"), scope)
    result = scope["result"]
    assert result.ok and result.exit_code == 0 and result.to_records() == []
    assert sha256(tmp_path / "台账.xlsx") == before  # validate and a dry run write nothing
