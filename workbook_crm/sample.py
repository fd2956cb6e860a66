"""The realistic sample workbook (`workbook-crm sample`): a filled-in template with real-world mess.

The generator lives in ``samplegen/`` (vocabularies, checksummed codes, mess families, row functions,
the streaming writer); ``bench/make_workbook.py`` calls the same writer at large N.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from .errors import BadOption
from .samplegen.writer import write_workbook

__all__ = ["write_sample"]


def write_sample(
    path: Path, *, customers: int = 300, seed: int = 7, messy: bool = True, today: date | None = None
) -> Path:
    """Write a sample workbook of record; the same (customers, seed, messy, today) gives the same cells.

    ``messy`` plants every SPEC §3 mess at least once (for ``customers`` ≥ 20) and a ≈4 % share of
    them at random in the affected columns; ``messy=False`` gives clean, canonical values.
    """
    if customers < 1:
        raise BadOption(detail="customers must be at least 1")
    return write_workbook(
        Path(path), customers=customers, seed=seed, messy=messy, today=today or date.today()
    )
