"""The similar names (疑似重复) looked for in a forked process while the run grades (#16).

Grading reads no warning, so the run need not wait for ``duplicates.fuzzy_duplicates`` (1.5 s at 100k
customers, ~6 s at 300k where more names have similar neighbours) before it grades; the pairs are put
in by ``Checked.finish`` before anything is reported or written.
"""

from __future__ import annotations

import functools

import pandas as pd

from ..io import sidecar
from ..io.reader import SheetData
from .duplicates import fuzzy_duplicates
from .ids import customer_keys

_FUZZY_COLUMNS = ("name", "customer_id", "mobile", "email", "credit_code")


def fuzzy_job(
    archive: SheetData,
    clean: pd.DataFrame,
    *,
    threshold: float,
    decisions: dict[frozenset[str], str],
    exact: set[int],
    keys: pd.DataFrame | None,
) -> sidecar.Job:
    """``fuzzy_duplicates`` as a job (io/sidecar.py ``Job``) on a copy of the columns it reads, taken now:
    what the check changes afterwards (a returning lead's new phone in the archive) is not seen, as when
    it ran in line, whether the helper or (if it failed) this process runs it."""
    snap = clean[[c for c in _FUZZY_COLUMNS if c in clean]].copy()
    keys = (customer_keys(clean) if keys is None else keys)[["name"]].copy()
    call = functools.partial(
        fuzzy_duplicates, archive, snap, threshold=threshold, decisions=decisions, exact=exact, keys=keys
    )
    return sidecar.Job(call, "duplicates", len(clean))
