"""Lock files that say a workbook is open in Excel, WPS or LibreOffice — and the stale ones.

Excel and WPS (Windows) write ``~$name``; LibreOffice writes ``.~lock.name#``; WPS on Linux writes
``.~name`` variants. Matching ignores case (Windows/SMB shares are case-insensitive).

A LibreOffice lock holds ``name,user,host,date,profile-url;``. When its host is this computer and
either that profile's own ``.lock`` (present while LibreOffice runs with it) is gone or no
LibreOffice process runs here at all (a killed LibreOffice leaves both files), the lock is a leftover
of a crash: it is reported as stale — a distinct message, still a refusal, because only the user can
know that nobody else has the file open. Excel's ``~$`` file names no host: always "open".
"""

from __future__ import annotations

import socket
from pathlib import Path
from urllib.parse import unquote, urlparse

from ..errors import StaleLock, WorkbookLocked


def lock_files(path: Path) -> list[Path]:
    name = path.name
    wanted = {w.lower() for w in (f"~${name}", f".~lock.{name}#", f".~{name}#", f".~{name}")}
    try:
        return [p for p in path.parent.iterdir() if p.name.lower() in wanted]
    except OSError:
        return []


def stale_libreoffice_lock(lock: Path) -> bool:
    """True when ``lock`` is a LibreOffice lock of this host whose LibreOffice is no longer running."""
    if not lock.name.startswith(".~lock."):
        return False
    try:
        text = lock.read_bytes()[:4096].decode("utf-8", "replace").strip().rstrip(";")
    except OSError:
        return False
    fields = text.split(",")
    if len(fields) < 5:
        return False
    host, url = fields[2].strip(), ",".join(fields[4:]).strip()
    if host.lower() not in {socket.gethostname().lower(), socket.getfqdn().lower()}:
        return False
    parsed = urlparse(url)
    if parsed.scheme != "file" or not parsed.path:
        return False
    profile = Path(unquote(parsed.path))
    return not (profile / ".lock").exists() or _libreoffice_running() is False


def _libreoffice_running() -> bool | None:
    """Whether a LibreOffice process runs on this host (None: cannot tell, no /proc)."""
    proc = Path("/proc")
    if not (proc / "self").exists():
        return None
    for entry in proc.iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip().startswith(("soffice", "oosplash")):
                    return True
            except OSError:
                continue
    return False


def check_lock(path: Path) -> None:
    """Refuse when ``path`` (or, for a symlink, its target) is open: WorkbookLocked or StaleLock."""
    seen = [*lock_files(path)]
    if path.is_symlink():
        seen += lock_files(path.resolve())
    for lock in seen:
        if not stale_libreoffice_lock(lock):
            raise WorkbookLocked(path, detail=lock.name)
    if seen:
        raise StaleLock(path, detail=seen[0].name)
