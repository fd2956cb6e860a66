"""Sweep every real-world file in the shared corpus through the front door.

Each file must either read or raise a ``WorkbookCrmError`` (never another exception, never a
crash), in bounded time, and be byte-identical afterwards. ``sweep_one`` is the per-file unit:
extend it (e.g. with the CLI ``validate`` exit code) and every corpus file is covered.
Run ``pytest tests/test_corpus.py -s`` to see the outcome table.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import io
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pytest

from workbook_crm.errors import WorkbookCrmError
from workbook_crm.io.guard import open_source
from workbook_crm.io.rawread import read_raw

CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus"  # ../shared beside the clone
PER_FILE_SECONDS = 30.0  # generous: the slowest corpus file takes well under a second

pytestmark = [
    pytest.mark.corpus,
    pytest.mark.skipif(not (CORPUS / "MANIFEST.tsv").exists(), reason="shared corpus absent"),
]

# Passwords the MANIFEST states for encrypted files (the others stay refused as encrypted).
PASSWORDS = {"poi__protected_passtika.xlsx": "tika", "poi__extenxls_pwd123.xlsx": "pwd123"}


def corpus_files() -> list[str]:
    if not (CORPUS / "MANIFEST.tsv").exists():
        return []
    with (CORPUS / "MANIFEST.tsv").open(encoding="utf-8") as f:
        return [row["filename"] for row in csv.DictReader(f, delimiter="\t")]


@dataclass
class Outcome:
    name: str
    status: str  # "read" | "read-decrypted" | the WorkbookCrmError class name
    detail: str
    seconds: float
    cells: int = 0
    sheet_names: tuple[str, ...] = ()
    data: bytes = b""


def sweep_one(path: Path) -> Outcome:
    """Open and read one file; only ``WorkbookCrmError`` may escape as a refusal."""
    t0 = time.perf_counter()
    password = PASSWORDS.get(path.name)
    try:
        src = open_source(path, password=password)
        status = "read-decrypted" if src.encrypted else "read"
        raw = read_raw(src)
    except WorkbookCrmError as exc:
        return Outcome(path.name, type(exc).__name__, exc.message("en"), time.perf_counter() - t0)
    cells = sum(1 for s in raw.sheets.values() for row in s.rows for v in row if v is not None)
    return Outcome(path.name, status, "", time.perf_counter() - t0, cells, tuple(raw.sheet_names), src.data)


@functools.cache
def outcome_of(name: str) -> Outcome:
    """One sweep per file per session, shared by the per-file test and the table (any order, alone too)."""
    return sweep_one(CORPUS / name)


def _openpyxl_sheet_names(data: bytes) -> list[str] | None:
    """The second reader's list of sheets, or None where openpyxl cannot open the package."""
    try:
        return openpyxl.load_workbook(io.BytesIO(data), read_only=True).sheetnames
    except Exception:  # openpyxl refuses many odd packages that calamine reads; nothing to compare
        return None


@pytest.mark.parametrize("name", corpus_files())
def test_corpus_file(name: str) -> None:
    path = CORPUS / name
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    outcome = outcome_of(name)  # any non-WorkbookCrmError propagates and fails the test
    assert outcome.seconds < PER_FILE_SECONDS
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before
    if outcome.status.startswith("read"):
        others = _openpyxl_sheet_names(outcome.data)
        if others:  # openpyxl lists no sheets in Strict OOXML packages: nothing to compare there
            assert list(outcome.sheet_names) == others
    else:
        assert str(path) in outcome.detail  # every refusal names the file


def test_outcome_table() -> None:
    """Summary of the sweep (printed with -s); guards against the sweep silently reading nothing."""
    outcomes = [outcome_of(name) for name in corpus_files()]
    table = Counter(o.status for o in outcomes)
    print("\ncorpus outcomes:", dict(table.most_common()))
    for o in sorted(outcomes, key=lambda o: o.status):
        if not o.status.startswith("read"):
            print(f"  {o.status:20} {o.name}: {o.detail[len(str(CORPUS / o.name)) + 2 :][:140]}")
    slowest = max(outcomes, key=lambda o: o.seconds)
    print(f"  slowest: {slowest.name} {slowest.seconds:.2f} s")
    assert table["read"] + table["read-decrypted"] > len(outcomes) // 2


@pytest.mark.parametrize("name", corpus_files())
def test_corpus_file_through_the_cli(name: str, tmp_path: Path) -> None:
    """`validate` and `run` (on a copy): exit 0, 1 or 2, no traceback, the original untouched."""
    import shutil

    from click.testing import CliRunner

    from workbook_crm.cli import main

    path = CORPUS / name
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    runner = CliRunner()
    password = ["--password", PASSWORDS[name]] if name in PASSWORDS else []
    t0 = time.perf_counter()
    res = runner.invoke(main, ["validate", str(path), "--format", "json", *password])
    assert res.exit_code in (0, 1, 2), (res.exit_code, res.output, res.exception)
    assert "Traceback" not in res.output + res.stderr
    assert not isinstance(res.exception, Exception) or isinstance(res.exception, SystemExit)
    assert "内部错误" not in res.stderr, res.stderr  # a crash of ours, even if caught, is a bug
    copy = tmp_path / ("copy" + path.suffix)
    shutil.copy(path, copy)
    res2 = runner.invoke(main, ["run", str(copy), "--no-summary", "--format", "json", *password])
    assert res2.exit_code in (0, 1, 2), (res2.exit_code, res2.output, res2.exception)
    assert "Traceback" not in res2.output + res2.stderr
    assert "内部错误" not in res2.stderr, res2.stderr
    if res2.exit_code == 2:
        assert copy.read_bytes() == path.read_bytes()  # nothing written
    assert time.perf_counter() - t0 < 2 * PER_FILE_SECONDS
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before
