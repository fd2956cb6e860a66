"""Rows → frame: one sheet's body turned into its raw-value frame, column by column.

Split from reader.py (which finds the sheet, its header row and its fields) because this is the hot
path of reading: a 100k-row sheet is millions of cells, so the work here is per column over blocks of
rows (never per cell through pandas) and only one block of raw rows is alive at a time. (The
template-row test, judged on a few rows, lives in recognise.py.)
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime
from itertools import islice
from typing import Any

import numpy as np
import pandas as pd

from ..excel import col_letters
from ..schema.base import norm_token

_FOOTER_WORDS = ("合计", "小计", "总计", "汇总", "total")
_NOTE_WORDS = ("填表说明", "说明:", "注:", "备注:", "填写说明", "示例")


def build_frame(
    body: Iterable[list[Any]],
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

    Column-wise over blocks of ``BLOCK`` rows (a 100k-row sheet is millions of cells; ``body`` may be
    the reader's lazy row iterator, so only one block of raw rows is alive at a time): strings
    stripped, empty strings become None, then rows are kept by a boolean mask. Every rule that drops
    a row looks at that row only, so it is decided block by block. A row is data only when one of
    *our* fields holds something: a 序号 filled down or `=ROW()-2` in the user's column is not a
    customer. The hidden cells of a vertical merge take the merged value (for reading only), but do
    not make a row data by themselves. Also returns the skipped footer/note rows and the merged copies.
    """
    order = list(columns.items())
    ours = set(columns.values())
    extra = [(h, c) for c, h in headers.items() if c not in ours]
    names = [n for n, _ in order] + _unique_labels([h for h, _ in extra], {n for n, _ in order})
    picks = [c for _, c in order] + [c for _, c in extra]
    width = max(picks) + 1
    tables = [_Shared() for _ in picks]  # per column, across all blocks
    parts: list[list[np.ndarray]] = [[] for _ in picks]
    keeps: list[np.ndarray] = []
    skipped: list[int] = []
    firsts: dict[int, list[Any]] = {}  # the first three rows kept, as read (for ``artefact``)
    rows_in = iter(body)
    start = 0
    while block := list(islice(rows_in, BLOCK)):
        if min(map(len, block)) < width:
            block = [r if len(r) >= width else [*r, *([None] * (width - len(r)))] for r in block]
        # one object array per column (the frame's own storage); a cell holds a value unless None
        cols = [
            np.array(t.clean(map(operator.itemgetter(c), block)), dtype=object)
            for c, t in zip(picks, tables, strict=True)
        ]
        masks: list[np.ndarray] = [col != None for col in cols]  # noqa: E711 (elementwise, exact)
        keep = _block_keep(cols, masks, picks, len(order), first_row + start, totals, idle, skipped)
        for i in np.flatnonzero(keep)[: 3 - len(firsts)].tolist():
            firsts[start + i] = list(block[i])
        for part, col in zip(parts, cols, strict=True):
            part.append(col)
        keeps.append(keep)
        start += len(block)
    if start == 0:
        return (
            pd.DataFrame(columns=names, index=pd.Index([], name="row"), dtype=object),
            first_row - 1,
            [],
            set(),
        )
    full = [part[0] if len(part) == 1 else np.concatenate(part) for part in parts]
    del parts
    keep = keeps[0] if len(keeps) == 1 else np.concatenate(keeps)
    # template artefacts (issue #11): one of the first rows that ``artefact`` calls a hint row
    # (必填/选填) or a second header in another language is not data
    if artefact is not None:
        for i, row in firsts.items():
            if artefact(row):
                keep[i] = False
    copies = _fill_merged(full, picks, vertical, keep, first_row)
    kept = np.flatnonzero(keep)
    rows = (kept + first_row).tolist()
    if len(kept) == start:  # the common case: every body row is data, the cleaned columns are the frame's
        data = dict(zip(names, full, strict=True))
    else:
        data = {name: col[kept] for name, col in zip(names, full, strict=True)}
    frame = pd.DataFrame(data, index=pd.Index(rows, name="row"), columns=names, dtype=object, copy=False)
    return frame, (rows[-1] if rows else first_row - 1), skipped, copies


BLOCK = 8192  # rows read and cleaned at a time


