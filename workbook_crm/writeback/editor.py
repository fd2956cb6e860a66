"""WorkbookEditor: edit an .xlsx/.xlsm part by part; everything we have no reason to touch survives.

An openpyxl load-and-save drops x14 extensions, sparklines, shapes, form controls, rich text and
more, and takes a minute on a 30 MB workbook. Here cell edits are queued and applied in one streaming
pass per sheet when the package is written (or read back); styles are appended, never renumbered.

The class is assembled from parts by concern: editor_base.py (state and the streaming patch pass),
editor_rows.py (footer moves, growing structures), editor_read.py (reading back), editor_sheets.py
(computed sheets). This module holds the public entry points of a run: set, mark, write.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from workbook_crm._gc import no_gc

from .comments import apply_comments
from .editor_base import RT_TABLE, RawCell
from .editor_rows import RowMoves
from .editor_sheets import ComputedSheets
from .sheetxml import EXCEL_MAX_TEXT, make_ref, split_ref
from .values import encode


class WorkbookEditor(ComputedSheets, RowMoves):
    """Queue cell values and problem marks, replace computed sheets, then ``to_bytes()``."""

    def set_cells(
        self,
        sheet: str,
        cells: Mapping[str, Any],
        *,
        number_format: str | None = None,
        style_from: str | None = None,
        as_text: bool = False,
        replace_formulas: bool = False,
    ) -> None:
        """Queue values; each keeps its cell's style (dates get a yyyy-mm-dd clone of it).

        A cell holding a formula, or inside an array formula's range, keeps it (listed in
        ``kept_formulas``) unless ``replace_formulas``: a formula is never silently made a constant."""
        part = self._part(sheet)
        self._guard_table_headers(sheet, part, cells)
        base = self._style_of(sheet, style_from) if style_from else None
        queue = self._values.setdefault(sheet, {})
        for ref, value in cells.items():
            kind = type(value)  # a text within Excel's limit and an int are always writable (#16)
            if not (kind is int or kind is str and len(value) <= EXCEL_MAX_TEXT):
                encode(value, date1904=self.date1904, as_text=as_text)  # refuse bad values now, not at save
            rc = split_ref(ref)
            prev = queue.get(rc)  # a cell move_rows emptied keeps the style it gave it
            keep = prev[2] if base is None and prev is not None and not isinstance(prev[0], RawCell) else base
            # a cell move_rows emptied (a footer moved down) takes new values whatever it held
            replace = replace_formulas or (prev is not None and prev[4] and prev[0] is None)
            queue[rc] = (value, number_format, keep, as_text, replace)

    def _guard_table_headers(self, sheet: str, part: str, cells: Mapping[str, Any]) -> None:
        """A Table's header cells must equal its column names (Excel repairs the file otherwise):
        a value set there is refused, before anything is written."""
        if not any(True for _ in self.pkg.rel_targets(part, RT_TABLE)):
            return
        for t in self.tables(sheet):
            r1, c1, _, c2 = t["ref"]
            if not t["header_rows"]:
                continue
            for ref in cells:
                r, c = split_ref(ref)
                if r == r1 and c1 <= c <= c2:
                    raise ValueError(f"{sheet}!{ref} is a header cell of the Excel table {t['name']!r}")

    def mark_cells(self, sheet: str, marks: Mapping[str, str], *, author: str = "workbook-crm") -> list[str]:
        """Replace all our marks on ``sheet`` by these (fill + comment). Returns the cells where the
        user's own comment was kept instead of ours (the fill is still applied there)."""
        part = self._part(sheet)
        if sheet in self._legacy:  # marked twice: put the first call's <legacyDrawing> in place first
            self._apply(sheet)
        res = apply_comments(self.pkg, part, lambda: self.pkg.peek(part), dict(marks), author)
        if res.legacy_rid is not None:  # written into the sheet's tail by the patch pass (_apply)
            self._legacy[sheet] = res.legacy_rid
        self._marks[sheet] = {split_ref(r): m for r, m in marks.items()}
        self.kept_user_comments[sheet] = res.skipped
        return res.skipped

    def to_bytes(self) -> bytes:
        """The edited package as bytes (see ``write_to`` to stream it to a file instead)."""
        self._flush()
        return self.pkg.to_bytes()

    def write_to(self, sink: Callable[[bytes | memoryview], object]) -> int:
        """Write the edited package to ``sink`` (a file's ``write``) piece by piece: no copy of the
        whole package is built in memory. Returns the number of bytes written."""
        self._flush()
        return self.pkg.write_to(sink)

    def _flush(self) -> None:
        """Apply every queued sheet edit and the appended styles to the package (without
        collections: thousands of cell edits, no cycles)."""
        with no_gc():
            for sheet in list(self._values) + list(self._marks) + list(self._grow):
                self._apply(sheet)
        self._formula_scans.clear()
        if self._styles is not None and self._styles.dirty:
            self.pkg.write(self._styles_part, self._styles.to_bytes())
            self._styles.dirty = False


__all__ = ["WorkbookEditor", "make_ref"]
