"""Every package our code writes during the test session, kept for the OOXML check (issue #14).

``install()`` (called from conftest at start-up) wraps the two places every workbook we produce goes
through: ``Package.to_bytes`` (the record's write-back, the corpus sweep, any editor use) and
xlsxwriter's ``Workbook.close`` when called from workbook_crm code (summary, template, init,
sample). Each distinct output is stored once, by content hash, in a folder named by an environment
variable so the forked summary process records into the same place; an editor output also keeps
the package it was made from, so the check can tell the errors we added from those the input had.
``test_zz_ooxml_written.py`` runs ``../shared/ooxml/ooxml_check.py`` over them at the end of the run.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sys
import tempfile
from pathlib import Path

ENV = "WORKBOOK_CRM_OOXML_WRITTEN"


def folder() -> Path | None:
    value = os.environ.get(ENV)
    return Path(value) if value else None


def _store(data: bytes, source: bytes | None) -> None:
    where = folder()
    if where is None or not data.startswith(b"PK"):
        return
    digest = hashlib.sha256(data).hexdigest()[:24]
    target = where / f"{digest}.xlsx"
    if target.exists():
        return
    if source is not None and source != data:
        src_digest = hashlib.sha256(source).hexdigest()[:24]
        src = where / "inputs" / f"{src_digest}.xlsx"
        if not src.exists():
            src.write_bytes(source)
        (where / f"{digest}.source").write_text(src_digest)
    tmp = where / f".{digest}.{os.getpid()}.part"
    tmp.write_bytes(data)
    os.replace(tmp, target)


def install() -> None:
    """Create the session folder and wrap the writers (idempotent)."""
    if folder() is None:
        where = Path(tempfile.mkdtemp(prefix="wbcrm-ooxml-written-"))
        (where / "inputs").mkdir()
        os.environ[ENV] = str(where)
    from xlsxwriter.workbook import Workbook

    from workbook_crm.writeback.package import Package

    if getattr(Package.to_bytes, "_recorded", False):
        return
    to_bytes = Package.to_bytes

    def recorded_to_bytes(self: Package) -> bytes:
        out = to_bytes(self)
        _store(out, self._data)
        return out

    recorded_to_bytes._recorded = True  # type: ignore[attr-defined]
    Package.to_bytes = recorded_to_bytes  # type: ignore[method-assign]
    close = Workbook.close

    def recorded_close(self: Workbook) -> None:
        close(self)
        caller = sys._getframe(1).f_globals.get("__name__", "")
        name = self.filename if isinstance(self.filename, (str, os.PathLike)) else None
        if caller.startswith("workbook_crm") and name and Path(name).exists():
            _store(Path(name).read_bytes(), None)

    Workbook.close = recorded_close  # type: ignore[method-assign]


def uninstall() -> None:
    where = folder()
    if where is not None and where.name.startswith("wbcrm-ooxml-written-") and os.getpid() == _OWNER[0]:
        shutil.rmtree(where, ignore_errors=True)


_OWNER = [os.getpid()]


def written() -> list[tuple[Path, Path | None]]:
    """(output, the package it was edited from or None) for every distinct package written so far."""
    where = folder()
    if where is None or not where.exists():
        return []
    out = []
    for p in sorted(where.glob("*.xlsx")):
        src = p.with_suffix(".source")
        out.append((p, where / "inputs" / f"{src.read_text()}.xlsx" if src.exists() else None))
    return out


OOXML = Path(__file__).resolve().parent.parent.parent / "shared" / "ooxml"
_CHECKER: list = []


def checker():
    """(ooxml_check module, its SchemaSet), loaded once; None when ../shared/ooxml is absent."""
    if not _CHECKER:
        if not (OOXML / "ooxml_check.py").exists():
            _CHECKER.append(None)
        else:
            import importlib.util

            spec = importlib.util.spec_from_file_location("ooxml_check", OOXML / "ooxml_check.py")
            mod = importlib.util.module_from_spec(spec)
            sys.modules.setdefault("ooxml_check", mod)
            spec.loader.exec_module(mod)
            _CHECKER.append((mod, mod.SchemaSet(str(OOXML / "schemas"))))
    return _CHECKER[0]


def ooxml_errors(target: Path | bytes) -> list[str]:
    """The checker's errors for a package (path or bytes), as 'code part: message' lines."""
    import pytest

    loaded = checker()
    if loaded is None:
        pytest.skip("../shared/ooxml absent")
    mod, schemas = loaded
    if isinstance(target, bytes):
        fd, name = tempfile.mkstemp(suffix=".xlsx")
        os.write(fd, target)
        os.close(fd)
        try:
            return ooxml_errors(Path(name))
        finally:
            os.unlink(name)
    pkg = mod.check_file(str(target), schemas, max_per_code=1000)
    return [f"{f.code} {f.part}: {f.message}" for f in pkg.findings if f.severity == "error"]
