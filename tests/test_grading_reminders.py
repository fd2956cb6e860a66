"""跟进提醒: overdue, never followed up, overdue next steps (text and 计划完成日期), due soon."""

from __future__ import annotations

from datetime import date

import pandas as pd

from workbook_crm.grading import grade_month
from workbook_crm.rules import Rules

TODAY = date(2024, 4, 20)


def arch() -> pd.DataFrame:
    # all 基础客户 (180 days) unless typed otherwise; C4 is 高意向潜在客户 (7 days)
    return pd.DataFrame(
        {
            "customer_id": ["C1", "C2", "C3", "C4", "C5"],
            "name": list("甲乙丙丁戊"),
            "owner": "张三",
            "annual_amount_yuan": [1e6, 1e4, 1e4, 1e4, 1e4],
            "potential": [9.0, 1, 1, 1, 1],
            "customer_type": [None, None, None, "高意向潜在客户", None],
            "first_contact": pd.to_datetime(["2023-01-01"] * 4 + [None]),
        },
        index=range(3, 8),
    )


def followups(**extra) -> pd.DataFrame:
    f = pd.DataFrame(
        {
            "customer_id": ["C1", "C2", "C3", "C4"],
            "follow_date": pd.to_datetime(["2024-03-01", "2024-03-20", "2024-04-01", "2024-04-15"]),
            "next_step": [None, "4月10日前发送A模块资料", "2024-06-05前提供报价方案", "下周三前回访"],
            "due_date": pd.to_datetime([None, None, "2024-04-18", None]),
            "status": ["已完成", "已完成", "进行中", "已完成"],
        },
        index=range(2, 6),
    )
    return (
        pd.concat([f, pd.DataFrame(extra, index=range(6, 6 + len(next(iter(extra.values())))))])
        if extra
        else f
    )


def run(f: pd.DataFrame, rules: Rules | None = None):
    return grade_month(
        {"客户档案": arch(), "客户跟进记录表": f},
        rules or Rules(),
        month="2024-04",
        today=TODAY,
        cells=lambda s, fld, r: f"A{r}",
    )


def kinds(res) -> set[tuple[str, str]]:
    return set(zip(res.reminders["客户编号"], res.reminders["提醒类型"], strict=True))


def test_reminder_kinds() -> None:
    res = run(followups())
    k = kinds(res)
    assert ("C1", "逾期未跟进") in k  # 核心客户: 30 days, last contact 2024-03-01
    assert ("C5", "从未跟进") in k
    assert ("C2", "下一步逾期") in k  # from the text 4月10日前
    assert ("C3", "下一步逾期") in k  # from 计划完成日期 2024-04-18 (not the text's June date)
    # C4: 高意向 → 7 days from 04-15 = 04-22, within 7 days; 下周三 from 04-15 (Mon) = 04-24
    assert ("C4", "即将到期") in k and ("C4", "下一步即将到期") in k
    r = res.reminders.set_index(["客户编号", "提醒类型"])
    assert r.loc[("C1", "逾期未跟进"), "逾期天数"] == (TODAY - date(2024, 3, 31)).days
    assert r.loc[("C2", "下一步逾期"), "应跟进日期"] == date(2024, 4, 10)
    assert r.loc[("C4", "下一步即将到期"), "逾期天数"] == -4
    assert list(res.reminders["逾期天数"].dropna()) == sorted(
        res.reminders["逾期天数"].dropna(), reverse=True
    )
    assert res.findings == []  # overdue customers are reminders, not data problems
    t = res.tiers.set_index("客户编号")
    assert t.loc["C1", "跟进状态"] == "逾期" and t.loc["C5", "最近跟进日期"] is None
    assert res.kpis["逾期跟进"] == 2


def test_completed_follow_up_after_next_step_clears_it() -> None:
    res = run(
        followups(
            customer_id=["C2", "C3"],
            follow_date=pd.to_datetime(["2024-04-12", "2024-04-19"]),
            status=["已完成", "进行中"],
        )
    )
    k = kinds(res)
    assert ("C2", "下一步逾期") not in k
    assert ("C3", "下一步逾期") in k  # a later contact still 进行中 does not clear it


def test_workdays() -> None:
    # 2024-04-04..06 清明 holiday, 2024-04-07 (Sunday) a 调休 working day
    res = run(followups(), Rules(use_workdays=True, interval_high_intent=5))
    r = res.reminders.set_index(["客户编号", "提醒类型"])
    # C4 last 04-15 (Mon) + 5 working days = 04-22 (Mon)
    assert r.loc[("C4", "即将到期"), "应跟进日期"] == date(2024, 4, 22)
    # working days after 04-10 up to 04-20 (Sat): 04-11, 12, 15, 16, 17, 18, 19
    assert r.loc[("C2", "下一步逾期"), "逾期天数"] == 7


def test_no_follow_up_record_every_customer_is_never_followed_up() -> None:
    """An archive alone (an ERP export) is not "nothing overdue": nobody was ever contacted (issue #12)."""
    res = grade_month({"客户档案": arch()}, Rules(), month="2024-04", today=TODAY)
    r = res.reminders
    # C1 is 核心 (30 days), C4 高意向 (7), C2/C3 基础 (180 days: 2023-01-01 is long past), C5 has no date
    assert sorted(r["客户编号"]) == ["C1", "C2", "C3", "C4", "C5"] and set(r["提醒类型"]) == {"从未跟进"}
    assert all("无跟进记录表" in t for t in r["内容"]) and res.findings == []
    assert res.kpis["逾期跟进"] == 5
