"""Table bodies as data for the summary's fast path: distinct values per column, format probes.

A 100k-customer summary is ~2.3 M cells and xlsxwriter's per-cell path costs ~6 µs each. So
:meth:`Book.table <workbook_crm.reports.style.Book.table>` hands a table's body to :class:`Tables`
as columns of *distinct* values (one rendering per distinct text, date or flag), and xlsxwriter
writes everything else through its public API: header, formats, widths, charts, print setup, and
one **probe** per format the bodies use — a blank cell with that format in column XFD, where
nothing else writes — so the formats are in ``styles.xml`` and their ``s`` indices can be read
back from the sheet XML instead of from xlsxwriter's internals. :mod:`.splice` puts the rows in
after ``Workbook.close()``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

from ..excel import to_serial
from .cells import cell_value, python_values, utf16_cut

PROBE_COL = 16383  # XFD, Excel's last column: the probes of the formats table bodies use

_BLANK = ("b", "")


@dataclass
class Column:
    """A table column: its distinct cells (kind, payload) and each row's index into them.

    ``cells`` ends with the blank that code -1 stands for (numpy's index -1 is the last entry).
    Kinds: "s" (payload: index into :class:`Tables`' strings), "n"/"d" (the number's XML text), "b".
    """

    cells: list[tuple[str, Any]]
    codes: np.ndarray  # one int per row
    dates: bool = False


Probe = tuple[str, int]  # (sheet, 0-based row) of a format's probe cell in column XFD


@dataclass
class Block:
    sheet: str
    first_row: int  # 0-based, the table's first body row
    first_col: int
    n_rows: int
    columns: list[Column]
    styles: list[Probe]  # each column's format
    date_style: Probe | None  # the date format, when a column holds dates


@dataclass
class Tables:
    """The tables of one workbook waiting for :func:`splice`, and the texts they need."""

    blocks: list[Block] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    index: dict[str, int] = field(default_factory=dict)
    refs: int = 0  # cells referring to a text: sharedStrings.xml's count
    probes: dict[int, Probe] = field(default_factory=dict)  # id(Format) → its probe
    _next_probe: dict[str, int] = field(default_factory=dict)  # per sheet: the next free probe row

    def add(
        self,
        ws: Any,
        first_row: int,
        first_col: int,
        columns: list[Column],
        formats: list[Any],
        date_fmt: Any,
    ) -> None:
        """Register a table body (its first row, 0-based) to be rendered with these column formats."""
        dates = any(column.dates for column in columns)
        n_rows = len(columns[0].codes)
        styles = [self._probe(ws, fmt) for fmt in formats]
        block = Block(ws.get_name(), first_row, first_col, n_rows, columns, styles, None)
        block.date_style = self._probe(ws, date_fmt) if dates else None
        self.blocks.append(block)

    def _probe(self, ws: Any, fmt: Any) -> Probe:
        """A blank cell with ``fmt`` in column XFD (one per format and workbook: the index is global)."""
        found = self.probes.get(id(fmt))
        if found is None:
            sheet = ws.get_name()
            row = self._next_probe.get(sheet, 0)
            self._next_probe[sheet] = row + 1
            ws.write_blank(row, PROBE_COL, None, fmt)
            found = self.probes[id(fmt)] = (sheet, row)
        return found

    def text_indices(self, texts: list[str]) -> list[int]:
        """Each text's index in ``texts`` (a text seen before keeps its index)."""
        index, n = self.index, len(self.texts)
        new = [t for t in texts if t not in index]
        index.update(zip(new, range(n, n + len(new)), strict=True))
        if len(index) != n + len(new):  # two texts alike (masked the same): number them once
            for t in new:
                index.pop(t, None)
            new = list(dict.fromkeys(new))
            index.update(zip(new, range(n, n + len(new)), strict=True))
        self.texts.extend(new)
        if len(new) == len(texts):  # all new (the first table's columns): numbered in order
            return list(range(n, n + len(new)))
        return list(map(index.__getitem__, texts))

    def column(self, series: pd.Series, safe_texts: Callable[[list[Any]], list[str]]) -> Column:
        """A column of the body, as ``Book.put`` would write each cell (text masked by ``safe_texts``)."""
        dtype = series.dtype
        if isinstance(dtype, np.dtype) and dtype.kind == "f":
            numbers = series.to_numpy(dtype=np.float64)
            if not np.isinf(numbers).any():  # ±inf is text (∞): the general path below
                return _numbers(numbers)
        elif isinstance(dtype, np.dtype) and dtype.kind in "iu":
            return _numbers(series.to_numpy())
        elif isinstance(dtype, pd.api.extensions.ExtensionDtype) and pd.api.types.is_integer_dtype(dtype):
            # nullable Int64 (逾期天数): the values, and NA as the blank (code -1)
            column = _numbers(series.to_numpy(dtype=dtype.numpy_dtype, na_value=0))  # type: ignore[attr-defined]
            column.codes[series.isna().to_numpy()] = -1
            return column
        elif (
            (isinstance(dtype, np.dtype) and dtype.kind in "bM")
            or isinstance(dtype, (pd.StringDtype, pd.DatetimeTZDtype))
            or (
                isinstance(dtype, np.dtype)
                and dtype.kind == "O"
                and pd.api.types.infer_dtype(series, skipna=True) == "string"
            )
        ):
            # Text, dates and flags repeat: each distinct value once (NA is code -1: the blank last;
            # an object column gets here only when all its values are str, so == is exact).
            codes, uniques = pd.factorize(series)
            distinct = pd.Series(uniques).astype(object).tolist()
            if isinstance(dtype, pd.StringDtype) or (
                isinstance(dtype, np.dtype) and dtype.kind == "O"
            ):  # all str
                return self._texts(distinct, codes, safe_texts)
            return self._coded(distinct, codes, safe_texts)
        return self._objects(python_values(series), safe_texts)

    def _objects(self, values: list[Any], safe_texts: Callable[[list[Any]], list[str]]) -> Column:
        """A column of Python values (None = blank), whatever their types."""
        kinds = {value.__class__ for value in values}
        if kinds <= {float, int, type(None)} and not any(v is not None and math.isinf(v) for v in values):
            column = _numbers(
                np.array([math.nan if v is None else float(v) for v in values], dtype=np.float64)
            )
            return column
        if len(kinds - {type(None)}) == 1 and next(iter(kinds - {type(None)})) in _HASHABLE:
            # One type (dates, say): equal values are the same cell, so pandas' hash table is exact.
            codes, uniques = pd.factorize(np.array(values, dtype=object))
            return self._coded(list(uniques), codes, safe_texts)
        # One entry per distinct (type, value): 1, 1.0 and True stay apart.
        keys: dict[tuple[type, Any], int] = {}
        distinct: list[Any] = []
        codes_list: list[int] = []
        for value in values:
            if value is None:
                codes_list.append(-1)
                continue
            try:
                key: tuple[type, Any] | None = (value.__class__, value)
                code = keys.get(key)  # type: ignore[arg-type]
            except TypeError:  # unhashable: an entry of its own
                key, code = None, None
            if code is None:
                code = len(distinct)
                distinct.append(value)
                if key is not None:
                    keys[key] = code
            codes_list.append(code)
        return self._coded(distinct, np.asarray(codes_list, dtype=np.int64), safe_texts)

    def _texts(
        self, distinct: list[str], codes: np.ndarray, safe_texts: Callable[[list[Any]], list[str]]
    ) -> Column:
        """A column of texts (NA: code -1): ``_coded`` without asking each value its kind."""
        texts = safe_texts(distinct)
        if texts and max(map(len, texts)) > 16383:  # maybe over Excel's 32,767 UTF-16 units
            texts = [utf16_cut(t) for t in texts]
        cells: list[tuple[str, Any]] = [("s", i) for i in self.text_indices(texts)]
        cells.append(_BLANK)
        codes = np.asarray(codes, dtype=np.int32)
        self.refs += int(np.count_nonzero(codes >= 0))
        return Column(cells, codes)

    def _coded(
        self, distinct: list[Any], codes: np.ndarray, safe_texts: Callable[[list[Any]], list[str]]
    ) -> Column:
        kinds: list[tuple[str, Any]] = [("s", v) if v.__class__ is str else cell_value(v) for v in distinct]
        texts = safe_texts([v for kind, v in kinds if kind == "s"])
        if texts and max(map(len, texts)) > 16383:  # maybe over Excel's 32,767 UTF-16 units
            texts = [utf16_cut(t) for t in texts]
        found = iter(self.text_indices(texts))
        cells: list[tuple[str, Any]] = []
        for kind, v in kinds:
            if kind == "s":
                cells.append(("s", next(found)))
            elif kind == "blank":
                cells.append(_BLANK)
            elif kind == "d":
                cells.append(("d", f"{to_serial(v):.16G}"))
            else:
                cells.append(("n", f"{v:.16G}"))
        cells.append(_BLANK)  # code -1
        is_text = np.array([kind == "s" for kind, _ in cells], dtype=bool)
        codes = np.asarray(codes, dtype=np.int32)
        self.refs += int(is_text[codes].sum()) if len(codes) else 0
        return Column(cells, codes, dates=any(kind == "d" for kind, _ in cells))


# The types whose equal values are one cell: factorizing a column of one of them is exact
# (a column mixing 1, 1.0 and True goes value by value in ``Tables._objects``).
_HASHABLE = frozenset({str, date, datetime, pd.Timestamp, Decimal})


def _numbers(values: np.ndarray) -> Column:
    """A numeric column: each distinct number rendered once (NaN is the blank).

    Floats are told apart by their bits (0.0 and -0.0 are two cells, as written one by one)."""
    keys = values.view(np.int64) if values.dtype == np.float64 else values
    codes, uniques = pd.factorize(keys)
    distinct = uniques.view(np.float64) if values.dtype == np.float64 else uniques
    cells = [_BLANK if v != v else ("n", f"{float(v):.16G}") for v in distinct.tolist()]
    cells.append(_BLANK)
    return Column(cells, np.asarray(codes, dtype=np.int32))
