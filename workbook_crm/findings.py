"""Findings: data problems, collected (never raised), each at the cell a user clicks.

One catalog holds every check: a stable code, its severity and its message in Chinese and English
with a fix hint. ``docs/CHECKS.md`` is generated from it (``python -m workbook_crm.findings``) and a
test keeps the two in step.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import Any

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class Check:
    """One entry of the catalog. Templates use ``{value}``, ``{field}`` and the finding's params."""

    code: str
    severity: str
    zh: str
    en: str
    hint_zh: str = ""
    hint_en: str = ""


def _c(code: str, severity: str, zh: str, en: str, hint_zh: str = "", hint_en: str = "") -> Check:
    return Check(code, severity, zh, en, hint_zh, hint_en)


# The one catalog. Codes are stable: tests, JSON consumers and 校验问题 rows depend on them.
_CHECKS = [
    # --- structure ---------------------------------------------------------------------------
    _c(
        "missing-column",
        ERROR,
        "缺少必填列「{field}」",
        "required column '{field}' is missing",
        "在表头行加上这一列（可用 workbook-crm init 生成的模板对照）",
        "add the column to the header row (compare with `workbook-crm init`)",
    ),
    _c(
        "duplicate-column",
        WARNING,
        "列「{field}」出现了两次，只读取第一列",
        "column '{field}' appears twice; only the first is read",
        "删除或改名重复的列",
        "remove or rename the duplicate column",
    ),
    _c(
        "no-header",
        ERROR,
        "工作表「{sheet_name}」找不到表头行",
        "sheet '{sheet_name}' has no recognisable header row",
        "在标题下方一行写表头（可用 workbook-crm init 生成的模板对照）",
        "put the header row under the title (compare with `workbook-crm init`)",
    ),
    _c(
        "missing-sheet",
        WARNING,
        "没有找到工作表「{sheet_name}」",
        "sheet '{sheet_name}' not found",
        "如需该功能，请添加该工作表",
        "add the sheet if you need what it feeds",
    ),
    # --- values --------------------------------------------------------------------------------
    _c(
        "required",
        ERROR,
        "必填项「{field}」为空",
        "required field '{field}' is empty",
        "填写该单元格",
        "fill in the cell",
    ),
    _c(
        "bad-number",
        ERROR,
        "「{field}」应为数字，实际为「{value}」",
        "'{field}' should be a number, got '{value}'",
        "只填写数字（金额可带 万/元）",
        "type a number (money may carry 万/元)",
    ),
    _c(
        "bad-enum",
        WARNING,
        "「{field}」的值「{value}」不在可选范围内：{allowed}",
        "'{field}' value '{value}' is not one of: {allowed}",
        "从下拉列表中选择，或在规则配置「可选值-{field}」中加入这个值",
        "pick a value from the dropdown, or add it to 规则配置 '可选值-{field}'",
    ),
    _c(
        "out-of-range",
        ERROR,
        "「{field}」的值「{value}」超出范围 {low}–{high}",
        "'{field}' value '{value}' is outside {low}–{high}",
        "填写范围内的数值",
        "type a value within the range",
    ),
    _c(
        "bad-date",
        ERROR,
        "「{field}」无法识别为日期：「{value}」",
        "'{field}' is not a readable date: '{value}'",
        "按 YYYY-MM-DD 填写，例如 2024-05-10",
        "write it as YYYY-MM-DD, e.g. 2024-05-10",
    ),
    _c(
        "ambiguous-date",
        WARNING,
        "日期「{value}」有歧义（可能是 {options}），未自动改写",
        "date '{value}' is ambiguous ({options}); left as typed",
        "按 YYYY-MM-DD 重新填写",
        "retype it as YYYY-MM-DD",
    ),
    _c(
        "yearless-date",
        WARNING,
        "日期「{value}」没有年份，按上下文推断为 {guess}",
        "date '{value}' has no year; inferred {guess}",
        "补全年份",
        "add the year",
    ),
    _c(
        "date-range",
        WARNING,
        "「{value}」是日期范围，取开始日期 {start}（结束 {end}）",
        "'{value}' is a date range; using the start {start} (end {end})",
        "如需区分，请分成开始和结束两列",
        "split it into start and end columns if both matter",
    ),
    _c(
        "future-date",
        WARNING,
        "「{field}」{value} 晚于今天/评估日 {asof}",
        "'{field}' {value} is after today / the as-of date {asof}",
        "检查是否录错年份或月份",
        "check the year and month",
    ),
    _c(
        "date-order",
        ERROR,
        "「{field}」{value} 早于「{other_field}」{other}",
        "'{field}' {value} is before '{other_field}' {other}",
        "检查两个日期的先后",
        "check the order of the two dates",
    ),
    _c(
        "late-entry",
        WARNING,
        "录入时间比首次接触晚 {days} 个工作日（要求 ≤{limit}）",
        "entered {days} working days after first contact (limit {limit})",
        "首次接触后 2 个工作日内录入",
        "enter leads within 2 working days of first contact",
    ),
    _c(
        "bad-phone",
        ERROR,
        "「{field}」不是有效的电话号码：「{value}」",
        "'{field}' is not a valid phone number: '{value}'",
        "手机填 11 位数字，座机带区号，如 010-12345678",
        "mobiles have 11 digits; landlines carry an area code, e.g. 010-12345678",
    ),
    _c(
        "masked-phone",
        ERROR,
        "「{field}」是打码或不完整的号码：「{value}」，无法自动修复",
        "'{field}' is masked or truncated: '{value}'; cannot be fixed",
        "向客户或负责人确认完整号码",
        "ask for the full number",
    ),
    _c(
        "multiple-phones",
        WARNING,
        "一个单元格里有多个号码，单元格保持原样，按第一个 {kept} 使用；其余：{rest}",
        "several numbers in one cell; left as typed, {kept} (the first) is used; the rest: {rest}",
        "如需分开，请把其余号码放到备注或另一联系人行",
        "to separate them, move the other numbers to a remark or another contact",
    ),
    _c(
        "bad-email",
        ERROR,
        "「{field}」不是有效的邮箱：「{value}」",
        "'{field}' is not a valid email: '{value}'",
        "格式如 name@company.com",
        "use the form name@company.com",
    ),
    _c(
        "bad-credit-code",
        ERROR,
        "统一社会信用代码「{value}」无效（{reason}）",
        "unified social credit code '{value}' is invalid ({reason})",
        "核对营业执照上的 18 位代码",
        "check the 18-character code on the business licence",
    ),
    _c(
        "bad-money",
        ERROR,
        "「{field}」无法识别为金额：「{value}」",
        "'{field}' is not a readable amount: '{value}'",
        "如 50万、500000、50-80万 或 待确认",
        "e.g. 50万, 500000, 50-80万 or 待确认",
    ),
    _c(
        "bad-percent",
        ERROR,
        "「{field}」无法识别为百分比：「{value}」",
        "'{field}' is not a readable percentage: '{value}'",
        "如 92% 或 0.92",
        "e.g. 92% or 0.92",
    ),
    # --- customer IDs and references -----------------------------------------------------------
    _c(
        "bad-id",
        ERROR,
        "客户编号「{value}」格式不对（应为 {pattern}）",
        "customer ID '{value}' does not match {pattern}",
        "按编号规则改正，或清空后由工具重新分配",
        "fix it, or clear it and let the tool assign one",
    ),
    _c(
        "duplicate-id",
        ERROR,
        "客户编号「{value}」重复（另见 {other}）",
        "customer ID '{value}' is used twice (also {other})",
        "一客一档：每个客户只用一个编号",
        "one customer, one ID",
    ),
    _c(
        "id-overflow",
        ERROR,
        "编号前缀 {prefix} 的序号已用完（最大 {max}），无法分配新编号",
        "sequence for prefix {prefix} is exhausted (max {max})",
        "在规则配置中加宽序号位数",
        "widen the sequence in 规则配置",
    ),
    _c(
        "unknown-customer",
        ERROR,
        "客户编号「{value}」在客户档案中不存在",
        "customer ID '{value}' is not in 客户档案",
        "先在客户档案中建档，或改正编号",
        "file the customer in 客户档案 first, or fix the ID",
    ),
    _c(
        "duplicate-customer",
        ERROR,
        "与 {other} 是同一客户（{key} 相同：{value}）",
        "same customer as {other} (same {key}: {value})",
        "一客一档：合并两条记录",
        "one customer, one record: merge them",
    ),
    _c(
        "possible-duplicate",
        WARNING,
        "疑似与 {other} 重复（相似度 {score}）",
        "possibly the same customer as {other} (score {score})",
        "在「疑似重复」表的处理意见中填写 合并/保留/不是重复",
        "decide in 疑似重复: 合并 / 保留 / 不是重复",
    ),
    # --- content rules -------------------------------------------------------------------------
    _c(
        "vague-next-step",
        WARNING,
        "下一步计划「{value}」没有具体时间和动作",
        "next step '{value}' has no date or concrete action",
        "写成「5月20日前联系客户确认试用反馈」这样的具体计划",
        "write e.g. '5月20日前联系客户确认试用反馈'",
    ),
    _c(
        "vague-need",
        WARNING,
        "需求描述「{value}」过于笼统",
        "need '{value}' is too vague",
        "写清产品、数量、预算或时间",
        "name the product, quantity, budget or timing",
    ),
    _c(
        "personal-id-number",
        ERROR,
        "单元格中含有身份证号，不得采集",
        "the cell holds a resident ID number, which must not be collected",
        "删除身份证号",
        "delete the ID number",
    ),
    _c(
        "bank-card-number",
        ERROR,
        "单元格中含有银行卡号，不得采集",
        "the cell holds a bank card number, which must not be collected",
        "删除银行卡号",
        "delete the card number",
    ),
    # --- issue #13: content rules the seeds name (seed 003 §二(三), 模板说明, §四(一)) -------------
    _c(
        "vague-company-name",
        WARNING,
        "客户名称「{value}」不是具体的公司名",
        "customer name '{value}' names no particular company",
        "按营业执照填写全称（如「上海甲科技有限公司」），不要写「某科技公司」",
        "write the full name on the business licence, not '某科技公司'",
    ),
    _c(
        "next-step-no-date",
        WARNING,
        "下一步计划「{value}」没有时间节点",
        "next step '{value}' has no date",
        "写明完成日期，如「5月15日前提供报价单」，或填写计划完成日期",
        "add a date, e.g. '5月15日前提供报价单', or fill 计划完成日期",
    ),
    _c(
        "next-step-no-action",
        WARNING,
        "下一步计划「{value}」没有具体动作",
        "next step '{value}' names no concrete action",
        "写明要做什么，如「5月20日前联系客户确认试用反馈」",
        "say what will be done, e.g. '5月20日前联系客户确认试用反馈'",
    ),
    _c(
        "pipl-column",
        ERROR,
        "列「{value}」收集身份证号或银行卡号，《个人信息保护法》规定不得收集",
        "column '{value}' collects ID or bank card numbers, which must not be collected (PIPL)",
        "删除整列（连同已填写的号码）",
        "delete the whole column, with any numbers already typed",
    ),
    _c(
        "override-no-reason",
        WARNING,
        "人工定级 {value} 没有填写定级原因",
        "manual grade {value} has no reason",
        "在「定级原因」写明季度评审的理由（seed 002：季度评审会确认最终级别）",
        "record the review's reason in 定级原因",
    ),
    _c(
        "merge-conflict",
        WARNING,
        "合并到 {survivor} 时「{field}」不一致：保留 {kept}，被合并客户为 {value}",
        "merging into {survivor}: '{field}' differs; kept {kept}, the merged customer had {value}",
        "核对后手动改正存续客户的值",
        "check and correct the survivor's value by hand if needed",
    ),
    _c(
        "returning-lead-contact",
        WARNING,
        "已建档客户 {customer} 再次登记，「{field}」不同：档案 {old}，本次 {value}",
        "returning lead of {customer}: '{field}' differs (archive {old}, now {value})",
        "在「疑似重复」表该行的处理意见填写 更新（改档案）或 保留",
        "answer 更新 (update the archive) or 保留 in 疑似重复",
    ),
    # --- issue #13: timeliness (seeds 000, 004); open items are 跟进提醒 rows naming the same code ---
    _c(
        "late-first-visit",
        WARNING,
        "签约（{start}）后 {elapsed} 才首次回访，要求 {limit} 内",
        "first visit {elapsed} after signing ({start}); limit {limit}",
        "新客户签约后 7 天内完成首次回访（seed 004）",
        "visit new customers within 7 days of signing (seed 004)",
    ),
    _c(
        "late-first-training",
        WARNING,
        "签约（{start}）后 {elapsed} 才提供培训，要求 {limit} 内",
        "first training {elapsed} after signing ({start}); limit {limit}",
        "签约后 30 天内提供产品使用培训（seed 004）",
        "train new customers within 30 days of signing (seed 004)",
    ),
    _c(
        "late-fair-follow-up",
        WARNING,
        "展会线索（首次接触 {start}）{elapsed} 后才跟进，要求 {limit} 内",
        "trade-fair lead (first contact {start}) followed up after {elapsed}; limit {limit}",
        "展会会后 48 小时内跟进（seed 004）",
        "follow trade-fair leads up within 48 hours (seed 004)",
    ),
    _c(
        "late-referral-contact",
        WARNING,
        "转介绍线索（首次接触 {start}）{elapsed} 后才联系，要求 {limit} 内",
        "referral lead (first contact {start}) contacted after {elapsed}; limit {limit}",
        "转介绍成功后 24 小时内联系确认（seed 000）",
        "contact referrals within 24 hours (seed 000)",
    ),
    _c(
        "late-complaint",
        WARNING,
        "投诉（{start}）用了 {elapsed} 才处理完，要求 {limit} 内",
        "complaint of {start} closed after {elapsed}; limit {limit}",
        "投诉在 3 个工作日内解决并反馈结果（seed 004）",
        "close complaints within 3 working days (seed 004)",
    ),
    _c(
        "late-response",
        WARNING,
        "客户问题（{start}）{elapsed} 后才响应，要求 {limit} 内",
        "customer issue of {start} answered after {elapsed}; limit {limit}",
        "24 小时内响应客户问题（seed 004）",
        "answer customer issues within 24 hours (seed 004)",
    ),
    _c(
        "late-solution",
        WARNING,
        "客户问题（{start}）{elapsed} 后才提供解决方案，要求 {limit} 内",
        "solution to the issue of {start} after {elapsed}; limit {limit}",
        "48 小时内提供解决方案（seed 004）",
        "provide a solution within 48 hours (seed 004)",
    ),
    _c(
        "improvement-overdue",
        WARNING,
        "改进措施已过完成时限 {value}，「{indicator}」仍未达标（责任人 {owner}）",
        "improvement action past its deadline {value} while '{indicator}' is still missed (owner {owner})",
        "责任人完成改进措施，或更新完成时限",
        "the owner completes the action or sets a new deadline",
    ),
    # --- rules and computations ----------------------------------------------------------------
    _c(
        "bad-rule",
        ERROR,
        "规则「{field}」的值「{value}」无效，已使用默认值 {default}",
        "rule '{field}' value '{value}' is invalid; using the default {default}",
        "填写有效数值",
        "type a valid value",
    ),
    _c(
        "bad-target",
        ERROR,
        "目标值「{value}」无法识别",
        "target '{value}' cannot be read",
        "如 ≥95%、≤3000、不低于50",
        "e.g. ≥95%, ≤3000, 不低于50",
    ),
    _c(
        "gap-mismatch",
        WARNING,
        "手填差异率 {value} 与计算值 {computed} 不一致",
        "typed gap {value} differs from the computed {computed}",
        "差异率 =（实际−目标）/目标；差值请另列",
        "gap rate = (actual − target) / target; put the difference elsewhere",
    ),
    # --- #14 items 1, 11 (i14-data): one odd cell is a finding; new customers never overwrite a footer
    _c(
        "date-before-1904",
        ERROR,
        "「{field}」的日期「{value}」早于 1904-01-01，本工作簿使用 1904 日期系统，无法写成日期，保持原样",
        "'{field}' date '{value}' is before 1904-01-01, which this 1904-date-system workbook cannot hold as a date; left as typed",
        "核对年份；确需 1904 年前的日期时，在 Excel 选项中关闭「使用 1904 日期系统」",
        "check the year; to keep such dates, turn off Excel's '1904 date system'",
    ),
    _c(
        "footer-blocks-intake",
        WARNING,
        "「{value}」行（第 {row} 行）上方无法安全插入新客户，本次未建档 {count} 条登记：{reason}",
        "new customers cannot be placed safely above the footer row '{value}' (row {row}); {count} registration(s) not filed: {reason}",
        "把合计行移开或删除后再运行，登记表中的客户会在下次运行时建档",
        "move or remove the footer row and run again; the registrations are filed on the next run",
    ),
    # --- issue #14 (i14-pkg): what the write-back leaves as the user made it -----------------------
    _c(
        "formula-kept",
        WARNING,
        "单元格是公式，未改写为「{new}」",
        "the cell holds a formula; not replaced by '{new}'",
        "如需修改，请改公式或它引用的单元格",
        "change the formula or the cells it reads, if needed",
    ),
    _c(
        "array-formula-kept",
        WARNING,
        "单元格在数组公式区域 {range} 内，未改写为「{new}」",
        "the cell is inside the array formula {range}; not replaced by '{new}'",
        "数组公式重算时会覆盖单元格的值：请改公式或它引用的单元格",
        "an array formula recalculates over the cell: change the formula or its inputs",
    ),
    _c(
        "sheet-not-ours",
        WARNING,
        "工作表「{sheet_name}」不是本工具生成的（{reason}），结果已写入「{target}」",
        "sheet '{sheet_name}' was not written by workbook-crm ({reason_en}); the results went to '{target}'",
        "如需本工具接管，请删除或改名该工作表",
        "delete or rename that sheet to let workbook-crm write it",
    ),
    # --- issue #11 (i11-recog): workbooks that are not our template --------------------------------
    _c(
        "unknown-customer-name",
        WARNING,
        "客户「{value}」不在客户档案中",
        "customer '{value}' is not in 客户档案",
        "如是新客户，请在客户档案中建档；如是同一客户的不同写法，请统一名称",
        "file the customer, or write the name as in 客户档案",
    ),
    _c(
        "bad-mapping",
        WARNING,
        "字段映射「{field}」指向的「{value}」不是「{sheet_name}」的字段，已忽略",
        "mapping '{field}' names '{value}', which is not a field of '{sheet_name}'; ignored",
        "值填写该表的列名，如 客户名称、手机号码，或填 忽略",
        "use a column name of that sheet (e.g. 客户名称) or 忽略",
    ),
]

