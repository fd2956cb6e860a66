"""Text helpers shared by every stage: width folding and Traditional → Simplified.

opencc's pure-Python converter costs ~50 µs a string; most of what people type is already
Simplified, so a string is converted only when it holds a character that Traditional→Simplified
would change (a set built once from opencc's own dictionaries).
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import Any


@lru_cache(maxsize=1)
def _t2s() -> Any:
    from opencc import OpenCC

    return OpenCC("t2s")


@lru_cache(maxsize=1)
def _traditional_chars() -> frozenset[str]:
    import opencc

    folder = Path(opencc.__file__).parent / "dictionary"
    chars: set[str] = set()
    for name in ("TSCharacters.txt", "TSPhrases.txt"):
        path = folder / name
        if not path.exists():  # a packaging we do not know: convert everything, correctly if slowly
            return frozenset()
        for line in path.read_text(encoding="utf-8").splitlines():
            key, _, value = line.partition("\t")
            target = value.split(" ")[0]
            if len(key) == len(target):  # only the characters the conversion changes
                chars.update(k for k, t in zip(key, target, strict=True) if k != t)
            elif key != target:
                chars.update(key)
    return frozenset(chars)


def simplified(text: str) -> str:
    """繁体 → 简体 (seed 004 is written in Traditional; headers, sheet names and names may be too).

    Uncached: a column of 100k distinct names would only churn :func:`to_simplified`'s cache.
    """
    if not isinstance(text, str) or not text or text.isascii():
        return text
    trad = _traditional_chars()
    if trad and trad.isdisjoint(text):
        return text
    return str(_t2s().convert(text))


to_simplified = lru_cache(maxsize=65536)(simplified)


@lru_cache(maxsize=65536)
def nfkc(text: str) -> str:
    """Full-width letters, digits and brackets → half-width (ＡＢＣ１２３（） → ABC123())."""
    return unicodedata.normalize("NFKC", text)
