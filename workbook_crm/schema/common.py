"""Fields and enumerations shared by several sheets (so each header string lives once).

Over 300 lines for a reason: most of it is the header synonyms users type for the shared columns
(客户名称 alone has 28), one per line as ruff formats them — a table, kept beside the field it names
so adding a synonym is one line in one place.
"""

from __future__ import annotations

from .base import DATE, EMAIL, ENUM, ID, NAME, PHONE, TEXT, Field

# seed 003: 潜在/意向/成交/沉睡/流失; seed 000 adds 高意向潜在客户, 长期合作客户, 流失预警客户 as labels
CUSTOMER_TYPES = (
    "潜在客户",
    "意向客户",
    "成交客户",
    "沉睡客户",
    "流失客户",
    "高意向潜在客户",
    "长期合作客户",
    "流失预警客户",
)
CUSTOMER_TYPE_SYNONYMS = (
    ("潜在", "潜在客户"),
    ("意向", "意向客户"),
    ("成交", "成交客户"),
    ("已成交", "成交客户"),
    ("合作中", "成交客户"),
    ("合作客户", "成交客户"),
    ("老客户", "成交客户"),
    ("沉睡", "沉睡客户"),
    ("休眠客户", "沉睡客户"),
    ("流失", "流失客户"),
    ("已流失", "流失客户"),
    ("高意向", "高意向潜在客户"),
    ("长期合作", "长期合作客户"),
    ("流失预警", "流失预警客户"),
    # English CRM exports (issue #11)
    ("lead", "潜在客户"),
    ("prospect", "意向客户"),
    ("active", "成交客户"),
    ("customer", "成交客户"),
    ("won", "成交客户"),
    ("inactive", "沉睡客户"),
    ("dormant", "沉睡客户"),
    ("churned", "流失客户"),
    ("lost", "流失客户"),
)
# seed 003 §三
SOURCES = ("官网表单", "展会对接", "客户转介绍", "电话咨询", "第三方平台", "线上推广", "陌拜")
SOURCE_SYNONYMS = (
    ("官网", "官网表单"),
    ("网站", "官网表单"),
    ("官网咨询", "官网表单"),
    ("官网留言", "官网表单"),
    ("展会", "展会对接"),
    ("行业展会", "展会对接"),
    ("展会获客", "展会对接"),
    ("展销会", "展会对接"),
    ("转介绍", "客户转介绍"),
    ("老客户介绍", "客户转介绍"),
    ("客户推荐", "客户转介绍"),
    ("朋友介绍", "客户转介绍"),
    ("推荐", "客户转介绍"),
    ("电话", "电话咨询"),
    ("来电", "电话咨询"),
    ("来电咨询", "电话咨询"),
    ("第三方", "第三方平台"),
    ("平台", "第三方平台"),
    ("阿里巴巴", "第三方平台"),
    ("1688", "第三方平台"),
    ("推广", "线上推广"),
    ("网络推广", "线上推广"),
    ("广告", "线上推广"),
    ("百度推广", "线上推广"),
    ("新媒体", "线上推广"),
    ("陌生拜访", "陌拜"),
    ("地推", "陌拜"),
    ("扫街", "陌拜"),
)
# seed 003: 高(紧急, 1周内) / 中(一般, 1-4周) / 低(长期, 1个月以上)
URGENCY = ("高", "中", "低")
URGENCY_SYNONYMS = (
    ("紧急", "高"),
    ("急", "高"),
    ("一般", "中"),
    ("长期", "低"),
    ("不急", "低"),
    # seed 003 §二: 按需求紧急度标注"高优先级"/"中优先级"/"低优先级"
    ("高优先级", "高"),
    ("中优先级", "中"),
    ("低优先级", "低"),
    ("高优先", "高"),
    ("中优先", "中"),
    ("低优先", "低"),
)
COMPANY_SIZES = ("微型", "小型", "中型", "大型")
NEED_TYPES = ("产品需求型", "服务需求型", "定制需求型")


