"""WorkbookEditor: edit an .xlsx/.xlsm part by part; everything we have no reason to touch survives.

An openpyxl load-and-save drops x14 extensions, sparklines, shapes, form controls, rich text and
more, and takes a minute on a 30 MB workbook. Here cell edits are queued and applied in one streaming
pass per sheet when the package is written (or read back); styles are appended, never renumbered.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from lxml import etree

from .comments import add_legacy_drawing, apply_comments
from .formulas import FormulaCells
from .newsheet import check_sheet_name, write_sheet
from .ownership import add_marker, alternative_name, legacy_ours, marked, user_additions
from .package import (
    CT_WORKSHEET,
    RT_CALCCHAIN,
    RT_COMMENTS,
    RT_HYPERLINK,
    RT_VML,
    RT_WORKSHEET,
    Deflater,
    Package,
    attrs,
    insert_before_close,
    relative,
    rels_name,
    resolve,
    xml_attr,
)
from .protection import check_can_add_sheet, check_sheet_editable
from .sheetxml import OldCell, SheetPatcher, make_ref, split_ref
from .structures import Growth, grow_defined_names, grow_sheet_tail, grow_table
from .styles import Styles
from .values import DATE_FMT, DATETIME_FMT, cell, encode, serial_date

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


class WorkbookEditor:
    """Queue cell values and problem marks, replace computed sheets, then ``to_bytes()``."""

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

    # --- cell values ------------------------------------------------------------------------
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
            encode(value, date1904=self.date1904, as_text=as_text)  # refuse bad values now, not at save
            rc = split_ref(ref)
            prev = queue.get(rc)  # a cell move_rows emptied keeps the style it gave it
            keep = prev[2] if base is None and prev is not None and not isinstance(prev[0], RawCell) else base
            # a cell move_rows emptied (a footer moved down) takes new values whatever it held
            replace = replace_formulas or (prev is not None and prev[4] and prev[0] is None)
            queue[rc] = (value, number_format, keep, as_text, replace)

    def move_rows(
        self, sheet: str, rows: Sequence[int], shift: int, formulas: Mapping[str, str], style_row: int
    ) -> None:
        """Move the cells of ``rows`` down by ``shift`` (a 合计 footer making room for new rows;
        io/placement.py decides when that is safe). Each cell keeps its style and value; a formula
        takes its new text from ``formulas`` (old ref -> formula). The cells left behind are
        emptied and take the style of row ``style_row`` (the last data row), not the footer's."""
        self._apply(sheet)
        xml = self.pkg.read(self._part(sheet))
        p = re.escape(SheetPatcher(xml[:4096]).p)
        cell_re = re.compile(
            b"<" + p + rb'c\b[^>]*?\br="([A-Z]{1,3})(\d+)"[^>]*?(?:/>|>.*?</' + p + rb"c>)", re.S
        )
        moved: dict[tuple[int, int], bytes] = {}
        for r in sorted(set(rows)):
            m = re.search(
                b"<" + p + rb'row\b[^>]*?\br="' + str(r).encode() + rb'"[^>]*?(?:/>|>(.*?)</' + p + rb"row>)",
                xml,
                re.S,
            )
            for cm in cell_re.finditer(m.group(1) or b"") if m else ():
                ref = (cm.group(1) + cm.group(2)).decode()
                new_ref = f"{cm.group(1).decode()}{r + shift}"
                raw = cm.group(0).replace(b'r="' + ref.encode() + b'"', b'r="' + new_ref.encode() + b'"', 1)
                if ref in formulas:
                    text = xml_escape(formulas[ref])

                    def _put(fm: re.Match[bytes], text: bytes = text) -> bytes:
                        return fm.group(1) + text + fm.group(2)

                    raw = re.sub(
                        b"(<" + p + rb"f\b[^>]*>).*?(</" + p + rb"f>)", _put, raw, count=1, flags=re.S
                    )
                moved[split_ref(new_ref)] = raw
        if not moved:
            return
        self._move_merges(sheet, xml, min(rows), max(rows), shift)
        left = {(r, c) for r in set(rows) for (_, c) in moved} - set(moved)
        above = self._find_cells(sheet, [make_ref(style_row, c) for _, c in left]) if style_row > 0 else {}
        queue = self._values.setdefault(sheet, {})
        for r, c in left:
            found = above.get((style_row, c))
            style = int(attrs(found[: found.index(b">") + 1]).get("s", "0")) if found else 0
            queue[(r, c)] = (None, None, style, False, True)
        for rc, raw in moved.items():
            queue[rc] = (RawCell(raw), None, None, False, True)
        self._drop_calc_chain()  # formula cells changed places

    def extend_structures(
        self, sheet: str, *, first_data_row: int, rows: tuple[int, int], inserted: bool = False
    ) -> None:
        """New data rows ``rows`` = (r1, r2) join the structures that cover the sheet's data columns:
        Tables (ref and autoFilter), the sheet autoFilter, data validations, conditional formats,
        defined names and the print area (structures.py says which ranges, and why). ``inserted``:
        the rows from r1 on (a footer) were moved down to make room. Never shrinks or moves data ranges."""
        r1, r2 = rows
        if r2 < r1:
            return
        g = Growth(first=first_data_row, r1=r1, r2=r2, inserted=inserted)
        part = self._part(sheet)
        self._grow[sheet] = g  # the sheet's own ranges: applied to its tail by the patch pass (_apply)
        for _, target in self.pkg.rel_targets(part, RT_TABLE):
            if self.pkg.exists(target):
                xml = self.pkg.read(target)
                new = grow_table(xml, g)
                if new != xml:
                    self.pkg.write(target, new)
        wb = self.pkg.read(self.wb_part)
        new = grow_defined_names(wb, sheet, g)
        if new != wb:
            self.pkg.write(self.wb_part, new)

    def column_usage(self, sheet: str) -> tuple[set[int], set[int]]:
        """(columns holding a value or formula in any row or covered by a merged range, hidden
        columns), 1-based: where a computed column must not go."""
        self._apply(sheet)
        xml = self.pkg.read(self._part(sheet))
        p = re.escape(SheetPatcher(xml[:4096]).p)
        used: set[int] = set()
        for m in re.finditer(b"<" + p + rb"c\b([^>]*?)>(.*?)</" + p + rb"c>", xml, re.S):
            if re.search(b"<" + p + rb"(?:v|is|f)\b", m.group(2)):
                r = re.search(rb'\br="\$?([A-Za-z]{1,3})', m.group(1))
                if r:
                    used.add(split_ref(r.group(1).decode() + "1")[1])
        for m in re.finditer(b"<" + p + rb'mergeCell\b[^>]*?\bref="([^"]+)"', xml):
            first, _, last = m.group(1).decode().partition(":")
            try:
                c1, c2 = split_ref(first)[1], split_ref(last or first)[1]
            except ValueError:
                continue
            used.update(range(c1, c2 + 1))
        hidden: set[int] = set()
        head = xml[: max(xml.find(b"sheetData"), 0)]
        for m in re.finditer(b"<" + p + rb"col\b[^>]*>", head):
            a = attrs(m.group(0))
            if a.get("hidden") in ("1", "true"):
                hidden.update(range(int(a.get("min", "1")), min(int(a.get("max", "1")), 16384) + 1))
        return used, hidden

    def formula_cells(self, sheet: str) -> FormulaCells:
        """The sheet's formula cells and array-formula ranges (a value there reverts on recalculation).
        A formula with no cached value reads as blank to most readers but is not blank."""
        return FormulaCells.scan(self.pkg.read(self._part(sheet)))

    def tables(self, sheet: str) -> list[dict[str, Any]]:
        """The sheet's Excel Tables: part, name, ref as (r1, c1, r2, c2), header and totals row counts."""
        part = self._part(sheet)
        out = []
        for _, target in self.pkg.rel_targets(part, RT_TABLE):
            if not self.pkg.exists(target):
                continue
            xml = self.pkg.read(target)
            m = re.search(rb"<(?:\w+:)?table\b[^>]*>", xml)
            a = attrs(m.group(0)) if m else {}
            try:
                first, _, last = a.get("ref", "").partition(":")
                (r1, c1), (r2, c2) = split_ref(first), split_ref(last or first)
            except ValueError:
                continue
            out.append(
                {
                    "part": target,
                    "name": a.get("displayName") or a.get("name", ""),
                    "ref": (r1, c1, r2, c2),
                    "header_rows": int(a.get("headerRowCount", "1") or 1),
                    "totals_rows": int(a.get("totalsRowCount", "0") or 0),
                }
            )
        return out

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
        res = apply_comments(self.pkg, part, lambda: self.pkg.read(part), dict(marks), author)
        if res.legacy_rid is not None:  # written into the sheet's tail by the patch pass (_apply)
            self._legacy[sheet] = res.legacy_rid
        self._marks[sheet] = {split_ref(r): m for r, m in marks.items()}
        self.kept_user_comments[sheet] = res.skipped
        return res.skipped

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
        arrays = FormulaCells.scan(patcher.xml, cells=False) if values else None
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

        result = patcher.patch({rc: edit(rc) for rc in targets})
        if grow is not None:  # filter, validations, formats: all after </sheetData>, in the last piece
            result.pieces[-1] = grow_sheet_tail(bytes(result.pieces[-1]), grow)
        if legacy is not None:  # only the head (root tag) and the tail are needed to place it
            head, tail = bytes(result.pieces[0]), bytes(result.pieces[-1])
            result.pieces[-1] = add_legacy_drawing(head + tail, legacy)[len(head) :]
        deflater = Deflater()  # deflated as it is joined: the new part never exists uncompressed
        for piece in result.pieces:
            deflater.write(piece)
        self.pkg.write_deflated(part, deflater.finish())
        self._patched.add(part)
        if result.formula_dropped:
            self._drop_calc_chain()
        if values:
            self._full_calc_on_load()

    def _move_merges(self, sheet: str, xml: bytes, lo: int, hi: int, shift: int) -> None:
        """Merged ranges lying within rows ``lo``…``hi`` move down with them (<mergeCells> follows
        <sheetData>, so only the part's tail is rewritten). Filters, formats and validations follow
        through ``extend_structures`` (structures.py, told the rows were inserted)."""
        pre = SheetPatcher(xml[:4096]).p
        end = xml.rfind(b"</" + pre + b"sheetData>")
        if end < 0:
            return

        def one(ref: str) -> str:
            try:
                cells = [split_ref(x) for x in ref.split(":")]
            except ValueError:
                return ref
            if not all(lo <= r <= hi for r, _ in cells):
                return ref
            return ":".join(make_ref(r + shift, c) for r, c in cells)

        tail = re.sub(
            b"(<" + re.escape(pre) + rb'mergeCell\b[^>]*?\bref=")([^"]+)(")',
            lambda m: m.group(1) + one(m.group(2).decode()).encode() + m.group(3),
            xml[end:],
        )
        if tail != xml[end:]:
            self.pkg.write(self._part(sheet), xml[:end] + tail)

    # --- computed sheets --------------------------------------------------------------------
    def not_ours(self, name: str, *, first_header: str, tab_color: str | None) -> str | None:
        """Why the existing sheet ``name`` is not ours to replace ('user', 'additions:table,drawing',
        'not-a-worksheet'), or None (ours, or absent). See ownership.py."""
        if name not in self.sheet_names:
            return None
        try:
            part = self._part(name)
        except ValueError:
            return "not-a-worksheet"
        if not marked(self.pkg.read(self.wb_part), name):
            head = self.pkg.read(part)[:8192]
            if not legacy_ours(head, self.read_cells(name, ["A1"])["A1"], tab_color, first_header):
                return "user"
        extra = user_additions(self.pkg.rels(part))
        return "additions:" + ",".join(sorted(set(extra))) if extra else None

    def computed_target(
        self, name: str, *, first_header: str, tab_color: str | None
    ) -> tuple[str, str | None]:
        """(the sheet to write a computed sheet into, why ``name`` itself is not used or None)."""
        reason = self.not_ours(name, first_header=first_header, tab_color=tab_color)
        n = 1
        target = name
        while self.not_ours(target, first_header=first_header, tab_color=tab_color) is not None:
            target = alternative_name(name, n)
            n += 1
        return target, reason

    def replace_sheet(
        self,
        name: str,
        header: Sequence[str],
        rows: Iterable[Sequence[Any]],
        *,
        widths: Sequence[float] | None = None,
        formats: Mapping[int, str] | None = None,
        links: Mapping[tuple[int, int], str] | None = None,
        freeze_header: bool = True,
        autofilter: bool = True,
        tab_color: str | None = None,
    ) -> None:
        """Write a computed sheet fresh; an existing one keeps its position, sheetId and part name."""
        check_sheet_name(name)
        sheet_xml, external = write_sheet(
            self.styles,
            header,
            rows,
            widths=widths,
            formats=formats,
            links=links,
            freeze_header=freeze_header,
            autofilter=autofilter,
            tab_color=tab_color,
            date1904=self.date1904,
        )
        self._values.pop(name, None)
        self._marks.pop(name, None)
        self._legacy.pop(name, None)
        if name in self.sheet_names:
            part = self._part(name)
            check_sheet_editable(name, self.pkg.read(part))  # issue #14: protection honoured
            self._drop_sheet_rels(part)
        else:
            check_can_add_sheet(name, self.pkg.read(self.wb_part))
            part = self.pkg.unique_name("xl/worksheets/sheet%d.xml")
            rid = self.pkg.add_rel(self.wb_part, RT_WORKSHEET, relative(self.wb_part, part))
            self.pkg.ensure_override(part, CT_WORKSHEET)
            self._add_sheet_entry(name, rid)
        self.pkg.write_deflated(part, sheet_xml)
        for rid, url in external:
            got = self.pkg.add_rel(part, RT_HYPERLINK, url, external=True)
            assert got == rid, "hyperlink rIds are numbered from 1 in a fresh rels part"
        self.pkg.write(self.wb_part, add_marker(self.pkg.read(self.wb_part), name))
        self._drop_calc_chain()
        self._full_calc_on_load()

    def _drop_sheet_rels(self, part: str) -> None:
        """An old computed sheet's own notes go with it; its other related parts are left orphaned
        (Excel ignores parts nothing relates to)."""
        owned = {RT_COMMENTS, RT_VML, RT_THREADED}
        other_rels = [n for n in self.pkg.names() if n.endswith(".rels") and n != rels_name(part)]
        for rel in self.pkg.rels(part):
            if rel.get("Type") in owned and rel.get("TargetMode") != "External":
                target = resolve(part, rel["Target"])
                base = target.rsplit("/", 1)[-1].encode()
                if not any(base in self.pkg.read(n) for n in other_rels):
                    self.pkg.delete(target)
                    self.pkg.remove_override(target)
        if self.pkg.exists(rels_name(part)):
            self.pkg.delete(rels_name(part))

    def _add_sheet_entry(self, name: str, rid: str) -> None:
        wb = self.pkg.read(self.wb_part)
        ids = [int(s.get("sheetId", "0")) for s in self._sheets()]
        root = re.search(rb"<(\w+:)?workbook\b[^>]*>", wb)
        assert root is not None  # the workbook part was parsed before
        p = root.group(1) or b""
        decl = re.search(
            rb'xmlns:(\w+)="http://schemas\.openxmlformats\.org/officeDocument/2006/relationships"',
            root.group(0),
        )
        rattr = (
            (decl.group(1) + b":id=")
            if decl
            else (b'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" r:id=')
        )
        el = (
            b"<"
            + p
            + b"sheet name="
            + xml_attr(name).encode()
            + b' sheetId="'
            + str(max(ids, default=0) + 1).encode()
            + b'" '
            + rattr
            + xml_attr(rid).encode()
            + b"/>"
        )
        self.pkg.write(self.wb_part, insert_before_close(wb, b"sheets", el))

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

    # --- reading back ---------------------------------------------------------------------------
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

    def read_cells(self, sheet: str, refs: Iterable[str]) -> dict[str, Any]:
        """Values as Excel would show their type: str, int/float, bool, date/datetime, None."""
        refs = list(refs)
        self._apply(sheet)
        found = self._find_cells(sheet, refs)
        out: dict[str, Any] = {}
        for ref in refs:
            raw = found.get(split_ref(ref))
            out[ref] = self._decode(raw) if raw else None
        return out

    def _decode(self, raw: bytes) -> Any:
        a = attrs(raw[: raw.index(b">") + 1])
        t = a.get("t", "n")
        if t == "inlineStr":
            is_ = re.search(rb"<(?:\w+:)?is>(.*)</(?:\w+:)?is>", raw, re.S)
            return _texts(is_.group(1) if is_ else b"")
        v = re.search(rb"<(?:\w+:)?v>(.*?)</(?:\w+:)?v>", raw, re.S)
        if v is None:
            return None
        text = v.group(1).decode()
        if t == "s":
            return self._shared_strings()[int(text)]
        if t in ("str", "e"):
            return _texts(b"<t>" + v.group(1) + b"</t>")
        if t == "b":
            return text.strip() in ("1", "true")
        num = float(text)
        if self.styles.is_date(int(a.get("s", "0"))):
            return serial_date(num, self.date1904)
        return int(num) if num.is_integer() and "." not in text and "E" not in text.upper() else num

    def _shared_strings(self) -> list[str]:
        if self._sst is None:
            part = next((t for _, t in self.pkg.rel_targets(self.wb_part, RT_SST)), None)
            self._sst = []
            if part and self.pkg.exists(part):
                root = etree.fromstring(self.pkg.read(part), etree.XMLParser(resolve_entities=False))
                for si in root:
                    self._sst.append(
                        "".join(
                            t.text or ""
                            for t in si.iter("{*}t")
                            if etree.QName(t.getparent()).localname != "rPh"
                        )
                    )
        return self._sst

    def to_bytes(self) -> bytes:
        for sheet in list(self._values) + list(self._marks) + list(self._grow):
            self._apply(sheet)
        if self._styles is not None and self._styles.dirty:
            self.pkg.write(self._styles_part, self._styles.to_bytes())
            self._styles.dirty = False
        return self.pkg.to_bytes()


def _texts(inner: bytes) -> str:
    """Text of <t> runs (phonetic <rPh> runs excluded), with Excel's _xHHHH_ escapes decoded."""
    from .package import unescape

    inner = re.sub(rb"<(?:\w+:)?rPh\b.*?</(?:\w+:)?rPh>", b"", inner, flags=re.S)
    text = "".join(
        unescape(m.decode()) for m in re.findall(rb"<(?:\w+:)?t\b[^>]*>(.*?)</(?:\w+:)?t>", inner, re.S)
    )
    text = re.sub(r"_x([0-9A-Fa-f]{4})_", lambda m: chr(int(m.group(1), 16)), text)
    return text


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


__all__ = ["WorkbookEditor", "make_ref"]
