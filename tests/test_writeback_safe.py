"""safe_replace / write_new: refuse when open or changed, back up, verify, swap atomically, never half-write."""

from __future__ import annotations

import errno
import io
import os
import shutil
import subprocess
import zipfile

import openpyxl
import pytest
import xlsxwriter

from workbook_crm.errors import WorkbookChanged, WorkbookLocked, WriteFailed
from workbook_crm.writeback import WorkbookEditor, safe_replace, sha256_file, write_new


def _book(path):
    wb = xlsxwriter.Workbook(str(path))
    wb.add_worksheet("客户档案").write_row(0, 0, ["编号", "名称"])
    wb.close()
    return path


def _edited(path) -> bytes:
    ed = WorkbookEditor(path.read_bytes())
    ed.set_cells("客户档案", {"A2": "C001"})
    return ed.to_bytes()


def _leftovers(folder):
    return [p.name for p in folder.iterdir() if p.name.endswith(".tmp")]


@pytest.mark.parametrize("lock", ["~${name}", ".~lock.{name}#", ".~{name}#"])
def test_lock_file_refuses(tmp_path, lock):
    path = _book(tmp_path / "客户.xlsx")
    before = path.read_bytes()
    (tmp_path / lock.format(name=path.name)).write_bytes(b"owner")
    with pytest.raises(WorkbookLocked):
        safe_replace(path, _edited(path), expected_sha256=sha256_file(path))
    assert path.read_bytes() == before and not _leftovers(tmp_path)


def test_changed_since_read_refuses(tmp_path):
    path = _book(tmp_path / "c.xlsx")
    sha = sha256_file(path)
    new = _edited(path)
    path.write_bytes(path.read_bytes() + b"\0")  # someone saved in between
    changed = path.read_bytes()
    with pytest.raises(WorkbookChanged):
        safe_replace(path, new, expected_sha256=sha)
    assert path.read_bytes() == changed


def test_replace_failure_leaves_original(tmp_path, monkeypatch):
    path = _book(tmp_path / "c.xlsx")
    before = path.read_bytes()

    def boom(*a, **k):
        raise OSError(errno.ENOSPC, "No space left on device")

    new = _edited(path)  # built first: the OOXML check of written packages (conftest) renames too
    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(WriteFailed) as info:
        safe_replace(path, new, expected_sha256=sha256_file(path), backup_dir=tmp_path / "bk")
    assert "disk full" in info.value.message("en")
    assert path.read_bytes() == before and not _leftovers(tmp_path)


def test_write_failure_leaves_original(tmp_path, monkeypatch):
    path = _book(tmp_path / "c.xlsx")
    before = path.read_bytes()
    real_fdopen = os.fdopen

    class Full(io.RawIOBase):
        def __init__(self, fd):
            self.fh = real_fdopen(fd, "wb")

        def write(self, b):
            raise OSError(errno.ENOSPC, "No space left on device")

        def close(self):
            self.fh.close()

    monkeypatch.setattr(os, "fdopen", lambda fd, mode="r": Full(fd))
    with pytest.raises(WriteFailed):
        safe_replace(path, _edited(path), expected_sha256=sha256_file(path), backup_dir=tmp_path / "bk")
    assert path.read_bytes() == before and not _leftovers(tmp_path)


def test_verify_failure_and_corrupt_bytes_leave_original(tmp_path):
    path = _book(tmp_path / "c.xlsx")
    before = path.read_bytes()

    def verify(p):
        raise ValueError("值不对")

    with pytest.raises(WriteFailed):
        safe_replace(path, _edited(path), expected_sha256=sha256_file(path), verify=verify)
    with pytest.raises(WriteFailed):
        safe_replace(path, b"PK\x03\x04 not a workbook", expected_sha256=sha256_file(path))
    assert path.read_bytes() == before and not _leftovers(tmp_path)


def test_success_backs_up_and_prunes(tmp_path):
    path = _book(tmp_path / "c.xlsx")
    original = path.read_bytes()
    backups = []
    for _ in range(4):
        backups.append(safe_replace(path, _edited(path), expected_sha256=sha256_file(path), keep_backups=2))
    folder = tmp_path / ".workbook-crm" / "backups"
    kept = sorted(folder.iterdir())
    assert len(kept) == 2 and kept == sorted(backups[-2:])
    assert backups[0].exists() is False
    assert openpyxl.load_workbook(path)["客户档案"]["A2"].value == "C001"
    assert original != path.read_bytes() and not _leftovers(tmp_path)


def test_write_new(tmp_path):
    src = _book(tmp_path / "c.xlsx")
    out = tmp_path / "copy.xlsx"
    write_new(out, _edited(src))
    assert openpyxl.load_workbook(out)["客户档案"]["A2"].value == "C001"


@pytest.mark.libreoffice
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice not installed")
def test_libreoffice_reads_our_values(tmp_path):
    src = _book(tmp_path / "c.xlsx")
    ed = WorkbookEditor(src.read_bytes())
    ed.set_cells("客户档案", {"A2": "C001", "B2": "=不是公式", "C2": 12.5})
    ed.mark_cells("客户档案", {"A2": "问题"})
    out = tmp_path / "edited.xlsx"
    out.write_bytes(ed.to_bytes())
    env = dict(os.environ, HOME=str(tmp_path))  # a private LibreOffice profile
    subprocess.run(
        [
            "soffice",
            "--headless",
            f"-env:UserInstallation=file://{tmp_path}/lo",
            "--convert-to",
            "csv:Text - txt - csv (StarCalc):44,34,76",
            "--outdir",
            str(tmp_path / "csv"),
            str(out),
        ],
        check=True,
        capture_output=True,
        timeout=180,
        env=env,
    )
    text = (tmp_path / "csv" / "edited.csv").read_text(encoding="utf-8", errors="replace")
    assert "C001" in text and "=不是公式" in text and "12.5" in text


def test_corrupt_changed_member_fails_verification(tmp_path):
    """Verification inflates every changed part up to VERIFY_FULL_BYTES and checks its CRC."""
    path = _book(tmp_path / "c.xlsx")
    before = path.read_bytes()
    new = bytearray(_edited(path))
    with zipfile.ZipFile(io.BytesIO(bytes(new))) as z:
        info = z.getinfo("xl/worksheets/sheet1.xml")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    new[start + info.compress_size // 2] ^= 0xFF
    with pytest.raises(WriteFailed):
        safe_replace(path, bytes(new), expected_sha256=sha256_file(path), backup_dir=tmp_path / "bk")
    assert path.read_bytes() == before and not _leftovers(tmp_path)
