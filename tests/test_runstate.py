"""The run state file (#16): the columnar format round-trips, and a state written by the previous
version (format 1: one value list per customer) still reads as the same RunState."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from workbook_crm import runstate
from workbook_crm.excel import json_value
from workbook_crm.runstate import RunState


def _state() -> RunState:
    return RunState(
        month="2026-11",
        asof="2026-11-30",
        customers={
            "CX201411001": {
                "annual_amount": None,
                "contact": "何浩",
                "customer_type": "潜在客户",
                "mobile": "18156070842",
                "potential": 1.0,
            },
            "CX201411003": {
                "annual_amount": 12.5,
                "contact": "宋晨",
                "customer_type": "沉睡客户",
                "mobile": None,
                "potential": 3.0,
            },
        },
        ours={"效果评估表!E5": 0.0375, "效果评估表!E7": 49.32},
        events=[
            {
                "客户编号": "CX201411003",
                "客户名称": "某公司",
                "原客户类型": "成交客户",
                "新客户类型": "沉睡客户",
                "事件": "沉睡",
                "期间": "2026-10-31 ~ 2026-11-30",
            }
        ],
        registrations={"b", "a"},
        found=True,
    )


def _write_v1(workbook: Path, state: RunState) -> None:
    """The writer of format 1 as the code before #16 had it (kept here to build old state files)."""
    p = runstate.state_path(workbook)
    p.parent.mkdir(parents=True, exist_ok=True)
    fields = sorted({f for vals in state.customers.values() for f in vals})
    data: dict[str, Any] = {
        "version": 1,
        "month": state.month,
        "asof": state.asof,
        "fields": fields,
        "customers": {cid: [vals.get(f) for f in fields] for cid, vals in state.customers.items()},
        "ours": state.ours,
        "events": state.events,
        "registrations": sorted(state.registrations),
    }
    with p.open("w", encoding="utf-8") as fh:
        json.dump(data, fh, ensure_ascii=False, separators=(",", ":"))


def test_state_round_trips_in_the_columnar_format(tmp_path: Path):
    wb = tmp_path / "客户.xlsx"
    runstate.save(wb, _state())
    data = json.loads(runstate.state_path(wb).read_text(encoding="utf-8"))
    assert data["version"] == runstate.STATE_VERSION == 2
    assert data["ids"] == ["CX201411001", "CX201411003"]
    assert data["columns"]["contact"] == ["何浩", "宋晨"]  # one list per field, not one per customer
    assert runstate.load(wb) == _state()


def test_state_written_by_the_previous_version_reads_the_same(tmp_path: Path):
    old, new = tmp_path / "old" / "客户.xlsx", tmp_path / "new" / "客户.xlsx"
    _write_v1(old, _state())
    runstate.save(new, _state())
    assert json.loads(runstate.state_path(old).read_text(encoding="utf-8"))["version"] == 1
    assert runstate.load(old) == runstate.load(new) == _state()


def test_state_with_no_customers_or_an_unknown_version(tmp_path: Path):
    wb = tmp_path / "客户.xlsx"
    empty = RunState(month="2026-11", asof="2026-11-30", found=True)
    runstate.save(wb, empty)
    assert runstate.load(wb) == empty
    no_fields = RunState(month="2026-11", customers={"CX1": {}}, found=True)
    runstate.save(wb, no_fields)
    assert runstate.load(wb) == no_fields
    runstate.state_path(wb).write_text(json.dumps({"version": 99}), encoding="utf-8")
    assert runstate.load(wb) == RunState()  # a state this version cannot read: a new baseline
    damaged = {"version": 2, "ids": ["CX1", "CX2"], "columns": {"contact": ["何浩"]}}
    runstate.state_path(wb).write_text(json.dumps(damaged), encoding="utf-8")
    assert runstate.load(wb) == RunState()
    runstate.state_path(wb).write_text("{half", encoding="utf-8")
    assert runstate.load(wb) == RunState()


def _plain_slow(v: Any) -> Any:
    """``plain`` without its fast path for texts (what it was before #16)."""
    v = json_value(v, sep=" ")
    if v is None or isinstance(v, bool):
        return v
    if isinstance(v, (int, float)):
        return round(float(v), 9)
    return str(v).strip() or None


@given(st.one_of(st.text(), st.none(), st.floats(allow_nan=True), st.integers(), st.booleans(), st.dates()))
def test_plain_fast_path_equals_the_general_one(v: Any) -> None:
    fast, slow = runstate.plain(v), _plain_slow(v)
    assert fast == slow or (fast != fast and slow != slow)
    assert type(fast) is type(slow)
