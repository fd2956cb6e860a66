"""Computed sheets (客户分层, 跟进提醒, 校验问题 …) written fresh as worksheet XML, row by row.

Rows are streamed into a spooled temporary file (memory up to 16 MB, then disk), so a 100k-row
sheet never exists as one Python string; the zip writer streams it on.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from typing import IO, Any

from .package import xml_attr
from .sheetxml import col_letters, make_ref, split_ref
from .styles import Styles
from .values import DATE_FMT, DATETIME_FMT, cell, encode

NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_TAB_RGB = re.compile(r"^#?([0-9A-Fa-f]{6}|[0-9A-Fa-f]{8})$")
_SHEET_NAME_BAD = re.compile(r"[\[\]:*?/\\]")


def check_sheet_name(name: str) -> None:
    """Excel refuses these names (and would call the file corrupt): raise before writing anything."""
    if not name or len(name) > 31:
        raise ValueError(f"sheet name {name!r}: 1 to 31 characters (Excel limit)")
    if _SHEET_NAME_BAD.search(name) or name.startswith("'") or name.endswith("'"):
        raise ValueError(f"sheet name {name!r} contains a character Excel forbids ([]:*?/\\ or edge ')")
    if name.lower() == "history":
        raise ValueError("'History' is reserved by Excel")


def check_link(target: str) -> tuple[str, bool]:
    """(target, external?) — internal locations like "'客户档案'!H12", or http(s)/mailto URLs only."""
    low = target.strip().lower()
    if low.startswith(("http://", "https://", "mailto:")):
        if len(target) > 2079:
            raise ValueError("URL longer than Excel's 2079 characters")
        return target.strip(), True
    if re.match(r"^[a-z][a-z0-9+.-]*:", low) and "!" not in low:
        raise ValueError(f"link {target!r} refused: only internal locations and http(s)/mailto")
    loc = target[1:] if target.startswith("#") else target
    if "!" not in loc:
        raise ValueError(f"link {target!r} is not a location like 'Sheet'!A1")
    return loc, False


def write_sheet(styles: Styles, header: Sequence[str], rows: Iterable[Sequence[Any]], *,
                widths: Sequence[float] | None, formats: Mapping[int, str] | None,
                links: Mapping[tuple[int, int], str] | None, freeze_header: bool, autofilter: bool,
                tab_color: str | None, date1904: bool) -> tuple[IO[bytes], list[tuple[str, str]]]:
    """Returns the sheet XML in a temp file and the external links [(rId, url)] its rels must hold.

    ``links`` keys are (row_index, col_index), 0-based over ``rows`` (not counting the header)."""
    formats = dict(formats or {})
    links = dict(links or {})
    head_xf = styles.new_xf(header=True)
    date_xf = styles.new_xf(num_fmt=DATE_FMT)
    dt_xf = styles.new_xf(num_fmt=DATETIME_FMT)
    col_xf = {c: styles.new_xf(num_fmt=f) for c, f in formats.items()}
    link_xf = styles.new_xf(link=True) if links else 0
    ncols = len(header)
    fh: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=16 << 20)  # noqa: SIM115 (returned)
    w = fh.write
    w(b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n')
    w(f'<worksheet xmlns="{NS_MAIN}" xmlns:r="{NS_R}">'.encode())
    if tab_color:
        m = _TAB_RGB.match(tab_color)
        if not m:
            raise ValueError(f"tab_color {tab_color!r}: use RRGGBB")
        rgb = m.group(1).upper()
        w(f'<sheetPr><tabColor rgb="{rgb if len(rgb) == 8 else "FF" + rgb}"/></sheetPr>'.encode())
    dim_pos = fh.tell()
    w(b'<dimension ref="A1"/>' + b" " * 24)   # patched at the end: room for 'A1:XFD1048576'
    if freeze_header:
        w(b'<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft"'
          b' state="frozen"/><selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView></sheetViews>')
    else:
        w(b'<sheetViews><sheetView workbookViewId="0"/></sheetViews>')
    w(b'<sheetFormatPr defaultRowHeight="15"/>')
    if widths:
        w(b"<cols>" + b"".join(f'<col min="{i}" max="{i}" width="{float(wd):g}" customWidth="1"/>'.encode()
                               for i, wd in enumerate(widths, 1) if wd) + b"</cols>")
    w(b"<sheetData>")
    w(b'<row r="1">' + b"".join(cell(make_ref(1, c), head_xf, *encode(str(h))[1:])
                                for c, h in enumerate(header, 1)) + b"</row>")
    hyperlinks: list[bytes] = []
    external: list[tuple[str, str]] = []
    r = 1
    for r0, values in enumerate(rows):
        r = r0 + 2
        parts = [b'<row r="', str(r).encode(), b'">']
        ncols = max(ncols, len(values))
        for c0, value in enumerate(values):
            kind, t, inner = encode(value, date1904=date1904)
            if kind == "none":
                continue
            style = col_xf.get(c0, 0)
            if kind == "date" and c0 not in col_xf:
                style = date_xf
            elif kind == "datetime" and c0 not in col_xf:
                style = dt_xf
            target = links.get((r0, c0))
            ref = make_ref(r, c0 + 1)
            if target is not None:
                style = link_xf if style == 0 else style
                loc, is_ext = check_link(target)
                if is_ext:
                    rid = f"rId{len(external) + 1}"
                    external.append((rid, loc))
                    hyperlinks.append(f'<hyperlink ref="{ref}" r:id="{rid}"/>'.encode())
                else:
                    hyperlinks.append(f"<hyperlink ref=\"{ref}\" location={xml_attr(loc)} display={xml_attr(str(value))}/>".encode())
            parts.append(cell(ref, style, t, inner))
        parts.append(b"</row>")
        w(b"".join(parts))
    w(b"</sheetData>")
    last = make_ref(r, max(ncols, 1))
    if autofilter and header:
        w(f'<autoFilter ref="A1:{col_letters(len(header))}{r}"/>'.encode())
    if hyperlinks:
        w(b"<hyperlinks>" + b"".join(hyperlinks) + b"</hyperlinks>")
    w(b'<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/></worksheet>')
    end = fh.tell()
    fh.seek(dim_pos)
    fh.write(f'<dimension ref="A1:{last}"/>'.encode().ljust(len(b'<dimension ref="A1"/>') + 24))
    fh.seek(end)
    split_ref(last)
    return fh, external