def customer_id(required: bool = False) -> Field:
    return Field(
        "customer_id",
        "客户编号",
        ID,
        required,
        (
            "客户ID",
            "客户代码",
            "编号",
            "客户号",
            "客户编码",
            "门店编号",
            "ID",
            "Customer ID",
            "Customer Id",
            "CustomerCode",
            "Customer Code",
            "Client ID",
        ),
        hint="留空由工具按规则分配，如 CX202405001",
        width=14,
    )


def name(required: bool = True) -> Field:
    return Field(
        "name",
        "客户名称",
        NAME,
        required,
        (
            "客户名称/个人姓名",
            "公司名称",
            "企业名称",
            "单位名称",
            "客户姓名",
            "客户名",
            "客户",
            "名称",
            "公司",
            "店名",
            "门店名称",
            "门店",
            "线索名称",
            "Company",
            "Company Name",
            "Customer Name",
            "Customername",
            "Customer",
            "Account Name",
            "Firm",
            "客户全称",
            "公司全称",
            "企业全称",
            "单位全称",
            "Client",
            "Client Name",
            "Organization",
            "Organisation",
        ),
        hint="营业执照上的全称",
        width=28,
    )


def industry() -> Field:
    return Field("industry", "所属行业", TEXT, False, ("行业", "行业类别", "行业分类", "Industry"), width=12)


def customer_type() -> Field:
    return Field(
        "customer_type",
        "客户类型",
        ENUM,
        False,
        ("合作阶段", "客户状态", "客户阶段", "客户类型/合作阶段", "Status", "Stage", "Customer Status"),
        CUSTOMER_TYPES,
        CUSTOMER_TYPE_SYNONYMS,
        width=14,
    )


def source() -> Field:
    return Field(
        "source",
        "信息来源",
        ENUM,
        False,
        ("客户来源", "来源渠道", "来源", "获客渠道", "线索来源", "Source", "Lead Source"),
        SOURCES,
        SOURCE_SYNONYMS,
        width=12,
    )


def contact(required: bool = True) -> Field:
    return Field(
        "contact",
        "联系人",
        TEXT,
        required,
        (
            "联系人姓名",
            "对接人",
            "联系人名称",
            "姓名",
            "Contact",
            "Contact Name",
            "ContactName",
            "Full Name",
            "Name",
        ),
        width=10,
    )


def title(header: str = "职位") -> Field:
    others = tuple(
        t for t in ("职位", "职务", "岗位", "头衔", "Title", "Position", "Job Title") if t != header
    )
    return Field("title", header, TEXT, False, others, width=10)


def mobile(required: bool = False) -> Field:
    return Field(
        "mobile",
        "手机号码",
        PHONE,
        required,
        (
            "手机",
            "手机号",
            "联系电话",
            "电话",
            "联系方式",
            "电话号码",
            "移动电话",
            "联系人电话",
            "客户手机号",
            "客户手机",
            "客户电话",
            "Phone",
            "Mobile",
            "MobilePhone",
            "Mobile Phone",
            "Phone 1",
            "Cell",
        ),
        hint="11 位手机号，或带区号的座机 010-12345678",
        width=15,
    )


# issue #11: 手机 and 电话 are two fields. A header naming a mobile (手机…) is the mobile; a generic one
# (电话, 联系电话, 联系方式) is the mobile only when no such header exists, else the landline.
MOBILE_WORDS = ("手机", "移动电话", "mobile", "cell")


def landline() -> Field:
    return Field(
        "landline",
        "固定电话",
        PHONE,
        False,
        ("座机", "座机号码", "固话", "办公电话", "公司电话", "单位电话", "电话(座机)"),
        hint="座机带区号，如 0571-87654321",
        width=15,
    )


def email() -> Field:
    return Field(
        "email",
        "电子邮箱",
        EMAIL,
        False,
        ("邮箱", "邮件", "email", "e-mail", "电子邮件", "邮箱地址", "客户邮箱", "Email Address"),
        width=24,
    )


