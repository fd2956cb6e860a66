"""Shared pieces of the grading step: the as-of date, column access, per-customer facts.

Speed (issue #7): 客户编号 of every sheet are stripped once and factorized into shared integer codes
(``Keys``); per-customer facts are numpy reductions over those codes instead of string group-bys,
and texts are formatted once per distinct value.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from ..period import parse_month
from ..schema import registry

DEAL_TYPES = ("成交客户", "长期合作客户")  # 客户类型 that mean "has bought" (seed 003 / seed 000)
DONE = "已完成"
NOT_HAPPENED = ("未开始", "已取消")  # a 跟进 row with these statuses is a plan, not a contact


def month_bounds(month: str | None, today: date | None) -> tuple[str, date, date]:
    """("YYYY-MM", first day, asof): ``period.parse_month`` (the one month parser) and the first day."""
    label, asof = parse_month(month, today)
    return label, date(int(label[:4]), int(label[5:7]), 1), asof


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
    """客户编号 as stripped strings (a missing value stays as it was), object dtype.

    object dtype: pandas 3's Arrow strings make isin/map over 100k ids several times slower.
    """
    s = col(df, "customer_id")
    arr = s.to_numpy(dtype=object, copy=True)
    ok = ~pd.isna(arr)
    if ok.any():
        vals = arr[ok] if not ok.all() else arr
        stripped = np.empty(len(vals), dtype=object)
        stripped[:] = [v.strip() if type(v) is str else str(v).strip() for v in vals]
        arr[ok] = stripped
    return pd.Series(arr, index=s.index, dtype=object)


class Keys:
    """客户编号 of the archive, follow-ups, deals and registration sheets as shared integer codes.

    ``codes[sheet]`` has one code per row (-1 when the id is missing); ``n`` codes in all. Per-code
    arrays are made one longer than ``n`` so that indexing them with -1 gives the fill value.
    ``ids[sheet]`` is ``ids(sheet)``: each distinct raw id is stripped once, not once per row.
    """

    SHEETS = (registry.ARCHIVE.name, registry.FOLLOWUPS.name, registry.DEALS.name, registry.REGISTRATION.name)

    def __init__(self, clean: dict[str, pd.DataFrame]) -> None:
        self.ids: dict[str, pd.Series] = {}
        self.codes: dict[str, np.ndarray] = {}
        per_sheet = []
        for sheet in self.SHEETS:
            df = clean.get(sheet)
            if df is None and sheet != registry.ARCHIVE.name:
                continue
            raw = col(df if df is not None else pd.DataFrame(columns=["customer_id"]), "customer_id")
            if isinstance(raw.dtype, pd.StringDtype) or pd.api.types.infer_dtype(raw, skipna=True) in (
                "string",
                "empty",
            ):
                codes, uniq = pd.factorize(raw)
                stripped = np.empty(len(uniq), dtype=object)
                stripped[:] = [v.strip() for v in np.asarray(uniq, dtype=object)]
                values = raw.to_numpy(dtype=object, copy=True)
                ok = codes >= 0
                values[ok] = stripped[codes[ok]]
                self.ids[sheet] = pd.Series(values, index=raw.index, dtype=object)
            else:  # numbers among the ids: 1 and 1.0 hash alike but read "1" and "1.0"
                self.ids[sheet] = ids(df)
                codes, stripped = pd.factorize(self.ids[sheet].to_numpy())
            per_sheet.append((sheet, codes, stripped))
        # "C1 " in one sheet and "C1" in another are one customer
        merged, uniq = pd.factorize(np.concatenate([np.asarray(u, dtype=object) for _, _, u in per_sheet]))
        self.n = len(uniq)
        start = 0
        for sheet, codes, stripped in per_sheet:
            self.codes[sheet] = np.append(merged[start : start + len(stripped)], -1)[codes]
            start += len(stripped)

    def count(self, codes: np.ndarray) -> np.ndarray:
        """Rows per code (length n + 1, the last slot 0)."""
        return np.bincount(codes[codes >= 0], minlength=self.n + 1)

    def max_date(self, codes: np.ndarray, values: np.ndarray) -> np.ndarray:
        """Latest date per code, NaT when none (length n + 1); values: datetime64 array."""
        acc = np.full(self.n + 1, np.iinfo(np.int64).min, dtype=np.int64)  # NaT
        ok = codes >= 0
        np.maximum.at(acc, codes[ok], values.view(np.int64)[ok])
        return acc.view(values.dtype)

    def min_date(self, codes: np.ndarray, values: np.ndarray) -> np.ndarray:
        """Earliest date per code, NaT when none (length n + 1)."""
        big = np.iinfo(np.int64).max
        acc = np.full(self.n + 1, big, dtype=np.int64)
        ok = (codes >= 0) & ~np.isnat(values)
        np.minimum.at(acc, codes[ok], values.view(np.int64)[ok])
        acc[acc == big] = np.iinfo(np.int64).min
        return acc.view(values.dtype)

    def first_rows(self, codes: np.ndarray) -> np.ndarray:
        """Position of each code's first row, -1 when it has none (length n + 1)."""
        out = np.full(self.n + 1, -1, dtype=np.intp)
        ok = np.flatnonzero(codes >= 0)
        uniq, first = np.unique(codes[ok], return_index=True)
        out[uniq] = ok[first]
        return out


