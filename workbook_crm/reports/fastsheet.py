"""FastSheet: an xlsxwriter worksheet that writes a table's rows as pre-rendered cell XML.

Split from style.py: a 100k-customer summary is ~2.3 M cells and xlsxwriter's per-cell path costs
~6 µs each; here each row is one string built from per-column fragments. Relies on xlsxwriter 3.x
internals, checked by :func:`fast_path_works`; the per-cell path stays as the fallback.
"""

from __future__ import annotations

from typing import Any

import xlsxwriter
from xlsxwriter.sharedstrings import SharedStringTable
from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.worksheet import Worksheet


class FastSheet(Worksheet):
    """A worksheet that writes the body of a :meth:`Book.table` as pre-rendered cell XML.

    The table registers its rows as a block (:meth:`add_block`): per row one tuple of fragments
    (everything of a ``<c>`` element after its ``r`` attribute, shared strings already in the
    workbook's table and formats already indexed). :meth:`_write_rows` is xlsxwriter's row loop,
    writing a plain block row as one string; a block row with row attributes, or with a cell written
    over it afterwards (``write_number`` on a table row, which wins as it would in xlsxwriter), goes
    through xlsxwriter's ``_write_row``/``_write_cell``. Relies on xlsxwriter 3.x internals (``table``,
    ``row_spans``, ``fh``, ``_write_cell``): guarded by :func:`fast_path_works` with the per-cell path
    as fallback, and tests/test_summary.py checks both paths give the same cells.
    """

    def __init__(self) -> None:
        super().__init__()
        self._blocks: dict[int, tuple[_Block, int]] = {}
        self._rendered_row = -1

    def add_block(self, first_row: int, first_col: int, rows: list[tuple[str, ...]], n_cols: int) -> None:
        if not rows or not n_cols:
            return
        last_col = first_col + n_cols - 1
        block = _Block(first_col, last_col, [xl_col_to_name(first_col + j) for j in range(n_cols)], rows)
        table, blocks = self.table, self._blocks
        for i in range(len(rows)):
            r = first_row + i
            cells = table[r]
            if cells:  # written before the table: the table wins, as with per-cell writes
                for c in [c for c in cells if first_col <= c <= last_col]:
                    del cells[c]
            cells[first_col] = _MARK
            cells[last_col] = _MARK  # the row's span covers the whole table
            blocks[r] = (block, i)
        self._check_dimensions(first_row, first_col)
        self._check_dimensions(first_row + len(rows) - 1, last_col)

    def _write_rows(self) -> None:
        """xlsxwriter's row loop; a block row without row attributes is written as one string."""
        if not self._blocks:
            super()._write_rows()
            return
        self._calculate_spans()
        blocks, table, row_info, comments, spans = (
            self._blocks,
            self.table,
            self.row_info,
            self.comments,
            self.row_spans,
        )
        plain = self.default_row_height == self.original_row_height  # no ht/customHeight on plain rows
        tail = ' x14ac:dyDescent="0.25"' if self.excel_version == 2010 else ""
        write = self.fh.write
        for row_num in range(self.dim_rowmin, self.dim_rowmax + 1):
            found = blocks.get(row_num)
            if found is not None and plain and row_num not in row_info and row_num not in comments:
                block, i = found
                cells = table[row_num]
                if (
                    len(cells) == 2
                    and cells.get(block.first_col) is _MARK
                    and cells.get(block.last_col) is _MARK
                ):
                    n, span = row_num + 1, spans.get(int(row_num / 16))
                    row_xml = "".join(
                        [
                            f'<c r="{letter}{n}"{frag}'
                            for letter, frag in zip(block.letters, block.rows[i], strict=True)
                        ]
                    )
                    write(
                        f'<row r="{n}" spans="{span}"{tail}>{row_xml}</row>'
                        if span
                        else f'<row r="{n}"{tail}>{row_xml}</row>'
                    )
                    continue
            self._write_row_as_xlsxwriter(row_num)

    def _write_row_as_xlsxwriter(self, row_num: int) -> None:
        # The body of xlsxwriter 3.x's Worksheet._write_rows for one row.
        if row_num in self.row_info or row_num in self.comments or self.table[row_num]:
            span = self.row_spans.get(int(row_num / 16))
            if self.table[row_num]:
                if row_num not in self.row_info:
                    self._write_row(row_num, span)
                else:
                    self._write_row(row_num, span, self.row_info[row_num])
                for col_num in range(self.dim_colmin, self.dim_colmax + 1):
                    if col_num in self.table[row_num]:
                        self._write_cell(row_num, col_num, self.table[row_num][col_num])
                self._xml_end_tag("row")
            else:
                self._write_empty_row(row_num, span, self.row_info.get(row_num))

    def _write_cell(self, row: int, col: int, cell: Any) -> None:
        found = self._blocks.get(row)
        if found is not None and found[0].first_col <= col <= found[0].last_col:
            if row != self._rendered_row:
                self._rendered_row = row
                self._write_block_row(row, *found)
            return
        super()._write_cell(row, col, cell)

    def _write_block_row(self, row: int, block: _Block, i: int) -> None:
        # A block row with cells written over it afterwards (or row attributes): cell by cell.
        n, frags, cells = row + 1, block.rows[i], self.table[row]
        for j, (letter, frag) in enumerate(zip(block.letters, frags, strict=True)):
            col = block.first_col + j
            cell = cells.get(col)
            if cell is None or cell is _MARK:
                self.fh.write(f'<c r="{letter}{n}"{frag}')
            else:
                super()._write_cell(row, col, cell)


class _Block:
    __slots__ = ("first_col", "last_col", "letters", "rows")

    def __init__(
        self, first_col: int, last_col: int, letters: list[str], rows: list[tuple[str, ...]]
    ) -> None:
        self.first_col, self.last_col, self.letters, self.rows = first_col, last_col, letters, rows


_MARK = object()  # a block cell in ``Worksheet.table``: written by its row's first cell


def fast_path_works() -> bool:
    """The xlsxwriter internals :class:`FastSheet` relies on are there (xlsxwriter 3.x)."""
    return (
        xlsxwriter.__version__.split(".")[0] == "3"
        and all(hasattr(Worksheet, a) for a in ("_write_cell", "_check_dimensions", "_convert_date_time"))
        and hasattr(SharedStringTable, "_get_shared_string_index")
    )
