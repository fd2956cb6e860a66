"""The summary's column-wise paths equal the one-by-one ones they replace (issue #16).

- ``safe_texts`` (a numpy prefilter picks the texts that may hold contact data) equals ``safe_text``
  of each text;
- ``si_items`` (all texts escaped in one pass) equals ``_si`` of each text;
- a table rendered by tablexml + splice (numbers factorized by their bits, rows built as numpy
  records) holds the same cells as xlsxwriter's per-cell path, read back with openpyxl.
"""

from __future__ import annotations

import math
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from python_calamine import CalamineWorkbook

from workbook_crm.reports import style
from workbook_crm.reports.safety import safe_text, safe_texts
from workbook_crm.reports.sharedstrings import _si, si_items

# Characters that matter to the rules: digits (ASCII, full-width, Arabic-Indic), separators, @ and ＠,
# white space at the edges, XML specials, characters xml_text escapes, CJK.
_ALPHABET = st.sampled_from(
    list("0123456789" * 4)
    + list("１３８０＠@.-_ ()（）+转\t\n\r\x0b\x1c&<>\"'甲乙abcXx")
    + ["٣", "\ufffe", "_x0041_", "\x07"]
)
_TEXT = st.lists(_ALPHABET, max_size=40).map("".join)


@settings(max_examples=300, deadline=None)
@given(st.lists(_TEXT, max_size=30), st.booleans())
def test_safe_texts_equals_safe_text_of_each(texts, unmask):
    assert safe_texts(texts, unmask=unmask) == [safe_text(t, unmask=unmask) for t in texts]


def test_safe_texts_finds_contact_data_next_to_other_texts():
    # a phone at the very end or start of a text, beside texts full of digits
    texts = [
        "CX201411001",
        "电话13812345678",
        "CX201411002",
        "0755-12345678",
        "x@y.cn",
        "2024-05-10 至 2024-06-10",
    ]
    assert safe_texts(texts) == [safe_text(t) for t in texts]
    assert safe_texts(texts)[1] == "电话138****5678"


@settings(max_examples=300, deadline=None)
@given(st.lists(_TEXT, max_size=30))
def test_si_items_equals_si_of_each(texts):
    assert si_items(texts) == [_si(t) for t in texts]


def test_si_items_with_nul_or_long_texts_goes_one_by_one():
    assert si_items(["a\x00b", " c"]) == [_si("a\x00b"), _si(" c")]
    with pytest.raises(ValueError):  # over 32,767 characters: refused, as xml_text does
        si_items(["x" * 40000, "y"])


def _columns() -> st.SearchStrategy[pd.DataFrame]:
    floats = st.one_of(
        st.floats(allow_nan=True, allow_infinity=False), st.sampled_from([0.0, -0.0, 1.5, math.nan])
    )
    ints = st.integers(min_value=-(2**62), max_value=2**62)
    return st.integers(min_value=1, max_value=12).flatmap(
        lambda n: st.builds(
            lambda f, i, na, t, d, o: pd.DataFrame(
                {
                    "小数": pd.Series(f, dtype="float64"),
                    "整数": pd.Series(i, dtype="int64"),
                    "可空整数": pd.Series(na, dtype="Int64"),
                    "文本": pd.Series(t, dtype=object),
                    "日期": pd.Series(d, dtype=object),
                    "混合": pd.Series(o, dtype=object),
                }
            ),
            st.lists(floats, min_size=n, max_size=n),
            st.lists(ints, min_size=n, max_size=n),
            st.lists(st.one_of(st.none(), st.integers(-1000, 1000)), min_size=n, max_size=n),
            st.lists(st.one_of(st.none(), _TEXT), min_size=n, max_size=n),
            st.lists(
                st.one_of(st.none(), st.dates(date(1950, 1, 1), date(2090, 1, 1))), min_size=n, max_size=n
            ),
            st.lists(
                st.sampled_from([True, 1, 1.0, "1", None, -0.0, 0.0, datetime(2024, 5, 1, 8), "=1+1"]),
                min_size=n,
                max_size=n,
            ),
        )
    )


def _table(frame: pd.DataFrame, path: Path, fast: bool) -> list[tuple]:
    book = style.Book(path, fast=fast)
    ws = book.sheet("表", tab="#000000")
    book.table(ws, 1, frame)
    book.table(ws, 1, frame.iloc[:2, :2], first_col=8)  # beside the first two rows (the rest: runs)
    ws.write_string(2, 3, "旁注")  # written over the table afterwards
    book.close()
    ws2 = openpyxl.load_workbook(path)["表"]
    return [
        (c.coordinate, c.value, c.data_type, c.number_format, c.border.left.style)
        for row in ws2.iter_rows()
        for c in row
    ]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(_columns())
def test_rendered_table_equals_per_cell_path(tmp_path, frame):
    fast, slow = tmp_path / "fast.xlsx", tmp_path / "slow.xlsx"
    assert _table(frame, fast, True) == _table(frame, slow, False)
    assert (
        CalamineWorkbook.from_path(str(fast)).get_sheet_by_name("表").to_python()
        == CalamineWorkbook.from_path(str(slow)).get_sheet_by_name("表").to_python()
    )
