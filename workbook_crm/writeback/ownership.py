"""Which computed sheets are ours to replace (issue #14, items 3 and 16).

Every sheet ``replace_sheet`` writes carries a hidden, sheet-scoped defined name ``MARKER``
(``<definedName name="workbook_crm_sheet" localSheetId="N" hidden="1">'客户分层'!$A$1``): Excel
keeps it through renames, moves and copies and drops it with the sheet, and LibreOffice keeps
sheet-scoped names. A sheet without it is the user's — except one written by an earlier version
(before the marker), recognised by our tab colour and our first header in A1.

A sheet of ours to which the user added a table, chart, picture, note or pivot (any relationship
but our hyperlinks) is treated as the user's too: replacing it would orphan those parts and lose
what the user made. The results then go to a sheet of another name (``alternative_name``).
"""

from __future__ import annotations

import re

from .package import RT_HYPERLINK, attrs, insert_before_close, xml_attr

MARKER = "workbook_crm_sheet"
SUFFIX = "（workbook-crm）"
_SHEET_TAG = re.compile(rb"<(?:\w+:)?sheet\b[^>]*?/?>")
_DEFINED = re.compile(rb"<(?:\w+:)?definedName\b([^>]*)>(.*?)</(?:\w+:)?definedName>", re.S)
# CT_Workbook children that come after <definedNames> (ECMA-376 18.2.27)
_AFTER_NAMES = (
    b"calcPr",
    b"oleSize",
    b"customWorkbookViews",
    b"pivotCaches",
    b"smartTagPr",
    b"smartTagTypes",
    b"webPublishing",
    b"fileRecoveryPr",
    b"webPublishObjects",
    b"extLst",
)


def sheet_index(wb_xml: bytes, name: str) -> int | None:
    """Position of the sheet among <sheets> (what localSheetId counts), or None."""
    for i, m in enumerate(_SHEET_TAG.finditer(wb_xml)):
        if attrs(m.group(0)).get("name") == name:
            return i
    return None


def marked(wb_xml: bytes, name: str) -> bool:
    idx = sheet_index(wb_xml, name)
    if idx is None:
        return False
    for m in _DEFINED.finditer(wb_xml):
        a = attrs(b"<x" + m.group(1) + b">")
        if a.get("name") == MARKER and a.get("localSheetId") == str(idx):
            return True
    return False


def add_marker(wb_xml: bytes, name: str) -> bytes:
    """The workbook XML with our marker on sheet ``name`` (unchanged when it has one)."""
    idx = sheet_index(wb_xml, name)
    if idx is None or marked(wb_xml, name):
        return wb_xml
    root = re.search(rb"<(\w+:)?workbook\b", wb_xml)
    p = (root.group(1) or b"") if root else b""
    quoted = "'" + name.replace("'", "''") + "'!$A$1"
    el = (
        b"<"
        + p
        + b'definedName name="'
        + MARKER.encode()
        + b'" localSheetId="'
        + str(idx).encode()
        + b'" hidden="1">'
        + xml_attr(quoted)[1:-1].encode()
        + b"</"
        + p
        + b"definedName>"
    )
    if re.search(rb"<(?:\w+:)?definedNames\b[^>]*/>", wb_xml):
        return re.sub(
            rb"<((?:\w+:)?definedNames)\b([^>]*)/>",
            lambda m: b"<" + m.group(1) + m.group(2) + b">" + el + b"</" + m.group(1) + b">",
            wb_xml,
            count=1,
        )
    if re.search(rb"</(?:\w+:)?definedNames>", wb_xml):
        return insert_before_close(wb_xml, b"definedNames", el)
    block = b"<" + p + b"definedNames>" + el + b"</" + p + b"definedNames>"
    hits = [
        m.start()
        for tag in _AFTER_NAMES
        for m in [re.search(b"<" + re.escape(p) + tag + rb"\b", wb_xml)]
        if m
    ]
    at = min(hits) if hits else wb_xml.rfind(b"</" + p + b"workbook")
    return wb_xml[:at] + block + wb_xml[at:]


def user_additions(rels: list[dict[str, str]]) -> list[str]:
    """Relationship types on a computed sheet that we never write (only external hyperlinks)."""
    return [r.get("Type", "").rsplit("/", 1)[-1] for r in rels if r.get("Type") != RT_HYPERLINK]


def legacy_ours(sheet_xml_head: bytes, a1: object, tab_rgb: str | None, first_header: str) -> bool:
    """A computed sheet an earlier version wrote (no marker): our tab colour and our first header."""
    if tab_rgb is None or a1 != first_header:
        return False
    m = re.search(rb'<(?:\w+:)?tabColor\b[^>]*\brgb="([0-9A-Fa-f]{6,8})"', sheet_xml_head)
    return m is not None and m.group(1).decode().upper()[-6:] == tab_rgb.upper().lstrip("#")[-6:]


def alternative_name(name: str, n: int = 1) -> str:
    """``客户分层（workbook-crm）``, then ``（workbook-crm 2）`` … (≤ 31 characters)."""
    suffix = SUFFIX if n == 1 else f"（workbook-crm {n}）"
    return name[: 31 - len(suffix)] + suffix
