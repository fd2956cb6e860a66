"""Issue #13 item 1: the seeds' timeliness rules on a workbook built for them.

Late contacts are findings at their 跟进日期 cell (whole list compared); open items are 跟进提醒 rows,
read back from the written record with python-calamine and openpyxl.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import openpyxl
from conftest import build_workbook, cli_json
from python_calamine import CalamineWorkbook

CODES = {
    "late-first-visit",
    "late-first-training",
    "late-fair-follow-up",
    "late-referral-contact",
    "late-complaint",
    "late-response",
    "late-solution",
    "improvement-overdue",
}

ARCHIVE = [
    ["客户编号", "客户名称", "负责人", "信息来源", "首次接触时间", "首次合作时间"],
    ["C001", "上海甲科技有限公司", "王五", "官网表单", "2024-03-01", "2024-05-02"],  # visit after 10 days
    ["C002", "北京乙贸易有限公司", "赵六", "官网表单", "2024-03-01", "2024-04-20"],  # no training in 30 days
    [
        "C003",
        "广州丙制造有限公司",
        "王五",
        "展会对接",
        datetime(2024, 5, 6, 14, 0),
        None,
    ],  # followed after 68 h
    ["C004", "深圳丁物流有限公司", "赵六", "客户转介绍", "2024-05-20", None],  # never contacted
    ["C005", "杭州戊电子有限公司", "王五", "陌拜", "2023-01-01", None],  # complaint closed late
    ["C006", "南京己软件有限公司", "赵六", "陌拜", "2023-01-01", None],  # complaint still open
    ["C007", "苏州庚设备有限公司", "王五", "展会对接", "2024-05-28", None],  # on time (same day)
]
FOLLOW = [
    ["客户编号", "跟进日期", "跟进方式", "跟进内容", "完成状态"],
    ["C001", "2024-05-12", "上门拜访", "首次回访", "已完成"],  # row 2: late-first-visit
    ["C001", "2024-05-20", "线上会议", "产品使用培训", "已完成"],  # row 3: training in time
    ["C002", "2024-04-25", "电话", "首次回访", "已完成"],  # row 4: visit in time
    ["C003", datetime(2024, 5, 9, 10, 0), "电话", "展会后回访", "已完成"],  # row 5: late-fair-follow-up
    ["C005", datetime(2024, 5, 6, 9, 0), "电话", "客户投诉交付延迟", "进行中"],  # row 6: the complaint
    ["C005", datetime(2024, 5, 7, 15, 0), "电话", "回复处理方案", "进行中"],  # row 7: late-response (30 h)
    [
        "C005",
        datetime(2024, 5, 13, 10, 0),
        "上门拜访",
        "问题解决，客户确认",
        "已完成",
    ],  # row 8: late-complaint, late-solution
    ["C006", "2024-05-27", "电话", "客户投诉发票错误", "进行中"],  # row 9: open complaint
    ["C007", "2024-05-28", "微信", "展会后联系", "已完成"],  # row 10: on time
]
EVAL = [
    ["评估维度", "核心指标", "目标值", "实际值", "改进措施", "责任人", "完成时限"],
    [
        "客户维护",
        "核心客户留存率",
        "≥95%",
        "92%",
        "为核心客户提供增值服务包",
        "王五",
        "2024-04-30",
    ],  # overdue
    ["市场开拓", "线索转化率", "≥25%", "30%", "增加线索审核", "赵六", "2024-04-15"],  # met
    ["市场开拓", "新客户数量", "≥50", "40", "加强展会邀约", "赵六", "2024-06-30"],  # not yet due
]


def _record(tmp_path: Path, rules: list[list[object]] | None = None) -> Path:
    sheets = {"客户档案": ARCHIVE, "客户跟进记录表": FOLLOW, "效果评估表": EVAL}
    if rules:
        sheets["规则配置"] = [["参数", "值"], *rules]
    return build_workbook(tmp_path / "台账.xlsx", sheets)


def _reminders(path: Path) -> list[dict[str, object]]:
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("跟进提醒").to_python()
    head = rows[0]
    out = [dict(zip(head, r, strict=False)) for r in rows[1:]]
    ws = openpyxl.load_workbook(path, read_only=True)["跟进提醒"]
    other = [r for r in ws.iter_rows(min_row=2, values_only=True)]
    assert [(r[0] or "", r[3]) for r in other] == [(r["客户编号"] or "", r["提醒类型"]) for r in out]
    return out


def test_late_contacts_are_findings_at_their_cells(tmp_path: Path) -> None:
    path = _record(tmp_path)
    _, obj = cli_json("validate", str(path), "--month", "2024-05")
    got = sorted((f["sheet"], f["cell"], f["code"]) for f in obj["findings"] if f["code"] in CODES)
    assert got == sorted(
        [
            ("客户跟进记录表", "B2", "late-first-visit"),
            ("客户跟进记录表", "B5", "late-fair-follow-up"),
            ("客户跟进记录表", "B7", "late-response"),
            ("客户跟进记录表", "B8", "late-complaint"),
            ("客户跟进记录表", "B8", "late-solution"),
            ("效果评估表", "G2", "improvement-overdue"),
        ]
    )
    by = {f["code"]: f for f in obj["findings"] if f["code"] in CODES}
    assert by["late-first-visit"]["message"] == "签约（2024-05-02）后 10 天 才首次回访，要求 7 天 内"
    assert (
        "68.0 小时" in by["late-fair-follow-up"]["message"]
        and "48 小时" in by["late-fair-follow-up"]["message"]
    )
    assert "30.0 小时" in by["late-response"]["message"]
    assert "3 个工作日" in by["late-complaint"]["message"]
    assert (
        by["improvement-overdue"]["severity"] == "warning" and "王五" in by["improvement-overdue"]["message"]
    )


def test_open_items_are_reminders_in_the_record(tmp_path: Path) -> None:
    path = _record(tmp_path)
    code, obj = cli_json("run", str(path), "--month", "2024-05", "--no-summary")
    assert code in (0, 1)
    rem = _reminders(path)
    mine = sorted(
        (r["客户编号"] or "", r["提醒类型"], r["负责人"], r["逾期天数"])
        for r in rem
        if r["提醒类型"]
        in (
            "签约后首次回访逾期",
            "签约后首次培训逾期",
            "签约后首次培训待办",
            "展会线索跟进逾期",
            "转介绍线索联系逾期",
            "投诉处理逾期",
            "投诉处理待办",
            "改进措施逾期",
        )
    )
    assert mine == sorted(
        [
            ("C002", "签约后首次培训逾期", "赵六", 11),  # signed 04-20, due 05-20
            ("C004", "转介绍线索联系逾期", "赵六", 10),  # first contact 05-20, due 05-21
            ("C006", "投诉处理逾期", "赵六", 1),  # 05-27 + 3 working days = 05-30
            ("", "改进措施逾期", "王五", 31),  # 完成时限 04-30
        ]
    )
    assert all(r["提醒类型"] != "签约后首次培训待办" for r in rem)  # C001 was trained on 05-20
    improvement = next(r for r in rem if r["提醒类型"] == "改进措施逾期")
    assert improvement["客户名称"] == "效果评估表 第2行 核心客户留存率"
    assert "为核心客户提供增值服务包" in improvement["内容"]


def test_thresholds_come_from_the_rules_sheet(tmp_path: Path) -> None:
    path = _record(
        tmp_path,
        [
            ["签约后首次回访(天)", 10],
            ["展会线索跟进时限(小时)", 72],
            ["投诉处理时限(工作日)", 6],
            ["问题响应时限(小时)", 36],
            ["解决方案时限(小时)", 200],
        ],
    )
    _, obj = cli_json("validate", str(path), "--month", "2024-05")
    got = sorted((f["sheet"], f["cell"], f["code"]) for f in obj["findings"] if f["code"] in CODES)
    assert got == [("效果评估表", "G2", "improvement-overdue")]


def test_events_older_than_the_lookback_are_not_judged(tmp_path: Path) -> None:
    path = _record(tmp_path, [["及时性检查回溯天数", 5]])
    _, obj = cli_json("validate", str(path), "--month", "2024-05")
    got = sorted((f["sheet"], f["cell"], f["code"]) for f in obj["findings"] if f["code"] in CODES)
    assert got == [("效果评估表", "G2", "improvement-overdue")]


def test_times_per_distinct_value_equal_time_of_per_cell() -> None:
    """grading/timeline.times works once per distinct value; each cell gets what time_of gives it."""
    import math
    from datetime import datetime as dt
    from types import SimpleNamespace

    import pandas as pd

    from workbook_crm.grading.timeline import time_of, times

    values = [
        dt(2026, 11, 2, 9, 30),
        dt(2026, 11, 2),
        "2026-11-02 14:05",
        "11月2日",
        46000.75,
        46000.0,
        None,
        float("nan"),
        True,
        1,
        1.0,
        dt(2026, 11, 2, 9, 30),
        "2026-11-02 14:05",
    ] * 3
    rows = range(2, 2 + len(values))
    frame = pd.DataFrame({"follow_date": pd.Series(values, index=rows, dtype=object)}, index=rows)
    sheet = SimpleNamespace(frame=frame)
    checked = SimpleNamespace(wb=SimpleNamespace(get=lambda name: sheet))
    got = times(checked, "客户跟进记录表", "follow_date")  # type: ignore[arg-type]
    want = [None if v is None or (isinstance(v, float) and math.isnan(v)) else time_of(v) for v in values]
    assert list(got.index) == list(frame.index)
    assert [None if x is None or (isinstance(x, float) and math.isnan(x)) else x for x in got] == want
    assert want[0] == 9 * 3600 + 30 * 60 and want[2] == 14 * 3600 + 5 * 60 and want[4] == 18 * 3600
