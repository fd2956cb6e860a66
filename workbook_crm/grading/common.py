"""Shared pieces of the grading step: the as-of date, per-customer facts, number wording."""

from __future__ import annotations

import calendar
from datetime import date

import numpy as np
import pandas as pd

ARCHIVE = "客户档案"
FOLLOWUPS = "客户跟进记录表"
DEALS = "交易记录"
EVALUATION = "效果评估表"
CAMPAIGNS = "市场开拓跟踪表"
HISTORY = "分级历史"
REGISTRATION = "客户信息登记表"

DEAL_TYPES = ("成交客户", "长期合作客户")  # 客户类型 that mean "has bought" (seed 003 / seed 000)
DONE = "已完成"
NOT_HAPPENED = ("未开始", "已取消")  # a 跟进 row with these statuses is a plan, not a contact


def month_bounds(month: str | None, today: date | None) -> tuple[str, date, date]:
    """("YYYY-MM", first day, asof): asof is the month's last day, or today when that is earlier."""
    today = today or date.today()
    if month is None:
        y, m = today.year, today.month
    else:
        y, m = (int(p) for p in str(month).strip()[:7].split("-"))
    first = date(y, m, 1)
    last = date(y, m, calendar.monthrange(y, m)[1])
    return f"{y:04d}-{m:02d}", first, min(last, today)


def months_back(asof: date, n: int) -> pd.Timestamp:
    """The day n calendar months before asof (every "last N months" counts back from asof)."""
    return pd.Timestamp(asof) - pd.DateOffset(months=int(n))


def col(df: pd.DataFrame | None, name: str, dtype: str = "object") -> pd.Series:
    """A column, or an all-missing one when the sheet lacks it (a missing column is simply absent)."""
    if df is None:
        return pd.Series(dtype=dtype)
    if name in df.columns:
        return df[name]
    if dtype == "datetime64[ns]":
        return pd.Series(pd.NaT, index=df.index, dtype="datetime64[ns]")
    if dtype == "float":
        return pd.Series(np.nan, index=df.index, dtype="float64")
    return pd.Series(None, index=df.index, dtype="object")


def dates(df: pd.DataFrame | None, name: str) -> pd.Series:
    s = col(df, name, "datetime64[ns]")
    return pd.to_datetime(s, errors="coerce") if s.dtype == object else s


def nums(df: pd.DataFrame | None, name: str) -> pd.Series:
    return pd.to_numeric(col(df, name, "float"), errors="coerce").astype("float64")


def ids(df: pd.DataFrame | None) -> pd.Series:
    """客户编号 as stripped strings (None stays None)."""
    s = col(df, "customer_id")
    # object dtype: pandas 3's Arrow strings make isin/map over 100k ids several times slower
    return s.where(s.isna(), s.astype(str).str.strip()).astype(object)


def _fmt_num(v: float, digits: int = 2) -> str:
    return f"{round(float(v), digits):.{digits}f}".rstrip("0").rstrip(".")


def fmt_wan(yuan: pd.Series) -> pd.Series:
    """500000.0 → "50万" (the unit 年合作金额 is kept in)."""
    return _fmt(yuan, lambda v: _fmt_num(v / 10_000) + "万")


def fmt_pct(frac: pd.Series) -> pd.Series:
    return _fmt(frac, lambda v: _fmt_num(v * 100, 1) + "%")


def fmt_score(v: pd.Series) -> pd.Series:
    return _fmt(v, lambda x: _fmt_num(x, 2))


def _fmt(s: pd.Series, f) -> pd.Series:
    """Format each distinct value once (100k customers share few distinct amounts)."""
    uniq = s.dropna().unique()
    table = {u: f(u) for u in uniq}
    return s.map(table).astype("object")


def customer_frame(clean: dict[str, pd.DataFrame], asof: date, rules) -> pd.DataFrame:
    """One row per 客户档案 customer with the facts every computation needs.

    Index = Excel row of the archive. Deal facts merge 客户档案 dates with 交易记录 when it exists;
    年合作金额 comes from the archive, or from 交易记录 (last 12 months) when the archive cell is blank
    and the customer appears there.
    """
    arch = clean.get(ARCHIVE)
    if arch is None:
        arch = pd.DataFrame(columns=["customer_id"])
    out = pd.DataFrame(index=arch.index)
    out["customer_id"] = ids(arch)
    for name in ("name", "industry", "owner", "customer_type", "urgency", "source"):
        out[name] = col(arch, name)
    out["amount"] = nums(arch, "annual_amount_yuan")
    out["amount_from_deals"] = False
    out["profit"] = nums(arch, "profit_yuan")
    for name in ("renewal_rate", "satisfaction", "potential", "stability", "interaction", "dependency"):
        out[name] = nums(arch, name)
    out["first_contact"] = dates(arch, "first_contact")
    first_deal = dates(arch, "first_deal")
    last_deal = dates(arch, "last_deal")
    asof_ts = pd.Timestamp(asof)
    deals = clean.get(DEALS)
    out["has_deals_sheet"] = deals is not None
    if deals is not None and len(deals):
        d = pd.DataFrame({"cid": ids(deals), "date": dates(deals, "deal_date"), "amt": nums(deals, "amount_yuan")})
        d = d[d["cid"].notna() & (d["date"].isna() | (d["date"] <= asof_ts))]
        g = d.groupby("cid")
        key = out["customer_id"]
        first_deal = pd.concat([first_deal, key.map(g["date"].min())], axis=1).min(axis=1)
        last_deal = pd.concat([last_deal, key.map(g["date"].max())], axis=1).max(axis=1)
        recent = d[d["date"] > months_back(asof, 12)].groupby("cid")["amt"].sum(min_count=0)
        seen = key.isin(g.size().index)
        fill = out["amount"].isna() & seen
        out.loc[fill, "amount"] = key[fill].map(recent).fillna(0.0)
        out.loc[fill, "amount_from_deals"] = True
    out["first_deal"] = pd.to_datetime(first_deal)
    out["last_deal"] = pd.to_datetime(last_deal)
    return out

