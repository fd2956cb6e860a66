"""Column-wise fast paths of the check step (issue #16) equal the per-cell code they replace.

Each fast path is compared with a plain per-value reference on varied input (hypothesis): the
reference is the obvious loop the check used to run, kept here as the definition.
"""

from __future__ import annotations

import re
import shutil
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st
from rapidfuzz import fuzz, process

from workbook_crm.io.reader import SheetData, read_workbook
from workbook_crm.normalize import Norm
from workbook_crm.normalize.columns import _key, factorize_cells
from workbook_crm.normalize.companies import _LATIN_SUFFIX, company_key, company_keys
from workbook_crm.normalize.text import is_blank
from workbook_crm.schema import registry
from workbook_crm.textutil import nfkc, to_simplified
from workbook_crm.validators import duplicates, seed_content

# cells as a reader hands them over: text (incl. blank/whitespace), ints, floats incl. NaN and -0.0,
# bools, dates, datetimes, Decimals, None, numpy floats, and an unhashable list now and then
mixed_cells = st.one_of(
    st.sampled_from(["", " ", "\u3000", "a", "A", "1", "1.0", "北京", "北京 "]),
    st.integers(-3, 3),
    st.sampled_from([0.0, -0.0, 1.0, 2.5, float("nan"), float("inf")]),
    st.booleans(),
    st.sampled_from([date(2024, 1, 1), datetime(2024, 1, 1), datetime(2024, 1, 1, 8, 30)]),
    st.sampled_from([Decimal("1"), Decimal("1.0"), Decimal("NaN")]),
    st.none(),
    st.sampled_from([np.float64(1.0), np.float64("nan")]),
    st.just(["x"]),
)


def _reference_codes(values: list[Any]) -> list[int]:
    """The per-cell definition: key (type, value), blank → -1, numbered by first appearance."""
    seen: dict[Any, int] = {}
    out = []
    for v in values:
        if is_blank(v):
            out.append(-1)
            continue
        out.append(seen.setdefault(_key(v), len(seen)))
    return out


@settings(max_examples=300, deadline=None)
@given(st.lists(mixed_cells, max_size=40))
def test_factorize_cells_equals_keying_every_cell(values):
    arr = np.empty(len(values), dtype=object)
    arr[:] = values
    codes, first = factorize_cells(arr)
    assert codes.tolist() == _reference_codes(values)
    # first[k] is the first row holding value k
    assert [int(codes[i]) for i in first] == list(range(len(first)))
    assert all(codes[: first[k]].tolist().count(k) == 0 for k in range(len(first)))


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(["a", "b", " ", "", "c", None]), max_size=30))
def test_factorize_cells_one_text_column(values):
    arr = pd.Series(values, dtype=object).to_numpy(dtype=object)
    assert factorize_cells(arr)[0].tolist() == _reference_codes(values)


# --- company-name keys ---------------------------------------------------------------------------

_OLD_CN_SUFFIX = re.compile(r"(?:股份有限公司|有限责任公司|有限公司|股份公司|责任公司|公司)$")


def _reference_company_key(name: Any) -> str:
    """company_key as first written: every name through both suffix regexes."""
    if is_blank(name):
        return ""
    s = to_simplified(nfkc(str(name))).lower().strip()
    while (t := _LATIN_SUFFIX.sub("", s)) != s and t:
        s = t
    s = re.sub(r"[\W_]+", "", s)
    t = _OLD_CN_SUFFIX.sub("", s)
    return t or s


name_parts = st.sampled_from(
    [
        "北京",
        "長勝",
        "科技",
        "有限公司",
        "股份有限公司",
        "有限责任公司",
        "责任公司",
        "股份公司",
        "公司",
        "(中国)",
        "（集团）",
        " ",
        "-",
        "_",
        "Co.",
        "co",
        "LTD",
        "Ltd.",
        ", Inc",
        "GmbH",
        "LLC",
        "Company",
        "Corp",
        "abc",
        "Trading",
        "limited",
        "ＡＢＣ",
        "１２３",
        ".",
        ",",
        ")",
        "\n",
        "繁體",
    ]
)


