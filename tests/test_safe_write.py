"""Issue #14, safe write: output paths (2), exact backups (7), the race at the swap (8), partial backups (9),
links, permissions and protection (14), signals, leftovers and locks (15).

Every test writes a real workbook, runs the real CLI or ``safe_replace`` on it and reads the user's data
back with two readers (openpyxl and python-calamine)."""

from __future__ import annotations

import errno
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter
from conftest import build_workbook, cli, sha256
from python_calamine import CalamineWorkbook

import workbook_crm.writeback.safe as safe
from workbook_crm.errors import WorkbookChanged, WriteFailed
from workbook_crm.writeback import WorkbookEditor, safe_replace, sha256_file
from workbook_crm.writeback.runfiles import HOST

ARCHIVE = [
    [
        "客户编号",
        "客户名称",
        "负责人",
        "手机号码",
        "首次接触时间",
        "年合作金额(万元)",
        "客户类型",
        "信息来源",
    ],
    ["C001", "上海甲科技有限公司", "王五", "13800138000", "2023-05-10", 120, "成交客户", "展会"],
    ["C002", "北京乙贸易有限公司", "赵六", "13900139000", "2023-06-01", 80, "成交客户", "转介绍"],
    ["C003", "广州丙制造有限公司", "王五", "138 0013 8001", "2024-01-03", 30, "意向客户", "官网"],
]


def record(path: Path, **extra_sheets) -> Path:
    """A small record of customers (openpyxl-written), plus any extra sheets."""
    return build_workbook(path, {"客户档案": ARCHIVE, **extra_sheets})


def cells(path: Path, sheet: str = "客户档案") -> list[list]:
    """The sheet's values by python-calamine (the second reader), trailing blanks dropped."""
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(sheet).to_python()
    return [[v for v in row] for row in rows]


def names(path: Path) -> list[str]:
    return openpyxl.load_workbook(path, read_only=True).sheetnames


def leftovers(folder: Path) -> list[str]:
    return sorted(
        p.name for p in folder.iterdir() if p.name.endswith((".tmp", ".partial")) or p.name.startswith(".~")
    )


def one_line(err: str) -> str:
    lines = [ln for ln in err.strip().splitlines() if ln.strip()]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


def run(path: Path, *args: str) -> tuple[int, str, str]:
    return cli("run", str(path), "--month", "2024-05", *args)


def _edited(path: Path, value: str = "C999") -> bytes:
    ed = WorkbookEditor(path.read_bytes())
    ed.set_cells("客户档案", {"A5": value})
    return ed.to_bytes()


def _other_version(path: Path) -> bytes:
    """What another program saves: the same workbook with a changed cell, written by xlsxwriter."""
    tmp = path.with_name("other.xlsx")
    wb = xlsxwriter.Workbook(str(tmp))
    ws = wb.add_worksheet("客户档案")
    for r, row in enumerate([*ARCHIVE, ["C004", "别人刚保存的客户"]]):
        ws.write_row(r, 0, row)
    wb.close()
    data = tmp.read_bytes()
    tmp.unlink()
    return data


