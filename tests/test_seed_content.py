"""Issue #13 item 7: vague company names, next steps without a date or an action, PIPL columns.

Built workbooks go through the real CLI; the findings are compared as whole lists, and the 校验问题
sheet the run writes is read back with python-calamine and openpyxl.
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from conftest import build_workbook, cli_json, sha256
from hypothesis import given
from hypothesis import strategies as st
from python_calamine import CalamineWorkbook

from workbook_crm.validators.seed_content import is_vague_company_name, next_step_gap

NEW = {"vague-company-name", "next-step-no-date", "next-step-no-action", "pipl-column", "vague-next-step"}

REG = [
    ["客户编号", "客户名称", "联系人", "手机号码", "信息来源", "下一步计划", "身份证号", "银行卡号"],
    ["CX202405001", "某科技公司", "张三", "13800138000", "展会对接", "提供方案", None, None],  # row 2
    [
        "CX202405002",
        "科技有限公司",
        "李四",
        "13900139000",
        "官网表单",
        "5月15日前提供报价单",
        None,
        None,
    ],  # row 3
    ["CX202405003", "上海甲科技有限公司", "王五", "13700137000", "陌拜", "尽快报价", None, None],  # row 4
    ["CX202405004", "XX贸易有限公司", "赵六", "13600136000", "陌拜", "下周再联系", None, None],  # row 5
    ["CX202405005", "北京乙贸易有限公司", "钱七", "13500135000", "陌拜", "继续跟进", None, None],  # row 6
    ["CX202405006", "李*", "李*", "13400134000", "陌拜", "5月20日跟进试用反馈", None, None],  # row 7
]
FOLLOW = [
    ["客户编号", "跟进日期", "跟进方式", "跟进内容", "下一步计划", "计划完成日期", "完成状态"],
    ["CX202405001", "2024-05-06", "电话", "介绍方案", "提供方案", None, "进行中"],  # row 2: no date
    [
        "CX202405001",
        "2024-05-07",
        "电话",
        "报价",
        "提供方案",
        "2024-05-20",
        "进行中",
    ],  # row 3: dated elsewhere
    ["CX202405002", "2024-05-08", "微信", "交付", "协同物流部门反馈", None, "已完成"],  # row 4: done
    ["CX202405002", "2024-05-09", "电话", "回访", "尽快报价", None, "已完成"],  # row 5: done
    ["CX202405003", "2024-05-09", "电话", "回访", "下周再联系", None, "进行中"],  # row 6: no action
]
ARCHIVE = [
    ["客户编号", "客户名称", "负责人", "年合作金额(万元)"],
    ["CX202405001", "某科技公司", "王五", 20],
    ["CX202405002", "科技有限公司", "王五", 20],
    ["CX202405003", "上海甲科技有限公司", "王五", 20],
]


def _record(tmp_path: Path) -> Path:
    return build_workbook(
        tmp_path / "台账.xlsx", {"客户信息登记表": REG, "客户档案": ARCHIVE, "客户跟进记录表": FOLLOW}
    )


def test_each_rule_at_its_cell(tmp_path: Path) -> None:
    path = _record(tmp_path)
    before = sha256(path)
    code, obj = cli_json("validate", str(path), "--month", "2024-05")
    assert sha256(path) == before
    got = sorted((f["sheet"], f["cell"], f["code"]) for f in obj["findings"] if f["code"] in NEW)
    assert got == sorted(
        [
            ("客户信息登记表", "G1", "pipl-column"),
            ("客户信息登记表", "H1", "pipl-column"),
            ("客户信息登记表", "B2", "vague-company-name"),
            ("客户信息登记表", "B3", "vague-company-name"),
            ("客户信息登记表", "B5", "vague-company-name"),
            ("客户信息登记表", "F2", "next-step-no-date"),
            ("客户信息登记表", "F4", "next-step-no-date"),
            ("客户信息登记表", "F5", "next-step-no-action"),
            ("客户信息登记表", "F6", "vague-next-step"),
            ("客户档案", "B2", "vague-company-name"),
            ("客户档案", "B3", "vague-company-name"),
            ("客户跟进记录表", "E2", "next-step-no-date"),
            ("客户跟进记录表", "E6", "next-step-no-action"),
        ]
    )
    pipl = [f for f in obj["findings"] if f["code"] == "pipl-column"]
    assert all(f["severity"] == "error" for f in pipl) and code == 1  # an empty PIPL column is still an error
    assert "《个人信息保护法》" in pipl[0]["message"]


def test_findings_reach_the_issue_sheet(tmp_path: Path) -> None:
    path = _record(tmp_path)
    code, obj = cli_json("run", str(path), "--month", "2024-05", "--no-summary")
    assert code == 1
    expected = sorted((f["code"], f["sheet"], f["cell"]) for f in obj["findings"] if f["code"] in NEW)
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("校验问题").to_python()
    head = rows[0]
    i_code, i_sheet, i_cell = head.index("代码"), head.index("工作表"), head.index("单元格")
    got = sorted((r[i_code], r[i_sheet], r[i_cell]) for r in rows[1:] if r[i_code] in NEW)
    assert got == expected and len(got) == 13
    ws = openpyxl.load_workbook(path)["客户信息登记表"]
    assert ws["G1"].comment is not None and "个人信息保护法" in ws["G1"].comment.text
    assert ws["B2"].value == "某科技公司"  # never rewritten


def test_rules_sheet_turns_the_date_rule_off(tmp_path: Path) -> None:
    path = build_workbook(
        tmp_path / "台账.xlsx",
        {"客户信息登记表": REG[:3], "规则配置": [["参数", "值"], ["下一步计划须含时间节点", "否"]]},
    )
    _, obj = cli_json("validate", str(path), "--month", "2024-05")
    got = sorted((f["sheet"], f["cell"], f["code"]) for f in obj["findings"] if f["code"] in NEW)
    assert got == sorted(
        [
            ("客户信息登记表", "G1", "pipl-column"),
            ("客户信息登记表", "H1", "pipl-column"),
            ("客户信息登记表", "B2", "vague-company-name"),
            ("客户信息登记表", "B3", "vague-company-name"),
        ]
    )


@pytest.mark.parametrize(
    ("name", "vague"),
    [
        ("某科技公司", True),
        ("科技有限公司", True),
        ("XX贸易有限公司", True),
        ("某某", True),
        ("科技有限責任公司", True),
        ("上海甲科技有限公司", False),
        ("华为技术有限公司", False),
        ("A公司", False),
        ("李*", False),
        ("张三", False),
    ],
)
def test_vague_company_names(name: str, vague: bool) -> None:
    assert is_vague_company_name(name) is vague


_ACTIONS = st.sampled_from(["提供方案", "发送报价单", "安排演示", "确认试用反馈", "预约上门拜访"])
_DATES = st.sampled_from(["5月20日前", "2024-06-01前", "下周三", "本周内", "3天内"])


@given(_ACTIONS, _DATES)
def test_a_date_completes_an_action(action: str, when: str) -> None:
    assert next_step_gap(action) == "date"
    assert next_step_gap(when + action) is None


@given(_DATES)
def test_a_date_alone_needs_an_action(when: str) -> None:
    assert next_step_gap(when + "再联系") == "action"
