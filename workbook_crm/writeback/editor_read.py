"""Reading a package back the way Excel shows it: cell values (shared strings, dates in either
date system), the columns in use, formula cells and Tables. Used to decide where edits may go and by
tests; it never changes a part.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from lxml import etree

from .editor_base import RT_SST, RT_TABLE, EditorBase
from .formulas import FormulaCells
from .package import (
    attrs,
)
from .sheetxml import SheetPatcher, split_ref
from .values import serial_date


class ReadBack(EditorBase):
    """Cell values, column usage, formula cells and Tables of a sheet, after its queued edits."""

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
        return self._formula_cells(self._part(sheet))

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


def _texts(inner: bytes) -> str:
    """Text of <t> runs (phonetic <rPh> runs excluded), with Excel's _xHHHH_ escapes decoded."""
    from .package import unescape

    inner = re.sub(rb"<(?:\w+:)?rPh\b.*?</(?:\w+:)?rPh>", b"", inner, flags=re.S)
    text = "".join(
        unescape(m.decode()) for m in re.findall(rb"<(?:\w+:)?t\b[^>]*>(.*?)</(?:\w+:)?t>", inner, re.S)
    )
    text = re.sub(r"_x([0-9A-Fa-f]{4})_", lambda m: chr(int(m.group(1), 16)), text)
    return text
