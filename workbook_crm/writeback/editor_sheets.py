"""Computed sheets (客户分层, 校验问题 …): whether an existing sheet of that name is ours to replace
(ownership.py), and writing one fresh, keeping its position, sheetId and part name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from .editor_base import RT_THREADED
from .editor_read import ReadBack
from .newsheet import Columns, check_sheet_name, write_sheet
from .ownership import add_marker, alternative_name, legacy_ours, marked, user_additions
from .package import (
    CT_WORKSHEET,
    RT_COMMENTS,
    RT_HYPERLINK,
    RT_VML,
    RT_WORKSHEET,
    insert_before_close,
    relative,
    rels_name,
    resolve,
    xml_attr,
)
from .protection import check_can_add_sheet, check_sheet_editable


class ComputedSheets(ReadBack):
    """``not_ours``, ``computed_target`` and ``replace_sheet``."""

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
        rows: Iterable[Sequence[Any]] | Columns,
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
