"""Gap analysis of 效果评估表 (seed 004 表(四), issue #4 item 5).

差值 = 实际 − 目标 (a fraction for percents: 92% vs 95% → −0.03); 计算差异率 = (实际 − 目标)/目标
(−3.2%); 达标情况 by the comparator's direction. A blank 实际值 of an indicator the workbook can
measure is computed (实际值来源 = 计算) into our own column 计算实际值 — never into the user's
实际值, where the next run would read it back as typed (issue #12). A blank 差异率 (the seed's own
column) is filled with the computed rate, and the next run recognises that value as ours (runstate)
and recomputes it; a typed 差异率 off by more than ``gap_tolerance`` from the computed one stays and
is a ``gap-mismatch`` warning (seed row 2 types −7% for 18% vs ≥25%, which is −28%).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from ..findings import Finding
from ..rules import Rules
from ..schema import registry
from ..textutil import to_simplified

_GE, _LE, _GT, _LT = "≥", "≤", ">", "<"
_PREFIX = (
    ("不低于", _GE),
    ("不少于", _GE),
    ("至少", _GE),
    ("≥", _GE),
    (">=", _GE),
    ("=>", _GE),
    ("不超过", _LE),
    ("不高于", _LE),
    ("不多于", _LE),
    ("至多", _LE),
    ("最多", _LE),
    ("≤", _LE),
    ("<=", _LE),
    ("=<", _LE),
    ("高于", _GT),
    ("大于", _GT),
    ("超过", _GT),
    (">", _GT),
    ("低于", _LT),
    ("小于", _LT),
    ("<", _LT),
)
_SUFFIX = (("以上", _GE), ("及以上", _GE), ("以内", _LE), ("以下", _LE), ("及以下", _LE))
_NUM = re.compile(r"(-?\d+(?:\.\d+)?)\s*(%|万|千|亿)?")
# indicators where smaller is better when the target names no comparator (获客成本, 投诉率 …)
_LOWER_BETTER = ("成本", "投诉", "流失", "时长", "偏差", "耗时", "费用")
_SCALE = {"万": 10_000, "千": 1_000, "亿": 100_000_000}


@dataclass(frozen=True)
class Target:
    op: str
    value: float
    percent: bool
    months: int | None = None  # 季度新增50家 → 3: the period the count runs over


def parse_target(raw: Any, indicator: str = "") -> Target | None:
    """`≥95%`, `≤3000`, `不低于50`, `50家以上`, `季度新增50家`, 0.95 → Target; None when unreadable."""
    rate_like = "率" in indicator
    default_op = _LE if any(w in indicator for w in _LOWER_BETTER) else _GE
    if isinstance(raw, bool) or raw is None:
        return None
    if isinstance(raw, (int, float)):
        v = float(raw)
        if v != v:
            return None
        return Target(default_op, v, rate_like and abs(v) <= 1.5)
    s = to_simplified(unicodedata.normalize("NFKC", str(raw))).replace(",", "").replace(" ", "")
    if not s:
        return None
    op = None
    for word, o in _PREFIX:
        if word in s:
            op = o
            break
    if op is None:
        for word, o in _SUFFIX:
            if word in s:
                op = o
                break
    m = _NUM.search(s)
    if m is None:
        return None
    v = float(m.group(1))
    unit = m.group(2) or ""
    percent = unit == "%"
    if percent:
        v /= 100
    elif unit in _SCALE:
        v *= _SCALE[unit]
    months = 3 if "季" in s else 12 if ("年" in s) else 1 if "月" in s else None
    return Target(op or default_op, v, percent or (rate_like and abs(v) <= 1.5 and "." in m.group(1)), months)


def parse_actual(raw: Any, target: Target) -> float | None:
    """实际值 on the target's scale: 92%, 0.92 and 92 all mean 0.92 when the target is a percent."""
    if raw is None or isinstance(raw, bool):
        return None
    if isinstance(raw, (int, float)):
        v = float(raw)
        if v != v:
            return None
        return v / 100 if target.percent and abs(v) > 1.5 else v
    t = parse_target(raw)
    if t is None:
        return None
    if target.percent and not t.percent and abs(t.value) > 1.5:
        return t.value / 100
    return t.value


