"""The column-wise, block-wise frame builder (io/frame.py, #16) equals the row-by-row reference.

The reference below is the previous ``build_frame`` body, row by row (each row's first non-empty cell
found with ``next``, a list comprehension per kept row). Hypothesis feeds both the same sheet bodies:
texts with spaces, blanks, footers (合计/小计), notes (填表说明), numbers, bools, dates, short rows,
Table totals rows, idle columns and vertical merges; values, their types, the index, the skipped rows
and the merged copies must all be equal.
"""

from __future__ import annotations

import operator
from datetime import date, datetime
from itertools import repeat
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workbook_crm.io import frame as F


def _reference(
    body: list[list[Any]],
    first_row: int,
    columns: dict[str, int],
    headers: dict[int, str],
    vertical: list[tuple[int, int, int]],
    totals: set[int],
    idle: set[int],
) -> tuple[pd.DataFrame, int, list[int], set[str]]:
    order = list(columns.items())
    ours = set(columns.values())
    extra = [(h, c) for c, h in headers.items() if c not in ours]
    names = [n for n, _ in order] + F._unique_labels([h for h, _ in extra], {n for n, _ in order})
    picks = [c for _, c in order] + [c for _, c in extra]
    n = len(body)
    width = max(picks) + 1
    body = [r if len(r) >= width else [*r, *([None] * (width - len(r)))] for r in body]
    columns_t = list(zip(*body, strict=False))
    cols = [F._clean_column(columns_t[c]) for c in picks]

    def filled(col: list[Any]) -> np.ndarray:
        return np.fromiter(map(operator.is_not, col, repeat(None)), dtype=bool, count=n)

    keep = np.zeros(n, dtype=bool)
    for col in cols[: len(order)]:
        keep |= filled(col)
    any_value = keep.copy()
    for col in cols[len(order) :]:
        any_value |= filled(col)
    skipped: list[int] = []
    for i in np.flatnonzero(any_value):
        first = next((col[i] for col in cols if col[i] is not None), None)
        if (totals and int(i) + first_row in totals) or (
            isinstance(first, str) and F._is_footer_or_note(first, sum(col[i] is not None for col in cols))
        ):
            keep[i] = False
            skipped.append(int(i) + first_row)
    if idle:
        busy = np.zeros(n, dtype=bool)
        for c, col in zip(picks, cols[: len(order)], strict=False):
            if c not in idle:
                busy |= filled(col)
        keep &= busy
    for i in np.flatnonzero(keep)[:3]:
        if _artefact(list(body[i])):
            keep[i] = False
    copies = F._fill_merged(cols, picks, vertical, keep, first_row)  # type: ignore[arg-type]
    kept = np.flatnonzero(keep).tolist()
    rows = [i + first_row for i in kept]
    data = {name: [col[i] for i in kept] for name, col in zip(names, cols, strict=True)}
    frame = pd.DataFrame(data, index=pd.Index(rows, name="row"), columns=names, dtype=object)
    return frame, (rows[-1] if rows else first_row - 1), skipped, copies


def _artefact(row: list[Any]) -> bool:
    """A stand-in for the reader's template-row test: sees the row as read (unstripped)."""
    return "示例" in row or " 李四 " in row


_TEXTS = [
    "张三",
    " 李四 ",
    "",
    "  ",
    "合计",
    "小计：",
    "总计 ",
    "填表说明：请填写",
    "注:",
    "Total",
    "t",
    "示例",
]
_VALUES = st.one_of(
    st.sampled_from(_TEXTS),
    st.text(alphabet=" 合小a1\t", max_size=4),
    st.none(),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.sampled_from([0.0, 1.0, -0.0, 2.5]),
    st.booleans(),
    st.integers(-2, 2),
    st.dates(min_value=date(2020, 1, 1), max_value=date(2020, 1, 5)),
    st.sampled_from([datetime(2020, 1, 1), datetime(2020, 1, 1, 9, 30)]),
)


@st.composite
def _sheets(draw: Any) -> tuple[Any, ...]:
    width = draw(st.integers(1, 5))
    body = draw(st.lists(st.lists(_VALUES, min_size=0, max_size=width + 1), min_size=1, max_size=25))
    body = [r if r else [None] for r in body]
    cols = draw(st.lists(st.integers(0, width - 1), min_size=1, max_size=width, unique=True))
    columns = {f"f{j}": c for j, c in enumerate(cols)}
    headers = {c: f"h{c}" for c in range(width) if draw(st.booleans()) or c in cols}
    first_row = draw(st.integers(2, 5))
    vertical = draw(
        st.lists(
            st.tuples(st.integers(0, len(body)), st.integers(0, width - 1), st.integers(0, len(body) + 2)),
            max_size=2,
        )
    )
    totals = draw(st.sets(st.integers(first_row, first_row + len(body)), max_size=2))
    idle = draw(st.sets(st.sampled_from(cols), max_size=1))
    return body, first_row, columns, headers, width, vertical, totals, idle


def _typed(frame: pd.DataFrame) -> list[tuple[Any, ...]]:
    return [(r, c, type(v).__name__, v) for c in frame.columns for r, v in frame[c].items()]


@pytest.mark.parametrize("block", [3, F.BLOCK])
@settings(max_examples=300, deadline=None)
@given(sheet=_sheets())
def test_columnwise_frame_equals_row_by_row(block: int, sheet: tuple[Any, ...]) -> None:
    """Also in blocks of 3 rows, as the reader streams a long sheet (the body as an iterator)."""
    body, first_row, columns, headers, width, vertical, totals, idle = sheet
    saved, F.BLOCK = F.BLOCK, block
    try:
        got = F.build_frame(
            iter([list(r) for r in body]),
            first_row,
            columns,
            headers,
            width,
            vertical,
            totals,
            idle=idle,
            artefact=_artefact,
        )
    finally:
        F.BLOCK = saved
    want = _reference([list(r) for r in body], first_row, columns, headers, vertical, totals, idle)
    assert list(got[0].columns) == list(want[0].columns)
    assert list(got[0].index) == list(want[0].index)
    assert _typed(got[0]) == _typed(want[0])
    assert got[1:] == want[1:]