# --- issue #11 (i11-conv): two phone fields, house conventions, one finding per repeated problem ----
_CHECKS += [
    _c(
        "no-area-code",
        WARNING,
        "「{field}」「{value}」是本地号码，缺区号，按原样保留",
        "'{field}' '{value}' is a local number without its area code; kept as typed",
        "如知道区号，请补上，如 0571-3177332",
        "add the area code if known, e.g. 0571-3177332",
    ),
    _c(
        "no-contact",
        ERROR,
        "没有任何联系方式（{fields} 都为空）",
        "no way to reach the customer ({fields} all empty)",
        "至少填写一个手机、电话或邮箱",
        "fill in at least a mobile, a phone or an email",
    ),
    _c(
        "mixed-ids",
        WARNING,
        "客户编号不是一种可以续编的写法（{count} 种，如 {examples}），未逐格报错；新编号按 {pattern} 分配",
        "customer IDs follow no scheme that can be continued ({count} kinds, e.g. {examples}); not reported cell by cell; new IDs follow {pattern}",
        "如要统一，在规则配置「客户编号规则」中写明编号规则",
        "set 客户编号规则 in 规则配置 to settle one scheme",
    ),
    _c(
        "own-column",
        WARNING,
        "列「{value}」的值都不在「{field}」的可选范围内，按本表自己的列处理（不校验、不改写）",
        "column '{value}' never holds a '{field}' value; treated as the sheet's own column (not checked, not changed)",
        "如确是「{field}」，请在规则配置「可选值-{field}」中加入这些值",
        "if it is '{field}', add its values to 规则配置 '可选值-{field}'",
    ),
]