@settings(max_examples=400, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.lists(name_parts, max_size=6).map("".join),
            st.text(max_size=8),
            st.none(),
            st.integers(-5, 5),
            st.just(float("nan")),
        ),
        max_size=12,
    )
)
def test_company_keys_equal_the_per_name_key(names):
    expected = [_reference_company_key(n) for n in names]
    assert company_keys(names) == expected
    assert [company_key(n) for n in names] == expected


# --- vague company names -------------------------------------------------------------------------


def _reference_is_vague(text: Any) -> bool:
    """is_vague_company_name as first written (the legal form found by a regex search)."""
    if not isinstance(text, str) or not text.strip():
        return False
    s = re.sub(r"[\s()（）\[\]【】·.,，。、\-]+", "", to_simplified(nfkc(text)))
    masked = bool(seed_content._MASK.match(s))
    legal = seed_content._LEGAL.search(s)
    if not legal and not masked:
        return False
    core = seed_content._LEGAL.sub("", s) if legal else s
    while True:
        shorter = seed_content._LEGAL.sub("", core)
        if shorter == core:
            break
        core = shorter
    core = seed_content._TRADE.sub("", core)
    core = seed_content._PLACEHOLDER.sub("", core)
    return not core or (masked and len(core) <= 2)


company_parts = st.sampled_from(
    [
        "某",
        "XX",
        "＊",
        "科技",
        "贸易",
        "青禾",
        "有限公司",
        "集团",
        "集團",
        "公司",
        "厂",
        "商行",
        "工作室",
        "企业",
        "分公司",
        "(中国)",
        "（",
        "）",
        " ",
        "\n",
        "·",
        "-",
        "A",
        "1",
        "电子商务",
        "總公司",
    ]
)


@settings(max_examples=400, deadline=None)
@given(
    st.one_of(
        st.lists(company_parts, max_size=7).map("".join), st.text(max_size=10), st.none(), st.integers()
    )
)
def test_is_vague_company_name_equals_the_regex_search(text):
    assert seed_content.is_vague_company_name(text) == _reference_is_vague(text)


# --- fuzzy duplicates -------------------------------------------------------------------------------


def _reference_pairs(names: list[str | None], threshold: float) -> dict[tuple[int, int], float]:
    """The sorted-neighbourhood pairs as first written: name_score for every candidate."""
    rows = list(range(2, 2 + len(names)))
    keyed = [(r, company_key(n)) for r, n in zip(rows, names, strict=True) if n]
    keyed = [(r, k) for r, k in keyed if k]
    if len(keyed) < 2:
        return {}
    rs = np.array([r for r, _ in keyed])
    ks = np.array([k for _, k in keyed], dtype=object)
    by_row = dict(zip(rows, names, strict=True))
    pairs: dict[tuple[int, int], float] = {}
    for sort_key in (ks, np.array([k[::-1] for k in ks], dtype=object)):
        order = np.argsort(sort_key, kind="stable")
        sk, sr = ks[order], rs[order]
        for d in range(1, min(duplicates.WINDOW, len(sk) - 1) + 1):
            a, b = sk[:-d], sk[d:]
            cutoff = max(0.0, min(threshold, 2 * threshold - 100))
            scores = process.cpdist(list(a), list(b), scorer=fuzz.ratio, score_cutoff=cutoff)
            for i in np.nonzero(scores >= cutoff)[0]:
                if a[i] == b[i] or duplicates._only_numbers_differ(a[i], b[i]):
                    continue
                lo, hi = sorted((int(sr[i]), int(sr[i + d])))
                score = duplicates.name_score(a[i], b[i], str(by_row[lo]), str(by_row[hi]), float(scores[i]))
                if score >= threshold:
                    pairs[(lo, hi)] = score
    return pairs


