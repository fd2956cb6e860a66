"""The second reader (io/sidecar.py, #16) changes nothing but the time.

The long tabs whose names say what they are are read (and checked sheet by sheet) by a forked
process while the run reads the others. Here the thresholds are lowered so that even small
workbooks are split, and everything is compared with the one-process read: every cell of every
frame, the verdicts, the findings of reading; the whole run's JSON and every cell of the written
record and summary (read back with python-calamine). A tab that is not what its name says, and a
second reader that fails, leave the result as the one-process read makes it.
"""

from __future__ import annotations

import multiprocessing
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import SAMPLE, build_workbook, run_copy
from workbook_crm.errors import WorkbookCrmError
from workbook_crm.io import guard, readsplit, sidecar
from workbook_crm.io.reader import WorkbookData, read_workbook
from workbook_crm.validators import check_workbook, sheet_work

pytestmark = pytest.mark.skipif(not sidecar.available(), reason="no fork/memfd here: never split")

ROOT = Path(__file__).resolve().parent.parent
REALWORLD = sorted((ROOT.parent / "shared" / "realworld").glob("*.xlsx"))


@pytest.fixture
def split_small(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """Hand over every named tab, however small; the lists of tabs each second reader could read."""
    monkeypatch.setattr(sidecar, "MIN_BYTES", 0)
    monkeypatch.setattr(sidecar, "MIN_PART", 0)
    monkeypatch.delenv(sidecar.ONE_PROCESS_ENV, raising=False)
    forked: list[list[str]] = []
    real = readsplit.split_of

    def counting(src: Any) -> readsplit.Split:
        split = real(src)
        if split:
            forked.append(list(split.out))
        return split

    monkeypatch.setattr(readsplit, "split_of", counting)
    return forked


def _facts(wb: WorkbookData) -> list[Any]:
    out: list[Any] = [[(f.sheet, f.cell, f.code, f.params) for f in wb.findings]]
    out.append([(t, v.kind, v.how, v.reason) for t, v in wb.verdicts.items()])
    for name, s in wb.sheets.items():
        cells = [(c, r, type(v).__name__, v) for c in s.frame.columns for r, v in s.frame[c].items()]
        out.append(
            (
                name,
                s.schema.name,
                s.tab,
                s.header_row,
                s.columns,
                s.units,
                s.headers,
                s.last_row,
                s.footer_rows,
                s.merged_copies,
                s.reason,
                s.notes,
                cells,
            )
        )
    return out


def _variant(tmp_path: Path) -> Path:
    """The sample with its follow-up log renamed (our name inside a longer one) and moved first."""
    import openpyxl

    wb = openpyxl.load_workbook(SAMPLE)  # a test input only: the tool never saves through openpyxl
    ws = wb["客户跟进记录表"]
    ws.title = "2026年客户跟进记录表"
    wb.move_sheet(ws, offset=-wb.index(ws))
    out = tmp_path / "variant.xlsx"
    wb.save(out)
    return out


def test_a_split_read_equals_the_one_process_read(split_small: list[list[str]], tmp_path: Path) -> None:
    files = [SAMPLE, _variant(tmp_path), *REALWORLD]
    split_files = 0
    for path in files:
        try:
            one = read_workbook(path, split=False)
        except Exception as exc:  # a refused file is refused the same way
            with pytest.raises(type(exc)):
                read_workbook(path)
            continue
        before = len(split_small)
        two = read_workbook(path)
        split_files += len(split_small) > before
        assert _facts(two) == _facts(one), path.name
        assert all(s.schema is one.sheets[n].schema for n, s in two.sheets.items())
    assert split_files == 2  # the sample and its variant went through the second reader
    assert not multiprocessing.active_children()


def test_a_mapping_that_says_otherwise_leaves_the_read_to_one_process(
    split_small: list[list[str]], tmp_path: Path
) -> None:
    """字段映射 (here from --rules) ignores the deals log the second reader took by its name."""
    rules = tmp_path / "rules.toml"
    rules.write_text('["字段映射"]\n"工作表:交易记录" = "忽略"\n', encoding="utf-8")
    one = read_workbook(SAMPLE, rules_file=rules, split=False)
    two = read_workbook(SAMPLE, rules_file=rules)
    assert split_small and "交易记录" in split_small[-1]
    assert one.verdicts["交易记录"].kind is None
    assert _facts(two) == _facts(one)


def test_the_second_reader_checks_its_sheets_as_the_check_would(split_small: list[list[str]]) -> None:
    asof = date(2026, 11, 30)
    two = read_workbook(SAMPLE, work=sheet_work(asof, None))
    assert split_small and split_small[0]
    handed = {two.verdicts[t].kind for t in split_small[0]}
    assert all(two.sheets[k].pre is not None for k in handed)
    done = check_workbook(two, asof=asof)
    alone = check_workbook(read_workbook(SAMPLE, split=False), asof=asof)
    assert [(f.sheet, f.cell, f.code, f.params) for f in done.findings] == [
        (f.sheet, f.cell, f.code, f.params) for f in alone.findings
    ]
    assert [(c.sheet, c.cell, c.old, c.new) for c in done.changes] == [
        (c.sheet, c.cell, c.old, c.new) for c in alone.changes
    ]
    for name, frame in alone.clean.items():
        assert done.clean[name].equals(frame), name


def _run(src: Path, folder: Path) -> tuple[Any, ...]:
    return run_copy(src, folder, "2026-11")


def test_a_split_run_writes_what_the_one_process_run_writes(
    split_small: list[list[str]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    two = _run(SAMPLE, tmp_path / "split")
    assert split_small  # the run went through the second reader
    monkeypatch.setenv(sidecar.ONE_PROCESS_ENV, "1")
    n = len(split_small)
    one = _run(SAMPLE, tmp_path / "one")
    assert len(split_small) == n  # and this one did not
    assert two == one


def test_a_tab_that_is_not_what_its_name_says_is_read_as_one_process(
    split_small: list[list[str]], tmp_path: Path
) -> None:
    # "Sheet1" comes first and has a follow-up log's headers: it takes 跟进 by its headers, so the
    # tab named 客户跟进记录表 after it is not the follow-up log, whatever the second reader assumed
    head = ["客户编号", "客户名称", "跟进日期", "跟进方式", "跟进内容", "跟进人"]
    rows = [["CX202601001", "上海甲公司", "2026-11-02", "电话", "报价", "张三"]]
    path = build_workbook(
        tmp_path / "wb.xlsx",
        {
            "客户档案": [
                ["客户编号", "客户名称", "联系人", "手机号码"],
                ["CX202601001", "上海甲公司", "王", "13800138000"],
            ],
            "Sheet1": [head, *rows],
            "客户跟进记录表": [head, *rows],
        },
    )
    one = read_workbook(path, split=False)
    two = read_workbook(path)
    assert split_small == [["客户跟进记录表"]]
    assert _facts(two) == _facts(one)
    assert one.verdicts["Sheet1"].how == "headers"


def test_a_failed_second_reader_leaves_the_read_to_this_process(
    split_small: list[list[str]], monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    def broken(*_: Any) -> Any:
        raise RuntimeError("the second reader fell over")

    monkeypatch.setattr(readsplit, "child", broken)
    two = read_workbook(SAMPLE)
    assert split_small
    assert _facts(two) == _facts(read_workbook(SAMPLE, split=False))
    assert "Traceback" not in capfd.readouterr().err  # the child says nothing on the user's terminal
    assert not multiprocessing.active_children()


def test_the_second_reader_scans_its_sheets_as_the_guard_would(split_small: list[list[str]]) -> None:
    two = read_workbook(SAMPLE)
    assert split_small
    assert two.source.deferred == {}
    assert two.source.extents == guard.open_source(SAMPLE).extents


def test_a_damaged_handed_sheet_is_refused_with_the_guards_message(
    split_small: list[list[str]], tmp_path: Path
) -> None:
    """The follow-up log's part is left to the second reader and is damaged: the read is refused
    as the guard refuses it in one process, with the same message, and no child is left."""
    import struct
    import zipfile

    bad = tmp_path / "bad.xlsx"
    part = guard.open_source(SAMPLE).sheet_parts["客户跟进记录表"]
    data = bytearray(SAMPLE.read_bytes())
    with zipfile.ZipFile(SAMPLE) as zf:
        info = zf.getinfo(part)
    name_len, extra_len = struct.unpack("<2H", data[info.header_offset + 26 : info.header_offset + 30])
    body = info.header_offset + 30 + name_len + extra_len
    for i in range(body + info.compress_size // 3, body + info.compress_size // 3 + 8):
        data[i] ^= 0x5A  # the compressed rows in the middle of the part: CRC or inflate error
    bad.write_bytes(bytes(data))
    with pytest.raises(WorkbookCrmError) as one:
        read_workbook(bad, split=False)
    with pytest.raises(WorkbookCrmError) as two:
        read_workbook(bad)
    assert split_small and "客户跟进记录表" in split_small[-1]
    assert type(two.value) is type(one.value) and str(two.value) == str(one.value)
    assert part in str(one.value)  # the damaged part is named
    assert not multiprocessing.active_children()


@pytest.mark.parametrize("taker", ["parent", "child", "alternate"])
def test_the_floats_read_by_either_process_make_the_one_process_read(
    split_small: list[list[str]], monkeypatch: pytest.MonkeyPatch, taker: str
) -> None:
    """Whichever reader claims each float (all by this process, all by the second, by turns), the
    workbook read is the one-process read, and each float is read exactly once."""
    import os

    parent = os.getpid()
    real = sidecar.Claims.take
    asked: list[str] = []

    def take(self: sidecar.Claims, tab: str) -> bool:
        here = "parent" if os.getpid() == parent else "child"
        turn = sorted(self.fds).index(tab) % 2 == (here == "parent")
        want = turn if taker == "alternate" else here == taker
        if here == "parent":
            asked.append(tab)
        return real(self, tab) if want else False

    monkeypatch.setattr(sidecar.Claims, "take", take)
    asof = date(2026, 11, 30)
    two = read_workbook(SAMPLE, work=sheet_work(asof, None))
    one = read_workbook(SAMPLE, split=False)
    assert split_small and len(split_small[0]) == 4  # the fixed tab and three floats
    assert _facts(two) == _facts(one)
    assert asked == split_small[0][1:]  # this process asked for every float once, after its own tabs
    kinds = {two.verdicts[t].kind for t in split_small[0]}
    assert all(two.sheets[k].pre is not None for k in kinds)  # checked by whichever read it
    done = check_workbook(two, asof=asof)
    alone = check_workbook(one, asof=asof)
    assert [(f.sheet, f.cell, f.code) for f in done.findings] == [
        (f.sheet, f.cell, f.code) for f in alone.findings
    ]
    assert not multiprocessing.active_children()


def test_each_claim_goes_to_exactly_one_process() -> None:
    """Two processes asking for the same tabs at once: every tab is taken once, never twice."""
    import os

    claims = sidecar.Claims([f"t{i}" for i in range(200)])
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: take what it can, report what it took
        got = [t for t in list(claims.fds) if claims.take(t)]
        os.write(w, ",".join(got).encode())
        os._exit(0)
    os.close(w)
    mine = [t for t in list(claims.fds) if claims.take(t)]
    os.waitpid(pid, 0)
    theirs = [t for t in os.read(r, 1 << 16).decode().split(",") if t]
    os.close(r)
    claims.close()
    assert sorted(mine + theirs) == sorted(f"t{i}" for i in range(200))
    assert not set(mine) & set(theirs)
    assert not claims.take("t0")  # closed: nothing more is taken
