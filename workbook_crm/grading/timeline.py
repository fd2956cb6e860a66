"""What the timeliness rules read (grading/timeliness.py): customers with their signing date, and
contacts — follow-ups that happened and 客户信息登记表's 最近跟进时间 — with the time of day as typed."""

from __future__ import annotations

import re
from datetime import datetime, time
from typing import Any

import numpy as np
import pandas as pd

from ..schema import registry
from ..validators import Checked
from .common import col, dates

_TIME = re.compile(r"(?<!\d)([01]?\d|2[0-3])[:：]([0-5]\d)")
_HAPPENED_NOT = ("未开始", "已取消")


def times(checked: Checked, sheet: str, field: str) -> pd.Series:
    """The time of day typed in each cell of a date column (NaN where none)."""
    data = checked.wb.get(sheet)
    if data is None or field not in data.frame.columns:
        return pd.Series(dtype=object)
    raw = data.frame[field]
    # once per distinct value (the reader shares one object per distinct date: 300k follow-ups hold
    # a few hundred); blanks stay blank. 1 == 1.0 == True share a code, and time_of gives them None.
    codes, uniq = pd.factorize(raw.to_numpy(dtype=object))
    table = np.array([*map(time_of, uniq), None], dtype=object)
    return pd.Series(table[codes], index=raw.index, dtype=object)


def customers(checked: Checked, asof_ts: pd.Timestamp) -> pd.DataFrame:
    arch = checked.clean.get(registry.ARCHIVE.name)
    if arch is None or "customer_id" not in arch:
        return pd.DataFrame(
            columns=["cid", "name", "owner", "source", "first_contact", "first_deal", "fc_time"]
        )
    out = pd.DataFrame(
        {
            "cid": col(arch, "customer_id"),
            "name": col(arch, "name"),
            "owner": col(arch, "owner"),
            "source": col(arch, "source"),
            "first_contact": dates(arch, "first_contact"),
            "first_deal": dates(arch, "first_deal"),
        },
        index=arch.index,
    )
    out["fc_time"] = times(checked, registry.ARCHIVE.name, "first_contact").reindex(out.index)
    deals = checked.clean.get(registry.DEALS.name)
    if deals is not None and "customer_id" in deals and len(deals):
        d = pd.DataFrame({"cid": col(deals, "customer_id"), "when": dates(deals, "deal_date")})
        d = d[d["when"].notna() & (d["when"] <= asof_ts)]
        first = d.groupby("cid")["when"].min()
        # reindex, not map: mapping ids through a date Series fails when no id matches (float NaN)
        found = pd.Series(first.reindex(out["cid"].to_numpy(dtype=object)).to_numpy(), index=out.index)
        out["first_deal"] = pd.Series(
            np.fmin(
                pd.to_datetime(out["first_deal"], errors="coerce").to_numpy("datetime64[ns]"),
                found.to_numpy("datetime64[ns]"),
            ),
            index=out.index,
        )
    return out[out["cid"].notna()]


def contacts(checked: Checked, asof_ts: pd.Timestamp) -> pd.DataFrame:
    cols = ["cid", "date", "ts", "timed", "status", "text", "row", "sheet"]
    parts = []
    fu = checked.clean.get(registry.FOLLOWUPS.name)
    if fu is not None and {"customer_id", "follow_date"} <= set(fu.columns):
        when = dates(fu, "follow_date")
        status = col(fu, "status")
        text = (
            col(fu, "method").fillna("").astype(str)
            + " "
            + col(fu, "content").fillna("").astype(str)
            + " "
            + col(fu, "feedback").fillna("").astype(str)
        )
        tm = times(checked, registry.FOLLOWUPS.name, "follow_date").reindex(fu.index)
        c = pd.DataFrame(
            {
                "cid": col(fu, "customer_id"),
                "date": when,
                "status": status,
                "text": text,
                "row": fu.index,
                "sheet": registry.FOLLOWUPS.name,
                "time": tm,
            },
            index=fu.index,
        )
        c = c[
            c["cid"].notna() & c["date"].notna() & (c["date"] <= asof_ts) & ~c["status"].isin(_HAPPENED_NOT)
        ]
        parts.append(c)
    reg = checked.clean.get(registry.REGISTRATION.name)
    if reg is not None and {"customer_id", "last_follow_up"} <= set(reg.columns):
        when = dates(reg, "last_follow_up")
        c = pd.DataFrame(
            {
                "cid": col(reg, "customer_id"),
                "date": when,
                "status": None,
                "text": "",
                "row": reg.index,
                "sheet": registry.REGISTRATION.name,
                "time": times(checked, registry.REGISTRATION.name, "last_follow_up").reindex(reg.index),
            },
            index=reg.index,
        )
        parts.append(c[c["cid"].notna() & c["date"].notna() & (c["date"] <= asof_ts)])
    if not parts:
        return pd.DataFrame(columns=cols)
    c = pd.concat(parts, ignore_index=True)
    c["timed"] = c["time"].notna()
    c["ts"] = c["date"] + pd.to_timedelta(c["time"].where(c["timed"], 0).astype(float), unit="s")
    return c[cols]


def time_of(v: Any) -> float | None:
    """Seconds after midnight typed in a date cell, or None when it holds a date only."""
    if isinstance(v, datetime):
        t = v.time()
        return None if t == time() else t.hour * 3600 + t.minute * 60 + t.second
    if isinstance(v, str):
        m = _TIME.search(v)
        return int(m.group(1)) * 3600 + int(m.group(2)) * 60 if m else None
    if isinstance(v, float) and 20_000 < v < 120_000 and v % 1:
        return round((v % 1) * 86_400)
    return None
