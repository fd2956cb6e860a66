"""The quarterly final grade (seed 002 (四) 分析周期: 月度初评, 季度评审会确认最终级别) — issue #13 item 2.

The review meeting's decision is typed into 客户档案's 人工定级 (S/A/B/C) and 定级原因. It wins over the
computed grade wherever present, every month until changed; 客户分层 shows both (客户等级 = final,
计算等级 = computed) and 评级依据 starts with the override and its reason. In a quarter's last month
(03, 06, 09, 12) the run also writes the month's final grades to 分级历史 under the quarter's label
(``2024Q2``); re-running that month replaces them, so the quarter's last run is what is kept.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

GRADES = ("S", "A", "B", "C")


def apply_override(cust: pd.DataFrame, graded: pd.DataFrame) -> pd.DataFrame:
    """``graded`` (grade, reason) with 人工定级 applied; the computed grade stays in ``computed``."""
    out = graded.assign(computed=graded["grade"])
    if "grade_override" not in cust:
        return out
    manual = cust["grade_override"].astype(object).where(cust["grade_override"].isin(GRADES))
    has = manual.notna().to_numpy()
    if not has.any():
        return out
    why = (
        cust["override_reason"]
        if "override_reason" in cust
        else pd.Series(None, index=cust.index, dtype=object)
    )
    words = [
        f"人工定级 {m}（{w.strip() if isinstance(w, str) and w.strip() else '未填定级原因'}）"
        f"{'，与计算等级相同' if m == c else f'覆盖计算等级 {c}'}；计算依据：{r}"
        for m, w, c, r in zip(manual[has], why[has], out["grade"][has], out["reason"][has], strict=True)
    ]
    grade = out["grade"].to_numpy(dtype=object).copy()
    grade[has] = manual[has].to_numpy(dtype=object)
    reason = out["reason"].to_numpy(dtype=object).copy()
    reason[has] = np.array(words, dtype=object)
    return out.assign(grade=grade, reason=reason)


def quarter_label(month: str) -> str | None:
    """``2024Q2`` for the last month of a quarter ("2024-06"), None for the other months."""
    year, mm = month.split("-")
    return f"{year}Q{int(mm) // 3}" if int(mm) % 3 == 0 else None


def with_quarter_rows(history: pd.DataFrame, month: str) -> pd.DataFrame:
    """This month's 分级历史 rows, plus the same rows under the quarter's label at a quarter's end."""
    label = quarter_label(month)
    if label is None or history.empty:
        return history
    return pd.concat([history, history.assign(月份=label)], ignore_index=True)
