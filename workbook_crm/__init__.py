"""workbook-crm: make a hand-kept Chinese B2B CRM workbook trustworthy, in place.

The library is complete without the CLI::

    import workbook_crm
    result = workbook_crm.validate_workbook("台账.xlsx")
    result = workbook_crm.run_month("台账.xlsx", month="2024-05")

The names in ``__all__`` are the public API; everything else may change between versions.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from .errors import (
    ArchiveExists,
    BadOption,
    EncryptedWorkbook,
    FileMissing,
    ForeignOwner,
    HardLinked,
    Interrupted,
    LockedStructure,
    MaliciousWorkbook,
    NoRecognisableSheet,
    NothingToGrade,
    NotOurFile,
    OutputExists,
    ProtectedSheet,
    RulesFileError,
    SameFile,
    SheetNotFound,
    StaleLock,
    TargetExists,
    TooLarge,
    UnreadableWorkbook,
    UnsupportedFormat,
    WorkbookChanged,
    WorkbookCrmError,
    WorkbookLocked,
    WorkbookReadOnly,
    WriteFailed,
    WrongPassword,
)
from .findings import Change, Finding, Result
from .runresult import Converted, RunResult

__version__ = "0.1.0"

# lazy: `workbook-crm --help` should not import pandas (name → the module that defines it)
_LAZY = {
    "check": "api",
    "validate_workbook": "api",
    "write_summary_for": "api",
    "run_month": "monthly",
    "archive_quarter": "archive",
    "ArchiveResult": "archive",
    "read_workbook": "io.reader",
    "write_sample": "sample",
}

__all__ = [
    "ArchiveExists",
    "ArchiveResult",
    "BadOption",
    "Change",
    "Converted",
    "EncryptedWorkbook",
    "FileMissing",
    "Finding",
    "ForeignOwner",
    "HardLinked",
    "Interrupted",
    "LockedStructure",
    "MaliciousWorkbook",
    "NoRecognisableSheet",
    "NotOurFile",
    "NothingToGrade",
    "OutputExists",
    "ProtectedSheet",
    "Result",
    "RulesFileError",
    "RunResult",
    "SameFile",
    "SheetNotFound",
    "StaleLock",
    "TargetExists",
    "TooLarge",
    "UnreadableWorkbook",
    "UnsupportedFormat",
    "WorkbookChanged",
    "WorkbookCrmError",
    "WorkbookLocked",
    "WorkbookReadOnly",
    "WriteFailed",
    "WrongPassword",
    "__version__",
    "archive_quarter",
    "check",
    "read_workbook",
    "run_month",
    "validate_workbook",
    "write_sample",
    "write_summary_for",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(name)
