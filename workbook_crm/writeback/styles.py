"""xl/styles.xml: clone cell formats by *appending* — existing cellXfs indexes never move.

Every cell in every sheet points into cellXfs by position (``s="12"``), so renumbering would restyle
cells we never touched. We only append fonts, fills, borders, numFmts and xfs, and we reuse an
identical entry when one exists (a second identical run appends nothing: idempotence).

Our problem-cell fill is recognisable by its colour ``MARK_RGB`` (one step away from Excel's preset
light red FFC7CE, so a user's own preset fill is never mistaken for ours). A marked cell's xf is its
original xf with only fillId/applyFill changed, so unmarking finds the original by content — which
also survives Excel renumbering styles when the user saves in between.

Over 300 lines on purpose: one class over one part (styles.xml); splitting it would split the
append-only invariant every method relies on.
"""

from __future__ import annotations

import re
from copy import deepcopy

from lxml import etree

from ..errors import UnreadableWorkbook

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
MARK_RGB = "FFFFC7CF"
HEADER_RGB = "FFDDEBF7"
LINK_RGB = "FF0563C1"
_SAFE_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)

# ECMA-376 18.8.30: built-in number formats we may ask for by code.
BUILTIN_FMT = {
    "General": 0,
    "0": 1,
    "0.00": 2,
    "#,##0": 3,
    "#,##0.00": 4,
    "0%": 9,
    "0.00%": 10,
    "0.00E+00": 11,
    "@": 49,
}
# 14–22 dates/times, 27–36 and 50–58 are the East-Asian (zh-CN) date formats, 45–47 times.
_BUILTIN_DATES = set(range(14, 23)) | set(range(27, 37)) | set(range(45, 48)) | set(range(50, 59))


def _q(tag: str) -> str:
    return f"{{{NS}}}{tag}"


def _key(el: etree._Element) -> bytes:
    return etree.tostring(el, method="c14n", exclusive=True)


