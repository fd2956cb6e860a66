"""What one summary shows: the month's tables cut to one 负责人 when asked, and the tile figures.

The grading step's ``kpis`` are team figures; for a per-owner summary every figure is recomputed
from that owner's rows, so an owner's file never carries another owner's customers or counts.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from ..findings import CATALOG, ERROR, WARNING, Finding
from ..grading.grades import PENDING
from ..grading.model import MonthResult
from ..runstate import LIFECYCLE_COLUMNS
from ..schema.computed import REMINDER_COLUMNS, TIERS_COLUMNS
from .style import GRADES, frame_or_empty

UNASSIGNED = "未分配"
EVALUATION_COLUMNS = (
    "评估维度",
    "核心指标",
    "目标值",
    "实际值",
    "差值",
    "计算差异率",
    "达标情况",
    "实际值来源",
    "责任人",
)
CAMPAIGN_COLUMNS = (
    "活动名称",
    "渠道类型",
    "负责人",
    "预算(元)",
    "潜在客户数量",
    "已转化客户数量",
    "转化率",
    "获客成本",
)
CHANNEL_COLUMNS = ("信息来源", "客户数", "成交客户数", "转化率")
OWNER_COLUMNS = ("负责人", "客户数", "S", "A", "B", "C", "待评级", "逾期", "本月跟进", "跟进完成率")
MIGRATION_COLUMNS = ("客户编号", "客户名称", "上月等级", "本月等级", "变化")


@dataclass
class Quality:
    """数据质量: share of rows without an error finding, over the sheets whose row counts we know."""

    rows: int = 0
    rows_with_errors: int = 0
    errors: int = 0
    warnings: int = 0
    by_sheet: dict[str, tuple[int, int, int, int]] = field(
        default_factory=dict
    )  # rows, bad rows, errors, warnings

    @property
    def share(self) -> float | None:
        return None if self.rows == 0 else 1 - self.rows_with_errors / self.rows


@dataclass
class SummaryData:
    month: str
    asof: date
    owner: str | None
    source_name: str
    lang: str
    tiers: pd.DataFrame
    reminders: pd.DataFrame
    evaluation: pd.DataFrame
    campaigns: pd.DataFrame
    channels: pd.DataFrame
    migration: pd.DataFrame
    migration_matrix: pd.DataFrame
    owners: pd.DataFrame
    findings: list[Finding]
    kpis: dict[str, float | int]
    quality: Quality
    lifecycle: pd.DataFrame = field(default_factory=pd.DataFrame)  # 客户类型 hand edits (runstate)


def owner_key(value: object) -> str:
    """The 负责人 as grouped: trimmed, blank → 未分配."""
    text = "" if value is None or (isinstance(value, float) and value != value) else str(value).strip()
    return text or UNASSIGNED


def owners_of(result: MonthResult) -> list[str]:
    """Every 负责人 with customers or reminders, in the order of the owners table first."""
    seen: dict[str, None] = {}
    for frame in (result.owners, result.tiers, result.reminders):
        if isinstance(frame, pd.DataFrame) and "负责人" in frame.columns:
            for v in frame["负责人"]:
                seen.setdefault(owner_key(v), None)
    return list(seen)


def _rows_of(frame: pd.DataFrame, column: str, owner: str) -> pd.DataFrame:
    if column not in frame.columns:
        return frame.iloc[0:0]
    return frame[frame[column].map(owner_key) == owner]


def prepare(
    result: MonthResult,
    findings: list[Finding],
    *,
    owner: str | None,
    lang: str,
    source_name: str,
    n_rows_by_sheet: dict[str, int] | None,
) -> SummaryData:
    """Cut the tables to ``owner`` (when given), sort them as shown, and compute the tile figures."""
    tiers = frame_or_empty(result.tiers, TIERS_COLUMNS)
    reminders = frame_or_empty(result.reminders, REMINDER_COLUMNS)
    evaluation = _shown_actuals(frame_or_empty(result.evaluation, EVALUATION_COLUMNS[1:]))
    campaigns = frame_or_empty(result.campaigns, CAMPAIGN_COLUMNS)
    channels = frame_or_empty(result.channels, CHANNEL_COLUMNS)
    migration = frame_or_empty(result.migration, MIGRATION_COLUMNS)
    matrix = frame_or_empty(result.migration_matrix, ())
    owners = frame_or_empty(result.owners, OWNER_COLUMNS)
    quality = _quality(findings, n_rows_by_sheet or {"客户档案": len(tiers)})
    if owner is not None:
        owner = owner_key(owner)
        tiers = _rows_of(tiers, "负责人", owner)
        reminders = _rows_of(reminders, "负责人", owner)
        evaluation = _rows_of(evaluation, "责任人", owner)
        campaigns = _rows_of(campaigns, "负责人", owner)
        owners = _rows_of(owners, "负责人", owner)
        # 信息来源 is not a column of 客户分层, so conversion by source is a team figure only.
        channels = channels.iloc[0:0]
        ids = set(tiers["客户编号"].astype(str)) if "客户编号" in tiers.columns else set()
        if "客户编号" in migration.columns:
            migration = migration[migration["客户编号"].astype(str).isin(ids)]
        matrix = _matrix(migration)
        # Findings sit at cells, and their values may name other customers: only counts travel.
        findings = [Finding(f.code, f.sheet, cells=f.cells) for f in findings]
    if "逾期天数" in reminders.columns:
        reminders = reminders.sort_values("逾期天数", ascending=False, kind="stable", na_position="last")
    lifecycle = frame_or_empty(result.lifecycle, LIFECYCLE_COLUMNS)
    if owner is not None and "客户编号" in lifecycle.columns:
        lifecycle = lifecycle[lifecycle["客户编号"].astype(str).isin(set(tiers["客户编号"].astype(str)))]
    kpis = _kpis(result, tiers, reminders, evaluation, migration, owners, owner)
    events = _counts(lifecycle, "事件")
    kpis.update({"转为成交": int(events.get("成交", 0)), "转为流失": int(events.get("流失", 0))})
    return SummaryData(
        result.month,
        result.asof,
        owner,
        source_name,
        lang,
        tiers,
        reminders,
        evaluation,
        campaigns,
        channels,
        migration,
        matrix,
        owners,
        findings,
        kpis,
        quality,
        lifecycle,
    )


def _shown_actuals(evaluation: pd.DataFrame) -> pd.DataFrame:
    """The summary shows the 实际值 used: the typed one, else ours (计算实际值, 实际值来源 = 计算)."""
    if "计算实际值" not in evaluation.columns:
        return evaluation
    out = evaluation.copy()
    ours = out["计算实际值"].notna()
    actual = out["实际值"].astype(object)
    actual[ours] = out.loc[ours, "计算实际值"]
    out["实际值"] = actual
    return out.drop(columns=["计算实际值", "percent"], errors="ignore")


def _matrix(migration: pd.DataFrame) -> pd.DataFrame:
    if migration.empty or not {"上月等级", "本月等级"} <= set(migration.columns):
        return pd.DataFrame()
    prev = migration["上月等级"].fillna("无").astype(str).replace("", "无")
    cur = migration["本月等级"].fillna("无").astype(str).replace("", "无")
    return pd.crosstab(prev.rename("上月等级"), cur.rename("本月等级"))


def _counts(frame: pd.DataFrame, column: str) -> dict[str, int]:
    """How often each text of ``column`` occurs (value_counts: not a Python loop over 100k rows)."""
    if column not in frame.columns:
        return {}
    return {str(k): int(v) for k, v in frame[column].astype(str).value_counts().items()}


def grade_counts(tiers: pd.DataFrame) -> dict[str, int]:
    """S/A/B/C and 待评级 (counted apart: missing inputs are not a C)."""
    counts = _counts(tiers, "客户等级")
    return {g: int(counts.get(g, 0)) for g in (*GRADES, PENDING)}


def _new(result: MonthResult, tiers: pd.DataFrame) -> int:
    if "客户编号" not in tiers.columns:
        return 0
    return int(tiers["客户编号"].isin(result.new_ids).sum())


def _kpis(
    result: MonthResult,
    tiers: pd.DataFrame,
    reminders: pd.DataFrame,
    evaluation: pd.DataFrame,
    migration: pd.DataFrame,
    owners: pd.DataFrame,
    owner: str | None,
) -> dict[str, float | int]:
    """Tile figures: the grading step's team kpis when whole, else recomputed from the rows shown."""
    changes = _counts(migration, "变化")
    overdue = 0
    if "逾期天数" in reminders.columns:
        late = reminders[pd.to_numeric(reminders["逾期天数"], errors="coerce").fillna(0) > 0]
        overdue = int(late["客户编号"].nunique()) if "客户编号" in late.columns else len(late)
    if owner is not None and "逾期" in owners.columns and len(owners):
        overdue = int(pd.to_numeric(owners["逾期"], errors="coerce").fillna(0).sum())
    met = total = 0
    if "达标情况" in evaluation.columns:
        status = evaluation["达标情况"].astype(str)
        met, total = int((status == "达标").sum()), int(status.isin(["达标", "未达标"]).sum())
    figures: dict[str, float | int] = {
        # 本月新增: the one definition (grading/indicators.new_customers), for an owner's rows too
        "客户总数": len(tiers),
        "本月新增": _new(result, tiers),
        **grade_counts(tiers),
        "逾期跟进": overdue,
        "KPI达标": met,
        "KPI总数": total,
        "升级": int(changes.get("升级", 0)),
        "降级": int(changes.get("降级", 0)),
        "流失": int(changes.get("流失", 0)),
    }
    if owner is None:
        figures.update({k: v for k, v in (result.kpis or {}).items() if v is not None})
    return figures


def _quality(findings: list[Finding], n_rows: dict[str, int]) -> Quality:
    """Rows with at least one error, per sheet with a known row count; warnings do not count."""
    bad: dict[str, set[int]] = {}
    errors: Counter[str] = Counter()
    warnings: Counter[str] = Counter()
    for f in findings:
        if f.code not in CATALOG:
            continue
        if f.severity == ERROR:
            errors[f.sheet] += f.count  # a problem repeated down a column counts each of its cells
            bad_rows = [int(c.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")) for c in f.cells] if f.cells else [f.row]
            bad.setdefault(f.sheet, set()).update(r for r in bad_rows if r is not None)
        elif f.severity == WARNING:
            warnings[f.sheet] += f.count
    q = Quality(errors=sum(errors.values()), warnings=sum(warnings.values()))
    for sheet in sorted(set(n_rows) | set(errors) | set(warnings), key=lambda s: (s not in n_rows, s)):
        rows = int(n_rows.get(sheet, 0))
        n_bad = min(len(bad.get(sheet, ())), rows)
        q.by_sheet[sheet] = (rows, n_bad, errors[sheet], warnings[sheet])
        q.rows += rows
        q.rows_with_errors += n_bad
    return q
