"""Legacy .xls and CSV in: their values as an in-memory .xlsx, so one reader serves every format.

The best real customer lists come as .xls (WPS/ERP exports) or CSV (web CRMs). They are read here —
.xls by python-calamine, CSV by the standard library (UTF-8 with or without BOM, GBK/GB18030;
comma, semicolon or tab) — and written with XlsxWriter as a plain workbook of the same values. The
source file itself is never written: ``run`` puts the record in a new .xlsx (issue #11).
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from ..errors import UnreadableWorkbook, UnsupportedFormat

CSV_SUFFIXES = (".csv", ".tsv", ".txt")
_BAD_TAB = re.compile(r"[\[\]:*?/\\]")


def is_csv_name(p: Path) -> bool:
    return p.suffix.lower() in CSV_SUFFIXES


def xls_to_xlsx(p: Path, raw: bytes) -> bytes:
    """Every sheet of a legacy .xls, values as calamine reads them (dates stay dates)."""
    from python_calamine import CalamineWorkbook

    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(raw))
        sheets = [
            (name, book.get_sheet_by_name(name).to_python(skip_empty_area=False)) for name in book.sheet_names
        ]
    except Exception as exc:  # calamine raises its own error types on damage
        raise UnsupportedFormat(
            p,
            f"旧版 .xls 无法读取（{type(exc).__name__}），请用 Excel/WPS 另存为 .xlsx / "
            f"this legacy .xls cannot be read; save it as .xlsx",
        ) from exc
    return _write(sheets)


def csv_to_xlsx(p: Path, raw: bytes) -> bytes:
    """A delimited text file as one sheet named after the file; every value kept as typed text."""
    text = decode_text(raw)
    if text is None:
        raise UnreadableWorkbook(p, "CSV 编码无法识别（支持 UTF-8、GBK/GB18030）/ unknown text encoding")
    sample = "\n".join(text.splitlines()[:20])
    delimiter = max((",", ";", "\t", "|"), key=lambda d: _column_count(sample, d))
    rows = [
        [v if v.strip() else None for v in row] for row in csv.reader(io.StringIO(text), delimiter=delimiter)
    ]
    if not any(any(v is not None for v in r) for r in rows):
        raise UnreadableWorkbook(p, "CSV 文件没有内容 / the CSV file is empty")
    return _write([(_tab_name(p.stem), rows)])


def decode_text(raw: bytes) -> str | None:
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16")
    for enc in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(enc)
        except UnicodeDecodeError:
            continue
    return None


def _column_count(sample: str, delimiter: str) -> float:
    """How well a delimiter splits the sample: the same, larger number of fields on every line."""
    counts = [len(r) for r in csv.reader(io.StringIO(sample), delimiter=delimiter) if r]
    if not counts or max(counts) < 2:
        return 0
    return min(counts) + (1 if len(set(counts)) == 1 else 0)


def _tab_name(stem: str) -> str:
    return (_BAD_TAB.sub("_", stem).strip("'") or "Sheet1")[:31]


def _write(sheets: list[tuple[str, list[list[Any]]]]) -> bytes:
    import xlsxwriter

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(
        buf,
        {
            "in_memory": True,
            "strings_to_numbers": False,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "nan_inf_to_errors": True,
        },
    )
    day = wb.add_format({"num_format": "yyyy-mm-dd"})
    stamp = wb.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    clock = wb.add_format({"num_format": "hh:mm:ss"})
    for name, rows in sheets:
        ws = wb.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, v in enumerate(row):
                if v is None or v == "":
                    continue
                if isinstance(v, bool):
                    ws.write_boolean(r, c, v)
                elif isinstance(v, (int, float)):
                    ws.write_number(r, c, v)
                elif isinstance(v, datetime):
                    ws.write_datetime(r, c, v, stamp if (v.hour or v.minute or v.second) else day)
                elif isinstance(v, date):
                    ws.write_datetime(r, c, datetime(v.year, v.month, v.day), day)
                elif isinstance(v, time):
                    ws.write_datetime(r, c, v, clock)
                elif isinstance(v, timedelta):
                    ws.write_string(r, c, str(v))
                else:
                    ws.write_string(r, c, str(v))
    wb.close()
    return buf.getvalue()