similar_names = st.lists(
    st.builds(
        lambda city, core, trade, form: f"{city}{core}{trade}{form}",
        st.sampled_from(["杭州", "北京", "", "城东市场-"]),
        st.sampled_from(["青禾", "清禾", "青和", "长胜", "长盛", "亚平", "亚芳", "第1", "第2", "ABC", "abd"]),
        st.sampled_from(["贸易", "科技", "批发", "龙头店", "坡头店", ""]),
        st.sampled_from(["有限公司", "公司", "", "(中国)有限公司", " Co., Ltd."]),
    )
    | st.none(),
    max_size=30,
)


@settings(max_examples=150, deadline=None)
@given(similar_names, st.sampled_from([70.0, 85.0, 90.0, 95.5]))
def test_fuzzy_duplicates_equal_scoring_every_candidate(names, threshold):
    n = len(names)
    frame = pd.DataFrame(
        {"customer_id": [f"C{i:03d}" for i in range(n)], "name": names},
        index=pd.Index(range(2, 2 + n), name="row"),
        dtype=object,
    )
    sheet = SheetData(registry.ARCHIVE, "客户档案", 1, {"customer_id": 0, "name": 1}, {}, {}, frame, n_cols=2)
    table, found = duplicates.fuzzy_duplicates(sheet, frame, threshold=threshold, decisions={}, exact=set())
    expected = _reference_pairs(names, threshold)
    assert len(found) == len(expected)
    assert sorted(table["相似度"].tolist()) == sorted(round(s, 1) for s in expected.values())
    assert [f.row for f in found] == [hi for (_, hi) in sorted(expected)]


# --- schema checks over the fields that can fail ---------------------------------------------------


def test_schema_findings_equal_validating_every_field(tmp_path):
    """schema_findings validates only required or bounded fields; pandera over every present field
    (the frame as first built) finds the same failures, on the sample workbook (a messy one)."""
    import pandera.pandas as pa

    from workbook_crm.validators.schema_checks import (
        _to_findings,
        pandera_schema,
        parsed_frame,
        schema_findings,
    )
    from workbook_crm.validators.values import parse_sheet

    path = tmp_path / "s.xlsx"
    shutil.copy(Path(__file__).parent.parent / "sample_data" / "示例台账.xlsx", path)
    wb = read_workbook(path)
    compared = 0
    for sheet in wb.sheets.values():
        if sheet.schema.computed:
            continue
        clean, _, _ = parse_sheet(sheet, context_year=2024)
        frame, unparsed = parsed_frame(sheet, clean)
        try:
            pandera_schema(sheet.schema).validate(frame, lazy=True)
            every: list = []
        except pa.errors.SchemaErrors as exc:
            every = list(_to_findings(sheet, exc.failure_cases, unparsed))
        assert schema_findings(sheet, clean) == every
        compared += len(every)
    assert compared > 0


# --- text rules per distinct text --------------------------------------------------------------------


def _reference_flags(col: pd.Series, test) -> list[tuple[Any, Any]]:
    """The per-row loop the text rules ran: verdicts keyed by ``astype(str)``, looked up by str(v)."""
    col = col[col.notna()]
    if col.empty:
        return []
    verdict = {v: test(v) for v in pd.unique(col.astype(str))}
    return [(row, v) for row, v in col.items() if verdict.get(str(v))]


text_cells = st.one_of(
    st.sampled_from(
        ["继续跟进", "再联系", "提供方案", "下周再联系", "5月20日前发送报价", "", " ", "某科技公司"]
    ),
    st.integers(0, 30),
    st.sampled_from([1.5, float("nan"), 3.0]),
    st.none(),
    st.sampled_from([date(2024, 5, 1), datetime(2024, 5, 1, 9, 0)]),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(text_cells, max_size=30))
def test_by_distinct_text_equals_the_per_row_loop(values):
    from workbook_crm.normalize import is_vague_need, is_vague_next_step
    from workbook_crm.validators.cells import by_distinct_text

    col = pd.Series(values, index=range(3, 3 + len(values)), dtype=object)
    for test in (
        is_vague_next_step,
        is_vague_need,
        seed_content.is_vague_company_name,
        seed_content.next_step_gap,
    ):
        got = [(row, v) for row, v, _ in by_distinct_text(col, test)]
        assert got == _reference_flags(col, test), test.__name__


