"""What the last run left (issue #12 items 2 and 6): hand edits since then, and the cells that are ours.

After each written run, ``.workbook-crm/state/<file name>.json`` beside the workbook records

- ``customers``: per 客户编号 the fields that matter (客户类型, 联系人, 手机号码, 负责人, 满意度 …)
  as the record held them after the run;
- ``ours``: cells of the user's own columns the tool filled (a blank 差异率), with the value written,
  so the next run knows the value is still ours and recomputes it;
- the month and as-of date of that run.

The next run compares the record with it: every difference in a tracked field is a hand edit, logged
in 变更记录 with 来源 人工 and the dates between the two runs; a 客户类型 change is also a lifecycle
event the summary shows. A JSON beside the workbook (not a sheet in it) because the record is the
user's and stays as they keep it; a workbook moved without its folder starts a new baseline and the
run says so in one line.
"""

from __future__ import annotations

import itertools
import json
import os
import tempfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ._gc import no_gc
from .excel import json_value
from .findings import Change
from .io.reader import WorkbookData
from .schema import registry

STATE_VERSION = 2  # 1: one value list per customer; 2: columnar (#16)
# 客户档案 fields whose hand edits are logged (seed 002: 状态与联系人变更需记录时间与原因)
TRACKED = (
    "name",
    "customer_type",
    "contact",
    "title",
    "mobile",
    "email",
    "owner",
    "annual_amount",
    "renewal_rate",
    "satisfaction",
    "potential",
    "first_deal",
    "last_deal",
)
HAND = "人工"
TOOL = "工具"
LIFECYCLE_COLUMNS = ("客户编号", "客户名称", "原客户类型", "新客户类型", "事件", "期间")


def state_path(workbook: Path) -> Path:
    return workbook.parent / ".workbook-crm" / "state" / f"{workbook.name}.json"


@dataclass
class RunState:
    month: str | None = None
    asof: str | None = None
    customers: dict[str, dict[str, Any]] = field(default_factory=dict)
    ours: dict[str, Any] = field(default_factory=dict)  # "sheet!A1" → value we wrote
    events: list[dict[str, Any]] = field(
        default_factory=list
    )  # that month's lifecycle rows (kept on a re-run)
    registrations: set[str] = field(default_factory=set)  # 客户信息登记表 rows already settled (returning.py)
    found: bool = False

    def period(self, asof: date) -> str:
        return f"{self.asof} ~ {asof.isoformat()}" if self.asof else f"~ {asof.isoformat()}"

    def is_ours(self, sheet: str, cell: str, value: Any) -> bool:
        """The cell still holds what the last run wrote there (so it is ours to recompute)."""
        key = f"{sheet}!{cell}"
        return key in self.ours and same(self.ours[key], plain(value))


def load(workbook: Path) -> RunState:
    """The last run's state; no file (or one this version cannot read) is no state: a new baseline.
    Reads version 2 (columnar) and version 1 (one value list per customer, written before #16)."""
    p = state_path(Path(workbook))
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return RunState()
    if not isinstance(data, dict) or data.get("version") not in (1, STATE_VERSION):
        return RunState()
    if data["version"] == 1:
        fields = list(data.get("fields") or [])
        customers = {
            cid: dict(zip(fields, values, strict=False))
            for cid, values in (data.get("customers") or {}).items()
        }
    else:
        try:
            customers = _rows(list(data.get("ids") or []), dict(data.get("columns") or {}))
        except ValueError:  # columns of unequal length: a damaged file, read as no state
            return RunState()
    return RunState(
        month=data.get("month"),
        asof=data.get("asof"),
        customers=customers,
        ours=dict(data.get("ours") or {}),
        events=list(data.get("events") or []),
        registrations=set(data.get("registrations") or []),
        found=True,
    )


def _rows(ids: list[str], columns: dict[str, list[Any]]) -> dict[str, dict[str, Any]]:
    """Columnar customers (one list per field, in the order of ``ids``) back to one dict per 客户编号."""
    if not columns:
        return {cid: {} for cid in ids}
    fields = list(columns)
    rows = zip(ids, zip(*columns.values(), strict=True), strict=True)
    return {cid: dict(zip(fields, row, strict=True)) for cid, row in rows}


def save(workbook: Path, state: RunState | str) -> None:
    """Write the state atomically (a half-written JSON would read as no state: a new baseline).
    ``state`` may be its ``encode`` already (the run has a helper make it while it writes)."""
    p = state_path(Path(workbook))
    p.parent.mkdir(parents=True, exist_ok=True)
    text = state if isinstance(state, str) else encode(state)
    fd, tmp = tempfile.mkstemp(prefix=".~state-", dir=p.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, p)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def encode(state: RunState) -> str:
    """The state as JSON: customers columnar (#16: 14 arrays, not 100k objects), by ``json.dumps``'s C
    encoder (``json.dump`` streams through the pure-Python one)."""
    rows = list(state.customers.values())
    fields = sorted(set().union(*rows))  # the union of the customers' keys, in C
    data = {
        "version": STATE_VERSION,
        "month": state.month,
        "asof": state.asof,
        "ids": list(state.customers),
        "columns": {f: [vals.get(f) for vals in rows] for f in fields},
        "ours": state.ours,
        "events": state.events,
        "registrations": sorted(state.registrations),
    }
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def plain(v: Any) -> Any:
    """A cell value in a form JSON keeps and two reads compare equal (1 == 1.0, dates as ISO, a
    datetime as 'YYYY-MM-DD hh:mm:ss', texts stripped, blanks None): excel.json_value, then equalised."""
    if type(v) is str:  # most values: what json_value returns for a str, without its two calls
        return v.strip() or None
    v = json_value(v, sep=" ")
    if v is None or isinstance(v, bool):
        return v
    if isinstance(v, (int, float)):
        return round(float(v), 9)
    s = str(v).strip()
    return s or None


