"""The similar names (疑似重复) looked for in a forked process while the run grades (#16).

Grading reads no warning, so the run need not wait for ``duplicates.fuzzy_duplicates`` (1.5 s at 100k
customers, ~6 s at 300k where more names have similar neighbours) before it grades; the pairs are put
in by ``Checked.finish`` before anything is reported or written.
"""

from __future__ import annotations

import functools

import pandas as pd

from ..findings import Finding
from ..io import sidecar
from ..io.reader import SheetData
from .duplicates import fuzzy_duplicates
from .ids import customer_keys

# From this many customers the similar names are looked for in a forked process while the run goes on
# (grading needs none of them): measured 1.5 s at 100k customers, ~6 s at 300k (more similar neighbours)
BACKGROUND_ROWS = 20_000
_FUZZY_COLUMNS = ("name", "customer_id", "mobile", "email", "credit_code")


class FuzzyJob:
    """``duplicates.fuzzy_duplicates`` run in a forked process (io/sidecar.py) while this one grades, #16.

    It works on a copy of the columns it reads, taken when it is made: what the check changes
    afterwards (a returning lead's new phone in the archive) is not seen, as when it ran in line. If
    the helper fails, :meth:`result` computes the same thing here from that copy.
    """

    def __init__(
        self,
        archive: SheetData,
        clean: pd.DataFrame,
        *,
        threshold: float,
        decisions: dict[frozenset[str], str],
        exact: set[int],
        keys: pd.DataFrame | None,
    ) -> None:
        snap = clean[[c for c in _FUZZY_COLUMNS if c in clean]].copy()
        keys = (customer_keys(clean) if keys is None else keys)[["name"]].copy()
        self.call = functools.partial(
            fuzzy_duplicates, archive, snap, threshold=threshold, decisions=decisions, exact=exact, keys=keys
        )
        self.rows = len(clean)
        self.done: tuple[pd.DataFrame, list[Finding]] | None = None
        self.helper: sidecar.Sidecar | None = None

    def start(self, background: bool) -> None:
        """Fork the helper (``background``, enough customers, a system that can), else work here now."""
        if background and self.rows >= BACKGROUND_ROWS and sidecar.available():
            self.helper = sidecar.Sidecar(self.call, name="duplicates")
        else:
            self.done = self.call()

    def result(self) -> tuple[pd.DataFrame, list[Finding]]:
        """The 疑似重复 table and the findings (waiting for the helper if it still works)."""
        if self.done is None:
            made = self.helper.result() if self.helper is not None else None
            self.helper = None
            self.done = made if made is not None else self.call()
        return self.done

    def stop(self) -> None:
        """The run ended before the result was wanted: stop the helper."""
        if self.helper is not None:
            self.helper.close()
            self.helper = None
