"""Computed sheets (客户分层, 跟进提醒, 校验问题 …) written fresh as worksheet XML, row by row.

Rows are rendered a chunk at a time and deflated as they come (package.Deflater), so a 100k-row
sheet never exists uncompressed as a whole, and it is never inflated or deflated again.
Just over 300 lines: the column-wise fast paths sit beside the per-cell path they must equal byte
for byte (tests/test_newsheet_renderer.py), so the two are read and changed together.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np

from workbook_crm._gc import no_gc
from workbook_crm.excel import day_serials

from .package import Deflated, Deflater, xml_attr
from .sheetxml import EXCEL_MAX_TEXT, col_letters, inline_string, make_ref, split_ref
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


_CHUNK_ROWS = 2000  # rows rendered, encoded and deflated together
_TEXT_CACHE = 50_000  # distinct texts kept per column between chunks (a few MB at most)
_SEP = "\u3042"  # joins a column's texts to check them at once (printable, needs no escape)
_INF = (float("inf"), float("-inf"))


def _whole(v: float) -> str:
    """A whole float as ``values._number`` writes it: '3', or repr past 1e15 where Excel's 15 digits end."""
    return str(int(v)) if abs(v) < 1e15 else repr(v)


def _texts_xml(col: Sequence[str | None], texts: list[str]) -> Sequence[str | None] | None:
    """The column's <t> contents (None stays None) when every text goes in as it is or with only
    ``& < >`` escaped: printable (no control characters, no whitespace but the ASCII space), no '_'
    (could read as an _xHHHH_ escape), no edge space, within Excel's limit — what ``inline_string``
    writes for such a text. Checked, and escaped, on the joined column (C speed); None (any doubt):
    the column goes value by value through ``inline_string``."""
    if not texts:
        return col
    if not all(texts):
        return None  # an empty text: the careful path decides how to write it
    big = _SEP.join(texts)
    if not (
        big.isprintable()
        and "_" not in big
        and big[0] != " "
        and big[-1] != " "
        and " " + _SEP not in big
        and _SEP + " " not in big
        and max(map(len, texts)) <= EXCEL_MAX_TEXT
    ):
        return None
    if "&" not in big and "<" not in big and ">" not in big:
        return col
    if big.count(_SEP) != len(texts) - 1:
        return None  # a text holds the separator: it cannot be split back
    escaped = big.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").split(_SEP)
    if len(escaped) == len(col):
        return escaped
    it = iter(escaped)
    return [None if v is None else next(it) for v in col]


def _float_texts(col: Sequence[float | None]) -> list[str | None] | None:
    """A column of floats (None and NaN blank) as ``values._number`` writes them: repr, a whole one
    below 1e15 as its int. None when one is infinite (``encode`` refuses it with its message)."""
    arr = np.array(col, dtype=float)  # None → NaN
    if np.isinf(arr).any():
        return None
    out: list[str | None] = list(map(repr, arr.tolist()))
    whole = (arr == np.trunc(arr)) & (np.abs(arr) < 1e15)  # NaN is never whole
    idx = np.flatnonzero(whole)
    for i, t in zip(idx.tolist(), map(str, arr[idx].astype(np.int64).tolist()), strict=True):
        out[i] = t
    for i in np.flatnonzero(np.isnan(arr)).tolist():
        out[i] = None
    return out


