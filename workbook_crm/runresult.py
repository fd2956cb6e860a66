"""What a monthly run produced (``RunResult``): the findings and changes of a ``Result`` plus the run's
own outputs, typed, so the CLI and callers read attributes instead of an untyped dict."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import Any

from .findings import Change, Result


@dataclass(frozen=True)
class Converted:
    """A .xls/CSV run: the source stays as it is; the record is a new .xlsx beside it (issue #11)."""

    source: str
    record: str
    kind: str  # "xls" or "csv": what the source was

    def to_json_obj(self) -> dict[str, str]:
        return {"source": self.source, "record": self.record, "from": self.kind}


@dataclass
class RunResult(Result):
    """``month``/``asof``: the period graded; ``backup``/``summary``: paths written (None when not);
    ``hand_edits``: cells changed by hand since the last run; ``baseline``: why there was nothing to
    compare with; ``written``: the sheets of the record the run wrote or replaced."""

    month: str = ""
    asof: str = ""
    dry_run: bool = False
    backup: str | None = None
    summary: str | None = None
    summary_error: str | None = None
    hand_edits: list[Change] = dc_field(default_factory=list)
    baseline: str | None = None
    converted: Converted | None = None
    output: str | None = None
    written: list[str] = dc_field(default_factory=list)

    def to_json_obj(self, lang: str = "zh") -> dict[str, Any]:
        """``validate``'s object plus the run's keys (README: `run --format json`)."""
        obj = super().to_json_obj(lang)
        obj.update(
            {
                "month": self.month,
                "asof": self.asof,
                "dry_run": self.dry_run,
                "changes": [c.to_record() for c in self.changes],
                "backup": self.backup,
                "summary": self.summary,
                "hand_edits": [c.to_record() for c in self.hand_edits],
                "baseline": self.baseline,
            }
        )
        if self.summary_error:
            obj["summary_error"] = self.summary_error
        if self.converted is not None:
            obj["converted"] = self.converted.to_json_obj()
        return obj
