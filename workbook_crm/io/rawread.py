"""Raw sheet values at absolute positions, read by python-calamine from the guarded bytes.

Calamine allocates the dense rectangle from A1 to the farthest cell, and aborts the whole
process (an uncatchable Rust allocation failure) when that is XFD1048576. The guard's pre-scan
knows each sheet's extent, so a sheet whose grid would be huge is first *trimmed in memory*:
its stray far-away cells are removed from a copy of the sheet XML, the trimmed package goes to
calamine (same dates, numbers and strings as the normal path), and every removed cell is
reported in ``RawSheet.dropped``. The file on disk is never touched.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from workbook_crm.errors import SheetNotFound, UnreadableWorkbook
from workbook_crm.excel import col_index
from workbook_crm.io.ahead import Ahead, in_thread
from workbook_crm.io.guard import Source
from workbook_crm.io.zipscan import SheetScanner, inflate, read_member

# The largest dense grid handed to calamine: a full-height sheet (1,048,576 rows) of 32
# columns. calamine keeps ~32 bytes a cell and Python lists 8, so ~1.3 GB at the limit.
MAX_DENSE_CELLS = 32 << 20
# Above this many grid cells, look for stray cells even when the grid would fit: one typo at
# T1048576 in a 500-row sheet should not cost a million empty rows.
# A stray cell is one separated from the data by more empty columns / rows than these.
MAX_COL_GAP = 256
MAX_ROW_GAP = 65_536
REPORT_DROPPED = 50  # how many dropped cell refs are listed (all are counted)


@dataclass
class RawSheet:
    """One sheet's values. ``rows[0][0]`` is A1; empty cells are ``None``.

    Values as calamine gives them: str, float (integers too, e.g. ``3.0``), bool,
    ``datetime``/``date``/``time`` for date-formatted cells, ``timedelta`` for durations; error
    cells as their text (``"#N/A"``). An empty-string cell is also ``None``.
    """

    name: str
    rows: list[list[Any]]
    n_rows: int
    n_cols: int
    merged: list[tuple[int, int, int, int]] = field(
        default_factory=list
    )  # (r0, c0, r1, c1) inclusive, 0-based
    dropped: list[str] = field(default_factory=list)  # A1 refs of stray cells not read (first 50)
    dropped_count: int = 0
    # with ``iter_raw(head=N)``: ``rows`` holds the first N rows only, the others come from here
    # (read lazily, one at a time, so a long sheet is never all Python lists at once)
    rest: Iterator[list[Any]] = field(default_factory=lambda: iter(()))


@dataclass
class RawWorkbook:
    sheet_names: list[str]
    date1904: bool
    sheets: dict[str, RawSheet]


def read_raw(
    source: Source, *, sheets: Iterable[str] | None = None, blank_as_none: bool = True
) -> RawWorkbook:
    """Read the requested sheets (default: all, workbook order) as absolute-position rows.

    Empty cells are None; with ``blank_as_none=False`` they may also be "" (calamine's own blank),
    which saves a pass over every cell for a caller that cleans values anyway (the reader).
    """
    out = {sheet.name: sheet for sheet in iter_raw(source, sheets=sheets, blank_as_none=blank_as_none)}
    return RawWorkbook(list(source.sheet_names), source.date1904, out)


def iter_raw(
    source: Source,
    *,
    sheets: Iterable[str] | None = None,
    blank_as_none: bool = True,
    head: int | None = None,
    skip: Callable[[str], bool] | None = None,
    book: Future[Any] | None = None,
    late: Mapping[str, Callable[[], bool]] | None = None,
) -> Iterator[RawSheet]:
    """The sheets one at a time, so a caller can turn each into its frame and let the rows go
    before the next is read (peak memory: one sheet's Python objects, not the workbook's).

    With ``head`` (and ``blank_as_none=False``) only the first ``head`` rows are lists in ``rows``;
    the rest stream from ``RawSheet.rest`` (calamine's ``iter_rows``: measured at 100k rows it is
    faster than ``to_python`` and never holds 3.5M cells as Python objects). Only for a sheet whose
    range starts at A1 — ``iter_rows`` pads rows but not columns above and left of the data (checked
    equal to ``to_python(skip_empty_area=False)`` on 1,303 corpus sheets) — and without error cells,
    which are put back into the rows in place.

    ``skip`` names sheets left to another process (io/readsplit.py). While a sheet is used, the next
    one is parsed in a thread (io/ahead.py). ``book``: calamine's workbook opened ahead (``open_ahead``),
    used unless a sheet had to be trimmed. ``late``: tabs whose reader is decided when the loop reaches
    them (``late[tab]()`` claims it, scanning it first): never parsed ahead, skipped when not claimed.
    """
    wanted = list(source.sheet_names if sheets is None else sheets)
    for name in wanted:
        if name not in source.sheet_names:
            raise SheetNotFound(source.path, name)
    data = source.data
    replaced: dict[str, bytes] = {}
    dropped: dict[str, tuple[list[str], int]] = {}
    late = late or {}
    for name in wanted:
        ext = source.extents.get(name)
        if name in late or not _needs_trim(ext):
            continue  # rows and columns as many as the data: no stray far-away cell
        bounds = _keep_bounds(source, name)
        if bounds is not None:
            part = source.sheet_parts[name]
            xml, refs, count = _trim_sheet(read_member(data, _info(data, part)), *bounds)
            if count:
                replaced[part], dropped[name] = xml, (refs, count)
    if replaced:
        data = _replace_parts(data, replaced)
    try:
        book = book.result() if book is not None and not replaced else _open_calamine(data)
    except Exception as exc:
        raise UnreadableWorkbook(source.path, f"calamine: {type(exc).__name__}: {exc}") from exc
    ahead = Ahead(book)
    try:
        for k, name in enumerate(wanted):
            if skip is not None and skip(name):
                continue
            if name in late:
                if not late[name]():
                    continue  # the other reader took it
                if _needs_trim(source.extents.get(name)):  # its own trimmed package, as above
                    yield from iter_raw(source, sheets=[name], blank_as_none=blank_as_none, head=head)
                    continue
            if name not in source.sheet_parts:  # chartsheet, dialog or macro sheet: no cells
                yield RawSheet(name, [], 0, 0)
                continue
            ext = source.extents.get(name)
            errors = ext is not None and ext.has_error_cells
            try:
                sheet = ahead.get(name)
                ahead.start(next((n for n in wanted[k + 1 :] if _wanted(n, source, skip, late)), None))
                merged = [(a[0], a[1], b[0], b[1]) for a, b in (sheet.merged_cell_ranges or [])]
                stream = (
                    head is not None and not blank_as_none and not errors and sheet.start in (None, (0, 0))
                )
                rest = _guarded(sheet.iter_rows(), source, name) if stream else iter(())
                rows = list(islice(rest, head)) if stream else sheet.to_python(skip_empty_area=False)
            except Exception as exc:
                raise UnreadableWorkbook(
                    source.path, f"工作表「{name}」/ sheet {name!r}: {type(exc).__name__}: {exc}"
                ) from exc
            if stream:
                refs, count = dropped.get(name, ([], 0))
                yield RawSheet(name, rows, sheet.height, sheet.width, merged, refs, count, rest)
                del rows, rest, sheet
                continue
            if blank_as_none:
                rows = [[None if v == "" else v for v in row] for row in rows]
            if errors:
                _put_error_cells(rows, read_member(data, _info(data, source.sheet_parts[name])))
            refs, count = dropped.get(name, ([], 0))
            n_cols = max(map(len, rows), default=0)
            yield RawSheet(name, rows, len(rows), n_cols, merged, refs, count)
            del rows, sheet
    finally:
        ahead.close()


def _needs_trim(ext: Any) -> bool:
    """Whether a sheet's extent (guard.SheetExtent) may hold stray far-away cells."""
    return ext is not None and (ext.suspicious or ext.dense_cells > MAX_DENSE_CELLS)


def _wanted(name: str, source: Source, skip: Callable[[str], bool] | None, late: Mapping[str, Any]) -> bool:
    """Whether ``name`` may be parsed ahead: a worksheet of ours, decided now."""
    return name in source.sheet_parts and name not in late and not (skip is not None and skip(name))


def _guarded(rows: Iterator[list[Any]], source: Source, name: str) -> Iterator[list[Any]]:
    """A streamed sheet's rows; a failure while converting them is the same error as a failed read."""
    try:
        yield from rows
    except Exception as exc:
        raise UnreadableWorkbook(
            source.path, f"工作表「{name}」/ sheet {name!r}: {type(exc).__name__}: {exc}"
        ) from exc


def open_ahead(source: Source) -> Future[Any]:
    """calamine opens the package (its shared strings: 0.4 s at 100k, without the GIL) in a thread
    while the caller pre-scans its sheets; only the parts the guard has checked are read at opening."""
    return in_thread(_open_calamine, source.data)


def _open_calamine(data: bytes) -> Any:
    from python_calamine import CalamineWorkbook

    return CalamineWorkbook.from_filelike(io.BytesIO(data))


def _info(data: bytes, part: str) -> zipfile.ZipInfo:
    return zipfile.ZipFile(io.BytesIO(data)).getinfo(part)


def _cluster_end(used: list[int], gap: int) -> int:
    """Exclusive end of the first run of indices whose neighbours are at most ``gap`` apart."""
    if not used:
        return 0
    prev = used[0]
    for i in used[1:]:
        if i - prev > gap:
            break
        prev = i
    return prev + 1


def _keep_bounds(source: Source, name: str) -> tuple[int, int] | None:
    """(rows, cols) to keep, or None when the sheet needs no trimming."""
    scanner = SheetScanner(precise=True)
    inflate(source.data, _info(source.data, source.sheet_parts[name]), scanner)
    ext = scanner.finish(keep=True)
    rows_used, cols_used = scanner.used()
    n_rows = _cluster_end(rows_used, MAX_ROW_GAP)
    n_cols = _cluster_end(cols_used, MAX_COL_GAP)
    if n_rows * n_cols > MAX_DENSE_CELLS:
        n_rows = max(1, MAX_DENSE_CELLS // max(n_cols, 1))
    if n_rows > ext.max_row and n_cols > ext.max_col:
        return None
    return n_rows, n_cols


_CELL = re.compile(
    rb'<(?P<tag>(?:[A-Za-z_][\w.-]*:)?c)\s[^>]*?\br="(?P<col>[A-Z]{1,3})(?P<row>[0-9]+)"[^>]*?(?:/>|>.*?</(?P=tag)>)',
    re.DOTALL,
)


def _trim_sheet(xml: bytes, n_rows: int, n_cols: int) -> tuple[bytes, list[str], int]:
    """Remove cells at or beyond (n_rows, n_cols) from the sheet XML; list what went."""
    refs: list[str] = []
    count = 0

    def repl(m: re.Match[bytes]) -> bytes:
        nonlocal count
        if int(m["row"]) - 1 < n_rows and col_index(m["col"]) - 1 < n_cols:
            return m[0]
        count += 1
        if len(refs) < REPORT_DROPPED:
            refs.append((m["col"] + m["row"]).decode())
        return b""

    return _CELL.sub(repl, xml), refs, count


def _replace_parts(data: bytes, replaced: dict[str, bytes]) -> bytes:
    """A copy of the package in memory with some parts swapped (for the reader only)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as dst:
        for info in src.infolist():
            body = replaced.get(info.filename)
            dst.writestr(info.filename, body if body is not None else read_member(data, info))
    return buf.getvalue()


_ERROR = re.compile(
    rb'<(?P<tag>(?:[A-Za-z_][\w.-]*:)?c)\s(?P<attrs>[^>]*?\bt="e"[^>]*)>(?P<body>.*?)</(?P=tag)>', re.DOTALL
)
_REF = re.compile(rb'\br="([A-Z]{1,3})([0-9]+)"')
_VALUE = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?v>([^<]*)<")


def _put_error_cells(rows: list[list[Any]], xml: bytes) -> None:
    """calamine turns error cells (#N/A, #DIV/0!) into empty strings; put their text back."""
    for m in _ERROR.finditer(xml):
        ref, val = _REF.search(m["attrs"]), _VALUE.search(m["body"])
        if not ref or not val:
            continue
        r, c = int(ref[2]) - 1, col_index(ref[1]) - 1
        if r < len(rows) and c < len(rows[r]) and rows[r][c] is None:
            rows[r][c] = val[1].decode("utf-8", "replace")
