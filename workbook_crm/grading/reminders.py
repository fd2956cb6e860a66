"""跟进提醒 (issue #4 item 4): overdue maintenance, never followed up, overdue next steps, due soon.

- A customer is overdue when asof is past (last contact + interval); the interval is the strictest of
  tier, grade, customer type and urgency (``tiers.interval_days``). Contacts are 跟进记录 rows that
  happened (not 未开始/已取消) and 客户信息登记表's 最近跟进时间.
- A next step's date is 计划完成日期, else the first date in its text (``5月15日前…``, ``下周三前``),
  read relative to the row's own 跟进日期. 完成状态 describes the recorded contact (seed 004 表(二):
  C001 is 已完成 while its 后续行动 is still ahead), so a next step is cleared only by a later completed
  (or status-less) contact of the same customer.
- 逾期天数 > 0 is overdue, ≤ 0 falls due within ``reminder_horizon_days`` (−2 = due in 2 days).
- No follow-up record at all (no 跟进记录表, no 最近跟进时间 column): every customer is 从未跟进
  once its first contact is older than its interval (or unknown), and the reminder says the log is missing.
- ``use_workdays``: intervals and day counts in Chinese working days (holidays and 调休 counted).
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from ..rules import Rules
from ..schema import registry
from .common import Keys, col, date_objects, dates, strftime_each

REMINDER_COLUMNS = ("客户编号", "客户名称", "负责人", "提醒类型", "应跟进日期", "逾期天数", "内容")
OVERDUE, NEVER, STEP_OVERDUE, DUE_SOON, STEP_SOON = (
    "逾期未跟进",
    "从未跟进",
    "下一步逾期",
    "即将到期",
    "下一步即将到期",
)


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


def last_contacts(
    cust: pd.DataFrame, clean: dict[str, pd.DataFrame], done: pd.DataFrame, keys: Keys
) -> pd.Series:
    """Last contact date per customer row from the follow-up log and 客户信息登记表 最近跟进时间."""
    cc = cust["code"].to_numpy()
    when = done["date"].to_numpy()
    if not np.issubdtype(when.dtype, np.datetime64):
        when = when.astype("datetime64[ns]")
    last = keys.max_date(done["code"].to_numpy(), when)[cc]
    reg = clean.get(registry.REGISTRATION.name)
    if reg is not None and "last_follow_up" in reg.columns:
        r = dates(reg, "last_follow_up").to_numpy()
        t = np.promote_types(last.dtype, r.dtype)
        last = np.fmax(last.astype(t), keys.max_date(keys.codes[registry.REGISTRATION.name], r.astype(t))[cc])
    return pd.Series(last, index=cust.index)


def reminders(
    cust: pd.DataFrame,
    interval: pd.Series,
    clean: dict[str, pd.DataFrame],
    done: pd.DataFrame,
    rules: Rules,
    asof: date,
    keys: Keys,
) -> tuple[pd.DataFrame, pd.Series, np.ndarray]:
    """(跟进提醒 rows, 最近跟进日期 per customer row, whether the row is 逾期未跟进 or 从未跟进).

    Overdue customers are reminders, not data problems: they go to 跟进提醒, never to 校验问题 or a
    cell mark (at 100k customers that would be tens of thousands of marks on correct data).
    """
    asof_ts = pd.Timestamp(asof)
    last = last_contacts(cust, clean, done, keys)
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
    # without any follow-up record (no 跟进记录表, no 最近跟进时间) no customer was ever contacted as far
    # as the record tells: each is 从未跟进 (issue #12: an ERP export of 486 customers gave no reminder)
    fu, reg = clean.get(registry.FOLLOWUPS.name), clean.get(registry.REGISTRATION.name)
    has_log = (fu is not None and "follow_date" in fu.columns) or (
        reg is not None and "last_follow_up" in reg.columns
    )
    kind = np.select([overdue, never_listed, soon & ~never], [OVERDUE, NEVER, DUE_SOON], "")
    m = kind != ""
    rows = pd.DataFrame(
        {
            "客户编号": cust["customer_id"],
            "客户名称": cust["name"],
            "负责人": cust["owner"],
            "提醒类型": kind,
            "应跟进日期": due,
            "逾期天数": late,
        }
    )[m]
    rows["内容"] = _content(last[m], cust["first_contact"][m], interval[m], never.to_numpy()[m], has_log)
    steps = next_steps(cust, clean, done, days, asof_ts, horizon, keys)
    agreed = agreed_contacts(cust, clean, last, days, asof_ts, horizon)
    parts = [p for p in (steps, agreed) if len(p)]
    out = pd.concat([rows, *parts], ignore_index=True) if parts else rows.reset_index(drop=True)
    out["应跟进日期"] = date_objects(pd.to_datetime(out["应跟进日期"]), missing=pd.NaT)
    out["逾期天数"] = pd.to_numeric(out["逾期天数"]).astype("Int64")
    out = out.sort_values("逾期天数", ascending=False, kind="stable", na_position="first").reset_index(
        drop=True
    )
    return out[list(REMINDER_COLUMNS)], last, (kind == OVERDUE) | (kind == NEVER)


def _content(
    last: pd.Series, first_contact: pd.Series, interval: pd.Series, never: np.ndarray, has_log: bool = True
) -> pd.Series:
    """上次跟进 …，维护周期 N 天 / 从未跟进（首次接触 …），维护周期 N 天 — naming what is missing."""
    no_log = "" if has_log else "无跟进记录表；"
    last_s = strftime_each(last)
    first_s = strftime_each(first_contact)
    days_s = interval.astype(str).to_numpy(dtype=object)
    text = [
        f"从未跟进（{no_log}首次接触 {f if f is not None else '未填'}），维护周期 {d} 天"
        if nv
        else f"上次跟进 {a if a is not None else ''}，维护周期 {d} 天"
        for a, f, d, nv in zip(last_s, first_s, days_s, never, strict=True)
    ]
    return pd.Series(text, index=last.index, dtype="str")


def next_steps(
    cust: pd.DataFrame,
    clean: dict[str, pd.DataFrame],
    done: pd.DataFrame,
    days: _Days,
    asof_ts: pd.Timestamp,
    horizon: int,
    keys: Keys,
) -> pd.DataFrame:
    """Next steps whose date has passed (or falls within the horizon) without a later completed contact."""
    f = clean.get(registry.FOLLOWUPS.name)
    if f is None or not len(f) or not ({"next_step", "due_date"} & set(f.columns)):
        return pd.DataFrame(columns=list(REMINDER_COLUMNS))
    code = keys.codes[registry.FOLLOWUPS.name]
    text, due, status = col(f, "next_step"), dates(f, "due_date"), col(f, "status")
    keep = (code >= 0) & ((status != "已取消") & (due.notna() | text.notna())).to_numpy()
    when = dates(f, "follow_date")
    done_ok = (done["status"].isna() | (done["status"] == "已完成")).to_numpy()
    d_when = done["date"].to_numpy()
    if not np.issubdtype(d_when.dtype, np.datetime64):
        d_when = d_when.astype("datetime64[ns]")
    completed = keys.max_date(done["code"].to_numpy()[done_ok], d_when[done_ok])
    later = pd.Series(completed[code], index=f.index)
    keep &= ~(later > when).to_numpy()  # a later completed contact clears the step
    s = pd.DataFrame(
        {
            "code": code[keep],
            "cid": keys.ids[registry.FOLLOWUPS.name][keep],
            "date": when[keep],
            "text": text[keep],
            "due": due[keep],
            "name": col(f, "customer_name")[keep],
            "who": col(f, "follower")[keep],
        }
    )
    need = s["due"].isna().to_numpy()
    if need.any():
        s.loc[need, "due"] = _text_dates(s["text"][need], s["date"][need], asof_ts)
    s = s[s["due"].notna()]
    late = days.between(s["due"], asof_ts)
    s = s.assign(late=late)[late >= -horizon]
    if s.empty:
        return pd.DataFrame(columns=list(REMINDER_COLUMNS))
    cc = s["code"].to_numpy()
    first = keys.first_rows(cust["code"].to_numpy())[cc]
    name = pd.Series(cust["name"].array.take(first, allow_fill=True), index=s.index).fillna(s["name"])
    owner = pd.Series(cust["owner"].array.take(first, allow_fill=True), index=s.index).fillna(s["who"])
    steps_text = s["text"].to_numpy(dtype=object)
    due_s = strftime_each(s["due"])
    tail = "（" + registry.FOLLOWUPS.name + " 第"
    content = [
        (t if not _na(t) else "计划完成日期 " + d) + tail + str(r) + "行）"
        for t, d, r in zip(steps_text, due_s, s.index, strict=True)
    ]
    return pd.DataFrame(
        {
            "客户编号": s["cid"],
            "客户名称": name,
            "负责人": owner,
            "提醒类型": np.where(s["late"] > 0, STEP_OVERDUE, STEP_SOON),
            "应跟进日期": s["due"],
            "逾期天数": s["late"],
            "内容": pd.Series(content, index=s.index),
        }
    )


def agreed_contacts(
    cust: pd.DataFrame,
    clean: dict[str, pd.DataFrame],
    last: pd.Series,
    days: _Days,
    asof_ts: pd.Timestamp,
    horizon: int,
) -> pd.DataFrame:
    """下次联系时间 kept on the customer row (issue #11): due unless a contact on or after it happened."""
    arch = clean.get(registry.ARCHIVE.name)
    if arch is None or "next_contact" not in arch.columns or not len(cust):
        return pd.DataFrame(columns=list(REMINDER_COLUMNS))
    due = dates(arch, "next_contact").reindex(cust.index)
    open_ = due.notna() & ~(last >= due)
    late = days.between(due, asof_ts)
    m = (open_ & (late >= -horizon)).to_numpy()
    if not m.any():
        return pd.DataFrame(columns=list(REMINDER_COLUMNS))
    text = ["约定下次联系 " + d for d in strftime_each(due[m])]
    return pd.DataFrame(
        {
            "客户编号": cust["customer_id"][m],
            "客户名称": cust["name"][m],
            "负责人": cust["owner"][m],
            "提醒类型": np.where(late[m] > 0, STEP_OVERDUE, STEP_SOON),
            "应跟进日期": due[m],
            "逾期天数": late[m],
            "内容": pd.Series(text, index=due[m].index),
        }
    )


def _na(v: object) -> bool:
    return v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and v != v)


def _text_dates(text: pd.Series, written: pd.Series, asof_ts: pd.Timestamp) -> pd.Series:
    """The first date in each next-step text, read relative to its 跟进日期 (asof when blank).

    Texts repeat a lot: each distinct (text, day written) is read once.
    """
    from ..normalize.dates import date_mentions, dates_of

    t_codes, t_uniq = pd.factorize(text.to_numpy(dtype=object), use_na_sentinel=False)
    w_codes, w_uniq = pd.factorize(written)
    pair, inv = np.unique(t_codes.astype(np.int64) * (len(w_uniq) + 1) + (w_codes + 1), return_inverse=True)
    refs = [asof_ts.date()] + [t.date() for t in w_uniq]
    mentions = [date_mentions(t) for t in t_uniq]  # each text scanned once, resolved per day written
    found = []
    for p in pair.tolist():
        got = dates_of(mentions[p // (len(w_uniq) + 1)], refs[p % (len(w_uniq) + 1)])
        found.append(got[0] if got else None)
    per_pair = pd.to_datetime(pd.Series(found, dtype=object))
    return pd.Series(per_pair.to_numpy()[inv.ravel()], index=text.index)
