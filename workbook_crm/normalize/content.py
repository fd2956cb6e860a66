"""Content rules for free text (seed 003 §四, seed 000 步骤二).

- personal data that must not be collected: 身份证号, 银行卡号 (《个人信息保护法》, seed 003 §四(一));
- vague next steps (``继续跟进`` → write ``5月20日前联系客户确认试用反馈``, seed 003 模板说明);
- vague needs (``有需求`` → ``需采购设备，预算X万，计划10月到货``, seed 000 步骤二).
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from stdnum import luhn
from stdnum.cn import ric, uscc

from workbook_crm.normalize import Norm
from workbook_crm.normalize.text import is_blank, nfkc, to_simplified

# Runs of digits that may be grouped by single spaces or dashes ("6222 0212 3456 7890 128").
_RUN = re.compile(r"(?<![0-9A-Za-z])\d+(?:[ \-]\d+)*(?:[ \-]?[Xx])?(?![0-9A-Za-z])")
# GB 11643 first two digits: province codes (11 北京 … 65 新疆, 71 台湾, 81/82 港澳, 83 港澳台居民居住证).
_PROVINCES = frozenset(
    {
        11,
        12,
        13,
        14,
        15,
        21,
        22,
        23,
        31,
        32,
        33,
        34,
        35,
        36,
        37,
        41,
        42,
        43,
        44,
        45,
        46,
        50,
        51,
        52,
        53,
        54,
        61,
        62,
        63,
        64,
        65,
        71,
        81,
        82,
        83,
    }
)
# Bank card BINs: 62 银联, 4 Visa, 51–55/22–27 Mastercard, 35 JCB, 60/65 Discover, 9 some domestic debit.
_BIN = re.compile(r"^(?:62|4|5[1-5]|2[2-7]|35|60|65|9)")


def _is_resident_id(s: str, today: date) -> bool:
    if len(s) != 18 or not s[:17].isdigit() or int(s[:2]) not in _PROVINCES:
        return False
    try:
        if ric.calc_check_digit(s) != s[17].upper():  # stdnum wants the full 18 characters here
            return False
        born = ric.get_birth_date(s)
    except Exception:
        return False
    return date(1900, 1, 1) <= born <= today


def _is_bank_card(s: str) -> bool:
    return (
        16 <= len(s) <= 19
        and s.isdigit()
        and bool(_BIN.match(s))
        and luhn.is_valid(s)
        and not uscc.is_valid(s)
    )


def _mask(s: str) -> str:
    return f"{s[:4]}{'*' * (len(s) - 8)}{s[-4:]}"


def find_personal_data(text: Any, *, today: date | None = None) -> list[Norm]:
    """身份证号 (GB 11643 check digit, real birth date) and 银行卡号 (16–19 digits, Luhn, card BIN).

    Norm.value is the number masked (the finding must not copy personal data into 校验问题);
    extra carries the span in the NFKC-normalized text. 11-digit phones and 18-character credit codes
    are not flagged.
    """
    if is_blank(text) or isinstance(text, bool) or not isinstance(text, (str, int)):
        return []
    s = nfkc(str(text))
    today = today or date.today()
    out: list[Norm] = []
    for m in _RUN.finditer(s):
        tokens = [
            (t.group(0), t.start() + m.start(), t.end() + m.start())
            for t in re.finditer(r"[\dXx]+", m.group(0))
        ]
        i = 0
        while i < len(tokens):
            hit = None
            # the longest group of adjacent tokens that forms a card or an ID number wins
            for j in range(len(tokens), i, -1):
                compact = "".join(t[0] for t in tokens[i:j])
                if len(compact) > 19:
                    continue
                if _is_resident_id(compact, today):
                    hit = (
                        j,
                        Norm(
                            _mask(compact),
                            "personal-id-number",
                            (),
                            (("span", (tokens[i][1], tokens[j - 1][2])),),
                        ),
                    )
                elif _is_bank_card(compact):
                    hit = (
                        j,
                        Norm(
                            _mask(compact),
                            "bank-card-number",
                            (),
                            (("span", (tokens[i][1], tokens[j - 1][2])),),
                        ),
                    )
                if hit:
                    break
            if hit:
                out.append(hit[1])
                i = hit[0]
            else:
                i += 1
    return out


# --- vague next steps and needs -----------------------------------------------------------------

# A date or time expression: 5月20日, 2024-05-20, 周三, 下周, 月底, 明天, 3天内, 上午 …
_TIME = re.compile(
    r"\d{1,4}\s*[-/.年月日号]|\d+\s*(?:天|日|周|个?工作日|个?月|小时)内?|[周礼拜星期]\s*[一二三四五六日天]|"
    r"本周|下周|这周|月底|月末|月初|月中|今天|明天|后天|今日|明日|上午|下午|晚上|季度|年底|节前|节后|"
    r"[一二三四五六七八九十两]+(?:天|周|个月|小时)|\d{1,2}[:：]\d{2}|[一二三四五六七八九十]+月"
)
# A concrete action: something a colleague could check was done.
_ACTION = re.compile(
    r"发送|提供|报价|方案|演示|试用|签约|签订|合同|拜访|上门|确认|安排|邀请|邀约|培训|回访|提交|寄送|样品|"
    r"会议|对接|参观|考察|招标|投标|付款|回款|发货|交付|demo|采购|下单|评估|测试|汇报|审批"
)
_VAGUE_STEP_WORDS = re.compile(
    r"继续|持续|保持|再次|再|后续|进一步|加强|及时|跟进|联系|沟通|跟踪|关注|等待|等|观察|看看|待定|待|中|"
    r"一下|客户|电话|微信|有空|时候|情况|再说|维护|了解|保持联系|回复|消息|反馈"
)
_VAGUE_NEED_WORDS = re.compile(
    r"有需求|有意向|有兴趣|感兴趣|需要|待了解|待确认|了解一下|了解|咨询|考虑中|考虑|看看|随便|暂无|不清楚|"
    r"未知|一般|有|想要|意向|需求|合作|采购|产品|服务|客户|对|我们|我司|公司|的|比较|很|非常|有点|一些|"
    r"相关|可能|潜在|初步|表示|希望|想|了"
)
_PUNCT = re.compile(r"[\W_]+")


def _blank_text(text: Any) -> str | None:
    if is_blank(text) or not isinstance(text, str):
        return None
    return _PUNCT.sub("", to_simplified(nfkc(text)))  # 繼續跟進 is as vague as 继续跟进


def is_vague_next_step(text: Any) -> bool:
    """True for 继续跟进, 再联系, 保持联系, 待定 … — no date or time and no concrete action (seed 003)."""
    s = _blank_text(text)
    if not s or _TIME.search(s) or _ACTION.search(s):
        return False
    rest = _VAGUE_STEP_WORDS.sub("", s)
    return len(rest) <= 2 or len(s) <= 4


def is_vague_need(text: Any) -> bool:
    """True for 有需求, 有意向, 感兴趣, 需要, 待了解 … and very short generic text (seed 000)."""
    s = _blank_text(text)
    if not s:
        return False
    if re.search(r"\d", s):
        return False  # a quantity, a budget or a date makes it concrete
    rest = _VAGUE_NEED_WORDS.sub("", s)
    return not rest or len(s) <= 2
