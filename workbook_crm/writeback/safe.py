"""Safe save: refuse when the file is open or changed, back up, write a temp file beside it, verify, swap.

The workbook is the data of record: at every failure point (permission, disk full, a verify that
fails) the original stays byte-identical and no temp file is left behind.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import hashlib
import os
import shutil
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path

from ..errors import WorkbookChanged, WorkbookCrmError, WorkbookLocked, WriteFailed

Verify = Callable[[Path], None]


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def lock_files(path: Path) -> list[Path]:
    """Owner/lock files that say the workbook is open: Excel and WPS (Windows) write ``~$name``;
    LibreOffice writes ``.~lock.name#``; WPS on Linux writes ``.~name`` variants. Matching ignores case
    (Windows/SMB shares are case-insensitive)."""
    name = path.name
    wanted = {f"~${name}", f".~lock.{name}#", f".~{name}#", f".~{name}"}
    wanted = {w.lower() for w in wanted}
    try:
        return [p for p in path.parent.iterdir() if p.name.lower() in wanted]
    except OSError:
        return []


def _check_lock(path: Path) -> None:
    locks = lock_files(path)
    if locks:
        raise WorkbookLocked(path, detail=locks[0].name)


VERIFY_FULL_BYTES = 16 << 20   # changed parts up to this size (uncompressed) are read completely


def _changed_members(tmp: zipfile.ZipFile, original: Path | None) -> list[zipfile.ZipInfo]:
    """Members that are new or differ (CRC or size) from the original file's; all when there is none."""
    before: dict[str, tuple[int, int]] = {}
    if original is not None and original.exists():
        with contextlib.suppress(zipfile.BadZipFile, OSError), zipfile.ZipFile(original) as z:
            before = {i.filename: (i.CRC, i.file_size) for i in z.infolist()}
    return [i for i in tmp.infolist() if before.get(i.filename) != (i.CRC, i.file_size)]


def _verify(tmp: Path, verify: Verify | None, new_bytes: bytes, original: Path | None = None) -> None:
    """Prove the file we are about to put in place is a readable workbook, at a cost that does not
    grow with the row count (a 100k-row workbook holds ~500 MB of sheet XML):

    - the temp file holds exactly the bytes we meant to write (size and SHA-256);
    - the zip directory and every member's local header are sound; every member we changed or added
      that is at most ``VERIFY_FULL_BYTES`` uncompressed (workbook, styles, rels, content types,
      comments, VML, small sheets) is inflated and its CRC checked;
    - openpyxl (strict about XML and package structure) opens it read-only — content types, rels,
      workbook, styles, shared strings — and parses the first rows of every changed worksheet;
    - python-calamine (strict about the zip) opens it, finds the same sheets, and loads every changed
      worksheet up to ``VERIFY_FULL_BYTES`` completely.
    Big changed sheets are not re-read row by row: their bytes are the ones the editor deflated as it
    produced them (the same code paths the small ones go through) and the file matches those bytes."""
    import openpyxl
    import python_calamine

    if tmp.stat().st_size != len(new_bytes) or sha256_file(tmp) != hashlib.sha256(new_bytes).hexdigest():
        raise ValueError("the temporary file does not hold the bytes written")
    with open(tmp, "rb") as fh:   # a file object: openpyxl judges a path by its extension (.tmp)
        with zipfile.ZipFile(fh) as z:
            changed = {i.filename for i in _changed_members(z, original)}
            small = {i.filename for i in z.infolist() if i.filename in changed and i.file_size <= VERIFY_FULL_BYTES}
            for info in z.infolist():
                with z.open(info) as member:   # checks the local header against the directory
                    if info.filename in small:
                        while member.read(1 << 20):   # to the end: the CRC is checked there
                            pass
        fh.seek(0)
        wb = openpyxl.load_workbook(fh, read_only=True)
        try:
            names = wb.sheetnames
            for ws in wb.worksheets:
                if getattr(ws, "_worksheet_path", "").lstrip("/") in changed:
                    for _ in ws.iter_rows(max_row=2):
                        pass
            parts = {ws.title: getattr(ws, "_worksheet_path", "").lstrip("/") for ws in wb.worksheets}
        finally:
            wb.close()
        fh.seek(0)
        cal = python_calamine.CalamineWorkbook.from_filelike(fh)
    if [n for n in cal.sheet_names if n in names] != [n for n in names if n in cal.sheet_names] or (
            set(parts) - set(cal.sheet_names)):
        raise ValueError("the two readers do not see the same sheets")
    for name, part in parts.items():
        if part in small:
            cal.get_sheet_by_name(name)
    if verify is not None:
        verify(tmp)


def new_file_mode() -> int:
    """The mode a plain ``open(..., "w")`` would give (mkstemp's 0600 would hide the file from colleagues)."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def _write_verified(path: Path, new_bytes: bytes, verify: Verify | None,
                    before_swap: Callable[[], None] | None = None) -> None:
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=path.suffix + ".tmp", dir=path.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(new_bytes)
            fh.flush()
            os.fsync(fh.fileno())
        with contextlib.suppress(OSError):   # the replaced file keeps its mode; a new one gets the umask's
            shutil.copymode(path, tmp) if path.exists() else os.chmod(tmp, new_file_mode())
        _verify(tmp, verify, new_bytes, path)
        if before_swap is not None:
            before_swap()
        os.replace(tmp, path)
        with contextlib.suppress(OSError, AttributeError):   # make the rename durable (POSIX)
            dfd = os.open(path.parent, os.O_RDONLY)
            try:
                os.fsync(dfd)
            finally:
                os.close(dfd)
    except WorkbookCrmError:
        tmp.unlink(missing_ok=True)
        raise
    except Exception as exc:
        tmp.unlink(missing_ok=True)
        why = "磁盘已满 / disk full" if isinstance(exc, OSError) and exc.errno == errno.ENOSPC else f"{type(exc).__name__}: {exc}"
        raise WriteFailed(path, detail=why) from exc


def safe_replace(path: Path, new_bytes: bytes, *, expected_sha256: str, backup_dir: Path | None = None,
                 keep_backups: int = 10, verify: Verify | None = None) -> Path | None:
    """Replace ``path`` by ``new_bytes`` atomically after backup and verification; returns the backup."""
    path = Path(path)
    _check_lock(path)
    if sha256_file(path) != expected_sha256:
        raise WorkbookChanged(path)
    backup_dir = Path(backup_dir) if backup_dir else path.parent / ".workbook-crm" / "backups"
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    backup = backup_dir / f"{path.stem}-{stamp}{path.suffix}"
    try:
        backup_dir.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, backup)
    except OSError as exc:
        raise WriteFailed(path, detail=f"backup to {backup_dir} failed: {exc}") from exc

    def still_same() -> None:
        _check_lock(path)
        if sha256_file(path) != expected_sha256:
            raise WorkbookChanged(path)

    _write_verified(path, new_bytes, verify, still_same)
    _prune(backup_dir, path, keep_backups)
    return backup


def write_new(path: Path, new_bytes: bytes, verify: Verify | None = None) -> None:
    """--output COPY: the same temp + verify + atomic rename, no backup (refused if COPY is open)."""
    path = Path(path)
    _check_lock(path)
    _write_verified(path, new_bytes, verify)


def _prune(backup_dir: Path, path: Path, keep: int) -> None:
    mine = sorted(p for p in backup_dir.glob(f"{path.stem}-*{path.suffix}") if p.is_file())
    for old in mine[: max(len(mine) - max(keep, 1), 0)]:
        with contextlib.suppress(OSError):
            old.unlink()
