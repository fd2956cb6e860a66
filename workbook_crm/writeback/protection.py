"""Protection the user set: a protected sheet is not edited, a locked structure gets no new sheet.

Excel refuses edits to a protected sheet (``<sheetProtection sheet="1">``) and new sheets in a
workbook whose structure is locked (``<workbookProtection lockStructure="1">``); the write-back
honours both by refusing the run with one line naming the sheet (issue #14 item 14).
"""

from __future__ import annotations

import re

from ..errors import LockedStructure, ProtectedSheet

_SHEET = re.compile(rb'<(?:\w+:)?sheetProtection\b[^>]*?\bsheet\s*=\s*["\'](?:1|true)["\']')
_STRUCTURE = re.compile(rb'<(?:\w+:)?workbookProtection\b[^>]*?\blockStructure\s*=\s*["\'](?:1|true)["\']')


def check_sheet_editable(name: str, sheet_xml: bytes) -> None:
    """``<sheetProtection>`` follows ``<sheetData>``: only the part's tail is searched."""
    end = sheet_xml.rfind(b"sheetData>")
    if _SHEET.search(sheet_xml, max(end, 0)):
        raise ProtectedSheet(detail=name)


def check_can_add_sheet(name: str, workbook_xml: bytes) -> None:
    if _STRUCTURE.search(workbook_xml):
        raise LockedStructure(detail=name)