def credit_code() -> Field:
    return Field(
        "credit_code",
        "统一社会信用代码",
        "credit_code",
        False,
        ("信用代码", "社会信用代码", "统一信用代码", "税号", "纳税人识别号"),
        hint="18 位，营业执照上",
        width=22,
    )


def company_size() -> Field:
    return Field(
        "company_size",
        "企业规模",
        ENUM,
        False,
        ("规模", "公司规模", "企业人数", "员工人数", "人员规模"),
        COMPANY_SIZES,
        (("微", "微型"), ("小", "小型"), ("中", "中型"), ("大", "大型"), ("小微", "小型")),
        width=10,
    )


def first_contact(required: bool = False) -> Field:
    return Field(
        "first_contact",
        "首次接触时间",
        DATE,
        required,
        (
            "接触时间",
            "首次接触日期",
            "首次接触",
            "初次接触时间",
            "登记日期",
            "首次联系时间",
            "创建日期",
            "创建时间",
            "注册时间",
            "建档日期",
            "建档时间",
            "Created Date",
            "Created",
            "Created At",
            "Subscription Date",
            "Date Created",
        ),
        width=13,
    )


def urgency() -> Field:
    return Field(
        "urgency",
        "需求紧急程度",
        ENUM,
        False,
        ("紧急程度", "需求紧急度", "紧急度"),
        URGENCY,
        URGENCY_SYNONYMS,
        hint="高=1周内，中=1-4周，低=1个月以上",
        width=10,
    )


def decision_chain() -> Field:
    return Field("decision_chain", "决策链", TEXT, False, ("决策人", "决策流程"), width=16)


def remark() -> Field:
    return Field(
        "remark",
        "备注",
        TEXT,
        False,
        ("说明", "其他", "备注信息", "客户备注", "Notes", "Note", "Remark", "Remarks", "Comments"),
        width=24,
    )


def next_step(header: str = "下一步计划") -> Field:
    return Field(
        "next_step",
        header,
        TEXT,
        False,
        ("下一步计划", "下一步", "后续计划", "后续行动", "下步计划", "下一步行动"),
        hint="写明日期和动作，如 5月20日前联系客户确认试用反馈",
        width=28,
    )


OWNER_NAMES = (
    "负责人",
    "客户经理",
    "销售负责人",
    "跟进人",
    "销售",
    "业务员",
    "归属销售",
    "业务归属",
    "所属销售",
    "线索所有者",
    "领取客户的人",
    "归属人",
    "所属业务员",
    "销售员",
    "销售人员",
    "签约人",
    "签约人姓名",
    "Owner",
    "Sales",
    "Salesperson",
    "salesName",
    "Sales Rep",
    "Account Owner",
    "ClueOwner",
    "销售代表",
    "客户负责人",
    "所属人",
    "负责销售",
)


def owner(
    fname: str = "owner", header: str = "负责人", required: bool = False, extra: tuple[str, ...] = ()
) -> Field:
    """Whose customer it is: sales teams call this column a dozen ways (issue #11)."""
    return Field(
        fname, header, TEXT, required, tuple(n for n in (*OWNER_NAMES, *extra) if n != header), width=10
    )


def user_level() -> Field:
    """The user's own level of a customer (客户级别 A/B/C, 重要/一般): read, shown beside our grade,
    never overwritten."""
    return Field(
        "user_level",
        "客户级别",
        TEXT,
        False,
        ("客户等级", "等级", "级别", "客户分级", "Level", "Tier", "Rating"),
        width=10,
    )


def next_contact() -> Field:
    """A next-contact date the user keeps on the customer row: it feeds the reminders (issue #11)."""
    return Field(
        "next_contact",
        "下次联系时间",
        DATE,
        False,
        (
            "下次跟进时间",
            "下次联系日期",
            "下次跟进日期",
            "下次回访时间",
            "计划回访时间",
            "下次拜访时间",
            "Next Contact",
            "Next Follow-up",
            "Next Follow Up",
        ),
        width=13,
    )


def date_field(fname: str, header: str, synonyms: tuple[str, ...] = (), required: bool = False) -> Field:
    return Field(fname, header, DATE, required, synonyms, width=13)
