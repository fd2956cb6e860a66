"""Column-wise fast paths of the check step (issue #16) equal the per-cell code they replace.

Each fast path is compared with a plain per-value reference on varied input (hypothesis): the
reference is the obvious loop the check used to run, kept here as the definition.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st
from rapidfuzz import fuzz, process

from workbook_crm.io.reader import SheetData
from workbook_crm.normalize.columns import _key, factorize_cells
from workbook_crm.normalize.text import _LATIN_SUFFIX, company_key, company_keys, is_blank
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