CATALOG: dict[str, Check] = {c.code: c for c in _CHECKS}


def register(check: Check) -> Check:
    """Add a check (used by modules that own a rule); codes must stay unique."""
    if check.code in CATALOG:
        raise ValueError(f"duplicate check code {check.code}")
    CATALOG[check.code] = check
    return check


class _Default(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


@dataclass
class Finding:
    """A data problem at one cell (or a whole column/sheet when ``cell`` is a header or empty)."""

    code: str
    sheet: str = ""
    cell: str = ""
    row: int | None = None
    column: str = ""
    field: str = ""
    value: Any = None
    params: dict[str, Any] = dc_field(default_factory=dict)
    cells: tuple[str, ...] = ()  # issue #11: one problem repeated down a column — every cell it was found at

    @property
    def count(self) -> int:
        return len(self.cells) or 1

    @property
    def check(self) -> Check:
        return CATALOG[self.code]

    @property
    def severity(self) -> str:
        return self.check.severity

    def message(self, lang: str = "zh") -> str:
        c = self.check
        template = c.zh if lang == "zh" else c.en
        mapping = _Default({k: _clip(_show(v)) for k, v in self.params.items()})
        mapping.update(value=_clip(_show(self.value)), field=self.field)
        text = template.format_map(mapping)
        if self.cells:
            shown = "、".join(self.cells[:EXAMPLES]) + ("…" if len(self.cells) > EXAMPLES else "")
            text += (
                f"——本列共 {len(self.cells)} 处：{shown}"
                if lang == "zh"
                else f" — {len(self.cells)} cells in this column: {shown}"
            )
        return text

    def hint(self, lang: str = "zh") -> str:
        return self.check.hint_zh if lang == "zh" else self.check.hint_en

    def to_record(self, lang: str = "zh") -> dict[str, Any]:
        rec = {
            "code": self.code,
            "severity": self.severity,
            "sheet": self.sheet,
            "cell": self.cell,
            "row": self.row,
            "column": self.column,
            "field": self.field,
            "value": _json_value(self.value),
            "message": self.message(lang),
            "hint": self.hint(lang),
        }
        if self.cells:
            rec["count"] = len(self.cells)
            rec["cells"] = list(self.cells)
        return rec

    def key(self) -> tuple[str, str, str]:
        return (self.sheet, self.cell, self.code)


@dataclass
class Change:
    """A planned or applied edit of one cell: what the write-back does and 变更记录 logs."""

    sheet: str
    cell: str
    old: Any
    new: Any
    rule: str
    field: str = ""
    row: int | None = None

    def to_record(self) -> dict[str, Any]:
        return {
            "sheet": self.sheet,
            "cell": self.cell,
            "old": _json_value(self.old),
            "new": _json_value(self.new),
            "rule": self.rule,
        }


@dataclass
class Result:
    """What a validate or run produced; shared by the CLI, the writers and the tests."""

    file: str
    findings: list[Finding] = dc_field(default_factory=list)
    changes: list[Change] = dc_field(default_factory=list)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == ERROR]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == WARNING]

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def exit_code(self) -> int:
        return 0 if self.ok else 1

    def counts(self) -> dict[str, int]:
        c = Counter(f.severity for f in self.findings)
        return {ERROR: c.get(ERROR, 0), WARNING: c.get(WARNING, 0)}

    def keys(self) -> set[tuple[str, str, str]]:
        return {f.key() for f in self.findings}

    def to_records(self, lang: str = "zh") -> list[dict[str, Any]]:
        return [f.to_record(lang) for f in self.findings]

    def to_json_obj(self, lang: str = "zh") -> dict[str, Any]:
        obj: dict[str, Any] = {
            "file": self.file,
            "ok": self.ok,
            "counts": self.counts(),
            "findings": self.to_records(lang),
        }
        return obj


