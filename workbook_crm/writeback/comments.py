"""Our problem comments: the comments part, its legacy VML shapes and the sheet's <legacyDrawing>.

Excel shows a note only when three things agree: ``xl/commentsN.xml`` (the text, related from the
sheet), a VML shape per note in ``xl/drawings/vmlDrawingN.vml`` (related from the sheet and named by
``<legacyDrawing r:id>``), and content types for both. The user's comments — rich text, threaded
comments' legacy stand-ins (author ``tc={guid}``) — are never rewritten; we remove only comments by our
author whose text starts with ``PREFIX``, and add ours only where the user has none.

Over 300 lines on purpose: the comments part, the VML shapes and ``<legacyDrawing>`` must agree,
and keeping their three edits in one module keeps that agreement readable in one place.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from collections.abc import Set as AbstractSet

from lxml import etree

from .package import CT_COMMENTS, CT_VML, RT_COMMENTS, RT_VML, Package, relative, xml_attr
from .sheetxml import split_ref, xml_text

PREFIX = "【workbook-crm】"
NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True)
# CT_Worksheet (ECMA-376 18.3.1.99): elements that must come after <legacyDrawing>.
_AFTER_LEGACY = (
    b"legacyDrawingHF",
    b"drawingHF",
    b"picture",
    b"oleObjects",
    b"controls",
    b"webPublishItems",
    b"tableParts",
    b"extLst",
)
# VML prefixes vary (openpyxl writes ns0:shape, ns2:ClientData): match any
_SHAPE_RE = re.compile(rb"<((?:\w+:)?)shape\b[^>]*?>.*?</\1shape>", re.S)


def _q(tag: str) -> str:
    return f"{{{NS}}}{tag}"


def _comment_text(c: etree._Element) -> str:
    return "".join(t.text or "" for t in c.iter(_q("t")))


class MarkResult:
    def __init__(self) -> None:
        self.legacy_rid: str | None = None  # the sheet needs <legacyDrawing r:id=…> (add_legacy_drawing)
        self.removed: set[str] = set()
        self.skipped: list[str] = []  # cells where the user's own comment is kept instead of ours


def apply_comments(
    pkg: Package, sheet_part: str, sheet_xml: bytes | Callable[[], bytes], marks: dict[str, str], author: str
) -> MarkResult:
    """Remove our earlier notes on the sheet, add one per mark (the result says what was done).

    ``sheet_xml`` may be a callable: the sheet is then read only when it has a VML drawing, whose
    <legacyDrawing> says which one holds the notes' shapes (#16: a 100 MB sheet marked for the
    first time is not inflated for nothing)."""
    res = MarkResult()
    comments_part = next((t for _, t in pkg.rel_targets(sheet_part, RT_COMMENTS)), None)
    if comments_part is None and not marks:
        return res
    vml_rels = dict(pkg.rel_targets(sheet_part, RT_VML))
    vml_part = None
    if vml_rels:
        if callable(sheet_xml):
            sheet_xml = sheet_xml()
        tail = max(sheet_xml.rfind(b"sheetData"), 0)  # <legacyDrawing> comes after </sheetData>
        lm = re.compile(rb"<(?:\w+:)?legacyDrawing\b[^>]*?\b(?:\w+:)?id=\"([^\"]+)\"").search(sheet_xml, tail)
        vml_part = vml_rels.get(lm.group(1).decode()) if lm else None
    if comments_part and pkg.exists(comments_part):
        raw = pkg.read(comments_part)
        start = re.search(rb"<(\w+:)?comments\b", raw)
        prolog = raw[: start.start()] if start else b""
        root = etree.fromstring(raw, _PARSER)
    else:
        comments_part = comments_part or pkg.unique_name("xl/comments%d.xml")
        prolog = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        root = etree.fromstring(f'<comments xmlns="{NS}"><authors/><commentList/></comments>'.encode())
        pkg.add_rel(sheet_part, RT_COMMENTS, relative(sheet_part, comments_part))
        pkg.ensure_override(comments_part, CT_COMMENTS)
    authors = root.find(_q("authors"))
    clist = root.find(_q("commentList"))
    ours = {str(i) for i, a in enumerate(authors) if (a.text or "") == author}
    for c in list(clist):
        if c.get("authorId") in ours and _comment_text(c).startswith(PREFIX):
            res.removed.add(c.get("ref", ""))
            clist.remove(c)
    user_refs = {c.get("ref") for c in clist}
    new = {}
    for ref in sorted(marks, key=lambda r: split_ref(r)):
        if ref in user_refs:
            res.skipped.append(ref)
        else:
            new[ref] = marks[ref]
    if new and not ours:
        etree.SubElement(authors, _q("author")).text = author
    our_id = next((str(i) for i, a in enumerate(authors) if (a.text or "") == author), "0")
    for ref, message in new.items():
        c = etree.SubElement(clist, _q("comment"), ref=ref, authorId=our_id)
        t = etree.SubElement(etree.SubElement(c, _q("text")), _q("t"))
        t.text = PREFIX + message
        t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
        xml_text(t.text)  # enforce Excel's text limit before writing anything
    if res.removed or new:
        pkg.write(comments_part, prolog + etree.tostring(root, encoding="UTF-8", xml_declaration=False))
    # --- the VML shapes ------------------------------------------------------------------------
    if vml_part is None and not new:
        return res
    if vml_part is None or not pkg.exists(vml_part):
        vml_part = pkg.unique_name("xl/drawings/vmlDrawing%d.vml")
        vml = _new_vml(0)  # its block is chosen by _merge_shapes, free across the workbook
        pkg.ensure_default("vml", CT_VML)
        res.legacy_rid = pkg.add_rel(sheet_part, RT_VML, relative(sheet_part, vml_part))
    else:
        vml = pkg.read(vml_part)
    new_vml = _merge_shapes(vml, res.removed, new, *_elsewhere(pkg, vml_part))
    if new_vml != vml:
        pkg.write(vml_part, new_vml)
    return res


def _vml_parts(pkg: Package) -> list[str]:
    return [n for n in pkg.names() if n.lower().endswith(".vml") or "vmldrawing" in n.lower()]


def _blocks(vml: bytes) -> list[int]:
    """The 1024-id blocks a drawing reserves: ``<o:idmap data="2,3">`` (Excel's list form)."""
    m = re.search(rb'idmap\b[^>]*?\bdata="([^"]*)"', vml)
    return [int(x) for x in re.split(rb"[,\s]+", m.group(1)) if x.isdigit()] if m else []


def _elsewhere(pkg: Package, part: str | None) -> tuple[set[int], set[int]]:
    """Blocks and shape ids the workbook's other drawings hold: VML shape ids are workbook-wide."""
    blocks: set[int] = set()
    ids: set[int] = set()
    for name in _vml_parts(pkg):
        if name != part:
            data = pkg.read(name)
            blocks.update(_blocks(data))
            ids.update(int(x) for x in _SHAPE_ID_RE.findall(data))
    return blocks, ids


# a shape's number: its id, or (LibreOffice: id="shape_0") its o:spid
_SHAPE_ID_RE = re.compile(rb'<(?:\w+:)?shape\b[^>]*?\b(?:o:spid|id)="_x0000_s(\d+)"')


def _new_vml(idmap: int) -> bytes:
    return (
        '<xml xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" '
        'xmlns:x="urn:schemas-microsoft-com:office:excel">'
        f'<o:shapelayout v:ext="edit"><o:idmap v:ext="edit" data="{idmap}"/></o:shapelayout>'
        '<v:shapetype id="_x0000_t202" coordsize="21600,21600" o:spt="202" path="m,l,21600r21600,l21600,xe">'
        '<v:stroke joinstyle="miter"/><v:path gradientshapeok="t" o:connecttype="rect"/></v:shapetype>'
        "</xml>"
    ).encode()


def _note_cell(shape: bytes) -> tuple[int, int] | None:
    if b'ObjectType="Note"' not in shape:
        return None
    r = re.search(rb"<(?:\w+:)?Row>\s*(\d+)\s*</(?:\w+:)?Row>", shape)
    c = re.search(rb"<(?:\w+:)?Column>\s*(\d+)\s*</(?:\w+:)?Column>", shape)
    return (int(r.group(1)), int(c.group(1))) if r and c else None


def _merge_shapes(
    vml: bytes,
    removed: set[str],
    new: dict[str, str],
    other_blocks: AbstractSet[int] = frozenset(),
    other_ids: AbstractSet[int] = frozenset(),
) -> bytes:
    """VML is not always well-formed XML (old Excel writes bare <br>): edit it as text.

    Shape ids follow Excel's rule: a drawing reserves blocks of 1024 ids (``o:idmap data="a,b"``),
    no block and no ``_x0000_sN`` id in two drawings. Our new notes, and existing notes whose id
    collides with another drawing (LibreOffice numbers every drawing from 1025), get free ids in
    this drawing's blocks; more blocks are reserved as needed. Other shapes (form controls, which
    the sheet names by id) keep theirs."""
    gone = set()
    for ref in removed:
        r, c = split_ref(ref)
        gone.add((r - 1, c - 1))
    vml = _SHAPE_RE.sub(lambda m: b"" if _note_cell(m.group(0)) in gone else m.group(0), vml)
    if b'id="_x0000_t202"' not in vml and new:
        vml = _insert_before_end(vml, _new_vml(1).split(b"</o:shapelayout>")[1][: -len(b"</xml>")])
    shapes = []
    for ref in new:
        r, c = split_ref(ref)
        r0, c0 = r - 1, c - 1
        anchor = f"{c0 + 1}, 15, {max(r0 - 1, 0)}, 10, {c0 + 3}, 15, {max(r0 - 1, 0) + 4}, 4"
        shapes.append(
            '<v:shape id="_x0000_s0" type="#_x0000_t202" style="position:absolute;margin-left:59.25pt;'
            'margin-top:1.5pt;width:180pt;height:60pt;z-index:1;visibility:hidden" fillcolor="#ffffe1" '
            'o:insetmode="auto"><v:fill color2="#ffffe1"/><v:shadow on="t" color="black" obscured="t"/>'
            '<v:path o:connecttype="none"/><v:textbox style="mso-direction-alt:auto">'
            '<div style="text-align:left"></div></v:textbox><x:ClientData ObjectType="Note">'
            f"<x:MoveWithCells/><x:SizeWithCells/><x:Anchor>{anchor}</x:Anchor><x:AutoFill>False</x:AutoFill>"
            f"<x:Row>{r0}</x:Row><x:Column>{c0}</x:Column></x:ClientData></v:shape>"
        )
    if shapes:
        vml = _insert_before_end(_declare_prefixes(vml), "".join(shapes).encode())
    return _number_shapes(vml, set(other_blocks), set(other_ids))


_VML_NS = {
    b"v": b"urn:schemas-microsoft-com:vml",
    b"o": b"urn:schemas-microsoft-com:office:office",
    b"x": b"urn:schemas-microsoft-com:office:excel",
}


def _declare_prefixes(vml: bytes) -> bytes:
    """Our shapes use the v:, o:, x: prefixes; a VML written with others (openpyxl: ns0:) gets them
    declared on its root ``<xml>`` so that ours stay well-formed."""
    m = re.search(rb"<xml\b[^>]*>", vml)
    if m is None:
        return vml
    tag = m.group(0)
    add = b"".join(
        b" xmlns:" + k + b'="' + v + b'"' for k, v in _VML_NS.items() if b"xmlns:" + k + b"=" not in tag
    )
    if not add:
        return vml
    end = len(tag) - (2 if tag.endswith(b"/>") else 1)
    return vml[: m.start()] + tag[:end] + add + tag[end:] + vml[m.end() :]


def _number_shapes(vml: bytes, other_blocks: set[int], other_ids: set[int]) -> bytes:
    blocks = [b for b in _blocks(vml) if b not in other_blocks and b > 0]
    shapes = list(_SHAPE_RE.finditer(vml))
    fixed = {
        int(m.group(1))
        for s in shapes
        if _note_cell(s.group(0)) is None
        for m in [_SHAPE_ID_RE.match(s.group(0))]
        if m
    }
    taken = other_ids | fixed
    keep: dict[int, int] = {}  # shape index -> id kept
    for i, s in enumerate(shapes):
        m = _SHAPE_ID_RE.match(s.group(0))
        if m is None or _note_cell(s.group(0)) is None:
            continue
        sid = int(m.group(1))
        if sid // 1024 in blocks and sid % 1024 and sid not in taken:
            keep[i] = sid
            taken.add(sid)
    need = sum(1 for i, s in enumerate(shapes) if i not in keep and _note_cell(s.group(0)) is not None)

    def fresh() -> Iterator[int]:
        k = 0
        while True:
            if k == len(blocks):  # reserve the next block no drawing (and no shape id) uses
                b = 1
                while b in other_blocks or b in blocks or any(b * 1024 <= x < (b + 1) * 1024 for x in taken):
                    b += 1
                blocks.append(b)
            base = blocks[k] * 1024
            for sid in range(base + 1, base + 1024):
                if sid not in taken:
                    taken.add(sid)
                    yield sid
            k += 1

    ids = fresh() if need else iter(())
    out, pos = [], 0
    for i, s in enumerate(shapes):
        if i in keep or _note_cell(s.group(0)) is None:
            continue
        sid = next(ids)
        head_end = s.group(0).index(b">") + 1
        shape = (
            re.sub(
                rb'(\b(?:o:spid|id)=")_x0000_s\d+"',
                rb'\g<1>_x0000_s%d"' % sid,
                s.group(0)[:head_end],
                count=2,
            )
            + s.group(0)[head_end:]
        )
        if not _SHAPE_ID_RE.match(shape) and not re.search(rb'\sid="', shape[:head_end]):  # no id at all
            shape = re.sub(rb"^<((?:\w+:)?)shape\b", rb'<\1shape id="_x0000_s%d"' % sid, shape, count=1)
        out += [vml[pos : s.start()], shape]
        pos = s.end()
    out.append(vml[pos:])
    vml = b"".join(out)
    if not blocks and shapes:
        blocks = [
            next(
                b
                for b in range(1, 1 << 20)
                if b not in other_blocks and not any(b * 1024 <= x < (b + 1) * 1024 for x in taken)
            )
        ]
    data = ",".join(map(str, sorted(blocks))).encode()
    m = re.search(rb'(idmap\b[^>]*?\bdata=")[^"]*"', vml)
    if m is not None:
        return vml[: m.start()] + m.group(1) + data + b'"' + vml[m.end() :]
    if blocks:
        layout = b'<o:shapelayout v:ext="edit"><o:idmap v:ext="edit" data="' + data + b'"/></o:shapelayout>'
        at = vml.find(b">", vml.find(b"<xml")) + 1
        vml = vml[:at] + layout + vml[at:]
    return vml


def _insert_before_end(vml: bytes, chunk: bytes) -> bytes:
    end = vml.rfind(b"</xml>")
    if end < 0:
        return vml + chunk
    return vml[:end] + chunk + vml[end:]


def add_legacy_drawing(sheet_xml: bytes, rid: str) -> bytes:
    """Insert <legacyDrawing r:id> at its schema position in the sheet's tail (after </sheetData>).
    ``sheet_xml`` may be just the part's head (root tag) and tail (from </sheetData>)."""
    root = re.search(rb"<(\w+:)?worksheet\b[^>]*>", sheet_xml)
    p = (root.group(1) or b"") if root else b""
    decl = re.search(
        rb'xmlns:(\w+)="http://schemas\.openxmlformats\.org/officeDocument/2006/relationships"',
        root.group(0) if root else b"",
    )
    if decl:
        el = b"<" + p + b"legacyDrawing " + decl.group(1) + b":id=" + xml_attr(rid).encode() + b"/>"
    else:
        el = (
            b"<" + p + b'legacyDrawing xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/'
            b'relationships" r:id=' + xml_attr(rid).encode() + b"/>"
        )
    tail_start = sheet_xml.rfind(b"sheetData")
    at = _top_level_position(sheet_xml, tail_start, p)
    return sheet_xml[:at] + el + sheet_xml[at:]


_TAG_RE = re.compile(rb"<!--.*?-->|<\?.*?\?>|<!\[CDATA\[.*?\]\]>|<(/?)([\w.:-]+)[^>]*?(/?)>", re.S)


def _top_level_position(xml: bytes, start: int, p: bytes) -> int:
    """Where <legacyDrawing> goes: before the first *top-level* child of <worksheet> that the schema
    puts after it. Only the worksheet's own children count: a data bar's ``<cfRule><extLst>`` or a
    POI ``<autoFilter><extLst>`` is nested, and an element placed inside it is schema-invalid."""
    gt = xml.find(b">", start)
    depth = 0
    for m in _TAG_RE.finditer(xml, gt + 1):
        if m.group(2) is None:
            continue  # comment, processing instruction, CDATA
        name = m.group(2)
        local = name.split(b":")[-1]
        if m.group(1):  # end tag
            if depth == 0:
                return m.start()  # </worksheet>
            depth -= 1
            continue
        if depth == 0 and (
            local in _AFTER_LEGACY or (local == b"AlternateContent" and _wraps_after(xml, m.end()))
        ):
            return m.start()
        if not m.group(3):
            depth += 1
    end = xml.rfind(b"</" + p + b"worksheet")
    return end if end >= 0 else len(xml)


def _wraps_after(xml: bytes, pos: int) -> bool:
    """A top-level mc:AlternateContent (Excel wraps <controls>/<oleObjects> in one) placed after us?"""
    close = xml.find(b"AlternateContent>", pos)
    inner = xml[pos : close if close >= 0 else len(xml)]
    return any(re.search(rb"<(?:\w+:)?" + name + rb"\b", inner) for name in _AFTER_LEGACY)
