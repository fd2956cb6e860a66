"""Normalizers: pure functions, one cell value in, a canonical value and at most one finding out.

Every normalizer returns a :class:`Norm` and never raises, whatever the cell holds (text, numbers
incl. nan/inf, bools, dates, times, None, Decimal): a workbook typed by hand holds all of them, and
one odd cell must not stop the monthly run. Each is idempotent, so a second run changes nothing.
The reader/validator calls them column by column, usually through :func:`columns.apply_unique`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from workbook_crm.findings import CATALOG, WARNING


@dataclass(frozen=True)
class Norm:
    value: Any  # canonical value when certain; otherwise the input unchanged
    code: str | None = None  # a check code from workbook_crm.findings.CATALOG, or None when fine
    params: tuple[tuple[str, Any], ...] = ()  # message params for that code (hashable); see catalog templates
    extra: tuple[
        tuple[str, Any], ...
    ] = ()  # extra outputs, e.g. (("low", 500000), ("high", 800000)) or (("end", date))

    def __init__(
        self,
        value: Any,
        code: str | None = None,
        params: tuple[tuple[str, Any], ...] = (),
        extra: tuple[tuple[str, Any], ...] = (),
    ) -> None:
        # the generated __init__ of a frozen dataclass sets each field through object.__setattr__;
        # filling __dict__ directly is ~2× quicker, and a check makes one Norm per distinct value
        d = self.__dict__
        d["value"] = value
        d["code"] = code
        d["params"] = params
        d["extra"] = extra

    @property
    def ok(self) -> bool:
        """True when the value can be used: no code, or only a warning."""
        return self.code is None or CATALOG[self.code].severity == WARNING

    def get(self, key: str, default: Any = None) -> Any:
        """Look up an ``extra`` output by name (``norm.get("low")``)."""
        for k, v in self.extra:
            if k == key:
                return v
        return default


# The submodules import Norm from here, so they come after its definition.
from workbook_crm.normalize.columns import apply_unique  # noqa: E402
from workbook_crm.normalize.companies import company_key, company_keys  # noqa: E402
from workbook_crm.normalize.content import (  # noqa: E402
    find_personal_data,
    is_vague_need,
    is_vague_next_step,
)
from workbook_crm.normalize.dates import extract_dates, normalize_date  # noqa: E402
from workbook_crm.normalize.ids import DEFAULT_CHANNEL_LETTERS, IdPattern, assign_ids, channel_letter  # noqa: E402
from workbook_crm.normalize.money import money_yuan, parse_money  # noqa: E402
from workbook_crm.normalize.phones import is_mobile, mask_phone, normalize_phone  # noqa: E402
from workbook_crm.normalize.text import (  # noqa: E402
    check_credit_code,
    check_credit_codes,
    mask_email,
    normalize_email,
    normalize_number,
    normalize_percent,
    to_simplified,
)
from workbook_crm.normalize.workdays import add_workdays, is_workday, workdays_between  # noqa: E402

__all__ = [
    "DEFAULT_CHANNEL_LETTERS",
    "IdPattern",
    "Norm",
    "add_workdays",
    "apply_unique",
    "assign_ids",
    "channel_letter",
    "check_credit_code",
    "check_credit_codes",
    "company_key",
    "company_keys",
    "extract_dates",
    "find_personal_data",
    "is_mobile",
    "is_vague_need",
    "is_vague_next_step",
    "is_workday",
    "mask_email",
    "mask_phone",
    "money_yuan",
    "normalize_date",
    "normalize_email",
    "normalize_number",
    "normalize_percent",
    "normalize_phone",
    "parse_money",
    "to_simplified",
    "workdays_between",
]
