"""Safe save: refuse when the file is open or changed, back up, write a temp file beside it, verify, swap.

The workbook is the data of record: at every failure point (permission, disk full, a verify that
fails, a signal) the original stays byte-identical and no temp file is left behind. The swap itself
detects a save by another program since our read: on Linux the new file is *exchanged* with the
record (``renameat2(RENAME_EXCHANGE)``) and the file taken out is checked (same inode, size, mtime
and SHA-256 as the one we read); if it is not, the exchange is undone and the other writer's version
stays. Elsewhere the same check runs just before ``os.replace``.

Over 300 lines on purpose: every failure point of the one code path that replaces the record
(lock, backup, temp file, verify, swap, prune) is here, to be read and reviewed together.
"""

from __future__ import annotations

import contextlib
import ctypes
import datetime as dt
import errno
import hashlib
import os
import re
import shutil
import stat
from collections.abc import Callable
from pathlib import Path

from ..errors import (
    ForeignOwner,
    HardLinked,
    TargetExists,
    WorkbookChanged,
    WorkbookCrmError,
    WorkbookReadOnly,
    WriteFailed,
)
from .locks import check_lock, lock_files
from .runfiles import clean_stale, raise_pending, signals_deferred, temp_file
from .verify import sha256_file, verify_package

Verify = Callable[[Path], None]
__all__ = ["check_lock", "lock_files", "safe_replace", "write_new", "sha256_file", "clean_stale"]

# Test hook: called with the record's path just before the final swap (after every other check), so a
# test can play the other program that saves in that instant.
BEFORE_SWAP: Callable[[Path], None] | None = None


def _verify(
    tmp: Path,
    verify: Verify | None,
    new_bytes: bytes,
    original: Path | None = None,
    *,
    sha256: str | None = None,
) -> None:
    """The file we are about to put in place is a readable workbook (``verify.verify_package``: the
    bytes we meant, untouched parts byte-identical to the original's, changed parts inflated and
    parsed, the structure sound, changed sheets loaded by the fast reader), then the caller's check."""
    verify_package(tmp, new_bytes, original, sha256=sha256)
    if verify is not None:
        verify(tmp)


def new_file_mode() -> int:
    """The mode a plain ``open(..., "w")`` would give (mkstemp's 0600 would hide the file from colleagues)."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


# --- what may be replaced ----------------------------------------------------------------------
def real_path(path: Path) -> Path:
    """The file a symlink points to (the link stays a link: its target is what gets replaced)."""
    return Path(os.path.realpath(path)) if path.is_symlink() else path


def check_replaceable(path: Path) -> os.stat_result:
    """Refuse a record we cannot replace without losing something: read-only, hard-linked, or one
    whose owner/group this account could not give back to the new file."""
    st = os.stat(path)
    if not st.st_mode & 0o222:
        raise WorkbookReadOnly(path)
    if st.st_nlink > 1:
        raise HardLinked(path, detail=str(st.st_nlink))
    if (
        hasattr(os, "geteuid")
        and os.geteuid() != 0
        and (st.st_uid != os.geteuid() or st.st_gid not in {os.getegid(), *os.getgroups()})
    ):
        raise ForeignOwner(path, detail=f"uid {st.st_uid}, gid {st.st_gid}")
    return st


def _keep_meta(st: os.stat_result | None, source: Path, tmp: Path) -> None:
    """The new file gets the old one's mode, owner, group and extended attributes (ACLs)."""
    if st is None:
        os.chmod(tmp, new_file_mode())
        return
    mine = os.stat(tmp)
    if hasattr(os, "chown") and (mine.st_uid, mine.st_gid) != (st.st_uid, st.st_gid):
        try:
            os.chown(tmp, st.st_uid, st.st_gid)
        except OSError as exc:
            raise ForeignOwner(source, detail=f"uid {st.st_uid}, gid {st.st_gid}") from exc
    os.chmod(tmp, stat.S_IMODE(st.st_mode))
    if hasattr(os, "listxattr"):
        with contextlib.suppress(OSError):
            for name in os.listxattr(source):
                with contextlib.suppress(OSError):
                    os.setxattr(tmp, name, os.getxattr(source, name))


# --- the swap ------------------------------------------------------------------------------------
_RENAME_NOREPLACE, _RENAME_EXCHANGE, _AT_FDCWD = 1, 2, -100


def _renameat2(src: Path, dst: Path, flags: int) -> bool:
    """renameat2 via ctypes; False when this OS or filesystem cannot (then the caller falls back)."""
    try:
        fn = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError, TypeError):
        return False
    if fn(_AT_FDCWD, os.fsencode(src), _AT_FDCWD, os.fsencode(dst), flags) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.ENOTSUP, errno.EPERM):
        return False
    raise OSError(err, os.strerror(err), str(dst))


