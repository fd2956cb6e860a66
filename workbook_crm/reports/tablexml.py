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
from typing import Any

import numpy as np
import pandas as pd

from ..writeback.values import date_serial
from .cells import cell_value, python_values, utf16_cut

PROBE_COL = 16383  # XFD, Excel's last column: the probes of the formats table bodies use

_BLANK = ("b", "")


@dataclass
class Column:
    """A table column: its distinct cells (kind, payload) and each row's index into them.

    ``codes`` is None when every row has its own entry (numbers); code -1 is the blank appended last.
    Kinds: "s" (payload: index into :class:`Tables`' strings), "n"/"d" (the number's XML text), "b".
    """

    cells: list[tuple[str, Any]]
    codes: list[int] | None = None
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
        n_rows = len(columns[0].codes if columns[0].codes is not None else columns[0].cells)
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

    def text_index(self, text: str) -> int:
        i = self.index.get(text)
        if i is None:
            i = self.index[text] = len(self.texts)
            self.texts.append(text)
        return i

    def column(self, series: pd.Series, safe_texts: Callable[[list[Any]], list[str]]) -> Column:
        """A column of the body, as ``Book.put`` would write each cell (text masked by ``safe_texts``)."""
        dtype = series.dtype
        if isinstance(dtype, np.dtype) and dtype.kind == "f":
            numbers = series.to_numpy()
            if not np.isinf(numbers).any():  # ±inf is text (∞): the general path below
                return Column([_BLANK if v != v else ("n", f"{v:.16G}") for v in numbers.tolist()])
        elif isinstance(dtype, np.dtype) and dtype.kind in "iu":
            return Column([("n", f"{float(v):.16G}") for v in series.tolist()])
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
            return self._coded(pd.Series(uniques).astype(object).tolist(), codes, safe_texts)
        return self._objects(python_values(series), safe_texts)

    def _objects(self, values: list[Any], safe_texts: Callable[[list[Any]], list[str]]) -> Column:
        """A column of Python values (None = blank), whatever their types."""
        kinds = {value.__class__ for value in values}
        if kinds <= {float, int, type(None)} and not any(v is not None and math.isinf(v) for v in values):
            return Column([_BLANK if v is None else ("n", f"{float(v):.16G}") for v in values])
        # One entry per distinct (type, value): 1, 1.0 and True stay apart.
        keys: dict[tuple[type, Any], int] = {}
        distinct: list[Any] = []
        codes: list[int] = []
        for value in values:
            if value is None:
                codes.append(-1)
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
            codes.append(code)
        return self._coded(distinct, np.asarray(codes, dtype=np.int64), safe_texts)

    def _coded(
        self, distinct: list[Any], codes: np.ndarray, safe_texts: Callable[[list[Any]], list[str]]
    ) -> Column:
        kinds = [cell_value(value) for value in distinct]
        texts = iter(safe_texts([v for kind, v in kinds if kind == "s"]))
        cells: list[tuple[str, Any]] = []
        for kind, v in kinds:
            if kind == "s":
                cells.append(("s", self.text_index(utf16_cut(next(texts)))))
            elif kind == "blank":
                cells.append(_BLANK)
            elif kind == "d":
                cells.append(("d", f"{date_serial(v):.16G}"))
            else:
                cells.append(("n", f"{v:.16G}"))
        cells.append(_BLANK)  # code -1
        is_text = np.array([kind == "s" for kind, _ in cells], dtype=bool)
        self.refs += int(is_text[codes].sum()) if len(codes) else 0
        return Column(cells, codes.tolist(), dates=any(kind == "d" for kind, _ in cells))
