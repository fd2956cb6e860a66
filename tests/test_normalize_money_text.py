"""Money, emails, 统一社会信用代码, percents, numbers and company-name keys (SPEC §3)."""

from __future__ import annotations

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from workbook_crm.normalize import (
    check_credit_code,
    company_key,
    mask_email,
    money_yuan,
    normalize_email,
    normalize_number,
    normalize_percent,
    parse_money,
    to_simplified,
)

W = 10_000
MONEY = [
    ("50-80万", 1, 50 * W, 80 * W, False),
    ("50~80万", 1, 50 * W, 80 * W, False),
    ("50～80万", 1, 50 * W, 80 * W, False),
    ("50至80万", 1, 50 * W, 80 * W, False),
    ("50万-80万", 1, 50 * W, 80 * W, False),
    ("20-30万", 1, 20 * W, 30 * W, False),
    ("10万以下", 1, None, 10 * W, False),
    ("不超过20万", 1, None, 20 * W, False),
    ("100万以上", 1, 100 * W, None, False),
    ("约50万", 1, 50 * W, 50 * W, True),
    ("50万左右", 1, 50 * W, 50 * W, True),
    ("¥500,000", 1, 500_000, 500_000, False),
    ("￥500,000", 1, 500_000, 500_000, False),
    ("500,000元", 1, 500_000, 500_000, False),
    ("五十万", 1, 50 * W, 50 * W, False),
    ("一百五十万", 1, 150 * W, 150 * W, False),
    ("1.5亿", 1, 1.5e8, 1.5e8, False),
    ("3k", 1, 3000, 3000, False),
    ("50w", 1, 50 * W, 50 * W, False),
    ("RMB 20万", 1, 20 * W, 20 * W, False),
    ("1,200万元", 1, 1200 * W, 1200 * W, False),
    ("50", W, 50 * W, 50 * W, False),
    ("50", 1, 50, 50, False),
    ("50万", W, 50 * W, 50 * W, False),
    ("500000元", W, 500_000, 500_000, False),
    ("20-30", W, 20 * W, 30 * W, False),
    ("５０万", 1, 50 * W, 50 * W, False),
    (500000, 1, 500_000, 500_000, False),
    (62, W, 62 * W, 62 * W, False),
    ("50万-1亿", 1, 50 * W, 1e8, False),
]


@pytest.mark.parametrize(("typed", "scale", "low", "high", "approx"), MONEY)
def test_money_bounds_in_yuan_and_text_kept(typed, scale, low, high, approx):
    n = parse_money(typed, scale=scale)
    assert n.code is None and n.value == typed
    assert (n.get("low"), n.get("high"), n.get("approx")) == (low, high, approx)


@pytest.mark.parametrize("typed", ["待确认", "待定", "未知", " 待确认 "])
def test_pending_budget_is_valid(typed):
    # seed 002: 预算未明确时填写"待确认"而非模糊估计
    n = parse_money(typed)
    assert (n.code, n.get("pending"), n.value) == (None, True, typed)
    assert money_yuan(typed) is None


@pytest.mark.parametrize(
    "typed", ["预算充足", "很多", "80-50万", "abc万", True, float("inf"), "8000元/月", "10万以下以上"]
)
def test_bad_money(typed):
    n = parse_money(typed)
    assert n.code == "bad-money" and n.value is typed


def test_money_yuan_takes_the_lower_bound():
    assert money_yuan("50-80万") == 50 * W
    assert money_yuan("10万以下") == 10 * W and money_yuan("100万以上") == 100 * W
    assert money_yuan(62, 10_000) == 62 * W and money_yuan("很多") is None


# --- 统一社会信用代码: an independent implementation of the GB 32100-2015 check digit -------------------

_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def gb32100_check(body17: str) -> str:
    total = sum(_CHARS.index(c) * pow(3, i, 31) for i, c in enumerate(body17))
    return _CHARS[(31 - total % 31) % 31]