class Styles:
    """Parsed styles.xml (a small part: a DOM is fine here) with append-only helpers."""

    def __init__(self, data: bytes) -> None:
        start = re.search(rb"<(\w+:)?styleSheet\b", data)
        self._prolog = data[: start.start()] if start else b""
        try:
            self.root = etree.fromstring(data, _SAFE_PARSER)
        except etree.XMLSyntaxError as exc:
            raise UnreadableWorkbook(detail=f"xl/styles.xml: {exc}") from exc
        self.dirty = False
        # the lists every xf points into must exist with their defaults (some writers omit them):
        # otherwise fontId="0"/borderId="0" dangle and Excel repairs the file
        self._defaults("fonts", ["numFmts"], [self._default_font()])
        self._defaults("fills", ["numFmts", "fonts"], [self._pattern("none"), self._pattern("gray125")])
        self._defaults("borders", ["numFmts", "fonts", "fills"], [self._empty_border()])
        self.cell_xfs = self._container("cellXfs", ["numFmts", "fonts", "fills", "borders", "cellStyleXfs"])
        if len(self.cell_xfs) == 0:  # a cellXfs without entries: index 0 must exist for s-less cells
            self._append(self.cell_xfs, self._el("xf", numFmtId="0", fontId="0", fillId="0", borderId="0"))
        self.initial_count = len(self.cell_xfs)  # xfs from the file; later ones are ours, from this session
        self._xf_index: dict[bytes, int] | None = None
        self._clone_cache: dict[tuple[int, str, bool], int] = {}

    # --- low level --------------------------------------------------------------------------
    def _el(self, tag: str, **attrs: str) -> etree._Element:
        el = etree.Element(_q(tag), nsmap={None: NS})
        for k, v in attrs.items():
            el.set(k, v)
        return el

    def _default_font(self) -> etree._Element:
        font = self._el("font")
        font.append(self._el("sz", val="11"))
        font.append(self._el("name", val="Calibri"))
        return font

    def _pattern(self, kind: str) -> etree._Element:
        fill = self._el("fill")
        fill.append(self._el("patternFill", patternType=kind))
        return fill

    def _empty_border(self) -> etree._Element:
        border = self._el("border")
        for side in ("left", "right", "top", "bottom", "diagonal"):
            border.append(self._el(side))
        return border

    def _defaults(self, tag: str, after: list[str], entries: list[etree._Element]) -> None:
        container = self._container(tag, after)
        if len(container) == 0:
            for el in entries:
                self._append(container, el)

    def _container(self, tag: str, after: list[str]) -> etree._Element:
        """The child list ``tag``; created in schema order (after the ``after`` siblings) if missing."""
        found = self.root.find(_q(tag))
        if found is not None:
            return found
        el = etree.Element(_q(tag), nsmap={None: NS})
        el.set("count", "0")
        pos = 0
        for i, child in enumerate(self.root):
            if etree.QName(child).localname in after:
                pos = i + 1
        self.root.insert(pos, el)
        self.dirty = True
        return el

    def _append(self, container: etree._Element, el: etree._Element) -> int:
        container.append(el)
        container.set("count", str(len(container)))
        self.dirty = True
        return len(container) - 1

    def _find_or_append(self, container: etree._Element, el: etree._Element) -> int:
        key = _key(el)
        for i, child in enumerate(container):
            if _key(child) == key:
                return i
        return self._append(container, el)

    def _xf(self, index: int) -> etree._Element:
        if not 0 <= index < len(self.cell_xfs):
            index = 0  # a dangling s= reference: Excel falls back to the default format too
        return self.cell_xfs[index]

    def _find_or_append_xf(self, xf: etree._Element) -> int:
        if self._xf_index is None:
            self._xf_index = {}
            for i, child in enumerate(self.cell_xfs):
                self._xf_index.setdefault(_key(child), i)
        key = _key(xf)
        if key not in self._xf_index:
            self._xf_index[key] = self._append(self.cell_xfs, xf)
        return self._xf_index[key]

    # --- number formats ------------------------------------------------------------------------
    def num_fmt_id(self, code: str) -> int:
        if code in BUILTIN_FMT:
            return BUILTIN_FMT[code]
        fmts = self._container("numFmts", [])
        ids = [163]
        for nf in fmts:
            if nf.get("formatCode") == code:
                return int(nf.get("numFmtId", "0"))
            ids.append(int(nf.get("numFmtId", "0")))
        new_id = max(ids) + 1
        self._append(fmts, self._el("numFmt", numFmtId=str(new_id), formatCode=code))
        return new_id

    def format_code(self, xf_index: int) -> str:
        fid = int(self._xf(xf_index).get("numFmtId", "0"))
        for nf in self.root.iterfind(f"{_q('numFmts')}/{_q('numFmt')}"):
            if nf.get("numFmtId") == str(fid):
                return nf.get("formatCode", "General")
        for code, i in BUILTIN_FMT.items():
            if i == fid:
                return code
        return "yyyy-mm-dd" if fid in _BUILTIN_DATES else "General"

    def is_date(self, xf_index: int) -> bool:
        fid = int(self._xf(xf_index).get("numFmtId", "0"))
        if fid in _BUILTIN_DATES:
            return True
        code = re.sub(r'"[^"]*"|\[[^\]]*\]|\\.', "", self.format_code(xf_index)).lower()
        return bool(re.search(r"[yd]|h+:m|m+:s", code))

    # --- cloning ----------------------------------------------------------------------------
    def clone(self, base: int, *, num_fmt: str | None = None, mark: bool = False) -> int:
        """Index of ``base``'s xf with another number format and/or our problem fill."""
        key = (base, num_fmt or "", mark)
        if key in self._clone_cache:
            return self._clone_cache[key]
        xf = deepcopy(self._xf(base))
        if num_fmt is not None:
            fid = str(self.num_fmt_id(num_fmt))
            if xf.get("numFmtId", "0") != fid:
                xf.set("numFmtId", fid)
                xf.set("applyNumberFormat", "1")
        if mark:
            xf.set("fillId", str(self.mark_fill(self._fill_color(xf.get("fillId", "0")))))
            xf.set("applyFill", "1")
        result = base if _key(xf) == _key(self._xf(base)) else self._find_or_append_xf(xf)
        self._clone_cache[key] = result
        return result

    def _fill_color(self, fill_id: str) -> etree._Element | None:
        """The colour of a solid fill (the usual user fill), else None."""
        fills = self.root.find(_q("fills"))
        if fills is None or not fill_id.isdigit() or int(fill_id) >= len(fills):
            return None
        pf = fills[int(fill_id)].find(_q("patternFill"))
        if pf is None or pf.get("patternType") != "solid":
            return None
        return pf.find(_q("fgColor"))

    def mark_fill(self, under: etree._Element | None = None) -> int:
        """Our solid light-red fill. A solid fill hides its bgColor, so the bgColor carries the colour
        of the user's fill underneath (indexed 64 = none): unmarking restores exactly that fill."""
        fills = self._container("fills", ["numFmts", "fonts"])
        fill = self._el("fill")
        pf = etree.SubElement(fill, _q("patternFill"), patternType="solid")
        etree.SubElement(pf, _q("fgColor"), rgb=MARK_RGB)
        bg = etree.SubElement(pf, _q("bgColor"), indexed="64")
        if under is not None:
            bg.attrib.clear()
            bg.attrib.update(_valid_color(under))
        return self._find_or_append(fills, fill)

    def _color_key(self, color: etree._Element | None) -> tuple:
        return tuple(sorted(_valid_color(color).items())) if color is not None else (("indexed", "64"),)

    def mark_xfs(self) -> set[int]:
        """cellXfs indexes that carry our problem fill (this run's or an earlier run's)."""
        fills = self.root.find(_q("fills"))
        if fills is None:
            return set()
        ours = {
            str(i)
            for i, f in enumerate(fills)
            if f.find(f".//{_q('fgColor')}[@rgb='{MARK_RGB}']") is not None
        }
        return {i for i, xf in enumerate(self.cell_xfs) if xf.get("fillId") in ours}

    def unmark(self, index: int, marks: set[int]) -> int:
        """The user's xf under one of our marked xfs: same attributes and children but the fill."""
        xf = self._xf(index)
        want = self._stripped(xf)
        fills = self.root.find(_q("fills"))
        bg = fills[int(xf.get("fillId", "0"))].find(f".//{_q('bgColor')}")
        under = self._color_key(bg)
        candidates = [
            i for i, other in enumerate(self.cell_xfs) if i not in marks and self._stripped(other) == want
        ]
        for i in candidates:
            if self._color_key(self._fill_color(self.cell_xfs[i].get("fillId", "0"))) == under:
                return i
        if candidates:
            return candidates[0]
        plain = deepcopy(xf)
        plain.set("fillId", "0")
        plain.attrib.pop("applyFill", None)
        return self._find_or_append_xf(plain)

    @staticmethod
    def _stripped(xf: etree._Element) -> bytes:
        c = deepcopy(xf)
        c.attrib.pop("fillId", None)
        c.attrib.pop("applyFill", None)
        return _key(c)

    # --- styles for computed sheets -----------------------------------------------------------
    def new_xf(self, *, num_fmt: str | None = None, header: bool = False, link: bool = False) -> int:
        """An xf for fresh sheets: default font, optional header look (bold, fill, border) or link look."""
        xf = self._el(
            "xf",
            numFmtId=str(self.num_fmt_id(num_fmt)) if num_fmt else "0",
            fontId="0",
            fillId="0",
            borderId="0",
        )
        style_xfs = self.root.find(_q("cellStyleXfs"))
        if style_xfs is not None and len(style_xfs):  # xfId="0" names nothing without cellStyleXfs
            xf.set("xfId", "0")
        if num_fmt:
            xf.set("applyNumberFormat", "1")
        if header or link:
            font = deepcopy(self.root.find(_q("fonts"))[0])
            if header:
                font.insert(0, self._el("b"))
            else:
                for child in list(font):
                    if etree.QName(child).localname in ("color", "u"):
                        font.remove(child)
                font.insert(0, self._el("u"))
                pos = 1 + sum(1 for c in font if etree.QName(c).localname in ("b", "i", "strike", "sz"))
                font.insert(pos, self._el("color", rgb=LINK_RGB))
            xf.set("fontId", str(self._find_or_append(self.root.find(_q("fonts")), font)))
            xf.set("applyFont", "1")
        if header:
            fill = self._el("fill")
            pf = etree.SubElement(fill, _q("patternFill"), patternType="solid")
            etree.SubElement(pf, _q("fgColor"), rgb=HEADER_RGB)
            etree.SubElement(pf, _q("bgColor"), indexed="64")
            xf.set("fillId", str(self._find_or_append(self._container("fills", ["numFmts", "fonts"]), fill)))
            border = self._el("border")
            for side in ("left", "right", "top", "bottom"):
                etree.SubElement(etree.SubElement(border, _q(side), style="thin"), _q("color"), auto="1")
            etree.SubElement(border, _q("diagonal"))
            borders = self._container("borders", ["numFmts", "fonts", "fills"])
            xf.set("borderId", str(self._find_or_append(borders, border)))
            xf.set("applyFill", "1")
            xf.set("applyBorder", "1")
        return self._find_or_append_xf(xf)

    def to_bytes(self) -> bytes:
        return self._prolog + etree.tostring(self.root, encoding="UTF-8", xml_declaration=False)


def _valid_color(color: etree._Element) -> dict[str, str]:
    """A colour's attributes as the schema allows them: ``rgb`` is 8 hex digits (ARGB). Some writers
    put 6 (RGB); Excel reads those as opaque, so copying ours as ``FF``+RGB keeps the colour and the
    schema."""
    out = dict(color.attrib)
    rgb = out.get("rgb")
    if rgb is not None:
        if re.fullmatch(r"[0-9A-Fa-f]{6}", rgb):
            out["rgb"] = "FF" + rgb.upper()
        elif not re.fullmatch(r"[0-9A-Fa-f]{8}", rgb):
            out.pop("rgb")
            out.setdefault("indexed", "64")
    return out
