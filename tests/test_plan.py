"""The run's plan of edits (plan.py) built from a real check + grade of a generated workbook, without
writing any file: what it holds is asserted against the findings, changes and grading it came from,
and the ``Checked`` it was handed is left as it was. The last test runs the real run on the same
workbook and reads the record back with calamine: the plan is what gets written."""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook

from workbook_crm import runstate
from workbook_crm.api import check, legacy_actuals
from workbook_crm.monthly import run_month
from workbook_crm.plan import Plan, Survey, build_plan, computed_changes
from workbook_crm.sample import write_sample
from workbook_crm.schema.computed import COMPUTED_SHEETS, ISSUE_COLUMNS
from workbook_crm.validators import reportable

TODAY = date(2026, 11, 30)
STAMP = "2026-11-30 09:00:00"


def _digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.rglob("*") if p.is_file()}


def _plan(path: Path) -> tuple[Plan, object, object, list, list]:
    checked, graded = check(path, month="2026-11", today=TODAY)
    findings = reportable(checked, graded.findings)
    changes = list(checked.changes) + computed_changes(checked, graded, legacy_actuals(checked))
    state = runstate.load(path)
    hand = runstate.hand_edits(checked.wb, state, runstate.current(checked.wb, changes), graded.asof)
    before = (
        {n: f.copy() for n, f in checked.clean.items()},
        list(checked.findings),
        list(checked.changes),
        sorted(checked.wb.sheets),
    )
    plan = build_plan(checked, graded, findings, changes, hand=hand, survey=Survey(), stamp=STAMP)
    after = (checked.clean, checked.findings, checked.changes, sorted(checked.wb.sheets))
    assert sorted(before[0]) == sorted(after[0])
    assert all(before[0][n].equals(after[0][n]) for n in before[0])  # the frames are untouched
    assert before[1:] == after[1:]
    return plan, checked, graded, findings, changes


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("plan")
    path = write_sample(folder / "台账.xlsx", customers=80, seed=11, today=TODAY)
    files = _digest(folder)
    out = _plan(path)
    assert _digest(folder) == files  # planning wrote nothing, not even state or a backup
    return (path, *out)


def test_plan_holds_every_computed_sheet_in_order(built):
    _, plan, checked, graded, findings, changes = built
    assert [s.spec.name for s in plan.sheets] == [s.name for s in COMPUTED_SHEETS]
    assert [s.target for s in plan.sheets] == [s.name for s in COMPUTED_SHEETS]  # all ours: a new record
    tiers = plan.sheet("客户分层")
    assert tiers.header == tuple(graded.tiers.columns)
    rows = tiers.all_rows()
    assert [r[0] for r in rows] == graded.tiers[tiers.header[0]].tolist()
    assert len(rows) == len(checked.clean["客户档案"]) > 0


def test_issue_sheet_is_the_findings_one_for_one(built):
    _, plan, _, _, findings, _ = built
    issues = plan.sheet("校验问题")
    assert issues.header == ISSUE_COLUMNS
    rows = issues.all_rows()
    assert [(r[1], r[2], r[3]) for r in rows] == [(f.code, f.sheet, f.cell) for f in findings]
    assert [r[0] for r in rows] == ["错误" if f.severity == "error" else "警告" for f in findings]
    linked = {i for (i, col) in issues.links}
    assert linked == {i for i, f in enumerate(findings) if f.sheet and f.cell}


def test_change_log_and_cells_are_the_changes(built):
    _, plan, _, graded, _, changes = built
    log = plan.sheet("变更记录").all_rows()
    assert [(r[1], r[2], r[5]) for r in log] == [(c.sheet, c.cell, c.rule) for c in changes]
    assert {r[0] for r in log} == {STAMP} and {r[7] for r in log} == {graded.month}
    written = {(e.sheet, cell) for e in plan.cells if e.style_from is None for cell in e.cells}
    assert {(c.sheet, c.cell) for c in changes} <= written  # and the rest are computed columns:
    computed = written - {(c.sheet, c.cell) for c in changes}
    assert {sheet for sheet, _ in computed} <= {"效果评估表", "市场开拓跟踪表"}
    assert len(changes) > 0


def test_marks_are_the_findings_cells(built):
    _, plan, checked, _, findings, _ = built
    data_tabs = {s.tab for s in checked.wb.sheets.values() if not s.schema.computed}
    assert set(plan.marks) == data_tabs
    expected: dict[tuple[str, str], list[str]] = {}
    for f in findings:
        if f.sheet in data_tabs and f.cell:
            expected.setdefault((f.sheet, f.cell), []).append(f"{f.message()}（{f.code}）")
    got = {(tab, cell): note for tab, notes in plan.marks.items() for cell, note in notes.items()}
    assert got == {k: "\n".join(v) for k, v in expected.items()}
    assert len(got) > 5


def _same(v: object) -> object:
    if v is None or v == "":
        return ""
    if isinstance(v, datetime):
        return v.date()
    if isinstance(v, date):
        return v
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return float(v)
    return str(v)


def test_the_run_writes_what_the_plan_says(built, tmp_path: Path):
    path, plan, *_ = built
    copy = tmp_path / path.name
    copy.write_bytes(path.read_bytes())
    run_month(copy, month="2026-11", today=TODAY, summary=False)
    book = CalamineWorkbook.from_path(str(copy))
    for name in ("客户分层", "跟进提醒", "疑似重复", "校验问题", "分级历史"):
        edit = plan.sheet(name)
        got = book.get_sheet_by_name(name).to_python()
        want = [list(edit.header), *edit.all_rows()]
        assert [[_same(v) for v in r] for r in got] == [[_same(v) for v in r] for r in want], name