BODIES = [
    "91110108MA01A2B3C",
    "91310000607213386",
    "12100000400000624",
    "52440300MJL123456",
    "N2330100MA2BCDEFG",
    "91440300708461136",
]


@pytest.mark.parametrize("body", BODIES)
def test_valid_credit_codes(body):
    code = body + gb32100_check(body)
    assert check_credit_code(code) == check_credit_code(code).__class__(code)
    spaced = " ".join([code[:6], code[6:12].lower(), code[12:]])
    assert check_credit_code(spaced).value == code


@pytest.mark.parametrize("body", BODIES)
def test_wrong_check_digit(body):
    good = gb32100_check(body)
    wrong = next(c for c in "0123456789" if c != good)
    n = check_credit_code(body + wrong)
    assert (n.code, dict(n.params)["reason"]) == ("bad-credit-code", "校验位")


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("9111010860003734", "长度"),
        ("91110108MA01A2B3C4X", "长度"),
        ("91110108MA01A2BOC4", "字符"),
        ("9111A108MA01A2B3C4", "字符"),
        ("91110108MA01A2B3C!", "字符"),
        (True, "字符"),
    ],
)
def test_malformed_credit_codes(typed, reason):
    n = check_credit_code(typed)
    assert (n.code, dict(n.params)["reason"], n.value) == ("bad-credit-code", reason, typed)


EMAILS = [
    ("zhang@abc.com", "zhang@abc.com"),
    (" Zhang.San@ABC.COM ", "Zhang.San@abc.com"),
    ("zhang＠abc.com", "zhang@abc.com"),
    ("ｚｈａｎｇ＠ａｂｃ．ｃｏｍ", "zhang@abc.com"),
    ("zhang@abc。com", "zhang@abc.com"),
    ("li+crm@mail.abc.com.cn", "li+crm@mail.abc.com.cn"),
    ("mailto:wang@abc.cn", "wang@abc.cn"),
    ("<wang@abc.cn>", "wang@abc.cn"),
]


@pytest.mark.parametrize(("typed", "expected"), EMAILS)
def test_emails(typed, expected):
    n = normalize_email(typed)
    assert (n.value, n.code) == (expected, None)


@pytest.mark.parametrize(
    "typed",
    [
        "zhang",
        "zhang@abc",
        "zhang@abc.c",
        "zhang @abc.com",
        "a@b@abc.com",
        "zhang@abc,com",
        "zhang@.com",
        ".zhang@abc.com",
        "zhang..san@abc.com",
        "zhang@abc.123",
        12345,
        "张三@abc.com",
    ],
)
def test_bad_emails(typed):
    assert normalize_email(typed).code == "bad-email"


def test_mask_email():
    assert mask_email("zhang@abc.com") == "z***@abc.com"


PERCENTS = [
    ("92%", 0.92),
    ("92.5%", 0.925),
    ("92％", 0.92),
    (" 92 % ", 0.92),
    (0.92, 0.92),
    ("0.92", 0.92),
    (92, 0.92),
    ("92", 0.92),
    ("-3.2%", -0.032),
    (1, 1.0),
    ("100%", 1.0),
    (0, 0.0),
    ("-7", -0.07),
    ("５０％", 0.5),
]


@pytest.mark.parametrize(("typed", "expected"), PERCENTS)
def test_percents(typed, expected):
    n = normalize_percent(typed)
    assert (
        n.code is None and n.value == pytest.approx(expected) and n.get("fraction") == pytest.approx(expected)
    )


def test_percent_above_100_keeps_the_text_and_exposes_the_fraction():
    n = normalize_percent("150%")
    assert (n.value, n.code, n.get("fraction")) == ("150%", None, 1.5)
    assert normalize_percent(n.value) == n


