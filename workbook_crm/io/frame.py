"""Rows → frame: one sheet's body turned into its raw-value frame, column by column.

Split from reader.py (which finds the sheet, its header row and its fields) because this is the hot
path of reading: a 100k-row sheet is millions of cells, so the work here is per column over plain
lists and per distinct text, never per cell through pandas.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Sequence
from datetime import date, datetime
from itertools import repeat
from typing import Any

import numpy as np
import pandas as pd

from ..excel import col_letters
from ..schema.base import norm_token

_FOOTER_WORDS = ("合计", "小计", "总计", "汇总", "total")
_NOTE_WORDS = ("填表说明", "说明:", "注:", "备注:", "填写说明", "示例")

_HINT_WORDS = (
    "必填",
    "选填",
    "可选",
    "非必填",
    "必选",
    "示例",
    "格式说明",
    "填写说明",
    "如:",
    "例:",
    "例如",
    "下拉选择",
)
_LATIN = re.compile(r"^[A-Za-z][A-Za-z0-9 _./()&-]*$")
_CJK = re.compile(r"[\u4e00-\u9fff]")


def is_template_row(row: list[Any], header: list[Any], index: Any) -> bool:
    """A hint row (必填/选填/示例) or a second header row in another language: not data.

    A second header is a row of labels only, most of them either naming our fields again or being
    Latin words under a Chinese header (``Customername`` under 客户姓名).
    """
    cells = [(c, v) for c, v in enumerate(row) if v is not None and v != ""]
    if not cells or not all(isinstance(v, str) for _, v in cells):
        return False
    texts = [str(v) for _, v in cells]
    hits = sum(any(w in t for w in _HINT_WORDS) for t in texts)
    if hits * 2 >= len(texts) and hits >= min(2, len(texts)):
        return True
    if len(texts) < 3:
        return False
    ours = sum(index.match(t)[0] is not None for t in texts)
    latin = sum(
        bool(_LATIN.match(t))
        and c < len(header)
        and isinstance(header[c], str)
        and bool(_CJK.search(header[c]))
        for c, t in zip((c for c, _ in cells), texts, strict=True)
    )
    return latin * 10 >= len(texts) * 8 or ours * 10 >= len(texts) * 7


def build_frame(
    body: list[list[Any]],
    first_row: int,
    columns: dict[str, int],
    headers: dict[int, str],
    n_cols: int,
    vertical: Sequence[tuple[int, int, int]] = (),
    totals: set[int] | None = None,
    *,
    idle: set[int] | frozenset[int] = frozenset(),
    artefact: Callable[[list[Any]], bool] | None = None,
) -> tuple[pd.DataFrame, int, list[int], set[str]]:
    """Raw values of the data rows: blank, note, footer and template rows dropped; index = Excel row.

    Column-wise over plain lists (a 100k-row sheet is millions of cells): strings stripped, empty
    strings become None, then rows are kept by a boolean mask. A row is data only when one of *our*
    fields holds something: a 序号 filled down or `=ROW()-2` in the user's column is not a customer.
    The hidden cells of a vertical merge take the merged value (for reading only), but do not make
    a row data by themselves. Also returns the skipped footer/note rows and the merged copies.
    """
    order = list(columns.items())
    ours = set(columns.values())
    extra = [(h, c) for c, h in headers.items() if c not in ours]
    names = [n for n, _ in order] + _unique_labels([h for h, _ in extra], {n for n, _ in order})
    picks = [c for _, c in order] + [c for _, c in extra]
    n = len(body)
    if n == 0:
        return (
            pd.DataFrame(columns=names, index=pd.Index([], name="row"), dtype=object),
            first_row - 1,
            [],
            set(),
        )
    width = max(picks) + 1
    if any(len(r) < width for r in body):
        body = [r if len(r) >= width else [*r, *([None] * (width - len(r)))] for r in body]
    columns_t = list(zip(*body, strict=False)) if body else []
    cols = [_clean_column(columns_t[c]) for c in picks]
    # blank rows: nothing in any field of ours (a value only in the user's columns, or elsewhere in
    # the row without a header, is not a customer)
    keep = np.zeros(n, dtype=bool)
    for col in cols[: len(order)]:
        keep |= np.fromiter(map(operator.is_not, col, repeat(None)), dtype=bool, count=n)
    # footer (合计/小计) and note (填表说明) rows: judged by their first non-empty cell
    any_value = keep.copy()
    for col in cols[len(order) :]:
        any_value |= np.fromiter(map(operator.is_not, col, repeat(None)), dtype=bool, count=n)
    skipped: list[int] = []
    for i in np.flatnonzero(any_value):
        first = next((col[i] for col in cols if col[i] is not None), None)
        if (
            (totals and int(i) + first_row in totals)
            or (  # a Table's totals row is its footer
                isinstance(first, str)
                and first[:1] in _LEADS  # the common case: no count needed
                and _is_footer_or_note(first, sum(col[i] is not None for col in cols))
            )
        ):
            keep[i] = False
            skipped.append(int(i) + first_row)
    # template artefacts (issue #11): a row with values only in ``idle`` columns (a pre-filled 序号,
    # dropdown defaults) is not data, nor is one of the first rows that ``artefact`` calls a hint
    # row (必填/选填) or a second header in another language
    if idle:
        busy = np.zeros(n, dtype=bool)
        for c, col in zip(picks, cols[: len(order)], strict=False):
            if c not in idle:
                busy |= np.fromiter(map(operator.is_not, col, repeat(None)), dtype=bool, count=n)
        keep &= busy
    if artefact is not None:
        for i in np.flatnonzero(keep)[:3]:
            if artefact(list(body[i])):
                keep[i] = False
    copies = _fill_merged(cols, picks, vertical, keep, first_row)
    kept = np.flatnonzero(keep).tolist()  # once, as Python ints (was recomputed for every column)
    rows = [i + first_row for i in kept]
    if len(kept) == n:  # the common case: every body row is data, the cleaned lists are the columns
        data = dict(zip(names, cols, strict=True))
    else:
        data = {name: [col[i] for i in kept] for name, col in zip(names, cols, strict=True)}
    frame = pd.DataFrame(data, index=pd.Index(rows, name="row"), columns=names, dtype=object)
    return frame, (rows[-1] if rows else first_row - 1), skipped, copies


def _fill_merged(
    cols: list[list[Any]],
    picks: list[int],
    vertical: Sequence[tuple[int, int, int]],
    keep: np.ndarray,
    first_row: int,
) -> set[str]:
    """Give the hidden cells of each vertical merge the merged (top-left) value; their A1 refs."""
    copies: set[str] = set()
    where = {c: j for j, c in enumerate(picks)}
    for r0, c0, r1 in vertical:
        j = where.get(c0)
        if j is None or r0 >= len(cols[j]):
            continue
        col, value = cols[j], cols[j][r0]
        letter = col_letters(c0 + 1)
        for r in range(r0 + 1, min(r1, len(col) - 1) + 1):
            if col[r] is None and value is not None and keep[r]:
                col[r] = value
                copies.add(f"{letter}{r + first_row}")
    return copies


def _clean_column(values: tuple[Any, ...]) -> list[Any]:
    """Strip text, blank → None, and share one object per distinct text and per distinct date.

    The reader hands every cell its own object; a column of statuses, owners or industries repeats a
    handful of texts 100k times, a column of follow-up dates a few hundred days 300k times, amounts
    a few thousand figures, so sharing them saves hundreds of MB on a large workbook. (Dates and
    floats share a second table: no date equals a float; ints and bools, which equal floats, are
    left alone so a value never changes type.)
    """
    shared: dict[str, str] = {}
    share = shared.setdefault
    days: dict[Any, Any] = {}
    day = days.setdefault
    return [
        (share(t, t) if (t := v.strip()) else None)
        if type(v) is str
        else day(v, v)
        if type(v) in _DAYS
        else v
        for v in values
    ]


_DAYS = frozenset({datetime, date, float})


def _unique_labels(labels: list[str], taken: set[str]) -> list[str]:
    out = []
    for h in labels:
        label = h
        n = 2
        while label in taken:
            label = f"{h}#{n}"
            n += 1
        taken.add(label)
        out.append(label)
    return out


_LEADS = frozenset(
    "合小总總汇匯tTｔＴ填说說注备備示"
)  # first characters of the words above (any width/script)


def _is_footer_or_note(first: str, filled: int) -> bool:
    if first[:1] not in _LEADS:
        return False  # the common case, decided without normalizing the text
    token = norm_token(first)
    if any(token.startswith(w) for w in _FOOTER_WORDS) and len(token) <= 6:
        return True
    return any(token.startswith(norm_token(w)) for w in _NOTE_WORDS) and filled <= 2