def strftime_each(s: pd.Series, fmt: str = "%Y-%m-%d") -> np.ndarray:
    """``s.dt.strftime(fmt)`` as an object array (None for NaT), formatting each distinct date once."""
    codes, uniq = pd.factorize(s)
    table = np.empty(len(uniq) + 1, dtype=object)
    if len(uniq):
        table[:-1] = np.asarray(pd.Series(uniq).dt.strftime(fmt), dtype=object)
    table[-1] = None
    return table[codes]


def date_objects(s: pd.Series, missing: object = None) -> pd.Series:
    """``s.dt.date`` with ``missing`` for NaT (``.where(s.notna(), None)`` when None), each distinct
    date converted once."""
    codes, uniq = pd.factorize(s)
    if not len(uniq):  # all NaT: pandas keeps a datetime dtype here; give exactly what it gives
        return s.dt.date if missing is pd.NaT else s.dt.date.where(s.notna(), None)
    table = np.empty(len(uniq) + 1, dtype=object)
    table[:-1] = [t.date() for t in uniq]
    table[-1] = missing
    return pd.Series(table[codes], index=s.index, dtype=object)


def remap(values: pd.Series, table: dict) -> pd.Series:
    """``values.map(table)`` (same values and dtype), looking up each distinct value once."""
    codes, uniq = pd.factorize(values)
    mapper = pd.Series(table)
    at = np.append(mapper.index.get_indexer(uniq), -1)[codes]
    return pd.Series(mapper.array.take(at, allow_fill=True), index=values.index)


def lookup(values: pd.Series, table: dict, dtype: str = "float64") -> np.ndarray:
    """``values.map(table)`` as an array (NaN when absent), looking up each distinct value once."""
    codes, uniq = pd.factorize(values)
    per = np.array([table.get(u, np.nan) for u in uniq] + [np.nan], dtype=dtype)
    return per[codes]


def customer_frame(
    clean: dict[str, pd.DataFrame], asof: date, rules, keys: Keys | None = None
) -> pd.DataFrame:
    """One row per 客户档案 customer with the facts every computation needs.

    Index = Excel row of the archive. Deal facts merge 客户档案 dates with 交易记录 when it exists;
    年合作金额 comes from the archive, or from 交易记录 (last 12 months) when the archive cell is blank
    and the customer appears there. Column ``code`` is the customer's ``Keys`` code.
    """
    keys = keys or Keys(clean)
    arch = clean.get(registry.ARCHIVE.name)
    if arch is None:
        arch = pd.DataFrame(columns=["customer_id"])
    out = pd.DataFrame(index=arch.index)
    out["customer_id"] = keys.ids[registry.ARCHIVE.name].set_axis(arch.index)
    for name in (
        "name",
        "industry",
        "owner",
        "customer_type",
        "urgency",
        "source",
        "grade_override",
        "override_reason",
    ):
        out[name] = col(arch, name)
    out["amount"] = nums(arch, "annual_amount_yuan")
    out["amount_from_deals"] = False
    out["profit"] = nums(arch, "profit_yuan")
    for name in (
        "renewal_rate",
        "satisfaction",
        "potential",
        "stability",
        "interaction",
        "dependency",
        "recommend",
    ):
        out[name] = nums(arch, name)
    out["first_contact"] = dates(arch, "first_contact")
    first_deal = dates(arch, "first_deal")
    last_deal = dates(arch, "last_deal")
    asof_ts = pd.Timestamp(asof)
    deals = clean.get(registry.DEALS.name)
    out["has_deals_sheet"] = deals is not None
    cust_codes = keys.codes[registry.ARCHIVE.name]
    if deals is not None and len(deals):
        d_date = dates(deals, "deal_date")
        keep = (keys.codes[registry.DEALS.name] >= 0) & (d_date.isna() | (d_date <= asof_ts)).to_numpy()
        code = keys.codes[registry.DEALS.name][keep]
        when = d_date.to_numpy()[keep]
        dmin = keys.min_date(code, when)[cust_codes]
        dmax = keys.max_date(code, when)[cust_codes]
        first_deal = pd.Series(_fmin(first_deal.to_numpy(), dmin), index=out.index)
        last_deal = pd.Series(_fmax(last_deal.to_numpy(), dmax), index=out.index)
        seen = keys.count(code)[cust_codes] > 0
        fill = out["amount"].isna().to_numpy() & seen
        if fill.any():
            recent = when > np.datetime64(months_back(asof, 12))
            amt = nums(deals, "amount_yuan").to_numpy()[keep][recent]
            sums = pd.Series(amt).groupby(code[recent]).sum(min_count=0)
            per = np.zeros(keys.n + 1)
            per[sums.index.to_numpy()] = sums.to_numpy()
            out.loc[fill, "amount"] = per[cust_codes[fill]]
            out.loc[fill, "amount_from_deals"] = True
    out["first_deal"] = pd.to_datetime(first_deal)
    out["last_deal"] = pd.to_datetime(last_deal)
    out["code"] = cust_codes
    return out


def _fmin(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    t = np.promote_types(a.dtype, b.dtype)
    return np.fmin(a.astype(t), b.astype(t))


def _fmax(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    t = np.promote_types(a.dtype, b.dtype)
    return np.fmax(a.astype(t), b.astype(t))
