"""Company-name keys for matching (一客一档 duplicates, intake, linking by name); never shown or written.

Split from text.py for size. ``company_keys`` serves whole columns: a 100k-customer list holds 100k
distinct names, more than ``company_key``'s cache, so a column is keyed once per distinct text.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from workbook_crm.normalize.text import is_blank
from workbook_crm.textutil import simplified

# --- company names (matching keys only; the name itself is never rewritten) -------------------------

# Legal-form suffixes: 有限责任公司 and 有限公司 are the same company written two ways; the key drops them
# so `上海某某科技` typed without a suffix still matches. Bracketed words such as (中国)/(集团) are kept
# (only the brackets go): 某某(中国)有限公司 and 某某有限公司 can be different legal entities.
_LATIN_SUFFIX = re.compile(
    r"(?:^|[\s,.(])(?:co|ltd|limited|inc|incorporated|corp|corporation|company|llc|gmbh)[\s,.)]*$"
)


_LATIN_HINT = re.compile(r"co|ltd|limited|inc|llc|gmbh")  # every _LATIN_SUFFIX word holds one of these
_NON_WORD = re.compile(r"[\W_]+")
_CN_SUFFIXES = ("股份有限公司", "有限责任公司", "有限公司", "股份公司", "责任公司", "公司")  # longest first


def _company_key(name: Any) -> str:
    if is_blank(name):
        return ""
    s = simplified(unicodedata.normalize("NFKC", str(name))).lower().strip()
    if _LATIN_HINT.search(s):  # most names have no Latin legal form: skip the suffix regex
        while (t := _LATIN_SUFFIX.sub("", s)) != s and t:  # "abc trading co., ltd." → "abc trading"
            s = t
    s = _NON_WORD.sub("", s)  # spaces, brackets, punctuation; CJK and latin letters are \w
    if s.endswith("公司"):  # the longest legal form that ends the name
        suffix = next(x for x in _CN_SUFFIXES if s.endswith(x))
        return s[: -len(suffix)] or s
    return s


@lru_cache(maxsize=65536)
def company_key(name: Any) -> str:
    """A key for matching company names (一客一档 duplicates), never shown or written back."""
    return _company_key(name)


def company_keys(names: Iterable[Any]) -> list[str]:
    """:func:`company_key` of each name, once per distinct text (a 100k-customer list holds 100k
    distinct names, more than company_key's cache: it would recompute every one on each pass)."""
    memo: dict[str, str] = {}
    out = []
    for v in names:
        if type(v) is str:
            k = memo.get(v)
            if k is None:
                k = memo[v] = _company_key(v)
            out.append(k)
        else:
            out.append(_company_key(v))
    return out
