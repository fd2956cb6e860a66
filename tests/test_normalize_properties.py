"""Property tests: normalizers never raise and are idempotent; ID assignment keeps its promises;
apply_unique equals an element-wise map."""

from __future__ import annotations

import math
from datetime import date, datetime
from functools import partial

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from workbook_crm.findings import CATALOG
from workbook_crm.normalize import (
    IdPattern,
    Norm,
    apply_unique,
    assign_ids,
    check_credit_code,
    normalize_date,
    normalize_email,
    normalize_number,
    normalize_percent,
    normalize_phone,
    parse_money,
)

# Cell-like text: digits, separators and the Chinese characters the normalizers look for.
_ALPHA = "0123456789０１２３-/.:年月日号至~ +()（）*x@＠%％万元约以下上待确认转,，、" + "abcXYZ 周三〇一二十"
cells = st.one_of(
    st.text(alphabet=_ALPHA, max_size=24),
    st.text(max_size=12),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.dates(),
    st.datetimes(),
    st.none(),
    st.booleans(),
    st.decimals(allow_nan=True, allow_infinity=True, places=3),
    st.times(),
)

NORMALIZERS = {
    "date": normalize_date,
    "date1904": partial(normalize_date, date1904=True),
    "date-ctx": partial(normalize_date, context_year=2024),
    "phone": normalize_phone,
    "email": normalize_email,
    "credit": check_credit_code,
    "percent": normalize_percent,
    "number": normalize_number,
    "money": parse_money,
    "money-wan": partial(parse_money, scale=10_000),
}


def _same(a, b) -> bool:
    try:
        if a != a and b != b:  # NaN, Decimal NaN
            return type(a) is type(b)
        return bool(a == b) and type(a) is type(b)
    except Exception:
        return a is b


@settings(max_examples=300, deadline=None)
@given(cells)
def test_every_normalizer_is_total_and_idempotent(value):
    for name, fn in NORMALIZERS.items():
        first = fn(value)
        assert isinstance(first, Norm), name
        assert first.code is None or first.code in CATALOG, name
        assert isinstance(first.ok, bool)
        hash(first.params)
        second = fn(first.value)
        assert _same(second.value, first.value), (name, value, first, second)
        if first.code is None:
            assert second.code is None, (name, value, first, second)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "13800138000",
                "138 0013 8000",
                "abc",
                "",
                None,
                13800138000.0,
                "138****5678",
                "2024-05-10",
                45422,
                True,
                1,
            ]
        ),
        max_size=40,
    )
)
def test_apply_unique_equals_elementwise_map(items):
    s = pd.Series(items, index=[f"r{i}" for i in range(len(items))], dtype=object)
    for fn in (normalize_phone, normalize_date):
        out, flagged = apply_unique(s, fn)
        assert list(out.index) == list(s.index)
        for label, v in s.items():
            if v is None or v == "":
                assert out[label] is v and label not in flagged
                continue
            n = fn(v)
            assert _same(out[label], n.value), (v, out[label], n)
            assert (label in flagged) == (n.code is not None)
            if n.code:
                assert flagged[label] == n


_ids = st.one_of(
    st.none(),
    st.builds(
        lambda y, m, q: f"CX{y}{m:02d}{q:03d}",
        st.integers(2023, 2024),
        st.integers(1, 12),
        st.integers(1, 999),
    ),
    st.sampled_from(["bad", "CX2024", "C001"]),
)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            _ids,
            st.one_of(st.none(), st.dates(date(2023, 1, 1), date(2024, 12, 31))),
            st.sampled_from([None, "展会", "线上推广", "官网表单", "其他渠道"]),
        ),
        max_size=30,
    ),
    st.lists(
        st.builds(lambda m, q: f"CX2024{m:02d}{q:03d}", st.integers(1, 12), st.integers(1, 999)), max_size=5
    ),
)
def test_assign_ids_properties(rows, history):
    existing = [r[0] for r in rows]
    dates = [r[1] for r in rows]
    sources = [r[2] for r in rows]
    kw = dict(pattern="CX{yyyy}{mm}{seq:03}", history_ids=history, default_date=date(2024, 7, 1))
    ids, findings = assign_ids(existing, dates, sources, **kw)
    pat = IdPattern.parse(kw["pattern"])
    for old, new in zip(existing, ids, strict=True):
        if old is not None and pat.matches(old):
            assert new == old  # existing valid IDs never change
    new_ids = [n for o, n in zip(existing, ids, strict=True) if o is None and n is not None]
    kept = [o for o in existing if o is not None]
    assert len(set(new_ids)) == len(new_ids) and not set(new_ids) & set(kept)
    assert not set(new_ids) & set(history)  # deleted customers' numbers are never reused
    for i, n in findings:
        assert n.code in ("bad-id", "id-overflow") and (n.code == "bad-id") == (existing[i] is not None)
    again, findings2 = assign_ids(ids, dates, sources, **kw)
    assert again == ids
    assert {i for i, n in findings2 if n.code == "bad-id"} == {i for i, n in findings if n.code == "bad-id"}