class _Read:
    """What we read: the record's stat identity and content hash."""

    def __init__(self, path: Path, sha256: str, st: os.stat_result) -> None:
        self.path, self.sha256 = path, sha256
        self.ident = (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)

    def same(self, p: Path, *, content: bool = True) -> bool:
        st = os.stat(p)
        if (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns) != self.ident:
            return False
        return not content or sha256_file(p) == self.sha256


def _swap(tmp: Path, target: Path, read: _Read | None, new_sha: str, aside: Callable[[Path], None]) -> None:
    """Put ``tmp`` at ``target``. With ``read``: only if what is there is still what we read; else,
    with nothing at ``target``: only if nothing appeared there meanwhile."""
    if read is None:
        try:
            if _renameat2(tmp, target, _RENAME_NOREPLACE):
                return
        except FileExistsError:
            raise WorkbookChanged(target) from None
        if target.exists():
            raise WorkbookChanged(target)
        os.replace(tmp, target)
        return
    if _renameat2(tmp, target, _RENAME_EXCHANGE):
        try:  # tmp now holds what was at target a moment ago: must be the version we read
            ours = read.same(tmp)
        except OSError:
            ours = False
        if ours:
            with contextlib.suppress(OSError):
                tmp.unlink()
            return
        # undo: the other writer's version goes back in place
        if not _renameat2(tmp, target, _RENAME_EXCHANGE):
            os.replace(tmp, target)
        if tmp.exists() and sha256_file(tmp) != new_sha:
            aside(tmp)  # a third save landed in between: keep it among the backups
        raise WorkbookChanged(target)
    # no exchange here: hash, then look at the inode again (a save by rename during the ~30 ms hash
    # changes it), then replace — what remains is the microseconds between that look and the rename
    if not read.same(target) or not read.same(target, content=False):
        raise WorkbookChanged(target)
    os.replace(tmp, target)


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError, AttributeError):  # make a rename durable (POSIX)
        dfd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)


def _write_verified(
    target: Path,
    new_bytes: bytes,
    verify: Verify | None,
    *,
    shown: Path,
    read: _Read | None = None,
    st: os.stat_result | None = None,
    aside: Callable[[Path], None] = lambda p: None,
    on_swapped: Callable[[], None] | None = None,
    source: Path | None = None,
) -> None:
    fd, tmp = temp_file(target.parent, f".{target.stem}-", target.suffix + ".tmp")
    swapped = False
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(new_bytes)
            fh.flush()
            os.fsync(fh.fileno())
        _keep_meta(st, target, tmp)
        new_sha = hashlib.sha256(new_bytes).hexdigest()  # once: the verification and the swap use it
        original = target if target.exists() else source
        _verify(tmp, verify, new_bytes, original, sha256=new_sha)
        check_lock(shown)
        if read is not None and not read.same(
            target, content=False
        ):  # cheap; the content is checked at the swap
            raise WorkbookChanged(shown)
        if BEFORE_SWAP is not None:
            BEFORE_SWAP(target)
        with signals_deferred() as pending:
            try:
                _swap(tmp, target, read, new_sha, aside)
                swapped = True
                if on_swapped is not None:  # inside the deferred section: no signal slips in between
                    on_swapped()
                _fsync_dir(target.parent)
            finally:
                raise_pending(pending, written=swapped)
    except WorkbookChanged:
        tmp.unlink(missing_ok=True)
        raise WorkbookChanged(shown) from None
    except WorkbookCrmError:
        tmp.unlink(missing_ok=True)
        raise
    except Exception as exc:
        tmp.unlink(missing_ok=True)
        raise WriteFailed(shown, detail=_why(exc)) from exc
    except BaseException:  # Ctrl-C, SIGTERM: no temporary file left behind
        if not swapped:
            tmp.unlink(missing_ok=True)
        raise