def same(a: Any, b: Any) -> bool:
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return abs(float(a) - float(b)) < 1e-9
    return a == b


def current(wb: WorkbookData, changes: list[Change]) -> dict[str, tuple[int, dict[str, Any]]]:
    """客户编号 → (Excel row, tracked field → value) as the archive holds them after this run's edits;
    without collections (100k new dicts, no cycles: #16, 1.5 s → 0.6 s CPU at 100k)."""
    with no_gc():
        return _current(wb, changes)


def _current(wb: WorkbookData, changes: list[Change]) -> dict[str, tuple[int, dict[str, Any]]]:
    sheet = wb.get(registry.ARCHIVE.name)
    if sheet is None or "customer_id" not in sheet.columns:
        return {}
    on_tab = [c for c in changes if c.sheet == sheet.tab]
    edits: dict[str, Any] = {c.cell: c.new for c in on_tab}
    fields = [f for f in TRACKED if f in sheet.columns]
    names = ["customer_id", *fields]
    letters = {f: sheet.letter(f) for f in names}
    frame = sheet.frame
    rows = list(map(int, frame.index.tolist()))
    filed = sorted({int(c.row) for c in on_tab if c.row is not None and c.row not in frame.index})
    columns: dict[str, list[Any]] = {}
    for f in names:  # each distinct value made plain once (100k rows)
        if f in frame.columns:  # factorized in its own dtype (Arrow's for texts), not as objects
            codes, uniq = pd.factorize(frame[f])
            table = np.array([*map(plain, uniq.astype(object)), None], dtype=object)
            values = table[codes].tolist()
        else:
            values = [None] * len(rows)
        columns[f] = values + [None] * len(filed)  # rows filed from 客户信息登记表 in this run
    all_rows = rows + filed
    by_letter = {letter: f for f, letter in letters.items()}
    pos = {row: i for i, row in enumerate(all_rows)}
    for ref, new in edits.items():
        letter = ref.rstrip("0123456789")
        field_name, digits = by_letter.get(letter), ref[len(letter) :]
        if field_name is not None and digits.isdigit() and int(digits) in pos:
            columns[field_name][pos[int(digits)]] = plain(new)
    # each row's fields made a dict by map/zip (C speed, #16: 100k customers)
    tracked = zip(*(columns[f] for f in fields), strict=True) if fields else [()] * len(all_rows)
    rows_vals = zip(all_rows, map(dict, map(zip, itertools.repeat(fields), tracked)), strict=True)
    ids = columns["customer_id"]
    keys = list(map(str, ids))
    if None not in ids and len(set(keys)) == len(keys):  # the usual case: every 客户编号 once
        return dict(zip(keys, rows_vals, strict=True))
    out: dict[str, tuple[int, dict[str, Any]]] = {}
    for cid, key, row_vals in zip(ids, keys, rows_vals, strict=True):
        if cid is not None and key not in out:  # a duplicate 客户编号 is a finding of its own; keep the first
            out[key] = row_vals
    return out


@dataclass
class Edits:
    changes: list[Change]  # hand edits, one per field changed (rule 人工修改·<字段>)
    lifecycle: pd.DataFrame  # 客户类型 changes: LIFECYCLE_COLUMNS
    period: str
    baseline: bool  # no previous state: this run is the first baseline


def hand_edits(
    wb: WorkbookData, state: RunState, now: dict[str, tuple[int, dict[str, Any]]], asof: date
) -> Edits:
    """Differences between the last run's state and the record now, as 变更记录 rows."""
    sheet = wb.get(registry.ARCHIVE.name)
    period = state.period(asof)
    empty = pd.DataFrame(columns=list(LIFECYCLE_COLUMNS))
    if sheet is None or not state.found:
        return Edits([], empty, period, baseline=not state.found)
    changes: list[Change] = []
    events = []
    for cid, (row, vals) in now.items():
        before = state.customers.get(cid)
        if before is None:
            continue
        for f, new in vals.items():
            if f not in before:
                continue  # a field not tracked last time (a column added since) has no old value
            old = before[f]
            if same(old, new):
                continue
            header = registry.ARCHIVE.field(f).header
            changes.append(
                Change(sheet.tab, sheet.cell(f, row), old, new, f"人工修改·{header}", field=header, row=row)
            )
            if f == "customer_type":
                events.append(
                    {
                        "客户编号": cid,
                        "客户名称": vals.get("name"),
                        "原客户类型": old,
                        "新客户类型": new,
                        "事件": _event(new),
                        "期间": period,
                    }
                )
    for cid in state.customers:
        if cid not in now:
            changes.append(Change(sheet.tab, "", cid, None, "人工删除·客户", field="客户编号"))
    if state.month is not None and state.month == month_of(asof):
        events = [*state.events, *events]  # a re-run of the month keeps the events its first run found
    lifecycle = pd.DataFrame(events, columns=list(LIFECYCLE_COLUMNS)) if events else empty
    return Edits(changes, lifecycle, period, baseline=False)


def month_of(asof: date) -> str:
    return f"{asof.year:04d}-{asof.month:02d}"


def events_of(lifecycle: pd.DataFrame) -> list[dict[str, Any]]:
    return [{k: plain(v) for k, v in rec.items()} for rec in lifecycle.to_dict("records")]


def _event(new: Any) -> str:
    if new in ("成交客户", "长期合作客户"):
        return "成交"
    if new == "流失客户":
        return "流失"
    if new == "流失预警客户":
        return "流失预警"
    if new == "沉睡客户":
        return "沉睡"
    return "类型变更"