def parse_rate(raw: Any) -> float | None:
    """A typed 差异率: normally already a fraction; text like "-7%" is read too."""
    if raw is None or isinstance(raw, bool):
        return None
    if isinstance(raw, (int, float)):
        return None if raw != raw else float(raw)
    s = unicodedata.normalize("NFKC", str(raw)).replace("−", "-").strip()
    m = re.fullmatch(r"([+-]?\d+(?:\.\d+)?)\s*(%)?", s)
    if not m:
        return None
    return float(m.group(1)) / 100 if m.group(2) else float(m.group(1))


def meets(op: str, actual: float, target: float) -> bool:
    eps = 1e-9
    return {
        _GE: actual >= target - eps,
        _LE: actual <= target + eps,
        _GT: actual > target + eps,
        _LT: actual < target - eps,
    }[op]


def gap_analysis(
    clean: dict[str, pd.DataFrame],
    measure: Callable[[str, Target], float | None],
    rules: Rules,
    cells=None,
    ours: dict[int, Any] | None = None,
    ours_actuals: dict[int, Any] | None = None,
) -> tuple[pd.DataFrame | None, dict[int, float], list[Finding]]:
    """(效果评估表 computed rows, Excel row → 差异率 to write into its blank (or still ours) cell, findings).

    ``ours``: Excel row → the 差异率 the last run wrote there; a cell still holding it is ours, not typed.
    """
    ours, ours_actuals = ours or {}, ours_actuals or {}
    ev = clean.get(registry.EVALUATION.name)
    if ev is None:
        return None, {}, []
    findings: list[Finding] = []
    actuals: dict[int, float] = {}
    records = []
    for row in ev.index:
        get = ev.loc[row].get
        indicator = to_simplified(str(get("indicator") or "")).strip()
        raw_target, raw_actual = get("target"), get("actual")
        if int(row) in ours_actuals:
            raw_actual = None  # an older run's computed value in the user's column: ours to recompute
        rec = {
            "核心指标": get("indicator"),
            "目标值": raw_target,
            "实际值": raw_actual,
            "计算实际值": None,
            "差值": None,
            "计算差异率": None,
            "达标情况": None,
            "实际值来源": None,
            "责任人": get("owner"),
            "percent": False,
        }
        records.append(rec)
        if _blank(raw_target):
            continue
        target = parse_target(raw_target, indicator)
        if target is None:
            findings.append(_finding("bad-target", "target", row, raw_target, cells))
            continue
        rec["percent"] = target.percent
        actual = None if _blank(raw_actual) else parse_actual(raw_actual, target)
        source = "填报" if actual is not None else None
        if actual is None and _blank(raw_actual):
            actual = measure(indicator, target)
            if actual is not None:
                source = "计算"
                rec["计算实际值"] = actual
        if actual is None:
            continue
        rec["实际值来源"] = source
        rec["差值"] = round(actual - target.value, 6)
        rate = (actual - target.value) / target.value if target.value else None
        rec["计算差异率"] = None if rate is None else round(rate, 6)
        rec["达标情况"] = "达标" if meets(target.op, actual, target.value) else "未达标"
        raw_rate = get("gap_rate")
        if int(row) in ours and _same(raw_rate, ours[int(row)]):
            raw_rate = None  # the value the last run filled in: ours to recompute, not typed
        if _blank(raw_rate) and rate is not None and "gap_rate" in ev.columns:
            actuals[int(row)] = round(rate, 6)
        typed = parse_rate(raw_rate)
        if typed is not None and rate is not None and abs(typed - rate) > rules.gap_tolerance + 1e-12:
            f = _finding("gap-mismatch", "gap_rate", row, typed, cells)
            f.params.update(computed=f"{rate * 100:.1f}%")
            f.value = f"{typed * 100:g}%"
            findings.append(f)
    columns = [
        "核心指标",
        "目标值",
        "实际值",
        "计算实际值",
        "差值",
        "计算差异率",
        "达标情况",
        "实际值来源",
        "责任人",
        "percent",
    ]
    # an empty 效果评估表 (a fresh `init`) still has the columns every reader expects
    return pd.DataFrame(records, index=ev.index, columns=columns), actuals, findings


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        return abs(float(a) - float(b)) < 1e-9
    return a == b


def _blank(v: Any) -> bool:
    return v is None or (isinstance(v, float) and v != v) or (isinstance(v, str) and not v.strip())


def _finding(code: str, field: str, row: int, value: Any, cells) -> Finding:
    label = {"target": "目标值", "gap_rate": "差异率"}[field]
    cell = cells(registry.EVALUATION.name, field, int(row)) if cells else ""
    return Finding(
        code, registry.EVALUATION.name, cell, int(row), "".join(c for c in cell if c.isalpha()), label, value
    )
