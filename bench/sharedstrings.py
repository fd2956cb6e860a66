"""Turn a constant-memory workbook's inline strings into a shared-strings table, as Excel saves.

xlsxwriter's ``constant_memory`` mode (flat memory, rows in order) can only write text inline
(``t="inlineStr"``); Excel and WPS always save ``xl/sharedStrings.xml`` and cells of ``t="s"``.
This rewrites the package sheet by sheet, streaming each sheet's XML in chunks cut at ``</row>``:
memory is the table of distinct texts, not the rows. Every other part is copied as it is, except
``[Content_Types].xml`` and the workbook's rels, which gain the shared-strings part.

    python bench/sharedstrings.py IN.xlsx OUT.xlsx
"""

from __future__ import annotations

import re
import sys
import zipfile
from pathlib import Path

_INLINE = re.compile(
    rb'(<c r="[A-Z]+[0-9]+"(?: s="[0-9]+")?) t="inlineStr"><is><t( xml:space="preserve")?>([^<]*)</t></is></c>'
)
_SST_TYPE = b"application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
_SST_REL = b"http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"
CHUNK = 8 << 20


def convert(src: Path, dst: Path, *, compresslevel: int = 6) -> tuple[int, int]:
    """Write ``dst`` = ``src`` with shared strings; returns (string cells, distinct strings)."""
    index: dict[bytes, int] = {}
    count = 0

    def repl(m: re.Match[bytes]) -> bytes:
        nonlocal count
        count += 1
        key = m[3] if m[2] is None else b" " + m[3]  # a leading blank marks xml:space="preserve"
        i = index.get(key)
        if i is None:
            i = index[key] = len(index)
        return b'%s t="s"><v>%d</v></c>' % (m[1], i)

    with (
        zipfile.ZipFile(src) as zin,
        zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED, compresslevel=compresslevel) as zout,
    ):
        names = [i.filename for i in zin.infolist()]
        if "xl/sharedStrings.xml" in names:
            raise SystemExit(f"{src} already has a shared-strings table")
        for info in zin.infolist():
            name = info.filename
            if name.startswith("xl/worksheets/sheet") and name.endswith(".xml"):
                with zin.open(info) as fin, zout.open(name, "w", force_zip64=True) as fout:
                    rest = b""
                    while block := fin.read(CHUNK):
                        block = rest + block
                        cut = block.rfind(b"</row>") + len(b"</row>") if b"</row>" in block else 0
                        fout.write(_INLINE.sub(repl, block[:cut]))
                        rest = block[cut:]
                    fout.write(_INLINE.sub(repl, rest))
            elif name == "[Content_Types].xml":
                body = zin.read(info).replace(
                    b"</Types>",
                    b'<Override PartName="/xl/sharedStrings.xml" ContentType="%s"/></Types>' % _SST_TYPE,
                )
                zout.writestr(info.filename, body)
            elif name == "xl/_rels/workbook.xml.rels":
                n = len(re.findall(rb"<Relationship ", zin.read(info))) + 1
                body = zin.read(info).replace(
                    b"</Relationships>",
                    b'<Relationship Id="rId%d" Type="%s" Target="sharedStrings.xml"/></Relationships>'
                    % (n, _SST_REL),
                )
                zout.writestr(info.filename, body)
            else:
                zout.writestr(info.filename, zin.read(info))
            if name == "xl/workbook.xml":  # Excel's order: the table right after the workbook part
                _write_sst(zout, index, count)
    return count, len(index)


def _write_sst(zout: zipfile.ZipFile, index: dict[bytes, int], count: int) -> None:
    # sheets come before the workbook part in xlsxwriter's order, so the table is complete here
    with zout.open("xl/sharedStrings.xml", "w", force_zip64=True) as out:
        out.write(
            b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="%d" uniqueCount="%d">'
            % (count, len(index))
        )
        buf = []
        for key in index:  # dicts keep insertion order = index order
            buf.append(
                b'<si><t xml:space="preserve">%s</t></si>' % key[1:]
                if key[:1] == b" "
                else b"<si><t>%s</t></si>" % key
            )
            if len(buf) >= 65536:
                out.write(b"".join(buf))
                buf.clear()
        out.write(b"".join(buf) + b"</sst>")


if __name__ == "__main__":
    cells, distinct = convert(Path(sys.argv[1]), Path(sys.argv[2]))
    print(f"{sys.argv[2]}: {cells} string cells, {distinct} distinct")
