"""Timeliness rules the seeds set (issue #13 item 1): each a reminder while open, a finding when late.

Each rule: its code, the 规则配置 key that sets its limit, the seed that states it.

- late-first-visit (签约后首次回访(天), 004 (三) 初期维护): first visit within 7 days of signing
  (首次合作 / first deal).
- late-first-training (签约后首次培训(天), 004 (三) 初期维护): first training within 30 days of signing.
- late-fair-follow-up (展会线索跟进时限(小时), 004 (三) 展会 会后48小时内跟进): a 展会对接 lead followed
  within 48 hours.
- late-referral-contact (转介绍线索联系时限(小时), 000 步骤一 转介绍 24小时内): a 客户转介绍 lead
  contacted within 24 hours.
- late-complaint (投诉处理时限(工作日), 004 (二) 危机处理): a complaint closed within 3 working days.
- late-response, late-solution (问题响应时限(小时), 解决方案时限(小时), 004 (二) 反馈闭环): with a time of
  day, response within 24 h, solution within 48 h.
- improvement-overdue (004 表(四)): an improvement action past 完成时限 while 未达标.

- Open items (nothing done yet) are rows of 跟进提醒 — before the deadline as 待办 with the date due,
  after it as 逾期 — like every other overdue customer: not data problems, never marked in the
  record. A contact that came late is a warning at its 跟进日期 cell: the record shows the lapse.
  The improvement action is both: a reminder to its 责任人 and a warning at its 完成时限 cell.
- A contact is a 跟进记录 row that happened (not 未开始/已取消, dated ≤ as-of), or 客户信息登记表's
  最近跟进时间. A training is a contact whose 跟进方式/跟进内容/客户反馈 names 培训. A complaint is a row
  whose 跟进方式, 跟进内容 or 客户反馈 names 投诉; it is closed by itself when 已完成, else by the first
  later 已完成 contact of the customer.
- Hours need times: 跟进日期 and 首次接触时间 cells are dates after normalization, so the time of day is
  read from the cell as typed (a datetime, ``2024-05-06 14:30``). Without a time on both ends an
  hour limit is rounded up to days (48 h → 2 days, 24 h → 1 day). The 24/48-hour response rules
  apply only when the complaint carries a time.
- Only events in the last ``timeliness_lookback_days`` (90) are judged: older signings predate the log.
- The 2-hour logging rule (seed 000 步骤四) is not judged: no column records when a row was typed.

Over 300 lines for a reason: seven rules that share one event table and one reminder/finding shape;
the inputs (events, contacts, complaints) are built in ``grading/timeline.py``.

Over 300 lines for a reason: one class holds the seven rules and their shared output (a reminder
row, a finding at the contact's cell); what they read is in timeline.py.
"""

from __future__ import annotations

import functools
import math
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from ..findings import Finding
from ..normalize.workdays import add_workdays
from ..rules import Rules
from ..schema import registry
from ..schema.computed import REMINDER_COLUMNS
from ..validators import Checked
from . import timeline
from .common import col, dates
from .model import MonthResult


def apply_timeliness(
    checked: Checked, graded: MonthResult, early: tuple[list[list[Any]], list[Finding]] | None = None
) -> None:
    """Add this module's reminders to ``graded.reminders`` and its findings to ``graded.findings``."""
    rows, findings = timeliness(checked, graded, early)
    graded.findings.extend(findings)
    if rows:
        add = pd.DataFrame(rows, columns=list(REMINDER_COLUMNS))
        add["逾期天数"] = add["逾期天数"].astype("Int64")
        both = pd.concat([graded.reminders, add], ignore_index=True) if len(graded.reminders) else add
        both["逾期天数"] = pd.to_numeric(both["逾期天数"]).astype("Int64")
        graded.reminders = both.sort_values(
            "逾期天数", ascending=False, kind="stable", na_position="first"
        ).reset_index(drop=True)


def timeliness(
    checked: Checked, graded: MonthResult, early: tuple[list[list[Any]], list[Finding]] | None = None
) -> tuple[list[list[Any]], list[Finding]]:
    """The reminders and findings of every rule; ``early``: what ``without_grades`` made for this
    month's as-of day (in a helper while the grading ran), else it runs here."""
    rows, findings = early if early is not None else without_grades(checked, graded.asof)
    t = _Timeliness(checked, checked.rules, graded.asof)
    t.improvement_rules(graded.evaluation)
    return rows + t.rows, findings + t.findings


def without_grades(checked: Checked, asof: date) -> tuple[list[list[Any]], list[Finding]]:
    """The rules that read no grade (signing, leads, complaints): the run has them made by a helper
    while it grades (api.check, #16: ~1 s at 100k customers); only the improvement rule needs the
    evaluation's grades."""
    t = _Timeliness(checked, checked.rules, asof)
    t.signing_rules()
    t.lead_rules()
    t.complaint_rules()
    return t.rows, t.findings


