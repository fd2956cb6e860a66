"""Our problem comments: the comments part, its legacy VML shapes and the sheet's <legacyDrawing>.

Excel shows a note only when three things agree: ``xl/commentsN.xml`` (the text, related from the
sheet), a VML shape per note in ``xl/drawings/vmlDrawingN.vml`` (related from the sheet and named by
``<legacyDrawing r:id>``), and content types for both. The user's comments — rich text, threaded
comments' legacy stand-ins (author ``tc={guid}``) — are never rewritten; we remove only comments by our
author whose text starts with ``PREFIX``, and add ours only where the user has none.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from lxml import etree

from .package import CT_COMMENTS, CT_VML, RT_COMMENTS, RT_VML, Package, relative, xml_attr
from .sheetxml import split_ref, xml_text

PREFIX = "【workbook-crm】"
NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True)
# CT_Worksheet (ECMA-376 18.3.1.99): elements that must come after <legacyDrawing>.
_AFTER_LEGACY = (b"legacyDrawingHF", b"drawingHF", b"picture", b"oleObjects", b"controls",
                 b"webPublishItems", b"tableParts", b"extLst")
_SHAPE_RE = re.compile(rb"<v:shape\b(?:(?!<v:shapetype)[^>])*?>.*?</v:shape>", re.S)


def _q(tag: str) -> str:
    return f"{{{NS}}}{tag}"


def _comment_text(c: etree._Element) -> str:
    return "".join(t.text or "" for t in c.iter(_q("t")))


class MarkResult:
    def __init__(self) -> None:
        self.legacy_rid: str | None = None   # the sheet needs <legacyDrawing r:id=…> (add_legacy_drawing)
        self.removed: set[str] = set()
        self.skipped: list[str] = []   # cells where the user's own comment is kept instead of ours


def apply_comments(pkg: Package, sheet_part: str, sheet_xml: bytes | Callable[[], bytes],
                   marks: dict[str, str], author: str) -> MarkResult:
    """Remove our earlier notes on the sheet, add one per mark; returns the (maybe) new sheet XML.

    ``sheet_xml`` may be a callable: the sheet is then read only when there are notes to handle."""
    res = MarkResult()
    comments_part = next((t for _, t in pkg.rel_targets(sheet_part, RT_COMMENTS)), None)
    if comments_part is None and not marks:
        return res
    if callable(sheet_xml):
        sheet_xml = sheet_xml()
    vml_rels = dict(pkg.rel_targets(sheet_part, RT_VML))
    tail = max(sheet_xml.rfind(b"sheetData"), 0)   # <legacyDrawing> comes after </sheetData>
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
        xml_text(t.text)   # enforce Excel's text limit before writing anything
    if res.removed or new:
        pkg.write(comments_part, prolog + etree.tostring(root, encoding="UTF-8", xml_declaration=False))
    # --- the VML shapes ------------------------------------------------------------------------
    if vml_part is None and not new:
        return res
    if vml_part is None or not pkg.exists(vml_part):
        vml_part = pkg.unique_name("xl/drawings/vmlDrawing%d.vml")
        vml = _new_vml(_free_idmap(pkg))
        pkg.ensure_default("vml", CT_VML)
        res.legacy_rid = pkg.add_rel(sheet_part, RT_VML, relative(sheet_part, vml_part))
    else:
        vml = pkg.read(vml_part)
    new_vml = _merge_shapes(vml, res.removed, new)
    if new_vml != vml:
        pkg.write(vml_part, new_vml)
    return res


def _free_idmap(pkg: Package) -> int:
    used = set()
    for name in pkg.names():
        if name.lower().endswith(".vml"):
            used.update(int(x) for x in re.findall(rb'idmap\b[^>]*data="(\d+)', pkg.read(name)))
    n = 1
    while n in used:
        n += 1
    return n


def _new_vml(idmap: int) -> bytes:
    return (
        '<xml xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" '
        'xmlns:x="urn:schemas-microsoft-com:office:excel">'
        f'<o:shapelayout v:ext="edit"><o:idmap v:ext="edit" data="{idmap}"/></o:shapelayout>'
        '<v:shapetype id="_x0000_t202" coordsize="21600,21600" o:spt="202" path="m,l,21600r21600,l21600,xe">'
        '<v:stroke joinstyle="miter"/><v:path gradientshapeok="t" o:connecttype="rect"/></v:shapetype>'
        "</xml>").encode()


def _note_cell(shape: bytes) -> tuple[int, int] | None:
    if b'ObjectType="Note"' not in shape:
        return None
    r = re.search(rb"<x:Row>\s*(\d+)\s*</x:Row>", shape)
    c = re.search(rb"<x:Column>\s*(\d+)\s*</x:Column>", shape)
    return (int(r.group(1)), int(c.group(1))) if r and c else None


def _merge_shapes(vml: bytes, removed: set[str], new: dict[str, str]) -> bytes:
    """VML is not always well-formed XML (old Excel writes bare <br>): edit it as text."""
    gone = set()
    for ref in removed:
        r, c = split_ref(ref)
        gone.add((r - 1, c - 1))
    vml = _SHAPE_RE.sub(lambda m: b"" if _note_cell(m.group(0)) in gone else m.group(0), vml)
    if not new:
        return vml
    ids = [int(x) for x in re.findall(rb'id="_x0000_s(\d+)"', vml)]
    idmap = re.search(rb'idmap\b[^>]*data="(\d+)', vml)
    next_id = max(ids) + 1 if ids else int(idmap.group(1)) * 1024 + 1 if idmap else 1025
    if b'id="_x0000_t202"' not in vml:
        vml = _insert_before_end(vml, _new_vml(1).split(b"</o:shapelayout>")[1][: -len(b"</xml>")])
    shapes = []
    for ref in new:
        r, c = split_ref(ref)
        r0, c0 = r - 1, c - 1
        anchor = f"{c0 + 1}, 15, {max(r0 - 1, 0)}, 10, {c0 + 3}, 15, {max(r0 - 1, 0) + 4}, 4"
        shapes.append(
            f'<v:shape id="_x0000_s{next_id}" type="#_x0000_t202" style="position:absolute;margin-left:59.25pt;'
            'margin-top:1.5pt;width:180pt;height:60pt;z-index:1;visibility:hidden" fillcolor="#ffffe1" '
            'o:insetmode="auto"><v:fill color2="#ffffe1"/><v:shadow on="t" color="black" obscured="t"/>'
            '<v:path o:connecttype="none"/><v:textbox style="mso-direction-alt:auto">'
            '<div style="text-align:left"></div></v:textbox><x:ClientData ObjectType="Note">'
            f"<x:MoveWithCells/><x:SizeWithCells/><x:Anchor>{anchor}</x:Anchor><x:AutoFill>False</x:AutoFill>"
            f"<x:Row>{r0}</x:Row><x:Column>{c0}</x:Column></x:ClientData></v:shape>")
        next_id += 1
    return _insert_before_end(vml, "".join(shapes).encode())


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
    decl = re.search(rb'xmlns:(\w+)="http://schemas\.openxmlformats\.org/officeDocument/2006/relationships"',
                     root.group(0) if root else b"")
    if decl:
        el = b"<" + p + b"legacyDrawing " + decl.group(1) + b":id=" + xml_attr(rid).encode() + b"/>"
    else:
        el = (b"<" + p + b'legacyDrawing xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/'
              b'relationships" r:id=' + xml_attr(rid).encode() + b"/>")
    tail_start = sheet_xml.rfind(b"sheetData")
    tail = sheet_xml[tail_start:]
    hits = [m.start() for name in _AFTER_LEGACY
            for m in [re.search(b"<" + re.escape(p) + name + rb"\b", tail)] if m]
    at = min(hits) if hits else tail.rfind(b"</" + p + b"worksheet")
    return sheet_xml[: tail_start + at] + el + sheet_xml[tail_start + at:]
