"""The summary's ``sharedStrings.xml``: xlsxwriter's table with the rendered tables' texts appended.

A 100k-customer summary holds ~400k distinct texts; they are escaped in one pass over all of them
(:func:`si_items`), with the rules of ``writeback.sheetxml.xml_text`` (a test compares the two).
"""

from __future__ import annotations

import re

import numpy as np

from ..writeback.sheetxml import EXCEL_MAX_TEXT, xml_text
from .tablexml import Tables

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


class SharedStrings:
    """xlsxwriter's sharedStrings.xml with the tables' texts appended (a text already there is reused)."""

    part = "xl/sharedStrings.xml"

    def __init__(self, xml: str, tables: Tables) -> None:
        self.head, items, self.count = _read_sst(xml)
        seen = {si: i for i, si in enumerate(items)}
        self.items = items
        new = si_items(tables.texts)  # distinct (tables.texts are), so only xlsxwriter's can repeat
        if seen.keys().isdisjoint(new):
            self.index = list(range(len(items), len(items) + len(new)))
            items.extend(new)
        else:
            self.index = []
            for si in new:
                i = seen.get(si)
                if i is None:
                    i = seen[si] = len(self.items)
                    self.items.append(si)
                self.index.append(i)
        self.count += tables.refs

    def xml(self) -> bytes:
        return (
            f'{self.head}<sst xmlns="{_MAIN}" count="{self.count}" uniqueCount="{len(self.items)}">'
            + "".join(self.items)
            + "</sst>"
        ).encode("utf-8")


def _read_sst(text: str) -> tuple[str, list[str], int]:
    start = text.index("<sst")
    open_end = text.index(">", start)
    count = re.search(r'\scount="(\d+)"', text[start:open_end])
    body = text[open_end + 1 : text.rindex("</sst>")] if text[open_end - 1] != "/" else ""
    return text[:start], re.findall(r"<si>.*?</si>", body, re.S), int(count.group(1)) if count else 0


def _si(text: str) -> str:
    space = ' xml:space="preserve"' if text[:1].isspace() or text[-1:].isspace() else ""
    return f"<si><t{space}>{xml_text(text).decode('utf-8')}</t></si>"


# xml_text's rules (writeback/sheetxml.py) applied to many texts joined by NUL: NUL is one of the
# characters it escapes, so here it is left out of the set and stays the separator.
_ESCAPE_LIKE = re.compile(r"_(x[0-9A-Fa-f]{4}_)")
_ILLEGAL_BUT_NUL = re.compile("[\x01-\x08\x0b\x0c\x0e-\x1f\r\ufffe\uffff\ud800-\udfff]")
_SPACE_AFTER_NUL = re.compile(r"\x00\s")  # a text that starts with white space (not the first)
_SPACE_BEFORE_NUL = re.compile(r"\s\x00")  # one that ends with it (not the last)


def si_items(texts: list[str]) -> list[str]:
    """``_si`` of each text, escaped in one pass over all of them (the same items, ~5× faster)."""
    joined = "\x00".join(texts)
    if len(texts) < 2 or joined.count("\x00") != len(texts) - 1 or max(map(len, texts)) > EXCEL_MAX_TEXT:
        return [_si(t) for t in texts]  # a text holding NUL, or one too long (xml_text refuses it)
    body = _ESCAPE_LIKE.sub(r"_x005F_\1", joined)
    body = _ILLEGAL_BUT_NUL.sub(lambda m: f"_x{ord(m.group(0)):04X}_", body)
    body = body.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    items = [f"<si><t>{x}</t></si>" for x in body.split("\x00")]
    # texts that start or end with white space keep it: xml:space="preserve"
    edges = [m.start() + 1 for m in _SPACE_AFTER_NUL.finditer(joined)]
    edges += [m.start() for m in _SPACE_BEFORE_NUL.finditer(joined)]
    edges += [0] if joined[:1].isspace() else []
    edges += [len(joined) - 1] if joined[-1:].isspace() else []
    if not edges:
        return items
    ends = np.cumsum(np.fromiter(map(len, texts), dtype=np.int64, count=len(texts)) + 1)
    starts = np.concatenate(([0], ends[:-1]))
    for i in set((np.searchsorted(starts, edges, "right") - 1).tolist()):
        items[i] = f'<si><t xml:space="preserve">{items[i][len("<si><t>") :]}'
    return items