class _Timeliness:
    def __init__(self, checked: Checked, rules: Rules, asof: date) -> None:
        self.checked, self.rules, self.asof = checked, rules, asof
        self.asof_ts = pd.Timestamp(asof)
        self.since = self.asof_ts - pd.Timedelta(days=int(rules.timeliness_lookback_days))
        self.rows: list[list[Any]] = []
        self.findings: list[Finding] = []

    @functools.cached_property
    def cust(self) -> pd.DataFrame:
        return timeline.customers(self.checked, self.asof_ts)

    @functools.cached_property
    def contacts(self) -> pd.DataFrame:
        return timeline.contacts(self.checked, self.asof_ts)

    # --- rules ---------------------------------------------------------------------------------
    def signing_rules(self) -> None:
        c = self.cust
        signed = c[
            c["first_deal"].notna() & (c["first_deal"] > self.since) & (c["first_deal"] <= self.asof_ts)
        ]
        if signed.empty:
            return
        self._event(
            signed,
            "first_deal",
            None,
            self.contacts,
            days=int(self.rules.first_visit_days),
            code="late-first-visit",
            kind="签约后首次回访",
            what="首次回访",
            start_label="签约",
        )
        training = self.contacts[self.contacts["text"].str.contains("培训", na=False)]
        self._event(
            signed,
            "first_deal",
            None,
            training,
            days=int(self.rules.first_training_days),
            code="late-first-training",
            kind="签约后首次培训",
            what="产品使用培训",
            start_label="签约",
        )

    def lead_rules(self) -> None:
        c = self.cust
        recent = c[
            c["first_contact"].notna()
            & (c["first_contact"] > self.since)
            & (c["first_contact"] <= self.asof_ts)
        ]
        source = recent["source"].fillna("").astype(str)
        for word, hours, code, kind in (
            ("展会", self.rules.fair_follow_hours, "late-fair-follow-up", "展会线索跟进"),
            ("转介绍", self.rules.referral_contact_hours, "late-referral-contact", "转介绍线索联系"),
        ):
            leads = recent[source.str.contains(word)]
            if len(leads):
                self._event(
                    leads,
                    "first_contact",
                    "fc_time",
                    self.contacts,
                    hours=float(hours),
                    code=code,
                    kind=kind,
                    what="首次跟进",
                    start_label="首次接触",
                )

    def _event(
        self,
        events: pd.DataFrame,
        start: str,
        start_time: str | None,
        contacts: pd.DataFrame,
        *,
        code: str,
        kind: str,
        what: str,
        start_label: str,
        days: int | None = None,
        hours: float | None = None,
    ) -> None:
        """First contact on or after each event's start: late → finding at it; none → reminder."""
        ev = events.assign(start=events[start], stime=events[start_time] if start_time else np.nan)
        ev = ev.assign(eid=np.arange(len(ev)))
        m = ev[["eid", "cid", "start", "stime"]].merge(contacts, on="cid")
        m = m[m["date"] >= m["start"]]
        if hours is not None:
            timed = m["stime"].notna() & m["timed"]
            start_ts = m["start"] + pd.to_timedelta(m["stime"].fillna(0).astype(float), unit="s")
            m = m[~timed | (m["ts"] >= start_ts)]
        first = m.sort_values(["ts"], kind="stable").groupby("eid").head(1).set_index("eid").to_dict("index")
        limit_days = days if days is not None else math.ceil(float(hours or 0) / 24)
        limit_text = f"{days} 天" if days is not None else f"{hours:g} 小时"
        # the columns read, iterated as itertuples would (not every column of the customer frame)
        for eid, cid, name, owner, e_start, e_stime in zip(
            ev["eid"], ev["cid"], ev["name"], ev["owner"], ev["start"], ev["stime"], strict=True
        ):
            due = e_start + pd.Timedelta(days=limit_days)
            f = first.get(eid)
            if f is not None:
                if hours is not None and pd.notna(e_stime) and f["timed"]:
                    s_ts = e_start + pd.Timedelta(seconds=float(e_stime))
                    late = f["ts"] > s_ts + pd.Timedelta(hours=float(hours))
                    elapsed = _hours_text(f["ts"] - s_ts)
                else:
                    late = f["date"] > due
                    elapsed = f"{(f['date'] - e_start).days} 天"
                if late:
                    self._late(code, f, start=e_start, elapsed=elapsed, limit=limit_text)
            elif self.asof_ts >= e_start:
                self._remind(
                    cid,
                    name,
                    owner,
                    kind,
                    due,
                    f"{start_label} {e_start.date().isoformat()}，应在{limit_text}内{what}（{code}）",
                )

    def complaint_rules(self) -> None:
        c = self.contacts
        fu = c[c["sheet"] == registry.FOLLOWUPS.name]
        is_complaint = fu["text"].str.contains("投诉", na=False) & (fu["date"] > self.since)
        complaints = fu[is_complaint]
        if complaints.empty:
            return
        names = self.cust.drop_duplicates("cid").set_index("cid")
        limit = int(self.rules.complaint_workdays)
        for cp in complaints.itertuples():
            later = fu[(fu["cid"] == cp.cid) & (fu["ts"] > cp.ts) & (fu["row"] != cp.row)].sort_values(
                "ts", kind="stable"
            )
            closed = (
                cp
                if cp.status == "已完成"
                else next((r for r in later.itertuples() if r.status == "已完成"), None)
            )
            due = pd.Timestamp(add_workdays(cp.date.date(), limit))
            start = cp.date.date().isoformat()
            if closed is not None and closed.date > due:
                self._late(
                    "late-complaint",
                    closed._asdict(),
                    start=cp.date,
                    elapsed=f"{_workdays(cp.date, closed.date)} 个工作日",
                    limit=f"{limit} 个工作日",
                )
            if closed is None:
                who = names["owner"].get(cp.cid) if cp.cid in names.index else None
                name = names["name"].get(cp.cid) if cp.cid in names.index else None
                self._remind(
                    cp.cid,
                    name,
                    who,
                    "投诉处理",
                    due,
                    f"投诉 {start}（{registry.FOLLOWUPS.name} 第{cp.row}行）"
                    f"应在 {limit} 个工作日内处理完毕（late-complaint）",
                )
            if cp.timed:  # seed 004: 24小时内响应客户问题，48小时内提供解决方案
                response = next((r for r in later.itertuples()), None)
                for hit, hours, code in (
                    (response, self.rules.response_hours, "late-response"),
                    (closed if closed is not cp else None, self.rules.solution_hours, "late-solution"),
                ):
                    if hit is not None and hit.timed and hit.ts - cp.ts > pd.Timedelta(hours=float(hours)):
                        self._late(
                            code,
                            hit._asdict(),
                            start=cp.ts,
                            elapsed=_hours_text(hit.ts - cp.ts),
                            limit=f"{hours:g} 小时",
                        )

    def improvement_rules(self, evaluation: pd.DataFrame | None) -> None:
        ev = self.checked.clean.get(registry.EVALUATION.name)
        if evaluation is None or ev is None or "deadline" not in ev or "达标情况" not in evaluation:
            return
        deadline = dates(ev, "deadline")
        sheet = self.checked.wb.get(registry.EVALUATION.name)
        for row in evaluation.index[evaluation["达标情况"] == "未达标"]:
            d = deadline.get(row)
            if d is None or pd.isna(d) or d >= self.asof_ts:
                continue
            owner = col(ev, "owner").get(row)
            indicator = col(ev, "indicator").get(row)
            action = col(ev, "action").get(row)
            owner = None if owner is None or pd.isna(owner) else owner
            self._remind(
                None,
                f"{registry.EVALUATION.name} 第{row}行 {indicator}",
                owner,
                "改进措施逾期",
                d,
                f"{action if isinstance(action, str) else '改进措施'}："
                f"已过完成时限，{indicator} 仍未达标（improvement-overdue）",
            )
            cell = sheet.cell("deadline", int(row)) if sheet is not None else ""
            self.findings.append(
                Finding(
                    "improvement-overdue",
                    registry.EVALUATION.name if sheet is None else sheet.tab,
                    cell,
                    int(row),
                    "".join(ch for ch in cell if ch.isalpha()),
                    "完成时限",
                    d.date().isoformat(),
                    {"owner": owner or "未填", "indicator": indicator},
                )
            )

    # --- output --------------------------------------------------------------------------------
    def _late(self, code: str, contact: Any, *, start: pd.Timestamp, elapsed: str, limit: str) -> None:
        sheet_name, row = contact["sheet"], int(contact["row"])
        sheet = self.checked.wb.get(sheet_name)
        field = "follow_date" if sheet_name == registry.FOLLOWUPS.name else "last_follow_up"
        if sheet is None or field not in sheet.columns:
            return
        cell = sheet.cell(field, row)
        self.findings.append(
            Finding(
                code,
                sheet.tab,
                cell,
                row,
                sheet.letter(field),
                sheet.schema.field(field).header,
                contact["date"].date().isoformat(),
                {"start": start.date().isoformat(), "elapsed": elapsed, "limit": limit},
            )
        )

    def _remind(self, cid: Any, name: Any, owner: Any, kind: str, due: pd.Timestamp, text: str) -> None:
        late = (self.asof_ts - due).days
        if late < -int(self.rules.reminder_horizon_days) and kind != "投诉处理":
            return  # not due yet: listed once it falls within the horizon, like 即将到期
        label = kind if kind.endswith("逾期") else f"{kind}{'逾期' if late > 0 else '待办'}"
        self.rows.append([cid, name, owner, label, due.date(), late, text])


def _hours_text(delta: pd.Timedelta) -> str:
    return f"{delta.total_seconds() / 3600:.1f} 小时"


def _workdays(a: pd.Timestamp, b: pd.Timestamp) -> int:
    from ..normalize.workdays import workdays_between

    return workdays_between(a.date(), b.date())