class _Renderer:
    """Rows → <row> XML text, a chunk at a time, column by column: a column whose values are all of
    one simple kind (plain text, int, finite float, date — blanks allowed) is rendered by one
    comprehension; any other column, and cells with links, go cell by cell through ``encode``.
    Both give the same XML."""

    def __init__(
        self, styles: Styles, col_xf: dict[int, int], links: dict[tuple[int, int], str], date1904: bool
    ) -> None:
        self.col_xf = col_xf
        self.date_xf = styles.new_xf(num_fmt=DATE_FMT)
        self.dt_xf = styles.new_xf(num_fmt=DATETIME_FMT)
        self.link_xf = styles.new_xf(link=True) if links else 0
        self.links = links
        self.link_rows = sorted({r0 for r0, _ in links})
        self.date1904 = date1904
        self.letters: list[str] = []
        self.hyperlinks: list[bytes] = []
        self.external: list[tuple[str, str]] = []
        self.texts: dict[int, dict[str, str]] = {}  # per column: text → its <is> XML, across chunks

    def _letters(self, n: int) -> None:
        for c0 in range(len(self.letters), n):
            self.letters.append(col_letters(c0 + 1))

    def _s(self, xf: int) -> str:
        return f' s="{xf}"' if xf else ""

    def chunk(self, rows: list[Sequence[Any]], r0_first: int) -> str:
        """Rows (of any lengths) as <row> XML: turned into columns, then ``chunk_columns``."""
        width = max(map(len, rows))
        if any(len(v) != width for v in rows):
            rows = [list(v) + [None] * (width - len(v)) for v in rows]
        return self.chunk_columns(list(zip(*rows, strict=True)), r0_first, len(rows))

    def chunk_columns(self, cols: Sequence[Sequence[Any]], r0_first: int, n: int) -> str:
        """``n`` rows (``r0_first`` … of the body) given as columns of that length, as <row> XML."""
        self._letters(len(cols))
        rnums = [str(r0_first + 2 + i) for i in range(n)]
        cells = [self._column(c0, col, rnums) for c0, col in enumerate(cols)]
        self._link_cells(cols, r0_first, rnums, cells)
        # one join over row starts, the cells of every column side by side, and row ends
        starts = [f'<row r="{r}">' for r in rnums]
        return "".join(itertools.chain.from_iterable(zip(starts, *cells, itertools.repeat("</row>"))))

    def _column(self, c0: int, col: Sequence[Any], rnums: list[str]) -> list[str]:
        L = self.letters[c0]
        xf = self.col_xf.get(c0, 0)
        s = self._s(xf)
        kinds = set(map(type, col))
        kinds.discard(type(None))
        if kinds == {str}:
            texts = [v for v in col if v is not None]
            xml_texts = _texts_xml(col, texts)
            if xml_texts is not None:
                if len(texts) == len(col):
                    return [
                        f'<c r="{L}{r}"{s} t="inlineStr"><is><t>{v}</t></is></c>'
                        for r, v in zip(rnums, xml_texts, strict=True)
                    ]
                return [
                    "" if v is None else f'<c r="{L}{r}"{s} t="inlineStr"><is><t>{v}</t></is></c>'
                    for r, v in zip(rnums, xml_texts, strict=True)
                ]
            # some text needs escaping: each distinct text is encoded once (owners, grades, notes
            # repeat down a column), exactly as ``encode`` writes it
            inner = self.texts.setdefault(c0, {})
            if len(inner) > _TEXT_CACHE:
                inner.clear()
            for v in set(texts).difference(inner):
                inner[v] = inline_string(v).decode()
            return [
                "" if v is None else f'<c r="{L}{r}"{s} t="inlineStr">{inner[v]}</c>'
                for r, v in zip(rnums, col, strict=True)
            ]
        elif kinds == {int}:
            return [
                "" if v is None else f'<c r="{L}{r}"{s}><v>{v}</v></c>'
                for r, v in zip(rnums, col, strict=True)
            ]
        elif kinds == {float} and (numbers := _float_texts(col)) is not None:
            return [
                "" if t is None else f'<c r="{L}{r}"{s}><v>{t}</v></c>'
                for r, t in zip(rnums, numbers, strict=True)
            ]
        elif kinds and kinds <= {int, float} and _INF[0] not in col and _INF[1] not in col:
            # repr is the number's text (ints as they are); only a whole float ('3.0') needs more
            return [
                ""
                if v is None or v != v
                else f'<c r="{L}{r}"{s}><v>{t if t[-2:] != ".0" else _whole(v)}</v></c>'
                for r, v, t in zip(rnums, col, map(repr, col), strict=True)
            ]
        elif kinds == {dt.date}:
            try:
                serials = day_serials(col, self.date1904)
            except ValueError:
                serials = None  # a date before the epoch: ``encode`` raises its own message below
            if serials is not None:
                ds = self._s(xf if c0 in self.col_xf else self.date_xf)
                return [
                    "" if x is None else f'<c r="{L}{r}"{ds}><v>{x}</v></c>'
                    for r, x in zip(rnums, serials, strict=True)
                ]
        elif not kinds:
            return [""] * len(col)
        return [self._cell(c0, v, L + r) for r, v in zip(rnums, col, strict=True)]

    def _cell(self, c0: int, v: Any, ref: str, target: str | None = None) -> str:
        kind, t, inner = encode(v, date1904=self.date1904)
        if kind == "none":
            return ""
        style = self.col_xf.get(c0, 0)
        if kind == "date" and c0 not in self.col_xf:
            style = self.date_xf
        elif kind == "datetime" and c0 not in self.col_xf:
            style = self.dt_xf
        if target is not None:
            style = self.link_xf if style == 0 else style
            loc, is_ext = check_link(target)
            if is_ext:
                rid = f"rId{len(self.external) + 1}"
                self.external.append((rid, loc))
                self.hyperlinks.append(f'<hyperlink ref="{ref}" r:id="{rid}"/>'.encode())
            else:
                self.hyperlinks.append(
                    f'<hyperlink ref="{ref}" location={xml_attr(loc)} display={xml_attr(str(v))}/>'.encode()
                )
        return cell(ref, style, t, inner).decode()

    def _link_cells(
        self, cols: Sequence[Sequence[Any]], r0_first: int, rnums: list[str], cells: list[list[str]]
    ) -> None:
        """Cells with a link, in row-major order (the order of <hyperlink> and of external rIds)."""
        lo = bisect.bisect_left(self.link_rows, r0_first)
        hi = bisect.bisect_left(self.link_rows, r0_first + len(rnums))
        for r0 in self.link_rows[lo:hi]:
            i = r0 - r0_first
            for c0 in range(len(cols)):
                target = self.links.get((r0, c0))
                if target is not None:
                    cells[c0][i] = self._cell(c0, cols[c0][i], self.letters[c0] + rnums[i], target)


