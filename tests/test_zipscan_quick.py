"""The guard's quick pre-scan (io/zipscan.py, #16) counts what the exact counts would.

Quick mode looks for "some cell" instead of counting cells, and for tab/CR/LF byte-wise before the
odd-spacing patterns. (A shortcut that counted "row " once and trusted it when it equalled the
`<row r="` matches was dropped: this test found it double-counting a row split across chunks.)
Hypothesis builds sheet XML from plain, prefixed and r-less rows and
inline texts holding "row ", feeds it in chunks of any size, and compares the row-element count, the
rows-seen count and the verdicts with the whole-buffer exact figures.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from workbook_crm.io.zipscan import SheetScanner

_ROWS = st.sampled_from(
    [
        '<row r="{n}"><c r="A{n}" t="s"><v>1</v></c></row>',
        '<row r="{n}" spans="1:2"><c r="B{n}"><v>2.5</v></c></row>',
        '<x:row r="{n}"><x:c r="A{n}"><x:v>3</x:v></x:c></x:row>',
        '<row><c t="inlineStr"><is><t>tomorrow arrow row </t></is></c></row>',
        '<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>narrow row r="</t></is></c></row>',
        '<row  r="{n}"/>',
        '<row r="{n}"><c r="AB{n}" t="e"><f>1/0</f><v>#DIV/0!</v></c></row>',
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_ROWS, min_size=0, max_size=40), st.integers(1, 200))
def test_quick_counts_equal_exact_counts(rows: list[str], chunk: int) -> None:
    xml = (
        "<worksheet><sheetData>"
        + "".join(r.format(n=i + 1) for i, r in enumerate(rows))
        + "</sheetData></worksheet>"
    ).encode()
    scanner = SheetScanner()
    for pos in range(0, len(xml), chunk):
        scanner(xml[pos : pos + chunk])
    ext = scanner.finish()
    assert ext.n_row_elements == xml.count(b"<row ") + xml.count(b":row ")
    assert (ext.n_cell_elements > 0) == (xml.count(b"<c ") + xml.count(b"<c>") > 0)
    assert ext.has_error_cells == (b't="e"' in xml)
    assert ext.maybe_formulas == (b"f>" in xml)
    # rows counted but not numbered (prefixed, odd spacing) send the sheet down the precise path
    unnumbered = any(r.startswith(("<x:row", "<row  ")) for r in rows)
    assert ext.suspicious == unnumbered
