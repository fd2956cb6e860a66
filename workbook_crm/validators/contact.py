"""A lead needs one way to reach it (issue #11): a mobile, a landline or an email — not necessarily
a mobile."""

from __future__ import annotations

import pandas as pd

from ..findings import Finding
from ..io.reader import SheetData

CONTACT_FIELDS = ("mobile", "landline", "email")


def reachable(sheet: SheetData, clean: pd.DataFrame) -> list[Finding]:
    """One ``no-contact`` per row with every contact field empty; one ``missing-column`` when the sheet
    has none of the columns. Only the 客户信息登记表 asks for this (the seed's 联系电话* is its
    required field); a filed customer without a number is not a data error."""
    present = [f for f in CONTACT_FIELDS if f in sheet.columns]
    labels = "/".join(sheet.schema.field(f).header for f in CONTACT_FIELDS if f in sheet.schema.field_names)
    if not present:
        return [
            Finding(
                "missing-column",
                sheet=sheet.tab,
                cell=f"A{sheet.header_row}",
                row=sheet.header_row,
                field=labels,
            )
        ]
    if clean.empty:
        return []
    empty = pd.Series(True, index=clean.index)
    for f in present:
        col = sheet.frame[f]
        empty &= col.isna()
    first = present[0]
    shown = "/".join(sheet.schema.field(f).header for f in present)
    return [
        Finding(
            "no-contact",
            sheet=sheet.tab,
            cell=sheet.cell(first, int(row)),
            row=int(row),
            column=sheet.letter(first),
            field=sheet.schema.field(first).header,
            params={"fields": shown},
        )
        for row in clean.index[empty.to_numpy()]
    ]
