"""跟进提醒 (issue #4 item 4): overdue maintenance, never followed up, overdue next steps, due soon.

- A customer is overdue when asof is past (last contact + interval); the interval is the strictest of
  tier, grade, customer type and urgency (``tiers.interval_days``). Contacts are 跟进记录 rows that
  happened (not 未开始/已取消) and 客户信息登记表's 最近跟进时间.
- A next step's date is 计划完成日期, else the first date in its text (``5月15日前…``, ``下周三前``),
  read relative to the row's own 跟进日期. 完成状态 describes the recorded contact (seed 004 表(二):
  C001 is 已完成 while its 后续行动 is still ahead), so a next step is cleared only by a later completed
  (or status-less) contact of the same customer.
- 逾期天数 > 0 is overdue, ≤ 0 falls due within ``reminder_horizon_days`` (−2 = due in 2 days).
- No follow-up record at all (no 跟进记录表, no 最近跟进时间 column): no maintenance reminders.
- ``use_workdays``: intervals and day counts in Chinese working days (holidays and 调休 counted).
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from ..rules import Rules
from .common import FOLLOWUPS, REGISTRATION, col, dates, ids

REMINDER_COLUMNS = ("客户编号", "客户名称", "负责人", "提醒类型", "应跟进日期", "逾期天数", "内容")
OVERDUE, NEVER, STEP_OVERDUE, DUE_SOON, STEP_SOON = "逾期未跟进", "从未跟进", "下一步逾期", "即将到期", "下一步即将到期"


class _Days:
    """Day arithmetic in calendar or working days, vectorized over datetime Series."""

    def __init__(self, workdays: bool, lo: pd.Timestamp, hi: pd.Timestamp) -> None:
        self.workdays = workdays
        if workdays:
            from ..normalize.workdays import is_workday

            self.start = lo.normalize() - pd.Timedelta(days=7)
            days = pd.date_range(self.start, hi.normalize() + pd.Timedelta(days=800), freq="D")
            self.days = days
            self.cum = np.cumsum([is_workday(d.date()) for d in days])

    def add(self, start: pd.Series, n: pd.Series) -> pd.Series:
        if not self.workdays:
            return start + pd.to_timedelta(n, unit="D")
        ok = start.notna()
        out = pd.Series(pd.NaT, index=start.index, dtype="datetime64[ns]")
        pos = ((start[ok] - self.start).dt.days).to_numpy()
        target = self.cum[pos] + n[ok].to_numpy()
        out[ok] = self.days[np.searchsorted(self.cum, target, side="left").clip(0, len(self.days) - 1)]
        return out

    def between(self, a: pd.Series, b: pd.Timestamp) -> pd.Series:
        """Days after a up to b (negative when a is later)."""
        if not self.workdays:
            return (b - a).dt.days
        ok = a.notna()
        out = pd.Series(np.nan, index=a.index)
        pos = (a[ok] - self.start).dt.days.clip(0, len(self.cum) - 1).to_numpy()
        out[ok] = self.cum[(b - self.start).days] - self.cum[pos]
        return out


def last_contacts(clean: dict[str, pd.DataFrame], done: pd.DataFrame) -> pd.Series:
    """Last contact date per 客户编号 from the follow-up log and 客户信息登记表 最近跟进时间."""
    last = done.groupby("cid")["date"].max()
    reg = clean.get(REGISTRATION)
    if reg is not None and "last_follow_up" in reg.columns:
        r = pd.DataFrame({"cid": ids(reg), "date": dates(reg, "last_follow_up")}).dropna()
        last = pd.concat([last, r.groupby("cid")["date"].max()], axis=1).max(axis=1)
    return last


def reminders(cust: pd.DataFrame, interval: pd.Series, clean: dict[str, pd.DataFrame], done: pd.DataFrame,
              rules: Rules, asof: date) -> tuple[pd.DataFrame, pd.Series]:
    """(跟进提醒 rows, 最近跟进日期 per customer row).

    Overdue customers are reminders, not data problems: they go to 跟进提醒, never to 校验问题 or a
    cell mark (at 100k customers that would be tens of thousands of marks on correct data).
    """
    asof_ts = pd.Timestamp(asof)
    known = last_contacts(clean, done)
    last = (pd.to_datetime(cust["customer_id"].map(known)) if len(known)
            else pd.Series(pd.NaT, index=cust.index, dtype="datetime64[ns]"))
    lo = pd.concat([last, cust["first_contact"]]).min()
    days = _Days(rules.use_workdays, lo if pd.notna(lo) else asof_ts, asof_ts)
    base = cust["first_contact"].where(last.isna(), last)
    due = days.add(base, interval)
    late = days.between(due, asof_ts)
    horizon = rules.reminder_horizon_days
    never = last.isna()
    overdue = ~never & (late > 0)
    soon = due.notna() & (late <= 0) & (late >= -horizon)
    never_listed = never & (due.isna() | (late > 0))
    # without any follow-up record (no 跟进记录表, no 最近跟进时间) there is nothing to judge
    fu, reg = clean.get(FOLLOWUPS), clean.get(REGISTRATION)
    has_log = (fu is not None and "follow_date" in fu.columns) or (reg is not None and "last_follow_up" in reg.columns)
    if not has_log:
        overdue = never_listed = soon = pd.Series(False, index=cust.index)
    kind = np.select([overdue, never_listed, soon & ~never], [OVERDUE, NEVER, DUE_SOON], "")
    content = ("上次跟进 " + last.dt.strftime("%Y-%m-%d").fillna("") + "，维护周期 " + interval.astype(str) + " 天")
    content = content.where(~never, "从未跟进（首次接触 " + cust["first_contact"].dt.strftime("%Y-%m-%d").fillna("未填")
                            + "），维护周期 " + interval.astype(str) + " 天")
    m = kind != ""
    rows = pd.DataFrame({"客户编号": cust["customer_id"], "客户名称": cust["name"], "负责人": cust["owner"],
                         "提醒类型": kind, "应跟进日期": due, "逾期天数": late, "内容": content})[m]
    steps = next_steps(cust, clean, done, days, asof_ts, horizon)
    out = pd.concat([rows, steps], ignore_index=True) if len(steps) else rows.reset_index(drop=True)
    out["应跟进日期"] = pd.to_datetime(out["应跟进日期"]).dt.date
    out["逾期天数"] = pd.to_numeric(out["逾期天数"]).astype("Int64")
    out = out.sort_values("逾期天数", ascending=False, kind="stable", na_position="first").reset_index(drop=True)
    return out[list(REMINDER_COLUMNS)], last


def next_steps(cust: pd.DataFrame, clean: dict[str, pd.DataFrame], done: pd.DataFrame, days: _Days,
               asof_ts: pd.Timestamp, horizon: int) -> pd.DataFrame:
    """Next steps whose date has passed (or falls within the horizon) without a later completed contact."""
    f = clean.get(FOLLOWUPS)
    if f is None or not len(f) or not ({"next_step", "due_date"} & set(f.columns)):
        return pd.DataFrame(columns=list(REMINDER_COLUMNS))
    s = pd.DataFrame({"cid": ids(f), "date": dates(f, "follow_date"), "text": col(f, "next_step"),
                      "due": dates(f, "due_date"), "status": col(f, "status"), "name": col(f, "customer_name"),
                      "who": col(f, "follower")}, index=f.index)
    s = s[s["cid"].notna() & (s["status"] != "已取消") & (s["due"].notna() | s["text"].notna())]
    completed = done[done["status"].isna() | (done["status"] == "已完成")].groupby("cid")["date"].max()
    later = s["cid"].map(completed)
    s = s[~(later > s["date"])]  # a later completed contact clears the step
    need = s["due"].isna()
    if need.any():
        from ..normalize.dates import extract_dates

        memo: dict[tuple[str, object], object] = {}
        found = []
        for text, written in zip(s.loc[need, "text"], s.loc[need, "date"], strict=True):
            ref = written.date() if pd.notna(written) else asof_ts.date()
            k = (text, ref)
            if k not in memo:
                got = extract_dates(text, asof=ref)
                memo[k] = got[0] if got else None
            found.append(memo[k])
        s.loc[need, "due"] = pd.to_datetime(pd.Series(found, index=s.index[need], dtype=object))
    s = s[s["due"].notna()]
    late = days.between(s["due"], asof_ts)
    s = s.assign(late=late)[late >= -horizon]
    if s.empty:
        return pd.DataFrame(columns=list(REMINDER_COLUMNS))
    by_id = cust.drop_duplicates("customer_id").set_index("customer_id")
    name = s["cid"].map(by_id["name"]).fillna(s["name"])
    owner = s["cid"].map(by_id["owner"]).fillna(s["who"])
    text = s["text"].fillna("计划完成日期 " + s["due"].dt.strftime("%Y-%m-%d"))
    where = "（" + FOLLOWUPS + " 第" + pd.Series(s.index, index=s.index).astype(str) + "行）"
    return pd.DataFrame({"客户编号": s["cid"], "客户名称": name, "负责人": owner,
                         "提醒类型": np.where(s["late"] > 0, STEP_OVERDUE, STEP_SOON),
                         "应跟进日期": s["due"], "逾期天数": s["late"], "内容": text + where})

