"""Content rules: personal data, vague next steps, vague needs (seed 003 §四, seed 000)."""

from __future__ import annotations

from datetime import date

import pytest

from workbook_crm.normalize import find_personal_data, is_vague_need, is_vague_next_step

TODAY = date(2024, 6, 1)


def gb11643(body17: str) -> str:
    """Independent GB 11643-1999 check digit: weights 2^(17-i) mod 11."""
    total = sum(int(c) * pow(2, 17 - i, 11) for i, c in enumerate(body17))
    return "10X98765432"[total % 11]


def luhn_complete(body: str) -> str:
    digits = [int(c) for c in body][::-1]
    total = sum(sum(divmod(d * 2, 10)) if i % 2 == 0 else d for i, d in enumerate(digits))
    return body + str((10 - total % 10) % 10)


ID_BODIES = ["11010519900307123", "44030419851231456", "31011520010101001", "51010719800229888"]
CARDS = [
    luhn_complete("622202123456789012"),
    luhn_complete("621700000012345"),
    luhn_complete("411111111111111"),
    luhn_complete("552000123456789012"),
]


@pytest.mark.parametrize("body", ID_BODIES)
def test_resident_id_numbers(body):
    rid = body + gb11643(body)
    for text in (
        f"身份证：{rid}",
        f"{rid}",
        f"证件 {rid[:6]} {rid[6:14]} {rid[14:]} 已登记",
        f"id {rid.lower()}",
    ):
        found = find_personal_data(text, today=TODAY)
        assert [n.code for n in found] == ["personal-id-number"], text
        assert rid not in found[0].value  # the finding does not copy the number
    wrong = body + next(c for c in "0123456789X" if c != gb11643(body))
    assert find_personal_data(wrong, today=TODAY) == []


def test_resident_id_with_impossible_birth_date_is_not_flagged():
    body = "11010520241307123"  # month 13
    assert find_personal_data(body + gb11643(body), today=TODAY) == []
    future = "11010520300101123"
    assert find_personal_data(future + gb11643(future), today=TODAY) == []


@pytest.mark.parametrize("card", CARDS)
def test_bank_cards(card):
    grouped = " ".join(card[i : i + 4] for i in range(0, len(card), 4))
    for text in (f"卡号{card}", f"开户行 招商银行 {grouped}", "-".join([card[:8], card[8:]])):
        found = find_personal_data(text, today=TODAY)
        assert [n.code for n in found] == ["bank-card-number"], text
    bad = card[:-1] + str((int(card[-1]) + 1) % 10)
    assert find_personal_data(bad, today=TODAY) == []


def test_phones_credit_codes_and_dates_are_not_personal_data():
    text = "手机13800138000，座机010-12345678，信用代码91110000600037341L，日期20240510，订单号20240510123456"
    assert find_personal_data(text, today=TODAY) == []
    assert find_personal_data(None) == [] and find_personal_data(3.5) == []


def test_two_findings_in_one_cell():
    rid = ID_BODIES[0] + gb11643(ID_BODIES[0])
    found = find_personal_data(f"身份证{rid}，卡号{CARDS[0]}", today=TODAY)
    assert [n.code for n in found] == ["personal-id-number", "bank-card-number"]


@pytest.mark.parametrize(
    "text",
    [
        "继续跟进",
        "再联系",
        "保持联系",
        "待定",
        "跟进中",
        "持续跟进",
        "继续跟进。",
        "后续再沟通",
        "电话跟进",
        "等客户回复",
        "继续跟进客户",
    ],
)
def test_vague_next_steps(text):
    assert is_vague_next_step(text)


@pytest.mark.parametrize(
    "text",
    [
        "5月20日前联系客户确认试用反馈",
        "3月18日前发送A模块资料，预约4月演示",
        "下周三前电话沟通",
        "发送报价单",
        "安排产品演示",
        "协同物流部门反馈，承诺优化配送时效",
        "4月5日前跟进评估进展，提供报价方案",
        "月底前签合同",
        "",
        None,
        12,
    ],
)
def test_concrete_next_steps(text):
    assert not is_vague_next_step(text)


@pytest.mark.parametrize(
    "text",
    ["有需求", "有意向", "感兴趣", "需要", "待了解", "对产品感兴趣", "有采购需求", "有合作意向", "一般"],
)
def test_vague_needs(text):
    assert is_vague_need(text)


@pytest.mark.parametrize(
    "text",
    [
        "需要定制化CRM系统，预算20-30万",
        "对新品A模块感兴趣，希望提供详细参数",
        "需采购设备，预算50万，计划10月到货",
        "ERP系统升级",
        "",
        None,
    ],
)
def test_concrete_needs(text):
    assert not is_vague_need(text)


def test_traditional_chinese_is_judged_the_same():
    assert (
        is_vague_next_step("繼續跟進")
        and is_vague_need("有意向")
        and not is_vague_next_step("5月20日前聯繫客戶確認試用反饋")
    )
