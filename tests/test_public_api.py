"""The public names: each one in ``workbook_crm.__all__`` imports and is what its home module defines;
``__all__`` is exactly the library's functions, results and the whole exception tree of errors.py."""

from __future__ import annotations

import inspect
import subprocess
import sys

import workbook_crm
from workbook_crm import errors

FUNCTIONS = {
    "check": "workbook_crm.api",
    "validate_workbook": "workbook_crm.api",
    "write_summary_for": "workbook_crm.api",
    "run_month": "workbook_crm.monthly",
    "archive_quarter": "workbook_crm.archive",
    "read_workbook": "workbook_crm.io.reader",
    "write_sample": "workbook_crm.sample",
}
RESULTS = {
    "Result": "workbook_crm.findings",
    "Finding": "workbook_crm.findings",
    "Change": "workbook_crm.findings",
    "RunResult": "workbook_crm.runresult",
    "Converted": "workbook_crm.runresult",
    "ArchiveResult": "workbook_crm.archive",
}


def _exception_tree() -> dict[str, str]:
    """Every exception class errors.py defines (found, not listed by hand)."""
    return {
        name: "workbook_crm.errors"
        for name, obj in vars(errors).items()
        if inspect.isclass(obj) and issubclass(obj, BaseException) and obj.__module__ == errors.__name__
    }


def test_all_is_exactly_the_public_names():
    expected = {**FUNCTIONS, **RESULTS, **_exception_tree()}
    assert sorted(workbook_crm.__all__) == sorted([*expected, "__version__"])
    assert len(workbook_crm.__all__) == len(set(workbook_crm.__all__))


def test_each_public_name_imports_from_its_home():
    for name, home in {**FUNCTIONS, **RESULTS, **_exception_tree()}.items():
        obj = getattr(workbook_crm, name)
        assert obj.__module__ == home, name
        assert obj is getattr(sys.modules[home], name)
    ns: dict[str, object] = {}
    exec("from workbook_crm import *", ns)
    assert set(workbook_crm.__all__) <= set(ns)


def test_the_exception_tree_is_rooted():
    for name in _exception_tree():
        cls = getattr(workbook_crm, name)
        assert issubclass(cls, workbook_crm.WorkbookCrmError) or cls is workbook_crm.Interrupted, name
    assert issubclass(workbook_crm.RunResult, workbook_crm.Result)


def test_importing_the_package_does_not_import_pandas():
    code = "import sys, workbook_crm; workbook_crm.Finding; print('pandas' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
