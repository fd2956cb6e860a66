"""Keys for customers a sheet names without our 客户编号 (issue #11).

A lone customer list often has no ID column: each customer is then known by its row (``第5行``),
which is where a user finds it. Real ledgers and logs name the customer instead of numbering it:
such a row is linked to the 客户档案 customer of the same name (company-name key: width, brackets,
legal form ignored), and a name not in the 客户档案 is a warning at its cell — a deal with a
customer not yet filed, not a broken value.
"""

from __future__ import annotations

import pandas as pd

from ..findings import Finding
from ..io.reader import WorkbookData
from ..normalize import company_keys
from ..schema import registry


def row_keys(clean: pd.DataFrame) -> pd.Series:
    return pd.Series([f"第{r}行" for r in clean.index], index=clean.index, dtype=object)


def ensure_archive_keys(wb: WorkbookData, clean: dict[str, pd.DataFrame]) -> None:
    """A 客户档案 without a 客户编号 column is keyed by row (the grading needs one key a customer)."""
    archive = clean.get(registry.ARCHIVE.name)
    if archive is not None and "customer_id" not in archive:
        archive.insert(0, "customer_id", row_keys(archive))


def link_by_name(
    wb: WorkbookData, clean: dict[str, pd.DataFrame], archive_names: pd.Series | None = None
) -> list[Finding]:
    """Give name-keyed follow-ups and deals the 客户档案 key of the customer they name.

    ``archive_names``: the 客户档案 company-name keys when already computed (``customer_keys``).
    """
    archive = clean.get(registry.ARCHIVE.name)
    findings: list[Finding] = []
    by_name: dict[str, object] = {}
    if archive is not None and "name" in archive and "customer_id" in archive:
        names = company_keys(archive["name"]) if archive_names is None else archive_names.to_list()
        for key, cid in zip(names, archive["customer_id"], strict=True):
            if key and cid is not None and cid == cid:
                by_name.setdefault(key, cid)
    for ref in (registry.FOLLOWUPS.name, registry.DEALS.name):
        frame, sheet = clean.get(ref), wb.get(ref)
        if frame is None or sheet is None or "customer_id" in frame or "customer_name" not in frame:
            continue
        typed = frame["customer_name"].to_list()
        keys = pd.Series(
            [k if isinstance(v, str) else "" for v, k in zip(typed, company_keys(typed), strict=True)],
            index=frame.index,
            dtype=object,
        )
        frame["customer_id"] = keys.map(lambda k: by_name.get(k) if k else None).astype(object)
        if archive is None:
            continue
        col = sheet.letter("customer_name")
        header = sheet.schema.field("customer_name").header
        for row, key, name in zip(frame.index, keys, frame["customer_name"], strict=True):
            if key and key not in by_name:
                findings.append(
                    Finding(
                        "unknown-customer-name",
                        sheet=sheet.tab,
                        cell=f"{col}{row}",
                        row=int(row),
                        column=col,
                        field=header,
                        value=name,
                    )
                )
    return findings


def deal_amounts(clean: dict[str, pd.DataFrame]) -> None:
    """A ledger of 数量 × 单价 without an amount column (销售数据): the amount is their product."""
    deals = clean.get(registry.DEALS.name)
    if deals is None or "quantity" not in deals or "unit_price_yuan" not in deals:
        return
    product = pd.to_numeric(deals["quantity"], errors="coerce") * pd.to_numeric(
        deals["unit_price_yuan"], errors="coerce"
    )
    if "amount_yuan" in deals:
        deals["amount_yuan"] = pd.to_numeric(deals["amount_yuan"], errors="coerce").fillna(product)
    else:
        deals["amount_yuan"] = product
