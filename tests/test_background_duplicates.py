"""The steps run by helpers while the run grades and writes (#16) — the similar names (疑似重复), the
timeliness rules that read no grade, the run state's JSON — change nothing but the time: the same findings, the same
疑似重复 rows (fuzzy pairs first, then a returning lead's proposal), the same reminders, the same
cells in the record and the summary (read back with python-calamine), the same run state. The customer count that sends
a step to a helper is lowered so a small workbook takes that path.
"""

from __future__ import annotations

import multiprocessing
import os
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import SAMPLE, build_workbook, run_copy
from workbook_crm.io import sidecar
from workbook_crm.validators import duplicates, fuzzyjob

pytestmark = pytest.mark.skipif(not sidecar.available(), reason="no fork/memfd here: never in the background")

ARCHIVE = [
    ["客户编号", "客户名称", "联系人", "手机号码", "负责人"],
    ["C001", "上海甲科技有限公司", "张三", "13800138000", "王五"],
    ["C002", "北京乙贸易有限公司", "赵六", "13700137000", "王五"],
    ["C003", "杭州丁香园网络科技有限公司", "钱七", "13600136000", "王五"],
    ["C004", "杭州丁香园网路科技有限公司", "孙八", "13500135000", "王五"],  # one character typed wrong
    ["C005", "苏州青禾贸易有限公司", "周九", "13400134000", "李雷"],
    ["C006", "苏州清禾贸易有限公司", "吴十", "13400134000", "李雷"],  # same sound, same mobile
]
REG = [
    ["客户编号", "客户名称", "联系人", "手机号码", "信息来源"],
    [None, "上海甲科技有限公司", "李四", "139 0013 9000", "展会对接"],  # returns with another contact
]


def _run(src: Path, folder: Path, month: str = "2024-05") -> tuple[Any, ...]:
    return run_copy(src, folder, month)


@pytest.fixture
def forks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every customer count goes to the helper; the names of the helpers forked."""
    monkeypatch.setattr(sidecar, "BACKGROUND_ROWS", 0)
    monkeypatch.delenv(sidecar.ONE_PROCESS_ENV, raising=False)
    made: list[str] = []
    real = sidecar.Sidecar.__init__

    def init(self: sidecar.Sidecar, job: Any, name: str = "read") -> None:
        made.append(name)
        real(self, job, name)

    monkeypatch.setattr(sidecar.Sidecar, "__init__", init)
    return made


def _only_here(fn: Any, fail: Any) -> Any:
    """``fn`` in this process; in a forked helper, ``fail()`` instead."""
    parent = os.getpid()

    def only_here(*args: Any, **kwargs: Any) -> Any:
        if os.getpid() != parent:
            fail()
        return fn(*args, **kwargs)

    return only_here


def _one_process(
    src: Path, folder: Path, monkeypatch: pytest.MonkeyPatch, forks: list[str], month: str = "2024-05"
) -> Any:
    monkeypatch.setenv(sidecar.ONE_PROCESS_ENV, "1")
    n = len(forks)
    one = _run(src, folder, month)
    assert len(forks) == n  # no helper this time
    monkeypatch.delenv(sidecar.ONE_PROCESS_ENV)
    return one


def test_the_background_search_writes_what_the_run_in_line_writes(
    forks: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    src = build_workbook(tmp_path / "src.xlsx", {"客户档案": ARCHIVE, "客户信息登记表": REG})
    two = _run(src, tmp_path / "background")
    assert "duplicates" in forks
    one = _one_process(src, tmp_path / "one", monkeypatch, forks)
    assert two == one
    found = [(f["sheet"], f["cell"], f["code"]) for f in two[1]["findings"] if "duplicate" in f["code"]]
    assert ("客户档案", "B5", "possible-duplicate") in found  # the search found something to compare
    dups = two[2]["疑似重复"]
    assert [r[0] for r in dups[1:]][-1] == "C001"  # the returning lead's proposal after the pairs
    assert len(dups) >= 3
    assert not multiprocessing.active_children()


def test_a_failed_helper_leaves_the_search_to_the_run(
    forks: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    def fall_over() -> None:
        raise RuntimeError("the helper fell over")

    monkeypatch.setattr(fuzzyjob, "fuzzy_duplicates", _only_here(duplicates.fuzzy_duplicates, fall_over))
    src = build_workbook(tmp_path / "src.xlsx", {"客户档案": ARCHIVE, "客户信息登记表": REG})
    two = _run(src, tmp_path / "failed")
    assert "duplicates" in forks
    assert "Traceback" not in capfd.readouterr().err
    one = _one_process(src, tmp_path / "one", monkeypatch, forks)
    assert two == one
    assert not multiprocessing.active_children()


def test_the_timeliness_rules_in_a_helper_write_what_the_run_in_line_writes(
    forks: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    two = _run(SAMPLE, tmp_path / "background", "2026-11")
    assert "timeliness" in forks and "state" in forks  # the run state's JSON made by a helper too
    assert two[4]["ids"] and two[4]["columns"]  # compared below with the state written in line
    one = _one_process(SAMPLE, tmp_path / "one", monkeypatch, forks, "2026-11")
    assert two == one
    codes = {f["code"] for f in two[1]["findings"]}
    assert {"late-fair-follow-up", "late-first-visit", "late-referral-contact"} <= codes  # from the helper
    reminders = two[2]["跟进提醒"]
    assert len(reminders) > 51  # the helper's 51 reminders are among them
    assert not multiprocessing.active_children()


def test_a_failed_timeliness_helper_leaves_the_rules_to_the_run(
    forks: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    from workbook_crm import api

    def killed() -> None:
        os._exit(3)  # killed mid-way, as an out-of-memory kill would

    monkeypatch.setattr(api, "without_grades", _only_here(api.without_grades, killed))
    two = _run(SAMPLE, tmp_path / "failed", "2026-11")
    assert "timeliness" in forks
    assert "Traceback" not in capfd.readouterr().err
    one = _one_process(SAMPLE, tmp_path / "one", monkeypatch, forks, "2026-11")
    assert two == one
    assert not multiprocessing.active_children()


def test_no_process_to_be_had_means_the_run_works_alone(
    forks: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """fork fails (EAGAIN: a process limit) for the second reader and every helper: the run reads,
    checks, grades and writes in one process, with the same result, and says nothing about it."""
    import errno

    monkeypatch.setattr(sidecar, "MIN_BYTES", 0)
    monkeypatch.setattr(sidecar, "MIN_PART", 0)

    def no_fork() -> int:
        raise OSError(errno.EAGAIN, "Resource temporarily unavailable")

    with monkeypatch.context() as m:
        m.setattr(os, "fork", no_fork)
        two = _run(SAMPLE, tmp_path / "no-fork", "2026-11")
    assert {"read", "duplicates", "timeliness", "state"} <= set(forks)  # each was tried
    one = _one_process(SAMPLE, tmp_path / "one", monkeypatch, forks, "2026-11")
    assert two == one
    assert not multiprocessing.active_children()
    assert len(os.listdir(f"/proc/{os.getpid()}/fd")) < 64  # no pipe or memfd left open