def _reference_personal_data(sheet: SheetData) -> list[tuple[str, str, Any]]:
    """personal_data as first written: every row's cell, a regex filter, then apply_unique."""
    from workbook_crm.normalize import apply_unique, find_personal_data
    from workbook_crm.schema.base import NAME, TEXT
    from workbook_crm.validators.content import _LONG_DIGITS, _masked

    out = []
    frame = sheet.frame
    typed = {f.name for f in sheet.schema.fields if f.kind not in (TEXT, NAME)}
    for name in frame.columns:
        if name in typed:
            continue
        values = frame[name].to_list()
        rows = [
            r
            for r, v in zip(frame.index.to_list(), values, strict=True)
            if isinstance(v, str) and len(v) >= 15
        ]
        if not rows:
            continue
        hits = frame.loc[rows, name]
        hits = hits[hits.astype(str).str.contains(_LONG_DIGITS, regex=True)]
        if hits.empty:
            continue
        _, norms = apply_unique(hits, lambda v: (find_personal_data(v) or [Norm(v)])[0])
        for row, n in norms.items():
            if n.code:
                out.append((n.code, f"{name}{row}", _masked(hits.at[row])))
    return out


def _id(body: str) -> str:
    total = sum(int(c) * pow(2, 17 - i, 11) for i, c in enumerate(body))
    return body + "10X98765432"[total % 11]


personal_cells = st.one_of(
    st.sampled_from(
        [
            f"身份证：{_id('11010519900307123')}",
            f"客户说卡号 6222 0212 3456 7890 12 … {_id('44030419851231456')}",
            "电话 13800138000 转 1234567890123",
            "2024-05-01 至 2024-06-30 的 123456789012345 订单",
            _id("31011520010101001"),
            "短",
            "１１０１０５１９９００３０７１２３",
        ]
    ),
    st.integers(),
    st.none(),
    st.just(float("nan")),
)


@settings(max_examples=100, deadline=None)
@given(st.lists(personal_cells, min_size=1, max_size=20))
def test_personal_data_per_distinct_text_equals_every_row(values):
    from workbook_crm.validators.content import personal_data

    n = len(values)
    frame = pd.DataFrame(
        {"name": ["某公司"] * n, "备注": values}, index=pd.Index(range(2, 2 + n), name="row"), dtype=object
    )
    sheet = SheetData(
        registry.ARCHIVE, "客户档案", 1, {"name": 0}, {}, {0: "客户名称", 1: "备注"}, frame, n_cols=2
    )
    got = [(f.code, f"备注{f.row}", f.value) for f in personal_data(sheet)]
    assert got == _reference_personal_data(sheet)


# --- dates in next-step texts ------------------------------------------------------------------------


def _reference_extract_dates(text: Any, *, asof: date) -> list[date]:
    """extract_dates as first written: every regex run for each (text, reference date)."""
    import calendar
    from datetime import timedelta

    from workbook_crm.normalize import dates as D

    if not isinstance(text, str) or not text.strip():
        return []
    s = D._CN_RUN.sub(lambda m: D._cn_number(m.group(0)), nfkc(text).translate(D._TRAD))
    found: list[tuple[int, date]] = []
    taken: list[tuple[int, int]] = []

    def add(pos: tuple[int, int], d: date | None) -> None:
        if d is not None and not any(a < pos[1] and pos[0] < b for a, b in taken):
            taken.append(pos)
            found.append((pos[0], d))

    for m in D._X_FULL.finditer(s):
        add(m.span(), D._make(int(m[1]), int(m[2]), int(m[3])))
    for rx in (D._X_MD, D._X_MD_SLASH):
        for m in rx.finditer(s):
            add(m.span(), D._nearest_year(int(m[1]), int(m[2]), asof))
    for m in D._X_MONTH_END.finditer(s):
        y, mo = asof.year, asof.month
        if m[1] and m[1].startswith("下"):
            y, mo = (y + 1, 1) if mo == 12 else (y, mo + 1)
        add(m.span(), date(y, mo, calendar.monthrange(y, mo)[1]))
    for m in D._X_WEEK.finditer(s):
        monday = asof - timedelta(days=asof.weekday())
        weeks = {"下下": 2, "下": 1}.get(m[1] or "", 0)
        add(m.span(), monday + timedelta(days=7 * weeks + D._WEEKDAYS[m[2]]))
    for m in D._X_RELDAY.finditer(s):
        add(m.span(), asof + timedelta(days=D._RELDAYS[m[0]]))
    for m in D._X_WITHIN.finditer(s):
        n = int(m[1])
        add(m.span(), D.add_workdays(asof, n) if "工作日" in m[2] else asof + timedelta(days=n))
    out: list[date] = []
    for _, d in sorted(found, key=lambda t: t[0]):
        if d not in out:
            out.append(d)
    return out


