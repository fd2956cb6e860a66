"""A .xls/CSV given to `run` (issue #11): the source is never written; the record becomes a new .xlsx.

Decided before the check (from the file's first bytes, as io/guard.py decides it), so a converted
run reads, checks and grades once and writes its record straight into the new file.
"""

from __future__ import annotations

from pathlib import Path

from .errors import OutputExists, TargetExists
from .io.convert import is_csv_name
from .io.sniff import OLE_MAGIC, is_legacy_xls, looks_like_csv


def conversion_of(path: Path) -> str:
    """ ".xls" or ".csv" when io/guard.py will read ``path`` as a converted copy, else ""."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(65536)
        if head.startswith(OLE_MAGIC):
            return ".xls" if is_legacy_xls(path, path.read_bytes()) else ""
    except OSError:
        return ""  # the check says why the file cannot be read
    if not head.startswith(b"PK") and is_csv_name(path) and looks_like_csv(head):
        return ".csv"
    return ""


def converted_target(path: Path, output: Path | None = None) -> Path:
    """Where `run` puts the record of a .xls/CSV: ``output``, else NAME.xlsx beside it, else
    NAME-workbook-crm.xlsx; never over an existing file."""
    if output is not None:
        if Path(output).exists() or Path(output).is_symlink():
            raise TargetExists(output)
        return Path(output)
    for candidate in (path.with_suffix(".xlsx"), path.with_name(f"{path.stem}-workbook-crm.xlsx")):
        if not candidate.exists():
            return candidate
    raise OutputExists(path, detail=str(path.with_name(f"{path.stem}-workbook-crm.xlsx")))
