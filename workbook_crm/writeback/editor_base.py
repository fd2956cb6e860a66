"""The editor's core state: the package, the sheet list, the styles, the queued edits and the one
streaming pass (``_apply``) that writes a sheet's queued edits. The rest of ``WorkbookEditor`` is
spread over editor_rows.py (footers, structures), editor_read.py (reading back) and
editor_sheets.py (computed sheets); editor.py puts them together.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from .comments import add_legacy_drawing
from .formulas import FormulaCells
from .package import (
    RT_CALCCHAIN,
    RT_WORKSHEET,
    Deflater,
    Package,
    attrs,
    resolve,
)
from .protection import check_sheet_editable
from .sheetxml import OldCell, SheetPatcher, split_ref
from .structures import Growth, grow_sheet_tail
from .styles import Styles
from .values import DATE_FMT, DATETIME_FMT, cell, encode

RT_OFFICE_DOC = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"
RT_STYLES = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles"
RT_TABLE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/table"
RT_SST = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"
RT_THREADED = "http://schemas.microsoft.com/office/2017/10/relationships/threadedComment"
_SHEET_TAG = re.compile(rb"<(?:\w+:)?sheet\b[^>]*?/?>")


class RawCell:
    """A ``<c>`` element queued as it is (a footer cell moved down by ``move_rows``)."""

    __slots__ = ("xml",)

    def __init__(self, xml: bytes) -> None:
        self.xml = xml


class EditorBase:
    """Package, sheets, styles and queued edits; ``_apply`` runs one sheet's queue."""

    def __init__(self, data: bytes) -> None:
        self.pkg = Package(data)
        root_rel = next((t for _, t in self.pkg.rel_targets("", RT_OFFICE_DOC)), "xl/workbook.xml")
        self.wb_part = root_rel
        wb = self.pkg.read(self.wb_part)
        self.date1904 = bool(re.search(rb'<(?:\w+:)?workbookPr\b[^>]*\bdate1904="(?:1|true)"', wb))
        self._styles: Styles | None = None
        self._values: dict[str, dict[tuple[int, int], tuple[Any, str | None, int | None, bool, bool]]] = {}
        self._marks: dict[str, dict[tuple[int, int], str]] = {}
        self.kept_user_comments: dict[str, list[str]] = {}
        self._sst: list[str] | None = None
        self._patched: set[str] = set()  # sheet parts this editor has already rewritten
        # part -> its formula cells: ``formula_cells`` scanned the source's part, the patch pass reuses
        # the array ranges while the part is unchanged (#16: no second scan of 100 MB)
        self._formula_scans: dict[str, FormulaCells] = {}
        self._legacy: dict[str, str] = {}  # sheet -> rId of a <legacyDrawing> the sheet must get
        self._grow: dict[str, Growth] = {}  # sheet -> its filter/validations/formats follow new rows
        self.kept_formulas: dict[str, list[str]] = {}  # sheet -> cells whose formula a set did not replace

    # --- workbook structure ------------------------------------------------------------------
    def _sheets(self) -> list[dict[str, str]]:
        wb = self.pkg.read(self.wb_part)
        rels = {r["Id"]: r for r in self.pkg.rels(self.wb_part)}
        out = []
        for m in _SHEET_TAG.finditer(wb):
            a = attrs(m.group(0))
            rid = next((v for k, v in a.items() if k.endswith(":id") or k == "id"), "")
            rel = rels.get(rid, {})
            a["part"] = resolve(self.wb_part, rel.get("Target", "")) if rel else ""
            a["type"] = rel.get("Type", "")
            out.append(a)
        return out

    @property
    def sheet_names(self) -> list[str]:
        return [s["name"] for s in self._sheets()]

    def _part(self, sheet: str) -> str:
        for s in self._sheets():
            if s["name"] == sheet:
                if s["type"] != RT_WORKSHEET:
                    raise ValueError(f"{sheet!r} is not a worksheet (chart sheet or macro sheet)")
                return s["part"]
        raise KeyError(f"no sheet named {sheet!r}; sheets: {self.sheet_names}")

    @property
    def styles(self) -> Styles:
        if self._styles is None:
            part = next((t for _, t in self.pkg.rel_targets(self.wb_part, RT_STYLES)), None)
            if part is None or not self.pkg.exists(part):
                raise ValueError("workbook has no styles part")
            self._styles_part = part
            self._styles = Styles(self.pkg.read(part))
        return self._styles

    def _style_of(self, sheet: str, ref: str) -> int:
        self._apply(sheet)
        found = self._find_cells(sheet, [ref])
        raw = found.get(split_ref(ref))
        return int(attrs(raw[: raw.index(b">") + 1]).get("s", "0")) if raw else 0

    def _apply(self, sheet: str) -> None:
        """Run the queued edits of one sheet through one streaming pass."""
        values = self._values.pop(sheet, {})
        marks = self._marks.pop(sheet, None)
        legacy = self._legacy.pop(sheet, None)
        grow = self._grow.pop(sheet, None)
        if not values and marks is None and legacy is None and grow is None:
            return
        part = self._part(sheet)
        xml = self.pkg.read(part)
        check_sheet_editable(sheet, xml)  # issue #14: a protected sheet is not edited
        patcher = SheetPatcher(xml)
        st = self.styles
        old_marks = st.mark_xfs() if marks is not None else set()
        # xfs this editor appended can only be in a part it already patched
        findable = old_marks if part in self._patched else {i for i in old_marks if i < st.initial_count}
        targets = set(values) | set(marks or {}) | set(patcher.find_styled(findable))
        if not targets and legacy is None and grow is None:
            return  # nothing to change: the part keeps its bytes
        prefix = patcher.p
        date1904 = self.date1904
        arrays = self._array_ranges(part, xml) if values else None
        f_tag = re.compile(b"<" + re.escape(prefix) + rb"f[\s>/]")
        kept = self.kept_formulas.setdefault(sheet, [])

        def edit(rc: tuple[int, int]):
            def fn(old: OldCell) -> bytes:
                style = old.style
                if style in old_marks:
                    style = st.unmark(style, old_marks)
                if rc in values and isinstance(values[rc][0], RawCell):
                    return values[rc][0].xml  # a cell moved as it was (move_rows)
                if (
                    rc in values
                    and not values[rc][4]
                    and (
                        (old.xml is not None and f_tag.search(old.xml))
                        or (arrays is not None and rc in arrays)
                    )
                ):
                    kept.append(old.ref)  # a formula is never replaced by a constant: the caller reports it
                    if old.xml is None:
                        return b""
                    if not (marks and rc in marks):
                        return _restyle(old.xml, style)
                    return _restyle(old.xml, st.clone(style, mark=True))
                if rc in values:
                    value, fmt, base, as_text, _ = values[rc]
                    kind, t, inner = encode(value, date1904=date1904, as_text=as_text)
                    style = base if base is not None else style
                    if fmt is None and kind in ("date", "datetime"):
                        fmt = DATE_FMT if kind == "date" else DATETIME_FMT
                    if fmt is not None:
                        style = st.clone(style, num_fmt=fmt)
                if marks and rc in marks:
                    style = st.clone(style, mark=True)
                if rc in values:
                    out = cell(old.ref, style, t, inner)
                elif old.xml is None:
                    out = cell(old.ref, style, b"", b"")
                else:
                    return _restyle(old.xml, style)
                return _prefixed(out, prefix) if prefix else out

            return fn

        # deflated in a worker thread while the pass goes on: the new part never exists uncompressed
        with Deflater(background=True) as deflater:
            result = patcher.patch({rc: edit(rc) for rc in targets}, sink=deflater.write)
            if grow is not None:  # filter, validations, formats: all after </sheetData>, in the last piece
                result.pieces[-1] = grow_sheet_tail(bytes(result.pieces[-1]), grow)
            if legacy is not None:  # only the head (root tag) and the tail are needed to place it
                head, tail = result.head, bytes(result.pieces[-1])
                result.pieces[-1] = add_legacy_drawing(head + tail, legacy)[len(head) :]
            for piece in result.pieces:
                deflater.write(piece)
            deflated = deflater.finish()
        self.pkg.write_deflated(part, deflated)
        self._patched.add(part)
        if result.formula_dropped:
            self._drop_calc_chain()
        if values:
            self._full_calc_on_load()

    def _formula_cells(self, part: str) -> FormulaCells:
        """The part's formula cells. A source part is not kept inflated for them: the run scans its
        big sheets long before it patches them, and a summary process forked in between would hold
        them too (#16: ~200 MB at 100k customers; inflating again costs ~0.1 s per 100 MB)."""
        original = self.pkg.is_original(part)
        scanned = self._formula_scans.get(part) if original else None
        if scanned is None:
            scanned = FormulaCells.scan(self.pkg.read(part))
            if original:
                self._formula_scans[part] = scanned
                self.pkg.release(part)
        return scanned

    def _array_ranges(self, part: str, xml: bytes) -> FormulaCells:
        """The array-formula ranges of ``xml`` (the part as it is now): from ``_formula_cells``' scan
        when the part is still the source's, else scanned."""
        scanned = self._formula_scans.pop(part, None)
        if scanned is not None and self.pkg.is_original(part):
            return FormulaCells(set(), scanned.ranges)
        return FormulaCells.scan(xml, cells=False)

    def _drop_calc_chain(self) -> None:
        """calcChain.xml lists formula cells; a stale one makes Excel 'repair' the file."""
        for _, target in list(self.pkg.rel_targets(self.wb_part, RT_CALCCHAIN)):
            self.pkg.delete(target)
            self.pkg.remove_override(target)
        self.pkg.remove_rels(self.wb_part, RT_CALCCHAIN)

    def _full_calc_on_load(self) -> None:
        """Formulas that read cells we changed hold stale cached results: ask Excel to recalculate."""
        wb = self.pkg.read(self.wb_part)
        m = re.search(rb"<(\w+:)?calcPr\b([^>]*?)(/?)>", wb)
        if m is None:
            return
        if re.search(rb'\bfullCalcOnLoad="(?:1|true)"', m.group(2)):
            return
        tag = re.sub(rb'\s*\bfullCalcOnLoad="[^"]*"', b"", m.group(0))
        tag = tag[: -len(m.group(3) + b">")] + b' fullCalcOnLoad="1"' + m.group(3) + b">"
        self.pkg.write(self.wb_part, wb[: m.start()] + tag + wb[m.end() :])

    def _find_cells(self, sheet: str, refs: Iterable[str]) -> dict[tuple[int, int], bytes]:
        xml = self.pkg.read(self._part(sheet))
        p = SheetPatcher(xml)
        want = {split_ref(r) for r in refs}
        found: dict[tuple[int, int], bytes] = {}

        def grab(rc: tuple[int, int]):
            def fn(old: OldCell) -> bytes:
                if old.xml is not None:
                    found[rc] = old.xml
                    return old.xml
                return b""

            return fn

        p.patch({rc: grab(rc) for rc in want})
        return found


def xml_escape(text: str) -> bytes:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").encode("utf-8")


def _restyle(xml: bytes, style: int) -> bytes:
    end = xml.index(b">")
    head = re.sub(rb'\s+s="\d*"', b"", xml[:end])
    if head.endswith(b"/"):
        head = head[:-1] + (b' s="%d"/' % style if style else b"/")
    elif style:
        head += b' s="%d"' % style
    return head + xml[end:]


def _prefixed(xml: bytes, p: bytes) -> bytes:
    return re.sub(rb"<(/?)(c|v|is|t)\b", lambda m: b"<" + m.group(1) + p + m.group(2), xml)
