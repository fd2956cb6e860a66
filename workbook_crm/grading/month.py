"""``grade_month``: the whole compute step for one month, from the normalized frames to a MonthResult."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from ..rules import Rules
from ..schema import registry
from ..schema.computed import HISTORY_COLUMNS, TIERS_COLUMNS
from . import indicators
from .campaigns import campaign_table, channel_table
from .common import Keys, col, customer_frame, date_objects, dates, month_bounds, remap
from .final import apply_override, with_quarter_rows
from .gaps import Target, gap_analysis
from .grades import GRADES, PENDING, grade_customers
from .health import contacts, health, health_note
from .ltv import lifetime_value, nps
from .migration import migration, previous
from .model import MonthResult
from .reminders import reminders
from .rfm import rfm
from .tiers import (
    TIER_PLAYBOOK,
    frequency,
    interval_days,
    lifecycle,
    quadrant,
    tier_reason,
    value_gap_note,
    value_tier,
)

USER_LEVEL_COLUMN = "客户级别(自定)"


def grade_month(
    clean: dict[str, pd.DataFrame],
    rules: Rules | None = None,
    *,
    month: str | None = None,
    today: date | None = None,
    cells=None,
    left_out: dict[str, dict[int, list[str]]] | None = None,
    ours_rates: dict[int, object] | None = None,
    ours_actuals: dict[int, object] | None = None,
) -> MonthResult:
    """Grade every 客户档案 customer for ``month`` ("YYYY-MM", default today's) and analyse the month.

    asof = the month's last day, or today when earlier; every "last N months" counts back from it.
    ``left_out``: sheet → Excel row → values left out because they hold an error (grading/flagged.py).
    ``ours_rates``: 效果评估表 row → the 差异率 the last run filled in (runstate), recomputed, not typed;
    ``ours_actuals``: rows whose 实际值 an older version computed there (recomputed, not typed).
    """
    rules = rules or Rules.defaults()
    month, first_day, asof = month_bounds(month, today)
    keys = Keys(clean)
    cust = customer_frame(clean, asof, rules, keys)
    done = contacts(clean.get(registry.FOLLOWUPS.name), asof, keys)
    tier = quadrant(cust, rules)
    vt = value_tier(cust, rules)
    g = grade_customers(
        cust, rules, asof, extra=_join_notes(tier_reason(cust, tier, rules), value_gap_note(cust, rules))
    )
    g = apply_override(cust, g)  # issue #13: 人工定级 wins, 计算等级 kept
    interval = interval_days(cust, tier, g["grade"], rules, vt)
    h = health(cust, clean, done, rules, asof, keys)
    rem, last, late_rows = reminders(cust, interval, clean, done, rules, asof, keys)
    r = rfm(cust, clean, rules, asof, keys)
    reason = _with_notes(g["reason"], health_note(h), (left_out or {}).get(registry.ARCHIVE.name, {}))
    late, n_late = _late(cust, late_rows, keys)
    status = np.where(last.isna(), "未跟进", np.where(late, "逾期", "正常"))
    tiers = pd.DataFrame(
        {
            "客户编号": cust["customer_id"],
            "客户名称": cust["name"],
            "所属行业": cust["industry"],
            "负责人": cust["owner"],
            "年交易额(万元)": (cust["amount"] / 10_000).round(4),
            "利润贡献": (cust["profit"] / 10_000).round(4),
            "潜力评分": cust["potential"],
            "客户等级": g["grade"],
            "客户分层": tier,
            "价值层级": vt,
            "生命周期阶段": lifecycle(cust, rules, asof),
            "健康度得分": h["score"],
            "健康度等级": h["band"],
            "RFM分群": r["RFM分群"] if r is not None else None,
            "维护频率": frequency(interval),
            "维护周期(天)": interval,
            "关键维护动作": remap(tier, {k: v[1] for k, v in TIER_PLAYBOOK.items()}),
            "最近跟进日期": date_objects(last),
            "跟进状态": status,
            "评级依据": reason,
        },
        index=cust.index,
    )[list(TIERS_COLUMNS)]
    if r is not None:
        tiers = tiers.join(r[["R分", "F分", "M分"]])
    arch = clean.get(registry.ARCHIVE.name)
    if arch is not None and "user_level" in arch.columns:  # issue #11: the user's own level, beside ours
        tiers.insert(
            tiers.columns.get_loc("客户等级") + 1, USER_LEVEL_COLUMN, arch["user_level"].reindex(tiers.index)
        )
    tiers["LTV(万元)"] = lifetime_value(cust, rules)  # seed 001 (三), issue #13
    tiers["计算等级"] = g["computed"]  # issue #13: shown beside the final 客户等级

    prev = previous(clean, month)
    mig, matrix = migration(
        pd.DataFrame({"customer_id": cust["customer_id"], "name": cust["name"], "grade": g["grade"]}), prev
    )
    camp = campaign_table(clean)
    in_deals = (
        keys.count(keys.codes[registry.DEALS.name])[cust["code"].to_numpy()] > 0
        if registry.DEALS.name in keys.codes
        else np.zeros(len(cust), dtype=bool)
    )
    channels = channel_table(cust, in_deals)

    ctx = indicators.Context(clean, cust, tier, prev, camp, channels, asof, first_day, keys)

    def measure(indicator: str, target: Target) -> float | None:
        return indicators.measure(indicator, target, ctx)

    evaluation, fills, gap_findings = gap_analysis(
        clean, measure, rules, cells, ours=ours_rates, ours_actuals=ours_actuals
    )
    findings = list(gap_findings)
    owners = _owners(tiers, cust, clean, late, first_day, asof, keys)
    history = pd.DataFrame(
        {
            "月份": month,
            "客户编号": cust["customer_id"],
            "客户名称": cust["name"],
            "客户等级": g["grade"],
            "客户分层": tier,
            "价值层级": tiers["价值层级"],
            "健康度得分": h["score"],
        },
        index=cust.index,
    )[list(HISTORY_COLUMNS)].reset_index(drop=True)
    history = with_quarter_rows(history, month)  # issue #13: the quarter's final grades
    counts = tiers["客户等级"].value_counts()
    new = indicators.new_customers(cust, clean, month, first_day, asof)
    kpis: dict[str, float | int] = {
        "客户总数": len(cust),
        "本月新增": int(new.sum()),
        **{k: int(counts.get(k, 0)) for k in (*GRADES, PENDING)},
        "逾期跟进": n_late,
        "KPI达标": int((evaluation["达标情况"] == "达标").sum()) if evaluation is not None else 0,
        "KPI总数": int(evaluation["达标情况"].notna().sum()) if evaluation is not None else 0,
        **nps(cust),
    }
    return MonthResult(
        month=month,
        asof=asof,
        tiers=tiers,
        reminders=rem,
        evaluation=evaluation,
        rate_fills=fills,
        campaigns=camp,
        channels=channels,
        migration=mig,
        migration_matrix=matrix,
        owners=owners,
        history_rows=history,
        kpis=kpis,
        findings=findings,
        new_ids=set(cust["customer_id"].to_numpy(dtype=object)[new.to_numpy()]) - {None},
    )


def _with_notes(reason: pd.Series, health_notes: pd.Series, left_out: dict[int, list[str]]) -> pd.Series:
    """评级依据 plus the health note and the values left out because they hold an error."""
    out = reason.to_numpy(dtype=object).copy()
    notes = health_notes.to_numpy(dtype=object)
    has = notes != ""
    if has.any():
        out[has] = out[has] + "；" + notes[has]
    if left_out:
        pos = reason.index.get_indexer(list(left_out))
        for p, words in zip(pos, left_out.values(), strict=True):
            if p >= 0:
                out[p] = f"{out[p]}；{'；'.join(words)}"
    return pd.Series(out, index=reason.index, dtype=object)


def _join_notes(a: pd.Series, b: pd.Series) -> pd.Series:
    """Two reason notes per row, joined by ；where both are present."""
    both = (a != "") & (b != "")
    return a.where(~both, a + "；" + b).where(a != "", b)


def _late(cust: pd.DataFrame, late_rows: np.ndarray, keys: Keys) -> tuple[np.ndarray, int]:
    """(rows whose 客户编号 has an 逾期未跟进 / 从未跟进 reminder, how many distinct 客户编号).

    Blank 客户编号 keep pandas' ``isin`` / ``set`` reading (None matches None, NaN matches NaN).
    """
    cc = cust["code"].to_numpy()
    late_code = np.zeros(keys.n + 1, dtype=bool)
    late_code[cc[late_rows & (cc >= 0)]] = True
    late = late_code[cc]
    blank = cc < 0
    blank_late = set(cust["customer_id"].to_numpy()[late_rows & blank])
    if blank_late:
        late[blank] = cust["customer_id"][blank].isin(blank_late).to_numpy()
    else:
        late[blank] = False
    return late, int(late_code[:-1].sum()) + len(blank_late)


def _owners(
    tiers: pd.DataFrame, cust: pd.DataFrame, clean, late: np.ndarray, first_day: date, asof: date, keys: Keys
) -> pd.DataFrame:
    """负责人, 客户数, S, A, B, C, 待评级, 逾期, 本月跟进, 跟进完成率 (follow-ups counted for the
    customer's 负责人)."""
    t = pd.DataFrame(
        {"负责人": tiers["负责人"].fillna("未分配"), "客户等级": tiers["客户等级"], "逾期": late},
        index=tiers.index,
    )
    out = pd.crosstab(t["负责人"], t["客户等级"]).reindex(columns=[*GRADES, PENDING], fill_value=0)
    out.insert(0, "客户数", out.sum(axis=1))
    out["逾期"] = t.groupby("负责人")["逾期"].sum()
    f = clean.get(registry.FOLLOWUPS.name)
    out["本月跟进"] = 0
    out["跟进完成率"] = np.nan
    if f is not None and len(f):
        d, st = dates(f, "follow_date"), col(f, "status")
        inside = ((d >= pd.Timestamp(first_day)) & (d <= pd.Timestamp(asof)) & (st != "已取消")).to_numpy()
        who = _owner_of(
            t["负责人"], cust, keys.first_rows, keys.codes[registry.FOLLOWUPS.name][inside], f.index[inside]
        )
        who = who.fillna(col(f, "follower")[inside]).fillna("未分配")
        m = pd.DataFrame({"who": who, "done": (st[inside] == "已完成")})
        g = m.groupby("who")["done"]
        out["本月跟进"] = g.size().reindex(out.index).fillna(0).astype(int)
        out["跟进完成率"] = g.mean().reindex(out.index).round(4)
    return out.rename_axis("负责人").reset_index().rename_axis(None, axis=1)


def _owner_of(
    owner: pd.Series, cust: pd.DataFrame, first_rows, codes: np.ndarray, index: pd.Index
) -> pd.Series:
    """负责人 of each follow-up row's customer (its first archive row; NaN when not in the archive)."""
    cust_codes = cust["code"].to_numpy()
    first = first_rows(cust_codes)
    # as pandas' map did: a blank 客户编号 meets the first archive row holding NaN
    # (a None key matches nothing)
    ids = cust["customer_id"].to_numpy()
    nan_rows = [i for i in np.flatnonzero(cust_codes < 0) if ids[i] is not None]
    if nan_rows:
        first[-1] = nan_rows[0]
    pos = first[codes]
    vals = np.append(owner.to_numpy(dtype=object), np.nan)
    return pd.Series(vals[pos], index=index, dtype=object)
