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
from collections.abc import Callable
from pathlib import Path

from ..errors import WorkbookChanged, WorkbookCrmError, WorkbookLocked, WriteFailed
from .verify import verify_package

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


def _verify(tmp: Path, verify: Verify | None, new_bytes: bytes, original: Path | None = None) -> None:
    """The file we are about to put in place is a readable workbook (``verify.verify_package``: the
    bytes we meant, untouched parts byte-identical to the original's, changed parts inflated and
    parsed, the structure sound, changed sheets loaded by the fast reader), then the caller's check."""
    verify_package(tmp, new_bytes, original)
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