def _save_by_rename(path: Path, data: bytes) -> None:
    """How Excel, WPS and sync clients save: a temp file renamed over the original."""
    tmp = path.with_name(".sync-client.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


# --- item 2: output paths ------------------------------------------------------------------------
def test_summary_onto_the_record_is_refused(tmp_path):
    path = record(tmp_path / "台账.xlsx")
    before, values = sha256(path), cells(path)
    code, _, err = cli("summary", str(path), "-o", str(tmp_path / "." / "台账.xlsx"), "--month", "2024-05")
    assert code == 2 and "同一个文件" in one_line(err)
    assert sha256(path) == before and cells(path) == values and names(path) == ["客户档案"]


def test_run_summary_onto_the_record_is_refused(tmp_path):
    path = record(tmp_path / "台账.xlsx")
    before, values = sha256(path), cells(path)
    link = tmp_path / "link.xlsx"
    link.symlink_to(path)
    for target in (path, link):
        code, _, err = run(path, "--summary", str(target))
        assert code == 2 and "同一个文件" in one_line(err)
    assert sha256(path) == before and cells(path) == values
    assert not (tmp_path / ".workbook-crm").exists()  # refused before any work: not even a backup


def test_run_output_onto_an_existing_workbook_backs_it_up(tmp_path):
    path = record(tmp_path / "台账.xlsx")
    other = build_workbook(tmp_path / "别的台账.xlsx", {"客户档案": [ARCHIVE[0], ["K9", "另一本台账的客户"]]})
    other_bytes, source = other.read_bytes(), sha256(path)
    code, _, err = run(path, "--output", str(other), "--no-summary")
    assert code in (0, 1), err
    assert sha256(path) == source  # the record itself is not touched
    backups = list((tmp_path / ".workbook-crm" / "backups").iterdir())
    assert [b.name for b in backups if b.name.startswith("别的台账-")] == [backups[0].name]
    assert backups[0].read_bytes() == other_bytes
    assert cells(backups[0])[1][:2] == ["K9", "另一本台账的客户"]
    assert [r[1] for r in cells(other)[1:4]] == [r[1] for r in ARCHIVE[1:4]]  # the new content is in place


def test_run_output_that_is_the_record_is_the_in_place_run(tmp_path):
    path = record(tmp_path / "台账.xlsx")
    original = path.read_bytes()
    code, _, err = run(path, "--output", str(tmp_path / "sub" / ".." / "台账.xlsx"), "--no-summary")
    assert code in (0, 1), err
    backups = list((tmp_path / ".workbook-crm" / "backups").iterdir())
    assert len(backups) == 1 and backups[0].read_bytes() == original
    assert cells(backups[0]) == cells(record(tmp_path / "again.xlsx"))
    assert "客户分层" in names(path)


def test_summary_never_replaces_a_users_file_but_replaces_its_own(tmp_path):
    path = record(tmp_path / "台账.xlsx")
    theirs = build_workbook(tmp_path / "汇总.xlsx", {"我的表": [["备注"], ["重要"]]})
    before = sha256(theirs)
    code, _, err = cli("summary", str(path), "-o", str(theirs), "--month", "2024-05")
    assert code == 2 and "不是 workbook-crm 生成的汇总" in one_line(err)
    assert sha256(theirs) == before and cells(theirs, "我的表") == [["备注"], ["重要"]]
    ours = tmp_path / "月度汇总.xlsx"
    for _ in range(2):  # the second run replaces the summary the first one wrote
        code, out, err = cli("summary", str(path), "-o", str(ours), "--month", "2024-05")
        assert code == 0, err
    sheets = names(ours)
    assert sheets[0] == "概览" and CalamineWorkbook.from_path(str(ours)).sheet_names == sheets
    assert leftovers(tmp_path) == []


# --- item 7: pruning matches exactly this workbook's backups ---------------------------------------
def test_pruning_keeps_the_backups_of_a_similarly_named_workbook(tmp_path):
    path = record(tmp_path / "台账.xlsx")
    folder = tmp_path / ".workbook-crm" / "backups"
    folder.mkdir(parents=True)
    theirs = [folder / f"台账-2025-20240101-0000{i:02d}-000000.xlsx" for i in range(12)]
    for i, p in enumerate(theirs):
        record(p, 说明=[[f"第{i}份"]])
    mine = [
        safe_replace(path, _edited(path, f"C9{i}"), expected_sha256=sha256_file(path), keep_backups=2)
        for i in range(4)
    ]
    assert all(p.exists() for p in theirs)
    assert cells(theirs[11], "说明") == [["第11份"]]
    assert sorted(p for p in folder.iterdir() if p not in theirs) == sorted(mine[-2:])
    assert cells(mine[-1])[4][0] == "C92"  # the last backup holds the version before the last run


# --- item 8: a save between the last check and the swap is never lost --------------------------------
@pytest.mark.parametrize("exchange", [True, False], ids=["renameat2-exchange", "fallback"])
def test_a_save_at_the_swap_is_kept(tmp_path, monkeypatch, exchange):
    path = record(tmp_path / "台账.xlsx")
    sha, new, theirs = sha256_file(path), _edited(path), _other_version(path)
    if not exchange:
        monkeypatch.setattr(safe, "_renameat2", lambda *a: False)
    monkeypatch.setattr(safe, "BEFORE_SWAP", lambda target: _save_by_rename(target, theirs))
    with pytest.raises(WorkbookChanged):
        safe_replace(path, new, expected_sha256=sha)
    assert path.read_bytes() == theirs
    assert cells(path)[4] == ["C004", "别人刚保存的客户", "", "", "", "", "", ""]
    assert openpyxl.load_workbook(path)["客户档案"]["B5"].value == "别人刚保存的客户"
    assert leftovers(tmp_path) == [] and list((tmp_path / ".workbook-crm" / "backups").iterdir()) == []


def test_fallback_a_save_during_the_last_hash_is_kept(tmp_path, monkeypatch):
    """Without the exchange the last check hashes the record (~30 ms at 17 MB): a save by rename in
    that time is caught by the look at the inode that follows the hash."""
    path = record(tmp_path / "台账.xlsx")
    sha, new, theirs = sha256_file(path), _edited(path), _other_version(path)
    monkeypatch.setattr(safe, "_renameat2", lambda *a: False)
    armed, real_hash = [], safe.sha256_file
    monkeypatch.setattr(safe, "BEFORE_SWAP", lambda target: armed.append(True))

    def hash_then_save(p):
        digest = real_hash(p)
        if armed:  # the last check: the other program saves while we hash
            armed.clear()
            _save_by_rename(path, theirs)
        return digest

    monkeypatch.setattr(safe, "sha256_file", hash_then_save)
    with pytest.raises(WorkbookChanged):
        safe_replace(path, new, expected_sha256=sha)
    assert path.read_bytes() == theirs and cells(path)[4][:2] == ["C004", "别人刚保存的客户"]
    assert leftovers(tmp_path) == []


def test_two_saves_around_the_exchange_are_both_kept(tmp_path, monkeypatch):
    """One save just before the exchange, another between the exchange and its undo: the first goes
    back in place, the second is kept among the backups — neither is lost."""
    path = record(tmp_path / "台账.xlsx")
    if not safe._renameat2(path, path, safe._RENAME_EXCHANGE):
        pytest.skip("renameat2(RENAME_EXCHANGE) not available here")
    sha, new, first = sha256_file(path), _edited(path), _other_version(path)
    second = _edited(path, "第二个程序")
    monkeypatch.setattr(safe, "BEFORE_SWAP", lambda target: _save_by_rename(target, first))
    real_same = safe._Read.same

    def same_then_save(self, p, *, content=True):
        answer = real_same(self, p, content=content)
        if p != self.path:  # called on the file taken out by the exchange
            _save_by_rename(self.path, second)
        return answer

    monkeypatch.setattr(safe._Read, "same", same_then_save)
    with pytest.raises(WorkbookChanged):
        safe_replace(path, new, expected_sha256=sha)
    assert path.read_bytes() == first and cells(path)[4][:2] == ["C004", "别人刚保存的客户"]
    kept = list((tmp_path / ".workbook-crm" / "backups").iterdir())
    assert [k.read_bytes() for k in kept] == [second] and cells(kept[0])[4][0] == "第二个程序"
    assert leftovers(tmp_path) == []


def test_a_save_at_the_swap_cli_exits_2_with_one_line(tmp_path, monkeypatch):
    path = record(tmp_path / "台账.xlsx")
    theirs = _other_version(path)
    monkeypatch.setattr(safe, "BEFORE_SWAP", lambda target: _save_by_rename(target, theirs))
    code, _, err = run(path)
    assert code == 2 and "运行期间被修改" in one_line(err)
    assert path.read_bytes() == theirs and cells(path)[4][:2] == ["C004", "别人刚保存的客户"]
    assert not (tmp_path / "台账-汇总-2024-05.xlsx").exists() and leftovers(tmp_path) == []


def test_exchange_is_used_where_available(tmp_path):
    """On Linux the swap is an exchange: the file taken out is the one checked (not a second look)."""
    a, b = tmp_path / "a", tmp_path / "b"
    a.write_bytes(b"A")
    b.write_bytes(b"B")
    if not safe._renameat2(a, b, safe._RENAME_EXCHANGE):
        pytest.skip("renameat2(RENAME_EXCHANGE) not available here")
    assert (a.read_bytes(), b.read_bytes()) == (b"B", b"A")


# --- item 9: backups are .partial + fsync + rename, deleted on error ---------------------------------
def test_a_full_disk_during_the_backup_leaves_no_backup_named_file(tmp_path, monkeypatch):
    path = record(tmp_path / "台账.xlsx")
    folder = tmp_path / ".workbook-crm" / "backups"
    good = [safe_replace(path, _edited(path, f"C8{i}"), expected_sha256=sha256_file(path)) for i in range(10)]
    before, values = path.read_bytes(), cells(path)

    def half_then_full(src, dst, expected):
        data = Path(src).read_bytes()
        Path(dst).write_bytes(data[: len(data) // 2])
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(safe, "copy_synced", half_then_full)
    with pytest.raises(WriteFailed) as info:
        safe_replace(path, _edited(path), expected_sha256=sha256_file(path))
    assert "disk full" in info.value.message("en")
    assert path.read_bytes() == before and cells(path) == values
    assert sorted(folder.iterdir()) == sorted(good)  # the ten good ones, nothing truncated among them
    assert [cells(b)[4][0] for b in good[1:]] == [
        f"C8{i}" for i in range(9)
    ]  # each the version before its run


def test_a_killed_runs_partial_backup_is_not_counted_and_is_removed(tmp_path):
    path = record(tmp_path / "台账.xlsx")
    folder = tmp_path / ".workbook-crm" / "backups"
    folder.mkdir(parents=True)
    dead = _dead_pid()
    partial = folder / f"台账-20240101-000000-000000.xlsx.wc{dead}h{HOST}-abc123.partial"
    partial.write_bytes(path.read_bytes()[:100])
    code, _, err = run(path, "--no-summary")
    assert code in (0, 1), err
    kept = list(folder.iterdir())
    assert len(kept) == 1 and re.fullmatch(r"台账-\d{8}-\d{6}-\d{6}\.xlsx", kept[0].name)
    assert cells(kept[0]) == cells(record(tmp_path / "same.xlsx"))


# --- item 14: links, permissions, protection ---------------------------------------------------------
def test_a_symlinked_record_updates_its_target(tmp_path):
    (tmp_path / "shared").mkdir()
    real = record(tmp_path / "shared" / "台账-真实.xlsx")
    link = tmp_path / "台账.xlsx"
    link.symlink_to(real)
    original = real.read_bytes()
    code, _, err = run(link, "--no-summary")
    assert code in (0, 1), err
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert real.read_bytes() != original and "客户分层" in names(real)
    assert cells(real)[1][:2] == ["C001", "上海甲科技有限公司"]
    assert cells(real)[3][3] == "13800138001"  # normalised through the link
    backup = next((tmp_path / ".workbook-crm" / "backups").iterdir())
    assert backup.read_bytes() == original and leftovers(tmp_path / "shared") == []


def test_a_hard_linked_record_is_refused(tmp_path):
    path = record(tmp_path / "台账.xlsx")
    twin = tmp_path / "副本.xlsx"
    os.link(path, twin)
    before = sha256(path)
    code, _, err = run(path)
    assert code == 2 and "硬链接" in one_line(err)
    assert sha256(path) == sha256(twin) == before and os.stat(path).st_ino == os.stat(twin).st_ino


def test_mode_and_owner_are_kept(tmp_path):
    path = record(tmp_path / "台账.xlsx")
    os.chmod(path, 0o640)
    owner = (os.stat(path).st_uid, os.stat(path).st_gid)
    if os.geteuid() == 0:  # as root the record may belong to anyone: it must stay theirs
        os.chown(path, 65534, 65534)
        owner = (65534, 65534)
    code, _, err = run(path, "--no-summary")
    assert code in (0, 1), err
    st = os.stat(path)
    assert (st.st_mode & 0o777, st.st_uid, st.st_gid) == (0o640, *owner)
    assert "客户分层" in names(path) and cells(path)[1][0] == "C001"


@pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() != 0 or shutil.which("setpriv") is None,
    reason="needs root and setpriv to run as another account",
)
def test_another_accounts_record_is_not_taken_over():
    """Run by `nobody` on root's group-writable record: refused, the owner stays root."""
    folder = Path(tempfile.mkdtemp(prefix="wbc-owner-"))
    try:
        os.chmod(folder, 0o777)
        path = record(folder / "台账.xlsx")
        os.chmod(path, 0o666)
        before = sha256(path)
        proc = subprocess.run(
            [
                "setpriv",
                "--reuid=65534",
                "--regid=65534",
                "--clear-groups",
                sys.executable,
                "-m",
                "workbook_crm",
                "run",
                str(path),
                "--month",
                "2024-05",
            ],
            capture_output=True,
            text=True,
            timeout=300,
            cwd=folder,
        )
        assert proc.returncode == 2 and "无法保持其所有者" in one_line(proc.stderr)
        st = os.stat(path)
        assert sha256(path) == before and (st.st_uid, st.st_gid, st.st_mode & 0o777) == (0, 0, 0o666)
        assert names(path) == ["客户档案"] and leftovers(folder) == []
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def test_a_read_only_record_is_refused(tmp_path):
    path = record(tmp_path / "台账.xlsx")
    os.chmod(path, 0o444)
    before = sha256(path)
    code, _, err = run(path)
    assert code == 2 and "只读" in one_line(err)
    assert sha256(path) == before and names(path) == ["客户档案"] and os.stat(path).st_mode & 0o777 == 0o444


def _protected(path: Path, *, sheet: str | None = None, structure: bool = False) -> Path:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in (("客户档案", ARCHIVE), ("备注", [["说明"], ["只读的说明"]])):
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
        if name == sheet:
            ws.protection.sheet = True
    if structure:
        wb.security.lockStructure = True
    wb.save(path)
    return path


def test_a_protected_sheet_we_would_edit_is_refused(tmp_path):
    path = _protected(tmp_path / "台账.xlsx", sheet="客户档案")
    before = sha256(path)
    code, _, err = run(path)
    assert code == 2 and "「客户档案」受保护" in one_line(err)
    assert sha256(path) == before and cells(path)[3][3] == "138 0013 8001"


@pytest.mark.libreoffice
def test_a_libreoffice_saved_protected_sheet_is_refused(tmp_path):
    """LibreOffice writes ``<sheetProtection sheet="true" …>``: the same refusal."""
    exe = shutil.which("soffice") or shutil.which("libreoffice")
    if exe is None:
        pytest.skip("LibreOffice not installed")
    (tmp_path / "src").mkdir()
    src = _protected(tmp_path / "src" / "台账.xlsx", sheet="客户档案")
    subprocess.run(
        [
            exe,
            "--headless",
            f"-env:UserInstallation=file://{tmp_path}/lo",
            "--convert-to",
            "xlsx",
            "--outdir",
            str(tmp_path),
            str(src),
        ],
        capture_output=True,
        timeout=180,
        env=dict(os.environ, HOME=str(tmp_path)),
    )
    path = tmp_path / "台账.xlsx"
    assert path.exists() and openpyxl.load_workbook(path)["客户档案"].protection.sheet is True
    before = sha256(path)
    code, _, err = run(path)
    assert code == 2 and "「客户档案」受保护" in one_line(err)
    assert sha256(path) == before and cells(path)[3][3] == "138 0013 8001"


def test_a_locked_structure_is_refused_when_sheets_would_be_added(tmp_path):
    path = _protected(tmp_path / "台账.xlsx", structure=True)
    before = sha256(path)
    code, _, err = run(path)
    assert code == 2 and "工作簿结构受保护" in one_line(err)
    assert sha256(path) == before and names(path) == ["客户档案", "备注"]


def test_a_protected_sheet_we_do_not_edit_is_left_alone(tmp_path):
    path = _protected(tmp_path / "台账.xlsx", sheet="备注")
    code, _, err = run(path, "--no-summary")
    assert code in (0, 1), err
    assert cells(path, "备注") == [["说明"], ["只读的说明"]]
    assert openpyxl.load_workbook(path)["备注"].protection.sheet is True
    assert cells(path)[3][3] == "13800138001"


# --- item 15: leftovers, signals, locks, the summary's folder ------------------------------------------
def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_the_next_run_removes_dead_runs_leftovers_only(tmp_path):
    path = record(tmp_path / "台账.xlsx")
    dead = _dead_pid()
    stale = [
        tmp_path / f".台账-wc{dead}h{HOST}-k2j4h5g6.xlsx.tmp",
        tmp_path / f".~summary-wc{dead}h{HOST}-x1y2z3.xlsx",
    ]
    for p in stale:
        p.write_bytes(b"PK" + b"\0" * 1000)
    folder = tmp_path / f".~workbook-crm-wc{dead}h{HOST}-abcd1234"
    folder.mkdir()
    (folder / "台账-汇总-2024-05.xlsx").write_bytes(b"half")
    live = tmp_path / f".台账-wc1h{HOST}-livelive.xlsx.tmp"  # pid 1 is alive: a running run's file
    live.write_bytes(b"x")
    other_host = tmp_path / f".台账-wc{dead}h000000-aaaa1111.xlsx.tmp"  # another computer's: left alone
    other_host.write_bytes(b"x")
    old_legacy, new_legacy = tmp_path / ".台账-k2j4h5g6.xlsx.tmp", tmp_path / ".~workbook-crm-q1w2e3r4"
    old_legacy.write_bytes(b"x")  # untagged (earlier versions): removed once older than an hour
    os.utime(old_legacy, (time.time() - 7200, time.time() - 7200))
    new_legacy.mkdir()
    code, _, err = run(path)
    assert code in (0, 1), err
    assert not folder.exists() and not any(p.exists() for p in stale) and not old_legacy.exists()
    assert live.exists() and other_host.exists() and new_legacy.exists()
    assert cells(path)[1][0] == "C001" and "客户分层" in names(path)


def test_ctrl_c_at_the_swap_exits_130_with_one_line_and_leaves_nothing(tmp_path, monkeypatch):
    path = record(tmp_path / "台账.xlsx")
    before = sha256(path)

    def ctrl_c(target):
        raise KeyboardInterrupt

    monkeypatch.setattr(safe, "BEFORE_SWAP", ctrl_c)
    code, _, err = run(path)
    assert code == 130 and "interrupted" in one_line(err) and "nothing was written" in err
    assert sha256(path) == before and names(path) == ["客户档案"]
    assert leftovers(tmp_path) == [] and list((tmp_path / ".workbook-crm" / "backups").iterdir()) == []
    assert not (tmp_path / "台账-汇总-2024-05.xlsx").exists()
    code, out, err = run(path, "--format", "json")  # a script reading stdout still gets one document
    obj = json.loads(out)
    assert code == 130 and (obj["exit_code"], obj["error"]["code"], obj["ok"]) == (130, "interrupted", False)
    assert sha256(path) == before and leftovers(tmp_path) == []


def test_ctrl_c_after_the_swap_says_the_workbook_was_written_and_keeps_the_backup(tmp_path, monkeypatch):
    path = record(tmp_path / "台账.xlsx")
    original = path.read_bytes()

    def ctrl_c(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(safe, "_prune", ctrl_c)  # the moment after the swap
    code, _, err = run(path)
    assert code == 130 and "the workbook was written" in one_line(err)
    assert "客户分层" in names(path) and cells(path)[3][3] == "13800138001"
    backups = list((tmp_path / ".workbook-crm" / "backups").iterdir())
    assert [b.read_bytes() for b in backups] == [original]
    assert leftovers(tmp_path) == [] and not (tmp_path / "台账-汇总-2024-05.xlsx").exists()


# The signal goes to the main thread itself (pthread_kill), so it is handled inside the hook, before
# the swap: os.kill may hand it to another thread of the run, whose handler then trips only once the
# swap has begun deferring signals — the record is then written and the run says so (another test).
_KILL_SCRIPT = """
import multiprocessing, signal, sys, threading
import workbook_crm.writeback.safe as safe
from workbook_crm.cli import main

pids_file, sig, path = sys.argv[1:4]

def hook(target):
    with open(pids_file, "w") as fh:
        fh.write(" ".join(str(p.pid) for p in multiprocessing.active_children()))
    signal.pthread_kill(threading.main_thread().ident, getattr(signal, sig))

safe.BEFORE_SWAP = hook
sys.argv = ["workbook-crm", "run", path, "--month", "2024-05"]
main()
"""


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _gone(pid: int, wait: float = 5.0) -> bool:
    end = time.time() + wait
    while time.time() < end:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            return True
        if state in ("Z", "X"):
            return True
        time.sleep(0.05)
    return False


@pytest.mark.skipif(not Path("/proc/self").exists() or sys.platform != "linux", reason="needs Linux /proc")
@pytest.mark.parametrize("sig", ["SIGINT", "SIGTERM", "SIGKILL"])
def test_a_killed_run_leaves_the_record_and_no_summary_process(tmp_path, sig):
    path = record(tmp_path / "台账.xlsx")
    before = sha256(path)
    pids_file = tmp_path / "children.txt"
    proc = subprocess.run(
        [sys.executable, "-c", _KILL_SCRIPT, str(pids_file), sig, str(path)],
        capture_output=True,
        text=True,
        timeout=300,
        # as a terminal's foreground run: a shell starts background jobs (a CI script run with `&`)
        # with SIGINT ignored, the run inherits that and Ctrl-C could not reach it at all
        preexec_fn=_default_sigint,
    )
    children = [int(p) for p in pids_file.read_text().split()]
    assert children, "the summary is written by a forked process"
    assert all(_gone(pid) for pid in children)  # never outlives the run, even a SIGKILLed one
    assert sha256(path) == before and names(path) == ["客户档案"]
    if sig != "SIGKILL":  # Ctrl-C → 130, SIGTERM → 143, one line, nothing left behind
        assert proc.returncode == 128 + getattr(signal, sig) and "interrupted" in one_line(proc.stderr)
        assert leftovers(tmp_path) == []
    else:
        assert proc.returncode == -signal.SIGKILL
        assert leftovers(tmp_path)  # SIGKILL cannot be caught: the next run cleans up
        code, _, err = run(path)
        assert code in (0, 1), err
        assert leftovers(tmp_path) == [] and "客户分层" in names(path)


def _lo_lock(path: Path, host: str, profile: Path) -> Path:
    lock = path.with_name(f".~lock.{path.name}#")
    lock.write_text(f",someone,{host},03.12.2026 08:04,file://{profile};", encoding="utf-8")
    return lock


def test_a_stale_libreoffice_lock_is_named_stale(tmp_path):
    path = record(tmp_path / "台账.xlsx")
    before = sha256(path)
    profile = tmp_path / "lo-profile"  # LibreOffice keeps <profile>/.lock while it runs; gone = crashed
    profile.mkdir()
    _lo_lock(path, socket.gethostname(), profile)
    code, _, err = run(path)
    assert code == 2 and "残留的锁文件" in one_line(err) and "正在 Excel/WPS 中打开" not in err
    assert sha256(path) == before


def test_a_libreoffice_lock_of_another_computer_means_open(tmp_path):
    path = record(tmp_path / "台账.xlsx")
    before = sha256(path)
    _lo_lock(path, "another-pc", tmp_path)
    code, _, err = run(path)
    assert code == 2 and "正在 Excel/WPS 中打开" in one_line(err)
    assert sha256(path) == before


def test_an_open_summary_is_not_replaced(tmp_path):
    path = record(tmp_path / "台账.xlsx")
    summary = tmp_path / "台账-汇总-2024-05.xlsx"
    code, _, err = cli("summary", str(path), "-o", str(summary), "--month", "2024-05")
    assert code == 0, err
    first = sha256(summary)
    (tmp_path / f"~${summary.name}").write_bytes(b"manager")  # the manager has it open in Excel
    code, _, err = cli("summary", str(path), "-o", str(summary), "--month", "2024-05")
    assert code == 2 and "正在 Excel/WPS 中打开" in one_line(err)
    code, out, err = run(path)  # the run writes the record and leaves the open summary alone
    assert code in (0, 1) and "汇总未生成" in err and "正在 Excel/WPS 中打开" in err
    assert sha256(summary) == first and "客户分层" in names(path)
    assert leftovers(tmp_path) == []


def _read_only_dir(folder: Path):
    folder.mkdir()
    if os.geteuid() != 0:
        os.chmod(folder, 0o555)
        return lambda: os.chmod(folder, 0o755)
    if shutil.which("chattr") is None or subprocess.run(["chattr", "+i", str(folder)]).returncode != 0:
        pytest.skip("cannot make a read-only folder as root here")
    return lambda: subprocess.run(["chattr", "-i", str(folder)])


def test_a_read_only_summary_folder_gives_one_line(tmp_path):
    path = record(tmp_path / "台账.xlsx")
    before = sha256(path)
    undo = _read_only_dir(tmp_path / "只读")
    try:
        code, _, err = run(path, "--summary", str(tmp_path / "只读" / "汇总.xlsx"))
        assert code == 2 and "不可写" in one_line(err)
        code, _, err = cli(
            "summary", str(path), "-o", str(tmp_path / "只读" / "汇总.xlsx"), "--month", "2024-05"
        )
        assert code == 2 and "写入失败" in one_line(err)
    finally:
        undo()
    assert sha256(path) == before and list((tmp_path / "只读").iterdir()) == []


@pytest.fixture
def full_disk(tmp_path):
    """A 256 KB tmpfs: a real ENOSPC (skipped where mounting is not allowed)."""
    mnt = tmp_path / "full"
    mnt.mkdir()
    if (
        sys.platform != "linux"
        or subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(mnt)], capture_output=True
        ).returncode
        != 0
    ):
        pytest.skip("cannot mount a small tmpfs here")
    yield mnt
    subprocess.run(["umount", str(mnt)], capture_output=True)


def test_a_full_disk_during_the_summary_gives_one_line(tmp_path, full_disk):
    path = build_workbook(
        tmp_path / "台账.xlsx",
        {
            "客户档案": [
                ARCHIVE[0],
                *[
                    [
                        f"C{i:03d}",
                        f"第{i}家公司{'有限' * (i % 7)}公司",
                        "王五",
                        f"1380013{i:04d}",
                        "2023-05-10",
                        i,
                        "成交客户",
                        "展会",
                    ]
                    for i in range(1, 400)
                ],
            ]
        },
    )
    (full_disk / "filler").write_bytes(b"\0" * (200 << 10))
    before = sha256(path)
    code, _, err = cli("summary", str(path), "-o", str(full_disk / "汇总.xlsx"), "--month", "2024-05")
    assert code == 2 and "disk full" in one_line(err)
    assert sorted(p.name for p in full_disk.iterdir()) == ["filler"]
    code, _, err = run(path, "--summary", str(full_disk / "汇总.xlsx"))
    assert code in (0, 1) and "Traceback" not in err and "disk full" in err
    assert sorted(p.name for p in full_disk.iterdir()) == ["filler"]
    assert sha256(path) != before and cells(path)[1][0] == "C001" and "客户分层" in names(path)
