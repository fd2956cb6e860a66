"""Real CRM-shaped files made by other people (../shared/realworld, issue #11).

Per file: the kind each tab is taken for and the fields its columns map to — what a sales admin would
say (the folder's README) — through the real `inspect` command, and the exact list of errors of the
real `validate` command: equality, so a false error fails. The files are read in place, never copied
into the repository; the tests skip where the folder is absent.
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from conftest import cli, cli_json, sha256
from python_calamine import CalamineWorkbook

REAL = Path(__file__).resolve().parent.parent.parent / "shared" / "realworld"
pytestmark = pytest.mark.skipif(not (REAL / "README.md").exists(), reason="../shared/realworld absent")
MONTH = "2026-11"

# file -> {tab: (kind, {header: field}, [the user's own columns], data rows)}
EXPECTED: dict[str, dict[str, tuple[str, dict[str, str], list[str], int]]] = {
    "lead__客户导入模板.xlsx": {
        "客户导入模板": (
            "客户档案",
            {
                "名称": "name",
                "联系人": "contact",
                "电话": "mobile",
                "需求": "core_need",
                "地址": "reg_address",
            },
            ["微信", "类型", "区域"],
            3,
        )
    },
    "mbg__客户导入模板.xls": {
        "Sheet1": (
            "客户档案",
            {
                "客户名称": "name",
                "公司规模": "company_size",
                "手机号码": "mobile",
                "详细地址": "reg_address",
                "客户来源": "source",
                "客户级别": "user_level",
                "固定电话": "landline",
            },
            ["企业性质", "注册资金", "官网"],
            1,
        )
    },
    "mbg__客户导入模板.xlsx": {
        "Sheet1": (  # the 必填/选填 hint row under the example is not a customer
            "客户档案",
            {
                "客户名称": "name",
                "手机号码": "mobile",
                "详细地址": "reg_address",
                "客户来源": "source",
                "客户级别": "user_level",
            },
            ["企业性质", "官网", "公司简介"],
            1,
        )
    },
    "mbg__合同导入模板.xls": {
        "Sheet1": (
            "交易记录",
            {"客户名": "customer_name", "合同起始日期": "deal_date", "合同金额": "amount"},
            ["合同编号", "付款方式"],
            0,
        )
    },
    "mbg__Sales.xlsx": {
        "Sheet1": (
            "交易记录",
            {"date": "deal_date", "buName": "customer_name", "salesName": "owner", "amount": "amount"},
            ["billNo", "location"],
            24,
        )
    },
    "jsh__customer_template.xls": {
        "信息": (  # the note row above the header is skipped
            "客户档案",
            {
                "名称*": "name",
                "手机号码": "mobile",
                "联系电话": "landline",
                "纳税人识别号": "credit_code",
                "联系人": "contact",
            },
            ["传真", "期初应收", "开户行"],
            2,
        )
    },
    "vue3p__客户导入模板.xlsx": {
        "sheet-1": (  # the English second header row is not data
            "客户档案",
            {"客户姓名": "name", "电话": "mobile"},
            ["股票代码", "员工数量"],
            1,
        )
    },
    "vue3p__线索导入模板.xlsx": {
        "sheet-1": (
            "客户档案",
            {"线索所有者": "owner", "公司": "name", "姓名": "contact", "手机号": "mobile"},
            ["所属区域"],
            0,
        )
    },
    "vue3p__商机导入模板.xlsx": {
        "sheet-1": ("交易记录", {"客户编号": "customer_id", "预期收入": "amount"}, ["概率", "阶段"], 1)
    },
    "spaceflight__客户导入模板.xlsx": {
        "Sheet1": (
            "客户档案",
            {
                "客户编号": "customer_id",
                "客户名称": "name",
                "地址": "reg_address",
                "联系人": "contact",
                "联系方式": "mobile",
            },
            ["所属代理", "客服姓名"],
            0,
        )
    },
    "dafb__销售数据.xlsx": {
        "销售数据": (
            "交易记录",
            {
                "客户名称": "customer_name",
                "销售日期": "deal_date",
                "销售数量": "quantity",
                "单价": "unit_price",
            },
            ["销售区域"],
            20,
        )
    },
    "leisoft__客户清单.xlsx": {
        "Sheet1": (
            "交易记录",
            {"客户名称": "customer_name", "理财金额": "amount", "合同日期": "deal_date"},
            ["起始日期", "截止日期"],
            4,
        )
    },
    "en__nanle_customers.xlsx": {
        "Customers": (
            "客户档案",
            {
                "ID": "customer_id",
                "Company": "name",
                "Full Name": "contact",
                "Email": "email",
                "Status": "customer_type",
                "Deal Value": "total_amount",
                "Created Date": "first_contact",
            },
            ["Phone", "Last Updated"],
            16,
        ),  # +1-555-… numbers: the workbook's own column, kept as typed
        "Activity Log": (
            "客户跟进记录表",
            {
                "Customer ID": "customer_id",
                "Action": "method",
                "Notes": "content",
                "Timestamp": "follow_date",
            },
            ["Log ID"],
            20,
        ),
    },
    "en__customers-100.csv": {
        "en__customers-100": (
            "客户档案",
            {
                "Customer Id": "customer_id",
                "Company": "name",
                "Email": "email",
                "Subscription Date": "first_contact",
            },
            ["Phone 1", "Phone 2", "Website", "Index"],
            6,
        )
    },
}
# What a person would call truly wrong in these files: nothing (templates, samples, exports).
EXPECTED_ERRORS: dict[str, list[tuple[str, str, str]]] = {name: [] for name in EXPECTED}
REFUSED = ("kwm__客户.xlsx", "ratecalc__客户表.xlsx", "wpda__客户信息.csv", "mbg__销售业绩汇总表.xlsx")


def test_every_file_is_covered() -> None:
    files = {p.name for p in REAL.iterdir() if p.suffix.lower() in (".xlsx", ".xls", ".csv")}
    assert files == set(EXPECTED) | set(REFUSED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_sheet_kinds_and_fields_as_a_person_maps_them(name: str) -> None:
    code, obj = cli_json("inspect", str(REAL / name))
    assert code == 0
    got = {s["tab"]: s for s in obj["sheets"] if s["kind"]}
    assert {tab: s["kind"] for tab, s in got.items()} == {tab: e[0] for tab, e in EXPECTED[name].items()}
    for tab, (_, fields, users, rows) in EXPECTED[name].items():
        mapped = {c["header"]: c["field_key"] for c in got[tab]["columns"]}
        assert {h: mapped.get(h) for h in fields} == fields
        assert {h: mapped.get(h) for h in users} == {h: "" for h in users}  # the user's own columns
        assert got[tab]["rows"] == rows
        assert got[tab]["reason"]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_errors_are_exactly_what_is_wrong(name: str) -> None:
    before = sha256(REAL / name)
    code, obj = cli_json("validate", str(REAL / name), "--month", MONTH)
    errors = sorted((f["sheet"], f["cell"], f["code"]) for f in obj["findings"] if f["severity"] == "error")
    assert errors == sorted(EXPECTED_ERRORS[name])
    assert code == (1 if EXPECTED_ERRORS[name] else 0)
    assert sha256(REAL / name) == before


def test_a_real_error_in_a_real_file_is_found_exactly(tmp_path: Path) -> None:
    """The equality above is not vacuous: one broken email in the lead list is that one error."""
    p = tmp_path / "leads.xlsx"
    wb = openpyxl.load_workbook(REAL / "lead__客户导入模板.xlsx")
    wb.active["D3"] = "li@@yy.com"
    wb.save(p)
    code, obj = cli_json("validate", str(p), "--month", MONTH)
    assert sorted(
        (f["sheet"], f["cell"], f["code"]) for f in obj["findings"] if f["severity"] == "error"
    ) == [("客户导入模板", "D3", "bad-email")]
    assert code == 1


@pytest.mark.parametrize("name", REFUSED)
def test_negative_controls_refused_with_one_line(name: str) -> None:
    before = sha256(REAL / name)
    code, out, err = cli("validate", str(REAL / name))
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and name in err and "Traceback" not in err
    assert sha256(REAL / name) == before


def test_a_ledger_alone_has_nothing_to_grade_and_gets_no_sheets(tmp_path: Path) -> None:
    p = tmp_path / "sales.xlsx"
    p.write_bytes((REAL / "mbg__Sales.xlsx").read_bytes())  # a writable copy
    before = sha256(p)
    code, out, err = cli("run", str(p), "--month", MONTH)
    assert code == 2 and len(err.strip().splitlines()) == 1 and "没有可评级的客户" in err
    assert sha256(p) == before
    assert CalamineWorkbook.from_path(str(p)).sheet_names == ["Sheet1", "Sheet2", "Sheet3"]


def test_a_lone_customer_list_is_graded(tmp_path: Path) -> None:
    """The most common real shape: one list of customers, no IDs. It is the 客户档案: graded, summarised."""
    p = tmp_path / "leads.xlsx"
    p.write_bytes((REAL / "lead__客户导入模板.xlsx").read_bytes())  # a writable copy
    code, out, err = cli("run", str(p), "--month", MONTH, "--summary", str(tmp_path / "s.xlsx"))
    assert code == 0, err
    book = CalamineWorkbook.from_path(str(p))
    tiers = book.get_sheet_by_name("客户分层").to_python()
    assert [r[1] for r in tiers[1:]] == ["XX小区物业管理处", "YY建材市场", "ZZ工厂"]
    assert [r[0] for r in tiers[1:]] == ["第2行", "第3行", "第4行"]  # no ID column: known by their row
    # a lead list holds no amounts: graded 待评级, and the reason names what is missing
    assert [r[tiers[0].index("客户等级")] for r in tiers[1:]] == ["待评级"] * 3
    assert all("缺失" in r[tiers[0].index("评级依据")] for r in tiers[1:])
    assert openpyxl.load_workbook(tmp_path / "s.xlsx").sheetnames[0] == "概览"
    # the user's own sheet is untouched cell for cell
    src = (
        CalamineWorkbook.from_path(str(REAL / "lead__客户导入模板.xlsx"))
        .get_sheet_by_name("客户导入模板")
        .to_python()
    )
    assert book.get_sheet_by_name("客户导入模板").to_python() == src


def test_user_level_is_shown_beside_our_grade(tmp_path: Path) -> None:
    p = tmp_path / "c.xlsx"
    p.write_bytes((REAL / "mbg__客户导入模板.xlsx").read_bytes())  # a writable copy
    code, _, err = cli("run", str(p), "--month", MONTH, "--no-summary")
    assert code == 0, err
    ws = openpyxl.load_workbook(p)["客户分层"]
    header = [c.value for c in ws[1]]
    at = header.index("客户等级")
    assert header[at + 1] == "客户级别(自定)" and ws.cell(2, at + 2).value == "低级"
    assert openpyxl.load_workbook(p)["Sheet1"]["D2"].value == "低级"  # never overwritten
