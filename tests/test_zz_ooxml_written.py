"""Excel opens every file we write without "repair" (issue #14): ../shared/ooxml/ooxml_check.py over
every package written anywhere in this test session (recorded by tests/ooxml_written.py), the corpus
write-back sweep included. Named ``zz`` so it runs after the tests that write them.

An edited package may keep an error its input already had (the corpus holds broken files on
purpose): only errors the input did not have count. The checker's calibration — the Excel-saved
corpus files pass — is checked here too, so a checker that flags everything cannot pass this.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from ooxml_written import checker, written

OOXML = Path(__file__).resolve().parent.parent.parent / "shared" / "ooxml"
CORPUS = OOXML.parent / "corpus"

pytestmark = pytest.mark.skipif(not (OOXML / "ooxml_check.py").exists(), reason="../shared/ooxml absent")


@pytest.fixture(scope="module")
def check():
    mod, schemas = checker()

    def run(path: Path) -> set[tuple[str, str, str]]:
        pkg = mod.check_file(str(path), schemas, max_per_code=1000)
        return {(f.code, f.part, f.message) for f in pkg.findings if f.severity == "error"}

    return run


def test_every_package_written_in_this_session_passes(check) -> None:
    files = written()
    if not files:
        pytest.skip("no package was written in this session (run with the rest of the suite)")
    bad = {}
    for out, source in files:
        errors = check(out)
        if errors and source is not None:
            errors -= check(source)
        if errors:
            bad[out.name] = sorted(errors)[:5]
    print(f"\nOOXML check: {len(files)} packages written by this session, {len(bad)} with errors")
    assert bad == {}


# fuzzed, malformed, duplicate members, or not really written by Excel (the checker's README)
BROKEN_ON_PURPOSE = {
    "calamine__date_iso.xlsx",
    "excelize__BadWorkbook.xlsx",
    "openpyxl__charts.xlsx",
    "poi__clusterfuzz-testcase-minimized-POIXSSFFuzzer-5265527465181184.xlsx",
    "poi__duplicate-filename.xlsx",
    "tealeg__badfile_noWorkbookRels.xlsx",
    "tealeg__badfile_noWorksheets.xlsx",
}


def _excel_saved(path: Path) -> bool:
    try:
        with zipfile.ZipFile(path) as z:
            app = z.read("docProps/app.xml")
    except (zipfile.BadZipFile, KeyError, OSError):
        return False
    return b"Microsoft Excel" in app


@pytest.mark.corpus
@pytest.mark.skipif(not CORPUS.exists(), reason="corpus absent")
def test_checker_calibration_excel_saved_corpus_files_pass(check) -> None:
    """The README's calibration: the Excel-saved files pass but those broken on purpose."""
    files = [p for p in sorted(CORPUS.rglob("*.xls[xm]")) if _excel_saved(p)]
    failing = [p.name for p in files if check(p)]
    print(f"\nExcel-saved corpus files: {len(files)}, failing {len(failing)}: {failing}")
    assert len(files) >= 90
    assert set(failing) == BROKEN_ON_PURPOSE
