"""Stream a whole workbook of record, customer by customer, in the template's layout.

One code path for the committed sample (N≈300) and the benchmark workbooks (N=100k): rows are
written in order per sheet with ``write_row``-style calls, so xlsxwriter's ``constant_memory`` mode
keeps memory flat (never ``DataFrame.to_excel`` there: it writes column by column and loses data).
"""

from __future__ import annotations

import math
import random
from calendar import monthrange
from datetime import date
from pathlib import Path
from typing import Any

import xlsxwriter

from ..schema.base import Field, SheetSchema
from ..schema.registry import (
    ARCHIVE,
    CAMPAIGNS,
    DATA_SHEETS,
    DEALS,
    EVALUATION,
    FOLLOWUPS,
    REGISTRATION,
    SETTINGS,
)
from ..template import (
    FIRST_DATA_ROW,
    LAST_VALIDATED_ROW,
    WORKBOOK_OPTIONS,
    Layout,
    header_text,
    setup_sheet,
    write_settings,
    write_value,
)
from . import codes
from .leads import campaign_rows, evaluation_rows, lead_row
from .messes import Plan
from .rows import EXTRA_COLUMN, Customer, RowMaker

SEQ_MAX = 999  # CX{yyyy}{mm}{seq:03}: a wider sequence would be an error (SPEC §4)
SEQ_BUDGET = 990  # per month, leaving room for the planted duplicate rows
TOTAL_LABEL = "合计"

# Header decorations of a hand-kept workbook (SPEC §2): synonyms, `*`, full-width brackets,
# one Traditional header. Keyed by (sheet, field).
MESSY_HEADERS: dict[tuple[str, str], str] = {
    (REGISTRATION.name, "mobile"): "联系电话",
    (REGISTRATION.name, "email"): "邮箱",
    (REGISTRATION.name, "contact"): "联系人姓名*",
    (ARCHIVE.name, "annual_amount"): "年合作金额（万元）",
    (FOLLOWUPS.name, "customer_name"): "客戶名稱",
}


class SheetWriter:
    """Rows of one sheet in order: a dict per row, keyed by field name (or the user column's header)."""

    def __init__(self, wb: Any, schema: SheetSchema, layout: Layout, messy: bool, last_row: int) -> None:
        self.ws = wb.add_worksheet(schema.name)
        self.layout = layout
        cols: list[tuple[Field | None, str]] = []
        for f in schema.fields:
            if messy and schema is ARCHIVE and f.name == "remark":
                cols.append((None, EXTRA_COLUMN))  # the user inserted their own column before 备注
            text = MESSY_HEADERS.get((schema.name, f.name), f.header) if messy else header_text(f)
            cols.append((f, text))
        self.cols = [(c, f, (f.name if f is not None else text)) for c, (f, text) in enumerate(cols)]
        setup_sheet(self.ws, schema, layout, headers=cols, last_row=last_row)
        self.row = FIRST_DATA_ROW

    def write(self, values: dict[str, Any]) -> None:
        for c, f, key in self.cols:
            v = values.get(key)
            if v is not None:
                write_value(self.ws, self.row, c, v, self.layout, f)
        self.row += 1

    def blank(self) -> None:
        self.row += 1


def month_counts(customers: int, today: date, rng: random.Random) -> list[tuple[int, int, int]]:
    """(year, month, count) from the oldest month to today's: ~3 years, longer when N needs more
    months than 3 digits of sequence allow; later months get more customers (a growing business)."""
    n_months = max(36, math.ceil(customers / (SEQ_BUDGET * 0.7)))
    months = []
    y, m = today.year, today.month
    for _ in range(n_months):
        months.append((y, m))
        y, m = (y, m - 1) if m > 1 else (y - 1, 12)
    months.reverse()
    weights = [1 + i / n_months for i in range(n_months)]
    weights[-1] *= today.day / monthrange(today.year, today.month)[1]  # this month is not over
    total = sum(weights)
    counts = [int(customers * w / total) for w in weights]
    for _ in range(customers - sum(counts)):
        counts[rng.choices(range(n_months), weights=weights)[0]] += 1
    carry = 0
    for i in range(n_months):  # cap each month; spill into the next (and the last spills back)
        counts[i] += carry
        carry = max(0, counts[i] - SEQ_BUDGET)
        counts[i] -= carry
    i = n_months - 1
    while carry:
        i -= 1
        take = min(carry, SEQ_BUDGET - counts[i])
        counts[i] += take
        carry -= take
    return [(y, m, k) for (y, m), k in zip(months, counts, strict=True)]