def _show(value: Any) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if hasattr(value, "strftime"):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


SHOW_LIMIT = 200  # characters of a cell value quoted in a message (a note must fit in a cell)


def _clip(value: Any) -> Any:
    """A value quoted in a message: long texts are cut (a 32,767-character cell would make our note
    and the 校验问题 row longer than Excel allows; #14 item 11)."""
    if isinstance(value, str) and len(value) > SHOW_LIMIT:
        return f"{value[: SHOW_LIMIT - 20]}…（{len(value):,}）"
    return value


def _json_value(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return None if value != value else value
    if hasattr(value, "isoformat"):
        return (
            value.isoformat()[:10]
            if getattr(value, "hour", 0) == 0 and getattr(value, "minute", 0) == 0
            else value.isoformat()
        )
    return str(value)


EXAMPLES = 5  # cells named in the message of an aggregated finding (JSON lists them all)
# Problems that are each their own (a pair of customers, a clash of two IDs): never aggregated.
_SINGLE = frozenset({"duplicate-id", "duplicate-customer", "possible-duplicate"})


def aggregate(findings: Iterable[Finding], header_rows: dict[str, int], *, min_count: int) -> list[Finding]:
    """One problem repeated down a column → one finding at its header cell, with every cell listed.

    A manager acts on "手机号码: 37 masked numbers", not on 37 rows of the same sentence; the cells are
    not each marked (the header is). Groups are (sheet, column, code); fewer than ``min_count``
    stay cell by cell, as do problems between two rows (duplicates).
    """
    items = list(findings)
    groups: dict[tuple[str, str, str], list[Finding]] = {}
    for f in items:
        if f.column and f.row and f.sheet in header_rows and f.code not in _SINGLE and not f.cells:
            groups.setdefault((f.sheet, f.column, f.code), []).append(f)
    merged: dict[int, Finding] = {}
    drop: set[int] = set()
    for (sheet, column, _), group in groups.items():
        if len(group) < max(2, min_count):
            continue
        first = group[0]
        hr = header_rows[sheet]
        merged[id(first)] = Finding(
            first.code,
            sheet=sheet,
            cell=f"{column}{hr}",
            row=hr,
            column=column,
            field=first.field,
            value=first.value,
            params=dict(first.params),
            cells=tuple(f.cell for f in group),
        )
        drop.update(id(f) for f in group[1:])
    return [merged.get(id(f), f) for f in items if id(f) not in drop]


def sort_findings(findings: Iterable[Finding]) -> list[Finding]:
    """Order by sheet, row, column: the order a user walks the workbook."""
    return sorted(findings, key=lambda f: (f.sheet, f.row or 0, len(f.column), f.column, f.code))


def catalog_markdown() -> str:
    """The documentation of every check, generated from the catalog."""
    lines = [
        "# Check codes",
        "",
        "Generated from `workbook_crm/findings.py` by `python -m workbook_crm.findings`.",
        "",
        "| code | severity | 中文 | English | 建议 / fix |",
        "|---|---|---|---|---|",
    ]
    for c in CATALOG.values():
        lines.append(f"| `{c.code}` | {c.severity} | {c.zh} | {c.en} | {c.hint_zh} / {c.hint_en} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":  # pragma: no cover
    print(catalog_markdown(), end="")
