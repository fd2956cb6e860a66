"""Column-wise application of a normalizer, once per distinct value.

Real columns repeat values heavily (owners, industries, dates, the same budget text), so a 100k-row
column usually holds a few thousand distinct values; hashing them in pandas' C code and normalizing
each once is what keeps the monthly run fast (PERF-NOTES: 100k rows normalized in a fraction of a second).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

from workbook_crm.normalize import Norm
from workbook_crm.normalize.text import is_blank

# pd.factorize treats 1, 1.0 and True (and a date and the equal Timestamp) as one value; a normalizer
# may not (True is not a phone number), so mixed columns take the per-type path.
_NUMERIC = (bool, np.bool_, int, float, Decimal, np.integer, np.floating)


def _key(v: Any) -> Any:
    try:
        hash(v)
    except TypeError:
        return (type(v), str(v))
    return (type(v), v)


def apply_unique(values: pd.Series, fn: Callable[[Any], Norm]) -> tuple[pd.Series, dict[Any, Norm]]:
    """Normalize a column: fn runs once per distinct (type, value); blanks stay as they are.

    Returns the normalized values aligned with ``values.index`` (object dtype) and the Norms that carry a
    code, keyed by index label.
    """
    arr = values.to_numpy(dtype=object)
    if values.dtype == object:
        types = set(map(type, arr))   # one C-level pass; cheap next to normalizing
        mixed = len(types & set(_NUMERIC)) > 1 or bool(types & {datetime, pd.Timestamp}) and date in types
    else:
        mixed = False
    if not mixed:
        try:
            codes, uniques = pd.factorize(values, use_na_sentinel=True)
        except TypeError:   # unhashable cells
            mixed = True
    if mixed:
        return _apply_dict(values, arr, fn)
    uniques = np.asarray(uniques, dtype=object)
    norms = [Norm(u) if is_blank(u) else fn(u) for u in uniques]
    out_u = np.empty(len(norms) + 1, dtype=object)
    out_u[:-1] = [n.value for n in norms]
    out_u[-1] = None
    out = out_u[codes]   # code -1 (missing) picks the trailing slot
    missing = codes < 0
    if missing.any():
        out[missing] = arr[missing]
    flagged = np.array([n.code is not None for n in norms] + [False], dtype=bool)
    found: dict[Any, Norm] = {}
    if flagged.any():
        hit = np.flatnonzero(flagged[codes])
        for label, c in zip(values.index[hit].tolist(), codes[hit].tolist(), strict=True):
            found[label] = norms[c]
    return pd.Series(out, index=values.index, name=values.name, dtype=object), found


def _apply_dict(values: pd.Series, arr: np.ndarray, fn: Callable[[Any], Norm]) -> tuple[pd.Series, dict[Any, Norm]]:
    cache: dict[Any, Norm] = {}
    out = np.empty(len(arr), dtype=object)
    found: dict[Any, Norm] = {}
    for i, (label, v) in enumerate(zip(values.index, arr, strict=True)):
        if is_blank(v):
            out[i] = v
            continue
        k = _key(v)
        n = cache.get(k)
        if n is None:
            n = cache[k] = fn(v)
        out[i] = n.value
        if n.code is not None:
            found[label] = n
    return pd.Series(out, index=values.index, name=values.name, dtype=object), found