def _block_keep(
    cols: list[np.ndarray],
    masks: list[np.ndarray],
    picks: list[int],
    n_ours: int,
    first_row: int,
    totals: set[int] | None,
    idle: set[int] | frozenset[int],
    skipped: list[int],
) -> np.ndarray:
    """Which rows of one block are data (before the template-row check); footers go to ``skipped``.

    Blank rows: nothing in any field of ours (a value only in the user's columns, or elsewhere in
    the row without a header, is not a customer). A row with values only in ``idle`` columns (a
    pre-filled 序号, dropdown defaults) is not data either (issue #11).
    """
    keep = np.zeros(len(cols[0]), dtype=bool)
    for mask in masks[:n_ours]:
        keep |= mask
    any_value = keep.copy()
    for mask in masks[n_ours:]:
        any_value |= mask
    footers = _footer_rows(cols, masks, any_value, first_row, totals)
    if footers:
        keep[[r - first_row for r in footers]] = False
        skipped.extend(footers)
    if idle:
        busy = np.zeros(len(keep), dtype=bool)
        for c, mask in zip(picks, masks[:n_ours], strict=False):
            if c not in idle:
                busy |= mask
        keep &= busy
    return keep


def _fill_merged(
    cols: list[np.ndarray],
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


def _footer_rows(
    cols: list[np.ndarray],
    masks: list[np.ndarray],
    any_value: np.ndarray,
    first_row: int,
    totals: set[int] | None,
) -> list[int]:
    """Footer (合计/小计) and note (填表说明) rows, judged by their first non-empty cell; Table totals rows.

    Column by column: each row's first non-empty column is found with boolean masks, and only the rows
    whose first value is a text starting with one of ``_LEADS`` are looked at one by one.
    """
    n = len(any_value)
    out = {i for i in (r - first_row for r in totals or ()) if 0 <= i < n and any_value[i]}
    open_rows = any_value.copy()  # rows whose first non-empty cell is still to be found
    for col, mask in zip(cols, masks, strict=True):
        first_here = open_rows & mask
        if not first_here.any():
            continue
        open_rows &= ~mask
        leads = {v for v in dict.fromkeys(col) if type(v) is str and v[:1] in _LEADS}
        if not leads:
            continue  # the common case: no text of this column can start a footer or a note
        for i in np.flatnonzero(first_here & np.fromiter(map(leads.__contains__, col), dtype=bool, count=n)):
            if _is_footer_or_note(col[i], sum(c[i] is not None for c in cols)):
                out.add(int(i))
    return [i + first_row for i in sorted(out)]


class _Shared:
    """One column's sharing tables across blocks, dropped for a column of (nearly) distinct values.

    Names, phones, IDs and notes repeat little: sharing them saves no memory and costs a hash and a
    dict entry per cell, so when the first block shows over 90 % distinct values the column is only
    stripped (same values, same types; only object identity differs, which nothing reads).
    """

    def __init__(self) -> None:
        self.texts: dict[str, str] = {}
        self.days: dict[Any, Any] = {}
        self.share: bool | None = None  # None until the first block decides

    def clean(self, values: Iterable[Any]) -> list[Any]:
        if self.share is False:
            return [(t if (t := v.strip()) else None) if type(v) is str else v for v in values]
        out = _clean_column(values, self.texts, self.days)
        if self.share is None:
            self.share = len(self.texts) + len(self.days) <= 0.9 * len(out)
            if not self.share:
                self.texts, self.days = {}, {}
        return out


def _clean_column(
    values: Iterable[Any], shared: dict[str, str] | None = None, days: dict[Any, Any] | None = None
) -> list[Any]:
    """Strip text, blank → None, and share one object per distinct text and per distinct date.

    The reader hands every cell its own object; a column of statuses, owners or industries repeats a
    handful of texts 100k times, a column of follow-up dates a few hundred days 300k times, amounts
    a few thousand figures, so sharing them saves hundreds of MB on a large workbook. (Dates and
    floats share a second table: no date equals a float; ints and bools, which equal floats, are
    left alone so a value never changes type.) Measured at 100k rows: this one comprehension beats
    working per distinct value (``dict.fromkeys`` + ``map``) even on a column of 7 distinct texts,
    since every cell is a new object whose text is hashed and compared either way.
    """
    share = ({} if shared is None else shared).setdefault
    day = ({} if days is None else days).setdefault
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