def write_workbook(
    path: Path, *, customers: int, seed: int, messy: bool, today: date, constant_memory: bool = False
) -> Path:
    """Generate the whole workbook to ``path``; deterministic for (customers, seed, messy, today)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    rm = RowMaker(rng, today, messy)
    plan = Plan(customers, messy)
    wb = xlsxwriter.Workbook(str(path), {**WORKBOOK_OPTIONS, "constant_memory": constant_memory})
    layout = Layout(wb)
    last_row = max(LAST_VALIDATED_ROW, FIRST_DATA_ROW + 4 * customers)
    sheets: dict[str, SheetWriter] = {}
    for s in DATA_SHEETS:  # tabs in the template's order
        if s is SETTINGS:
            settings = wb.add_worksheet(s.name)
            setup_sheet(settings, s, layout)
            write_settings(settings, layout)
        else:
            sheets[s.name] = SheetWriter(wb, s, layout, messy, last_row)
    reg, arc, fol, dea = (sheets[s.name] for s in (REGISTRATION, ARCHIVE, FOLLOWUPS, DEALS))

    n_existing_leads = max(4, customers // 400)
    lead_at = {int((j + 0.5) * customers / n_existing_leads) for j in range(n_existing_leads)}
    sums = {"total_amount": 0.0, "annual_amount": 0.0, "deal_amount": 0.0}
    index, prev, lead_index = 0, None, 0
    for y, m, count in month_counts(customers, today, rng):
        last_day = today.day if (y, m) == (today.year, today.month) else monthrange(y, m)[1]
        days = sorted(rng.randint(1, last_day) for _ in range(count))
        seq = 0
        for day in days:
            tags = plan.tags(index)
            seq += 1
            cid = f"CX{y:04d}{m:02d}{seq:03d}"
            if "dup_id" in tags and prev is not None:
                cid = prev.cid  # a second customer typed with an existing 客户编号
            c = rm.customer(index, cid, date(y, m, day), plain_suffix="same_name" in tags)
            row = rm.archive_row(c, tags, prev)
            arc.write(row)
            _add(sums, row)
            if "same_name" in tags:
                # same company under a new ID: name typed 有限责任公司 vs 有限公司, same credit code
                seq += 1
                dup = dict(
                    row,
                    customer_id=f"CX{y:04d}{m:02d}{seq:03d}",
                    name=rm.namer.variant(c.company.name),
                    mobile=codes.mobile(rng),
                    email=None,
                )
                arc.write(dup)
            if "duplicate_customer" in tags:
                seq += 1
                again = dict(row, customer_id=f"CX{y:04d}{m:02d}{seq:03d}")  # 一客一档 broken: entered twice
                arc.write(again)
            if "blank_row" in tags:
                arc.blank()
            for fr in rm.followup_rows(c, tags):
                fol.write(fr)
            if "orphan_followup" in tags:
                ghost = f"CX{y:04d}{m:02d}{SEQ_MAX:03d}"  # never assigned: not in 客户档案
                fol.write(
                    {
                        "customer_id": ghost,
                        "customer_name": rm.namer.company().name,
                        "follow_date": date(y, m, day),
                        "method": "电话",
                        "content": "电话回访",
                        "follower": c.owner,
                        "status": "已完成",
                    }
                )
            for dr in rm.deal_rows(c):
                dea.write(dr)
                sums["deal_amount"] += dr["amount"] if isinstance(dr["amount"], float) else 0.0
            if index in lead_at:
                reg.write(lead_row(rm, lead_index, c, with_id=(lead_index % 3 != 2)))
                lead_index += 1
            prev, index = c, index + 1
    for j in range(max(24, customers // 100)):
        reg.write(lead_row(rm, j))
    if messy:
        # a 合计 footer under the data, as people add them (SPEC §3)
        arc.write(
            {
                "customer_id": TOTAL_LABEL,
                "total_amount": round(sums["total_amount"], 2),
                "annual_amount": round(sums["annual_amount"], 2),
            }
        )
        dea.write({"customer_id": TOTAL_LABEL, "amount": round(sums["deal_amount"], 2)})
    for r in evaluation_rows(rm.owners, today):
        sheets[EVALUATION.name].write(r)
    for r in campaign_rows(rm.owners, today, messy):
        sheets[CAMPAIGNS.name].write(r)
    wb.close()
    return path


def _add(sums: dict[str, float], row: dict[str, Any]) -> None:
    for key in ("total_amount", "annual_amount"):
        if isinstance(row.get(key), (int, float)):
            sums[key] += row[key]


__all__ = ["Customer", "month_counts", "write_workbook"]