def _why(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
        return "磁盘已满 / disk full"
    return f"{type(exc).__name__}: {exc}"[:300]


def safe_replace(
    path: Path,
    new_bytes: bytes,
    *,
    expected_sha256: str,
    backup_dir: Path | None = None,
    keep_backups: int = 10,
    verify: Verify | None = None,
    on_swapped: Callable[[], None] | None = None,
) -> Path | None:
    """Replace ``path`` by ``new_bytes`` atomically after backup and verification; returns the backup.

    A symlink's target is replaced (the link stays); the new file keeps the old one's mode, owner and
    extended attributes. Nothing happens when the file is open, read-only, hard-linked, or differs
    from what was read (``expected_sha256``), up to and including the swap itself. ``on_swapped`` is
    called the moment the new file is in place (so a caller interrupted later knows it was written)."""
    path = Path(path)
    target = real_path(path)
    check_lock(path)
    st = check_replaceable(target)
    if sha256_file(target) != expected_sha256:
        raise WorkbookChanged(path)
    read = _Read(target, expected_sha256, st)
    backup_dir = Path(backup_dir) if backup_dir else path.parent / ".workbook-crm" / "backups"
    backup = _backup(target, backup_dir, path, expected_sha256)
    done: list[bool] = []

    def swapped() -> None:
        done.append(True)
        if on_swapped is not None:
            on_swapped()

    try:
        _write_verified(
            target,
            new_bytes,
            verify,
            shown=path,
            read=read,
            st=st,
            aside=lambda p: _keep_aside(p, backup_dir, path),
            on_swapped=swapped,
        )
    except BaseException:
        if not done:
            backup.unlink(
                missing_ok=True
            )  # the record is as it was: this backup would only push out an older one
        raise
    _prune(backup_dir, path, keep_backups)
    return backup


def write_new(
    path: Path,
    new_bytes: bytes,
    verify: Verify | None = None,
    on_swapped: Callable[[], None] | None = None,
    *,
    source: Path | None = None,
) -> None:
    """--output COPY that does not exist: the same temp + verify + rename, refused if it appeared meanwhile.

    ``source``: the workbook the bytes were edited from; the parts copied from it untouched are
    then compared with it instead of inflated and parsed (as for an in-place run)."""
    path = Path(path)
    check_lock(path)
    if path.exists() or path.is_symlink():
        raise TargetExists(path)
    _write_verified(path, new_bytes, verify, shown=path, on_swapped=on_swapped, source=source)


# --- backups -------------------------------------------------------------------------------------
def _backup_name(path: Path) -> str:
    return f"{path.stem}-{dt.datetime.now().strftime('%Y%m%d-%H%M%S-%f')}{path.suffix}"


def _backup_pattern(path: Path) -> re.Pattern[str]:
    """Exactly this workbook's backups: ``台账.xlsx`` does not match ``台账-2025-…xlsx``."""
    return re.compile(rf"^{re.escape(path.stem)}-\d{{8}}-\d{{6}}-\d{{6}}{re.escape(path.suffix)}$")


def copy_synced(src: Path, dst: Path, expected_sha256: str) -> None:
    """Copy ``src`` to ``dst`` (fsynced), proving on the way that it is the version we read."""
    h = hashlib.sha256()
    with open(src, "rb") as fin, open(dst, "wb") as fout:
        for chunk in iter(lambda: fin.read(1 << 20), b""):
            h.update(chunk)
            fout.write(chunk)
        fout.flush()
        os.fsync(fout.fileno())
    if h.hexdigest() != expected_sha256:
        raise WorkbookChanged(src)


def _backup(target: Path, backup_dir: Path, shown: Path, expected_sha256: str) -> Path:
    """``NAME-stamp.xlsx`` written as ``….partial`` + fsync + rename: a half-written backup never
    carries a backup's name and is deleted on any error."""
    final = backup_dir / _backup_name(shown)
    partial = None
    try:
        backup_dir.mkdir(parents=True, exist_ok=True)
        fd, partial = temp_file(backup_dir, f"{final.name}.", ".partial")
        os.close(fd)
        copy_synced(target, partial, expected_sha256)
        with contextlib.suppress(OSError):
            shutil.copystat(target, partial)
        os.replace(partial, final)
        _fsync_dir(backup_dir)
        return final
    except WorkbookChanged:
        if partial is not None:
            partial.unlink(missing_ok=True)
        raise WorkbookChanged(shown) from None
    except BaseException as exc:
        if partial is not None:
            partial.unlink(missing_ok=True)
        if isinstance(exc, Exception) and not isinstance(exc, WorkbookCrmError):
            raise WriteFailed(shown, detail=f"backup to {backup_dir} failed: {_why(exc)}") from exc
        raise


def _keep_aside(p: Path, backup_dir: Path, shown: Path) -> None:
    with contextlib.suppress(OSError):
        os.replace(p, backup_dir / _backup_name(shown))


def _prune(backup_dir: Path, path: Path, keep: int) -> None:
    pattern = _backup_pattern(path)
    mine = sorted(p for p in backup_dir.iterdir() if pattern.match(p.name) and p.is_file())
    for old in mine[: max(len(mine) - max(keep, 1), 0)]:
        with contextlib.suppress(OSError):
            old.unlink()
