"""Phone numbers (手机号码 / 座机): mobiles → 11 digits (seed 002), landlines keep their area code.

Masked or truncated numbers are reported, never "fixed" (SPEC §3); several numbers in one cell keep
the first and report the rest.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal
from functools import lru_cache
from typing import Any

import phonenumbers

from workbook_crm.normalize import Norm
from workbook_crm.normalize.text import is_blank, nfkc, unwrap

# Mobile prefixes are a local rule, not phonenumbers': new ranges (16x, 19x, 192 of China Broadnet)
# reached its metadata months after carriers issued them, and seed 002 defines a valid mobile simply
# as ^1[3-9]\d{9}$.
_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_MOBILE_LIKE = re.compile(r"^1[3-9]\d{4,}$")
_SPLIT = re.compile(r"[/,;、|\n\r]+|(?<=\d)\s*(?:或|和|及)\s*(?=[\d+(])")
_MASK = re.compile(r"[*●•#]{2,}|\d[xX×]{2,}|\*")
_EXT = re.compile(r"^(.*?\d)\s*(?:转|分机|ext\.?|x|#)\s*(\d{1,6})$", re.IGNORECASE)
_DASH_EXT = re.compile(r"^(0\d{2,3})[\s-]+(\d{7,8})[\s-]+(\d{1,6})$")
_LABEL = re.compile(r"[^\d+\-()\s.转#xX*●•×]")  # names, 手机:, (微信同号) … around a number
_SCI = re.compile(r"^(\d)\.(\d+)[eE]\+?(\d+)$")
_FLOAT_TEXT = re.compile(r"^(\d+)\.0+$")
_HAS_DIGIT = re.compile(r"\d")
_INTL = re.compile(r"^\(?(?:\+|00)\s*86\)?")  # +86, 0086, (+86)
_SEPARATORS = re.compile(r"[\s\-().]")
_SERVICE = re.compile(r"^(400|800)(\d{3})(\d{4})$")  # 400/800 company hotlines, common in B2B


def is_mobile(s: Any) -> bool:
    """True for a canonical 11-digit mainland mobile (``^1[3-9]\\d{9}$``)."""
    return isinstance(s, str) and bool(_MOBILE.match(s))


def mask_phone(s: Any) -> str:
    """13800138000 → 138****8000; landlines keep the area code and the last 4 digits."""
    text = "" if s is None else str(s)
    if is_mobile(text):
        return f"{text[:3]}****{text[-4:]}"
    area, dash, rest = text.partition("-")
    if dash and len(rest) >= 6:
        return f"{area}-{'*' * (len(rest) - 4)}{rest[-4:]}"
    return text[:3] + "*" * max(len(text) - 7, 0) + text[-4:] if len(text) > 7 else text


def _bad(value: Any) -> Norm:
    return Norm(value, "bad-phone", (("value", value),))


def _masked(value: Any) -> Norm:
    return Norm(value, "masked-phone", (("value", value),))


def normalize_phone(value: Any) -> Norm:
    """手机/电话 → ``13800138000`` / ``010-12345678`` / ``0755-1234567转123``; errors are never guessed."""
    try:
        return _normalize_phone(value)
    except Exception:  # never let one odd cell stop the run
        return _bad(value)


def _normalize_phone(value: Any) -> Norm:
    if isinstance(value, str) and _MOBILE.match(value):
        return Norm(value)  # fast path: most cells are already canonical mobiles
    value = unwrap(value)
    if is_blank(value):
        return Norm(value)
    if isinstance(value, bool):
        return _bad(value)
    if isinstance(value, (int, float, Decimal)):
        # A phone typed into a number cell: Excel keeps it as 13800138000.0 (and shows 1.38E+10).
        f = float(value)
        if not math.isfinite(f) or not f.is_integer() or f < 0:
            return _bad(value)
        return _one(value, str(int(value)))
    if not isinstance(value, str):
        return _bad(value)
    s = nfkc(value).strip()
    if m := _SCI.match(s):
        # 1.38001380E+10 is only recoverable when the mantissa still carries every digit.
        mantissa, exp = m[1] + m[2].rstrip("0"), int(m[3])
        if len(mantissa) > exp + 1:
            return _bad(value)
        if len(m[1] + m[2]) < exp + 1 and exp + 1 >= 10:
            return _masked(value)
        s = (m[1] + m[2]).ljust(exp + 1, "0")
    elif m := _FLOAT_TEXT.match(s):
        s = m[1]
    parts = [p.strip() for p in _SPLIT.split(s) if p and p.strip()]
    if not parts:
        return _bad(value)
    numbers: list[str] = []
    for part in parts:
        one = _one(value, part)
        if one.code is None:
            numbers.append(one.value)
            continue
        tokens = part.split()
        subs = [_one(value, t) for t in tokens] if len(tokens) > 1 else []
        if subs and subs[0].code is None:  # "010-12345678 13800138000"
            numbers.extend(x.value if x.code is None else t for x, t in zip(subs, tokens, strict=True))
            continue
        if not numbers:
            return one  # the first number decides the cell
        numbers.append(part)  # a later unreadable part is reported as typed
    if len(numbers) == 1:
        return Norm(numbers[0])
    return Norm(
        numbers[0],
        "multiple-phones",
        (("kept", numbers[0]), ("rest", "、".join(numbers[1:]))),
        (("rest", tuple(numbers[1:])),),
    )


def _one(value: Any, text: str) -> Norm:
    """One number (no separators between numbers any more)."""
    s = text.replace("分机", "转").replace("分機", "转").replace("轉", "转").strip()  # 繁體 too
    s = _LABEL.sub("", s).strip(" -.:")
    if not s or not _HAS_DIGIT.search(s):
        return _bad(value)
    if _MASK.search(s):
        return _masked(value)
    ext = ""
    if m := _EXT.match(s):
        s, ext = m[1], m[2]
    elif m := _DASH_EXT.match(s.replace("(", "").replace(")", "")):
        s, ext = f"{m[1]}-{m[2]}", m[3]
    s, intl = _INTL.subn("", s)
    digits = _SEPARATORS.sub("", s)
    if not digits.isdigit():
        return _bad(value)
    if len(digits) == 13 and digits.startswith("86") and _MOBILE.match(digits[2:]):
        digits = digits[2:]  # 86 13800138000 without the plus
    if intl and not digits.startswith(("0", "1")):
        digits = "0" + digits  # +86 755 1234567 → 0755 1234567 (trunk 0 restored)
    if _MOBILE.match(digits):
        return _bad(value) if ext else Norm(digits)
    if _MOBILE_LIKE.match(digits) and len(digits) <= 12:
        return _masked(value)  # 1385678, 10 or 12 digits: truncated or mistyped, never guessed
    if m := _SERVICE.match(digits):
        return Norm(f"{m[1]}-{m[2]}-{m[3]}" + (f"转{ext}" if ext else ""))
    if digits.startswith("0") and not digits.startswith("00"):
        return _landline(value, digits, ext)
    if len(digits) in (7, 8) and digits[0] in "23456789" and not intl:
        # 3177332: a local landline as printed on a shop sign; usable by someone in that city, so a
        # warning, and kept as typed (we cannot know the area code)
        return Norm(value, "no-area-code", (("value", digits + (f"转{ext}" if ext else "")),))
    return _bad(value)


def _landline(value: Any, digits: str, ext: str) -> Norm:
    """0755 1234567 → 0755-1234567. 010 and 020–029 have two-digit area codes, all others three (0755,
    0571 …). The area code must exist — checked once per code against phonenumbers' metadata, since a
    full phonenumbers parse per cell costs ~0.3 ms. The subscriber part may have 7 or 8 digits:
    phonenumbers wants 8 in the big cities, but 7-digit numbers are still printed on cards (and are
    SPEC §3's own example), so only its area codes are used strictly.
    """
    area_len = 2 if digits[1] in "12" else 3
    area, sub = digits[1 : 1 + area_len], digits[1 + area_len :]
    if len(sub) not in (7, 8) or sub[0] == "0" or not _area_exists(area):
        return _bad(value)
    return Norm(f"0{area}-{sub}" + (f"转{ext}" if ext else ""))


@lru_cache(maxsize=1024)
def _area_exists(area: str) -> bool:
    """An area code is real when phonenumbers accepts some 7- or 8-digit number behind it."""
    for width in (8, 7):
        for lead in "2345678":
            try:
                if phonenumbers.is_valid_number(
                    phonenumbers.parse(f"0{area}{lead}{'0' * (width - 1)}", "CN")
                ):
                    return True
            except phonenumbers.NumberParseException:
                return False
    return False