step_parts = st.sampled_from(
    [
        "5月20日",
        "5 月 3 号",
        "12/31",
        "2024-02-30",
        "2024年2月29日",
        "二〇二四年三月五日",
        "月底",
        "下个月末",
        "下周三",
        "下下周五",
        "礼拜天",
        "周日",
        "明天",
        "后天",
        "今日",
        "3个工作日内",
        "10天内",
        "7日内",
        "前发送报价",
        "提供方案",
        "週五",
        "２０２４．５．６",
        " ",
        "至",
        "或",
    ]
)


@settings(max_examples=400, deadline=None)
@given(
    st.lists(step_parts, max_size=5).map("".join) | st.text(max_size=12) | st.none(),
    st.dates(date(2023, 1, 1), date(2026, 12, 31)),
)
def test_extract_dates_from_mentions_equals_scanning_per_date(text, asof):
    from workbook_crm.normalize.dates import extract_dates

    assert extract_dates(text, asof=asof) == _reference_extract_dates(text, asof=asof)


# --- credit codes checked together, money read once ----------------------------------------------------

_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def _valid_uscc(body: str) -> str:
    from workbook_crm.normalize.text import _uscc_check

    return body + _uscc_check(body)


credit_cells = st.one_of(
    st.builds(
        lambda a, b, c: a + b + c,
        st.text(_USCC_CHARS, min_size=2, max_size=2),
        st.text("0123456789", min_size=6, max_size=6),
        st.text(_USCC_CHARS, min_size=10, max_size=10),
    ),  # a random check character: mostly wrong
    st.builds(
        lambda a, b, c: _valid_uscc(a + b + c),
        st.text(_USCC_CHARS, min_size=2, max_size=2),
        st.text("0123456789", min_size=6, max_size=6),
        st.text(_USCC_CHARS, min_size=9, max_size=9),
    ),
    st.sampled_from(["91350100M000100Y43", "91350100m000100y43", " 91350100M000100Y43", "９１３５"]),
    st.integers(),
    st.none(),
    st.text(max_size=20),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(credit_cells, max_size=30))
def test_check_credit_codes_equals_one_by_one(values):
    from workbook_crm.normalize import check_credit_code, check_credit_codes

    assert check_credit_codes(values) == [check_credit_code(v) for v in values]


money_cells = st.one_of(
    st.sampled_from(
        [
            "50万",
            "50-80万",
            "10万以下",
            "100万以上",
            "约30万",
            "待确认",
            "1,200,000",
            "一万五",
            "25%",
            "abc",
            "",
        ]
    ),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(-(10**9), 10**9),
    st.none(),
    st.booleans(),
)


@settings(max_examples=200, deadline=None)
@given(money_cells, st.sampled_from([1, 10_000]))
def test_yuan_from_the_norm_equals_parsing_again(value, scale):
    from workbook_crm.normalize import parse_money
    from workbook_crm.validators.values import _yuan, _yuan_of

    a, b = _yuan_of(parse_money(value, scale=scale)), _yuan(value, scale)
    assert a == b or (a != a and b != b)