def test_apply_unique_on_typed_columns_read_from_xlsx(tmp_path):
    """Columns as a reader hands them over: str dtype with missing cells, datetimes, floats with NaN."""
    import openpyxl
    from python_calamine import CalamineWorkbook

    path = tmp_path / "c.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["手机号码", "首次接触时间", "年合作金额(万元)"])
    rows = [
        ("138 0013 8000", "2024/5/10", 62),
        (None, None, None),
        ("138****5678", "2024-05-10", 12.5),
        ("138 0013 8000", "坏日期", None),
    ]
    for r in rows:
        ws.append(list(r))
    wb.save(path)
    data = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
    frame = pd.DataFrame(data[1:], columns=data[0]).replace("", None)
    phones = frame["手机号码"].astype("string")
    out, flagged = apply_unique(phones, normalize_phone)
    assert out[2] == "138****5678"
    assert out[0] == out[3] == "13800138000" and pd.isna(out[1])
    assert {k: n.code for k, n in flagged.items()} == {2: "masked-phone"}
    dates, flagged = apply_unique(frame["首次接触时间"], normalize_date)
    assert dates[0] == dates[2] == date(2024, 5, 10) and {k: n.code for k, n in flagged.items()} == {
        3: "bad-date"
    }
    money = pd.to_numeric(frame["年合作金额(万元)"])
    out, flagged = apply_unique(money, partial(parse_money, scale=10_000))
    assert out[0] == 62 and math.isnan(out[1]) and flagged == {}
    stamps = pd.Series(pd.to_datetime(["2024-05-10", None, "2024-05-10 08:00"], format="ISO8601"))
    out, flagged = apply_unique(stamps, normalize_date)
    assert out[0] == out[2] == date(2024, 5, 10) and pd.isna(out[1]) and flagged == {}


def test_numpy_scalars_are_plain_values():
    import numpy as np

    assert normalize_date(np.datetime64("2024-05-10T08:00")).value == date(2024, 5, 10)
    assert normalize_date(np.int64(45422)).value == date(2024, 5, 10)
    assert normalize_phone(np.int64(13800138000)).value == "13800138000"
    assert parse_money(np.float64(62.0), scale=10_000).get("low") == 620_000
    assert normalize_number(np.int32(7)).value == 7 and normalize_percent(np.int64(92)).value == 0.92


@settings(deadline=None)  # the first example imports the validators
@given(
    st.datetimes(min_value=datetime(1950, 1, 1), max_value=datetime(2150, 12, 31)),
    st.sampled_from(["%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y-%m-%dT%H:%M", "%Y年%m月%d日 %H:%M"]),
)
def test_a_typed_time_of_day_is_never_rewritten_away(moment: datetime, fmt: str) -> None:
    """A date typed with its time is kept as typed (the write-back would delete the time); a typed
    midnight carries no information and may become a plain date."""
    from workbook_crm.normalize.dates import has_time_of_day
    from workbook_crm.validators.values import _edit

    text = moment.strftime(fmt)
    n = normalize_date(text)
    assert n.value == moment.date()
    shown = moment.replace(second=0) if "%S" not in fmt else moment
    has_time = (shown.hour, shown.minute, shown.second) != (0, 0, 0)
    assert has_time_of_day(text) is has_time
    assert _edit(text, n, "date") is (not has_time)
