"""Content rules the seeds name that the first checks missed (issue #13 item 7).

- a vague company name: seed 003 §二(三) "避免模糊表述（如「某科技公司」需明确具体公司名）" — and its
  own template row names a customer just ``科技有限公司``: a legal form and trade words, no 字号;
- a next step with an action but no date (``提供方案``, ``尽快报价``) or a date but no action
  (``下周再联系``): seed 003 模板说明 asks for "明确具体行动项、负责人及时间节点". A step already
  已完成/已取消, or one whose 计划完成日期 is filled, needs no date in its text;
- a column headed 身份证号 or 银行卡号: seed 003 §四(一) — 《个人信息保护法》: must not be collected,
  whatever the column holds (an empty column invites the data).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

import pandas as pd

from ..excel import col_letters
from ..findings import Finding
from ..io.reader import SheetData
from ..normalize.content import _ACTION, _TIME, _blank_text
from ..rules import Rules
from ..textutil import nfkc, simplified, to_simplified
from .cells import at_cell, by_distinct_text

# Legal forms and generic trade words: a name made only of these (plus 某/X/*) names no company.
_LEGAL = re.compile(
    r"(股份有限公司|有限责任公司|有限公司|集团有限公司|集团公司|集团|总公司|分公司|公司|企业|工作室|商行|厂)$"
)
_TRADE = re.compile(
    r"科技|信息技术|信息|技术|网络|电子商务|电子|电商|贸易|商贸|实业|制造|发展|投资|管理|咨询|服务|工程|建设|传媒|文化|"
    r"教育|医疗|物流|软件|智能|数据|新能源|能源|机械|设备|食品|零售|国际|控股|供应链|环保|生物|医药|汽车|金融|广告|"
    r"餐饮|建筑|材料|化工|工业|商务|人力资源|有限|股份|责任|集团|中国|零部件|电器|家居|服饰|农业|互联网|营销"
)
# every character _TRADE and _PLACEHOLDER can remove: a core holding another one is never emptied
_REMOVABLE = frozenset(_TRADE.pattern.replace("|", "")) | frozenset("某xX×*＊○")
_LEGAL_ENDINGS = ("公司", "企业", "工作室", "商行", "厂", "集团")  # every _LEGAL form ends with one
_PUNCT = re.compile(r"[\s()（）\[\]【】·.,，。、\-]+")
_MASK = re.compile(r"^(某+|[xX×*＊○]+)")
_PLACEHOLDER = re.compile(r"[某xX×*＊○]")
# Headers naming data the seeds forbid collecting (seed 003 §四(一)).
_PIPL_HEADER = re.compile(r"身份证|居民身份|银行卡|银行账号|银行帐号|信用卡号|借记卡号|开户账号|开户帐号")


def is_vague_company_name(text: Any) -> bool:
    """True for 某科技公司, 科技有限公司, XX贸易有限公司 …: a company named by its legal form and trade only.

    A name without a legal form that does not start with 某 is not judged (it may be a person).
    """
    if not isinstance(text, str) or not text.strip():
        return False
    s = _PUNCT.sub("", simplified(unicodedata.normalize("NFKC", text)))  # uncached: called per distinct name
    masked = bool(_MASK.match(s))
    legal = s.endswith(_LEGAL_ENDINGS)  # what _LEGAL.search finds ($ after \s is removed: the very end)
    if not legal and not masked:
        return False
    core = _LEGAL.sub("", s) if legal else s
    while True:
        shorter = _LEGAL.sub("", core)
        if shorter == core:
            break
        core = shorter
    if not masked and not _REMOVABLE.issuperset(core):
        return False  # a character no trade word covers: the name says which company (most names)
    core = _TRADE.sub("", core)
    core = _PLACEHOLDER.sub("", core)
    return not core or (masked and len(core) <= 2)


def next_step_gap(text: Any) -> str | None:
    """ "date" when a next step has an action but no time, "action" when a time but no action, else None.

    Steps with neither are the older ``vague-next-step`` rule's (``继续跟进``).
    """
    s = _blank_text(text)
    if not s:
        return None
    has_time = bool(
        _TIME.search(s) or _TIME.search(to_simplified(nfkc(str(text))))
    )  # 尽快 / 及时 are no date
    has_action = bool(_ACTION.search(s))
    if has_action and not has_time:
        return "date"
    if has_time and not has_action:
        return "action"
    return None


def vague_company_names(sheet: SheetData) -> list[Finding]:
    if "name" not in sheet.columns:
        return []
    return [
        at_cell("vague-company-name", sheet, "name", row, v)
        for row, v, _ in by_distinct_text(sheet.frame["name"], is_vague_company_name)
    ]


def incomplete_next_steps(
    sheet: SheetData, clean: pd.DataFrame, *, require_date: bool = True
) -> list[Finding]:
    """next-step-no-date / next-step-no-action at the 下一步计划 cell (skipped when done or dated
    elsewhere)."""
    if "next_step" not in sheet.columns:
        return []
    col = sheet.frame["next_step"]
    col = col[col.notna()]
    if col.empty:
        return []
    skip = pd.Series(False, index=col.index)
    if "status" in clean:
        skip |= clean["status"].reindex(col.index).isin(["已完成", "已取消"])
    if "due_date" in clean:
        skip |= clean["due_date"].reindex(col.index).notna()
    out: list[Finding] = []
    for row, v, gap in by_distinct_text(col, next_step_gap):
        if skip.at[row] or (gap == "date" and not require_date):
            continue
        out.append(
            at_cell(
                "next-step-no-date" if gap == "date" else "next-step-no-action", sheet, "next_step", row, v
            )
        )
    return out


def pipl_columns(sheet: SheetData) -> list[Finding]:
    """One error at each header cell naming 身份证号 / 银行卡号, whatever the column holds."""
    out: list[Finding] = []
    for col, header in sorted(sheet.headers.items()):
        h = to_simplified(nfkc(str(header)))
        if _PIPL_HEADER.search(h):
            letter = col_letters(col + 1)
            out.append(
                Finding(
                    "pipl-column",
                    sheet=sheet.tab,
                    cell=f"{letter}{sheet.header_row}",
                    row=sheet.header_row,
                    column=letter,
                    field=str(header),
                    value=str(header),
                )
            )
    return out


def override_without_reason(sheet: SheetData, clean: pd.DataFrame) -> list[Finding]:
    """人工定级 wins over the computed grade; seed 002's review meeting records why (定级原因)."""
    if "grade_override" not in clean:
        return []
    manual = clean["grade_override"]
    reason = (
        clean["override_reason"]
        if "override_reason" in clean
        else pd.Series(None, index=clean.index, dtype=object)
    )
    blank = reason.isna() | reason.astype(str).str.strip().eq("")
    at = "override_reason" if "override_reason" in sheet.columns else "grade_override"
    return [
        at_cell("override-no-reason", sheet, at, row, manual.at[row])
        for row in clean.index[manual.isin(("S", "A", "B", "C")) & blank]
    ]


def checks(sheet: SheetData, clean: pd.DataFrame, rules: Rules) -> list[Finding]:
    """Every rule of this module over one data sheet."""
    return (
        pipl_columns(sheet)
        + vague_company_names(sheet)
        + override_without_reason(sheet, clean)
        + incomplete_next_steps(sheet, clean, require_date=bool(rules.next_step_needs_date))
    )
