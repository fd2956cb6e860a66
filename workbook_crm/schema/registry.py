"""The registry: canonical sheet names, their aliases and schemas — the reader's map of the workbook."""

from __future__ import annotations

from functools import cache

from . import archive, campaigns, computed, deals, evaluation, followups, registration, settings
from .base import HeaderIndex, SheetSchema, norm_token

REGISTRATION = registration.SCHEMA
ARCHIVE = archive.SCHEMA
FOLLOWUPS = followups.SCHEMA
DEALS = deals.SCHEMA
EVALUATION = evaluation.SCHEMA
CAMPAIGNS = campaigns.SCHEMA
SETTINGS = settings.SCHEMA
HISTORY = computed.HISTORY
DUPLICATES = computed.DUPLICATES

# Sheet order of the template workbook (SPEC §2).
DATA_SHEETS: tuple[SheetSchema, ...] = (
    REGISTRATION,
    ARCHIVE,
    FOLLOWUPS,
    DEALS,
    EVALUATION,
    CAMPAIGNS,
    SETTINGS,
)
READ_BACK: tuple[SheetSchema, ...] = (HISTORY, DUPLICATES)
ALL: dict[str, SheetSchema] = {s.name: s for s in (*DATA_SHEETS, *READ_BACK)}

# Computed sheets written by the run (never data of record).
COMPUTED_SHEETS = ("客户分层", "跟进提醒", "疑似重复", "校验问题", "变更记录", "分级历史")


@cache
def header_index(sheet: str) -> HeaderIndex:
    return HeaderIndex.build(ALL[sheet])


def _sheet_tokens() -> dict[str, str]:
    table: dict[str, str] = {}
    for s in ALL.values():
        for text in (s.name, *s.synonyms):
            table.setdefault(norm_token(text), s.name)
    return table


_SHEET_TOKENS = _sheet_tokens()


def match_sheet_name(sheet_name: str) -> str | None:
    """Canonical sheet for a tab name: exact, Traditional, decorated (`1.客户档案`, `客户档案(2024)`)."""
    token = norm_token(sheet_name)
    if token in _SHEET_TOKENS:
        return _SHEET_TOKENS[token]
    stripped = token.lstrip("0123456789.-_、 ")
    for cut in ("(", "-", "_"):
        stripped = stripped.split(cut)[0] if stripped.split(cut)[0] else stripped
    if stripped in _SHEET_TOKENS:
        return _SHEET_TOKENS[stripped]
    # close variants: a canonical name contained in the tab name (`2024客户档案表`)
    for tok, name in sorted(_SHEET_TOKENS.items(), key=lambda kv: -len(kv[0])):
        if len(tok) >= 4 and tok in token:
            return name
    return None