def test_percent_outside_a_percent_column_is_a_fraction():
    assert normalize_percent(0.5, assume_percent_column=False).value == 0.5
    assert normalize_percent(5, assume_percent_column=False).get("fraction") == 5
    assert normalize_percent(50, assume_percent_column=False).code == "bad-percent"


@pytest.mark.parametrize("typed", ["abc", "很高", "5000%", True, float("inf"), "%"])
def test_bad_percents(typed):
    assert normalize_percent(typed).code == "bad-percent"


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("1,234,567", 1234567),
        ("１２３", 123),
        ("3.5", 3.5),
        (" 42 ", 42),
        ("三十", 30),
        ("-5", -5),
        (7, 7),
        (2.5, 2.5),
        ("1e3", 1000.0),
    ],
)
def test_numbers(typed, expected):
    n = normalize_number(typed)
    assert (n.value, n.code) == (expected, None)


@pytest.mark.parametrize("typed", ["abc", "1,23", "12a", True, float("inf"), "--5"])
def test_bad_numbers(typed):
    assert normalize_number(typed).code == "bad-number"


def test_company_keys_match_spelling_variants():
    base = company_key("上海某某科技有限公司")
    variants = [
        "上海某某科技有限责任公司",
        "上海某某科技 有限公司",
        "上海某某科技有限責任公司",
        "上海某某科技（有限公司）",
        "上海某某科技股份有限公司",
        "上海某某科技",
        " 上海某某科技有限公司 ",
        "上海某某科技公司",
    ]
    assert base and all(company_key(v) == base for v in variants)
    assert company_key("臺灣某某電子有限公司") == company_key("台湾某某电子有限公司")
    assert (
        company_key("ABC Trading Co., Ltd.")
        == company_key("abc trading")
        == company_key("ＡＢＣ　Ｔｒａｄｉｎｇ")
    )
    assert company_key("某某(中国)有限公司") != company_key("某某有限公司")  # may be another legal entity
    assert company_key("上海某某科技有限公司") != company_key("北京某某科技有限公司")
    assert company_key(None) == "" and company_key("") == ""


def test_to_simplified():
    assert to_simplified("客戶關系維護") == "客户关系维护"
    assert to_simplified("plain") == "plain"


def test_money_column_read_back_from_xlsx(tmp_path):
    """A (万元) column holds numbers and text; both readers' values parse to the same yuan bounds."""
    path = tmp_path / "m.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["年合作金额(万元)"])
    for v in [62, 12.5, "50-80", "待确认", "约30万"]:
        ws.append([v])
    wb.save(path)
    a = [r[0] for r in openpyxl.load_workbook(path).active.iter_rows(min_row=2, values_only=True)]
    b = [r[0] for r in CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()[1:]]
    ya = [money_yuan(v, 10_000) for v in a]
    assert ya == [money_yuan(v, 10_000) for v in b]
    assert ya == [620_000, 125_000, 500_000, None, 300_000]


@pytest.mark.parametrize(
    ("typed", "low", "high"),
    [
        ("五十-八十万", 50 * W, 80 * W),
        ("50万-80", 50 * W, 80 * W),
        ("一万五", 15_000, 15_000),
        ("五千万", 5e7, 5e7),
    ],
)
def test_money_units_across_a_range_and_in_numerals(typed, low, high):
    n = parse_money(typed)
    assert (n.code, n.get("low"), n.get("high")) == (None, low, high)


def test_latin_suffixes_only_strip_whole_words():
    assert company_key("Zinc") != company_key("Z Inc.") and company_key("Costco") == "costco"


def test_local_credit_code_check_matches_stdnum():
    import random

    from stdnum.cn import uscc

    from workbook_crm.normalize.text import _USCC_ALPHABET, _uscc_check

    rnd = random.Random(3)
    for _ in range(2000):
        body = "".join(rnd.choice(_USCC_ALPHABET) for _ in range(17))
        assert _uscc_check(body) == uscc.calc_check_digit(body)