class Columns:
    """A sheet's body given column by column (equal lengths): rendered a slice of rows at a time,
    never turned into rows (#16: the computed sheets come from frames, column by column)."""

    __slots__ = ("columns",)

    def __init__(self, columns: Sequence[Sequence[Any]]) -> None:
        self.columns = columns


_Chunk = tuple[int, int, int, list[Sequence[Any]] | None, list[Sequence[Any]] | None]


def _chunks(rows: Iterable[Sequence[Any]] | Columns) -> Iterator[_Chunk]:
    """(first row index, rows, width, rows or None, columns or None) per ``_CHUNK_ROWS`` of the body."""
    if isinstance(rows, Columns):
        cols = rows.columns
        total = len(cols[0]) if cols else 0
        for i in range(0, total, _CHUNK_ROWS):
            part = [c[i : i + _CHUNK_ROWS] for c in cols]
            yield i, len(part[0]), len(cols), None, part
        return
    it = iter(rows)
    first = 0
    while chunk := list(itertools.islice(it, _CHUNK_ROWS)):
        yield first, len(chunk), max(map(len, chunk)), chunk, None
        first += len(chunk)


def write_sheet(
    styles: Styles,
    header: Sequence[str],
    rows: Iterable[Sequence[Any]] | Columns,
    *,
    widths: Sequence[float] | None,
    formats: Mapping[int, str] | None,
    links: Mapping[tuple[int, int], str] | None,
    freeze_header: bool,
    autofilter: bool,
    tab_color: str | None,
    date1904: bool,
) -> tuple[Deflated, list[tuple[str, str]]]:
    """Returns the sheet XML, deflated, and the external links [(rId, url)] its rels must hold.

    ``links`` keys are (row_index, col_index), 0-based over ``rows`` (not counting the header).
    Rows are rendered ``_CHUNK_ROWS`` at a time (``_Renderer``), encoded and deflated as they come,
    so the sheet never exists uncompressed as a whole."""
    formats = dict(formats or {})
    head_xf = styles.new_xf(header=True)
    col_xf = {c: styles.new_xf(num_fmt=f) for c, f in formats.items()}
    render = _Renderer(styles, col_xf, dict(links or {}), date1904)
    tab_xml = b""
    if tab_color:
        m = _TAB_RGB.match(tab_color)
        if not m:
            raise ValueError(f"tab_color {tab_color!r}: use RRGGBB")
        rgb = m.group(1).upper()
        tab_xml = f'<sheetPr><tabColor rgb="{rgb if len(rgb) == 8 else "FF" + rgb}"/></sheetPr>'.encode()
    ncols = len(header)
    body = Deflater()
    body.write(b"<sheetData>")
    body.write(
        b'<row r="1">'
        + b"".join(cell(make_ref(1, c), head_xf, *encode(str(h))[1:]) for c, h in enumerate(header, 1))
        + b"</row>"
    )
    n = 0
    with no_gc():  # millions of short-lived strings and lists, no cycles: collections are pure cost
        for first, count, width, chunk, cols in _chunks(rows):
            ncols = max(ncols, width)
            xml = (
                render.chunk(chunk, first)
                if chunk is not None
                else render.chunk_columns(cols or [], first, count)
            )
            body.write(xml.encode())
            n = first + count
    r = n + 1
    body.write(b"</sheetData>")
    last = make_ref(r, max(ncols, 1))
    split_ref(last)
    if autofilter and header:
        body.write(f'<autoFilter ref="A1:{col_letters(len(header))}{r}"/>'.encode())
    if render.hyperlinks:
        body.write(b"<hyperlinks>" + b"".join(render.hyperlinks) + b"</hyperlinks>")
    body.write(
        b'<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/></worksheet>'
    )
    external = render.external

    head = [
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n',
        f'<worksheet xmlns="{NS_MAIN}" xmlns:r="{NS_R}">'.encode(),
        tab_xml,
        f'<dimension ref="A1:{last}"/>'.encode(),
    ]
    if freeze_header:
        head.append(
            b'<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft"'
            b' state="frozen"/><selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView></sheetViews>'
        )
    else:
        head.append(b'<sheetViews><sheetView workbookViewId="0"/></sheetViews>')
    head.append(b'<sheetFormatPr defaultRowHeight="15"/>')
    if widths:
        head.append(
            b"<cols>"
            + b"".join(
                f'<col min="{i}" max="{i}" width="{float(wd):g}" customWidth="1"/>'.encode()
                for i, wd in enumerate(widths, 1)
                if wd
            )
            + b"</cols>"
        )
    return body.finish().prepend(b"".join(head)), external
