"""Sample and benchmark workbook generator (deterministic: ``random.Random(seed)`` only, no faker)."""

from .writer import write_workbook

__all__ = ["write_workbook"]
