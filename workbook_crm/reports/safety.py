"""Safe to forward: every text cell of the summary passes through :func:`safe_text`.

A manager forwards the summary by mail or WeChat, so contact data is masked by default: any
phone-like or email-like *substring* of any text (names, remarks, 内容, finding messages) becomes
``138****8000`` / ``z***@abc.com``. Masking a single canonical value is the normalizers' job
(``normalize.phones.mask_phone``, ``normalize.text.mask_email``); this module only finds the
substrings in free text and hands each one over, so there is one masking rule in the project.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

import numpy as np

# the normalizers own the masking of one value: one implementation for the record and the summary
from ..normalize.phones import mask_phone as _mask_one_phone
from ..normalize.text import mask_email as _mask_one_email

# Excel limit: a cell holds at most 32,767 characters.
MAX_CELL_CHARS = 32767

# A mobile with optional +86/0086/86 prefix and the separators people type (138-1234-5678,
# 138 1234 5678); digits around it must not continue (a phone inside a longer digit run is not one).
_MOBILE = re.compile(r"(?<!\d)(?:(?:\+|00)?86[\s\-]?)?(1[3-9]\d)[\s\-.]?(\d{4})[\s\-.]?(\d{4})(?!\d)")
# Landline with area code (010-12345678, (0755)1234567, 0755 1234567), optional 转/ext extension.
_LANDLINE = re.compile(r"(?<!\d)[(（]?(0\d{2,3})[)）]?[\s\-]?(\d{7,8})(?!\d)")
# 18-digit resident ID numbers and 16–19 digit bank cards must not travel either (seed 003 §四(一)).
_LONG_DIGITS = re.compile(r"(?<!\d)\d{15,19}[Xx]?(?!\d)")
_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+[@＠][A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+")
# Control characters are not allowed in XML 1.0 (xlsxwriter escapes them as _xHHHH_, which shows
# up as garbage in Excel): drop them, keep tab and newline.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


# Full-width digits, letters, ＠, ＋ and － are common in typed Chinese text; fold them one to one
# (so match positions stay valid in the original) and leave every other character as typed.
_FOLD = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)}


def _mask_long(digits: str) -> str:
    return digits[:4] + "*" * (len(digits) - 8) + digits[-4:]


# Order matters: emails first (a local part may hold digits), then mobiles, landlines, long runs.
_RULES = (
    (_EMAIL, lambda m: _mask_one_email(m.group(0))),
    (_MOBILE, lambda m: _mask_one_phone(m.group(1) + m.group(2) + m.group(3))),
    (_LANDLINE, lambda m: _mask_one_phone(f"{m.group(1)}-{m.group(2)}")),
    (_LONG_DIGITS, lambda m: _mask_long(m.group(0))),
)


# Any phone or digit rule: one search tells whether a text without an @ needs masking at all (most
# texts with digits, such as customer numbers and dates, do not). Emails need an @ (＠ folds to @).
_ANY_DIGITS_RULE = re.compile(
    "|".join(f"(?:{pattern.pattern})" for pattern, _ in _RULES if pattern is not _EMAIL)
)


def mask_text(text: str) -> str:
    """Mask every email-, phone-, ID- and card-like substring of ``text``; the rest stays as typed."""
    if not text:
        return text
    folded = text.translate(_FOLD)
    has_at = "@" in folded
    if not has_at and not _ANY_DIGITS_RULE.search(folded):
        return text
    spans: list[tuple[int, int, str]] = []
    for pattern, mask in _RULES:
        if pattern is _EMAIL and not has_at:
            continue
        for m in pattern.finditer(folded):
            if not any(m.start() < e and s < m.end() for s, e, _ in spans):
                spans.append((m.start(), m.end(), mask(m)))
    if not spans:
        return text
    out, pos = [], 0
    for s, e, masked in sorted(spans):
        out += [text[pos:s], masked]
        pos = e
    out.append(text[pos:])
    return "".join(out)


# Text without a digit or an @ cannot hold contact data: skip the masking rules for it.
_MAYBE_CONTACT = re.compile(r"[0-9０-９@＠]")


def safe_text(value: Any, *, unmask: bool = False) -> str:
    """The text a cell of the summary will hold: masked (unless ``unmask``), clean, within Excel limits."""
    return _safe_text(str(value), unmask)


@lru_cache(maxsize=65536)
def _safe_text(text: str, unmask: bool) -> str:
    # Columns repeat their values (行业, 负责人, 等级): a cache makes each distinct text cost once.
    text = _CONTROL.sub("", text)
    if not unmask and _MAYBE_CONTACT.search(text):
        text = mask_text(text)
    return text[:MAX_CELL_CHARS]


def safe_texts(texts: list[str], *, unmask: bool = False) -> list[str]:
    """:func:`safe_text` of many distinct texts (a table column): the same results, found faster.

    Only the texts that may hold something to mask go through :func:`mask_text` (which leaves any
    other text as it is): those with an @ and those with 10 digits within 14 characters, which
    every match of the phone and digit rules has (a mobile: 11 digits in at most 13 characters, a
    landline: 10–12 in at most 14, an ID or card number: 15–19 in a row). Found with numpy over
    the texts joined by 13 NULs (so that no 14-character window sees two texts), a batch at a time.
    """
    texts = list(map(str, texts))
    if _CONTROL.search("".join(texts)):
        texts = [_CONTROL.sub("", t) for t in texts]
    if not unmask:
        for lo in range(0, len(texts), _BATCH):
            for i in _maybe_contact(texts[lo : lo + _BATCH]):
                texts[lo + i] = mask_text(texts[lo + i])
    if texts and max(map(len, texts)) > MAX_CELL_CHARS:
        texts = [t[:MAX_CELL_CHARS] for t in texts]
    return texts


_BATCH = 20_000  # texts per numpy pass (bounds the arrays: 4 bytes a character)
_WINDOW, _MIN_DIGITS = 14, 10


@lru_cache(maxsize=1)
def _digit_table() -> np.ndarray:
    """For each code point below U+20000: whether ``\\d`` matches it (the last Unicode digit is U+1FBF9)."""
    table = np.zeros(0x20001, dtype=bool)
    table[[m.start() for m in re.finditer(r"\d", "".join(map(chr, range(0x20000))))]] = True
    return table


def _maybe_contact(texts: list[str]) -> list[int]:
    """Indices of the texts that hold an @ (or ＠) or 10 digits within 14 characters."""
    if not texts:
        return []
    gap = "\x00" * (_WINDOW - 1)
    codes = np.frombuffer(gap.join(texts).encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    table = _digit_table()
    digits = table[np.minimum(codes, len(table) - 1)]
    counts = np.concatenate(([0], np.cumsum(digits, dtype=np.int32), np.full(_WINDOW, digits.sum())))
    window = counts[_WINDOW : _WINDOW + len(codes)] - counts[: len(codes)]
    hits = np.flatnonzero((window >= _MIN_DIGITS) | (codes == 0x40) | (codes == 0xFF20))
    if not len(hits):
        return []
    starts = np.cumsum([0] + [len(t) + len(gap) for t in texts[:-1]])
    return sorted(set((np.searchsorted(starts, hits, "right") - 1).tolist()))


_BAD_FILE_CHARS = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]')
# Windows refuses these names whatever the extension (CON.xlsx cannot be created).
_RESERVED = {
    "CON",
    "PRN",
    "AUX",
    "NUL",
    *(f"COM{i}" for i in range(1, 10)),
    *(f"LPT{i}" for i in range(1, 10)),
}


def safe_file_stem(name: str, *, fallback: str = "未分配") -> str:
    """A file-name stem from a person's name that works on Windows, macOS and Linux."""
    stem = _BAD_FILE_CHARS.sub("_", str(name)).strip(" ._")
    if stem.upper() in _RESERVED:
        stem = f"_{stem}"
    # Keep well under the 255-byte limit of common file systems (CJK is 3 bytes in UTF-8).
    while len(stem.encode("utf-8")) > 120:
        stem = stem[:-1]
    return stem or fallback
