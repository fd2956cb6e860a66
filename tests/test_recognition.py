"""Recognition as a person would map it, `inspect`, and the 字段映射 that corrects it (issue #11)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import openpyxl
import pytest
from conftest import build_workbook, cli, cli_json, keys, sha256
from python_calamine import CalamineWorkbook

MONTH = "2026-11"


def _inspect(path: Path, *extra: str) -> dict:
    code, obj = cli_json("inspect", str(path), *extra)
    assert code == 0
    return {s["tab"]: s for s in obj["sheets"]}


def _fields(sheet: dict) -> dict[str, str]:
    return {c["header"]: c["field_key"] for c in sheet["columns"]}


def test_synonyms_people_use_and_a_name_keyed_ledger(tmp_path: Path) -> None:
    p = build_workbook(
        tmp_path / "a.xlsx",
        {
            "公海客户": [
                [
                    "门店编号",
                    "店名",
                    "客户手机号",
                    "业务员",
                    "客户级别",
                    "下次跟进时间",
                    "创建日期",
                    "客户备注",
                ],
                ["C001", "龙头店", "13800138000", "张三", "A", "2026-11-20", "2026-01-05", "老客户"],
                ["C002", "坡头店", "13900139000", "李四", "B", "2026-12-20", "2026-02-05", ""],
            ],
            "销售统计": [
                ["销售日期", "客户名", "合同金额", "业务归属"],
                ["2026-10-01", "龙头店", 12000, "张三"],
                ["2026-10-02", "不认识的店", 500, "李四"],
            ],
            "跟进日志": [["跟进时间", "客户名称", "跟进进度"], ["2026-10-03", "龙头店", "已报价"]],
        },
    )
    sheets = _inspect(p)
    assert {t: s["kind"] for t, s in sheets.items()} == {
        "公海客户": "客户档案",
        "销售统计": "交易记录",
        "跟进日志": "客户跟进记录表",
    }
    assert _fields(sheets["公海客户"]) == {
        "门店编号": "customer_id",
        "店名": "name",
        "客户手机号": "mobile",
        "业务员": "owner",
        "客户级别": "user_level",
        "下次跟进时间": "next_contact",
        "创建日期": "first_contact",
        "客户备注": "remark",
    }
    assert _fields(sheets["销售统计"]) == {
        "销售日期": "deal_date",
        "客户名": "customer_name",
        "合同金额": "amount",
        "业务归属": "owner",
    }
    assert _fields(sheets["跟进日志"]) == {
        "跟进时间": "follow_date",
        "客户名称": "customer_name",
        "跟进进度": "content",
    }
    code, obj = cli_json("validate", str(p), "--month", MONTH)
    # the deal of a customer not in the list is a warning at its name, nothing else is wrong
    assert keys(obj) == {("销售统计", "B3", "unknown-customer-name")}
    assert code == 0
    # the next-contact date is a reminder; the ledger's deal feeds the customer's facts
    out = tmp_path / "run.xlsx"
    code, _, err = cli("run", str(p), "--month", MONTH, "--output", str(out), "--no-summary")
    assert code == 0, err
    book = CalamineWorkbook.from_path(str(out))
    rem = book.get_sheet_by_name("跟进提醒").to_python()
    hit = [r for r in rem[1:] if r[0] == "C001" and "约定" in (r[6] or "")]
    assert len(hit) == 1 and "约定下次联系 2026-11-20" in hit[0][6] and hit[0][4] == date(2026, 11, 20)
    assert not [r for r in rem[1:] if r[0] == "C002" and "约定" in r[6]]  # 2026-12-20: not due yet
    tiers = book.get_sheet_by_name("客户分层").to_python()
    assert tiers[0][tiers[0].index("客户等级") + 1] == "客户级别(自定)"
    assert [r[tiers[0].index("客户级别(自定)")] for r in tiers[1:]] == ["A", "B"]


def test_english_headers_and_the_closer_kind_wins(tmp_path: Path) -> None:
    p = build_workbook(
        tmp_path / "en.xlsx",
        {
            "Sheet1": [
                ["Customer ID", "Company", "Full Name", "Phone", "Email", "Status", "Created Date"],
                ["C001", "Acme 有限公司", "Ann", "13800138000", "ann@acme.cn", "Active", "2026-01-02"],
            ],
            "Sheet2": [
                ["Customer ID", "Action", "Notes", "Timestamp"],
                ["C001", "Call", "intro", "2026-10-02 10:00:00"],
            ],
        },
    )
    sheets = _inspect(p)
    assert sheets["Sheet1"]["kind"] == "客户档案" and sheets["Sheet2"]["kind"] == "客户跟进记录表"
    assert "4 列对应「客户跟进记录表」" in sheets["Sheet2"]["reason"]
    code, obj = cli_json("validate", str(p), "--month", MONTH)
    assert [f for f in obj["findings"] if f["severity"] == "error"] == []


def test_a_followup_log_needs_a_date(tmp_path: Path) -> None:
    p = build_workbook(
        tmp_path / "x.xlsx",
        {
            "客户": [["客户名称", "手机号码"], ["甲公司", "13800138000"]],
            "记录": [["客户编号", "跟进内容", "跟进人"], ["C1", "聊了聊", "王"]],
        },
    )
    sheets = _inspect(p)
    assert sheets["客户"]["kind"] == "客户档案"
    assert sheets["记录"]["kind"] is None and "缺跟进日期" in sheets["记录"]["reason"]


def test_template_artefact_rows_are_not_data(tmp_path: Path) -> None:
    rows = [
        ["序号", "客户名称", "Customer Name", "手机号码", "企业规模"],
        [None, "Customer", "CustomerName", "Mobile", "Size"],
        ["必填", "必填", "选填", "必填", "选填"],
        [1, "甲公司", "Jia", "13800138000", "小型"],
        [2, None, None, None, "小型"],
        [3, None, None, None, None],
        [4, None, None, None, None],
    ]
    rows[0][2] = "英文名"
    p = build_workbook(tmp_path / "t.xlsx", {"客户名单": rows})
    sheets = _inspect(p)
    assert sheets["客户名单"]["rows"] == 1
    code, obj = cli_json("validate", str(p), "--month", MONTH)
    assert obj["counts"]["error"] == 0, obj["findings"]


def test_mapping_in_the_settings_sheet_changes_the_reading(tmp_path: Path) -> None:
    data = [["甲方", "电话", "微信", "备注"], ["甲公司", "13800138000", "wx1", "好"]]
    p = build_workbook(tmp_path / "m.xlsx", {"Sheet1": data})
    code, out, err = cli("inspect", str(p))  # 甲方 is no name we know: nothing to read
    assert code == 2 and "缺客户名称" in err
    p2 = build_workbook(
        tmp_path / "m2.xlsx",
        {
            "Sheet1": data,
            "规则配置": [
                ["参数", "值", "单位", "说明"],
                ["表头:甲方", "客户名称", "", ""],
                ["表头:微信", "忽略", "", ""],
                ["工作表:Sheet1", "客户档案", "", ""],
                ["表头:Sheet1!备注", "不存在的字段", "", ""],
            ],
        },
    )
    after = _inspect(p2)["Sheet1"]
    assert after["kind"] == "客户档案" and after["how"] == "mapping"
    # a mapping naming no field of ours is reported and ignored: 备注 keeps its usual reading
    assert _fields(after) == {"甲方": "name", "电话": "mobile", "微信": "", "备注": "remark"}
    code, obj = cli_json("validate", str(p2), "--month", MONTH)
    assert keys(obj) == {("Sheet1", "D1", "bad-mapping")}


def test_mapping_in_the_rules_file_and_ignoring_a_sheet(tmp_path: Path) -> None:
    p = build_workbook(
        tmp_path / "r.xlsx",
        {
            "客户档案": [
                ["客户编号", "客户名称", "负责人", "手机号码", "商户号"],
                ["C001", "甲公司", "王", "13800138000", "13912345"],
            ],
            "说明": [["客户名称", "手机号码"], ["这不是数据", "123"]],
        },
    )
    toml = tmp_path / "rules.toml"
    toml.write_text(
        '["字段映射"]\n"表头:商户号" = "忽略"\n"工作表:说明" = "忽略"\n"表头:负责人" = "电子邮箱"\n',
        encoding="utf-8",
    )
    sheets = _inspect(p, "--rules", str(toml))
    assert sheets["说明"]["kind"] is None and "忽略" in sheets["说明"]["reason"]
    assert _fields(sheets["客户档案"])["负责人"] == "email"
    code, out, err = cli("inspect", str(p), "--rules", str(toml))
    assert code == 0 and "负责人 → 电子邮箱" in out and "工作表「说明」：未读取" in out
    bad = tmp_path / "bad.toml"
    bad.write_text('[mapping]\n"公司" = "客户名称"\n', encoding="utf-8")
    code, out, err = cli("inspect", str(p), "--rules", str(bad))
    assert code == 2 and len(err.strip().splitlines()) == 1 and "表头:" in err


def test_inspect_text_names_kind_reason_and_samples() -> None:
    real = Path(__file__).resolve().parent.parent.parent / "shared" / "realworld" / "lead__客户导入模板.xlsx"
    if not real.exists():
        pytest.skip("../shared/realworld absent")
    code, out, err = cli("inspect", str(real))
    assert code == 0
    assert "工作表「客户导入模板」→ 客户档案" in out
    assert "名称 → 客户名称  例：XX小区物业管理处" in out
    assert "微信 → （用户自己的列）" in out
    assert "只有这一份客户名单" in out


def test_init_documents_the_mapping_section(tmp_path: Path) -> None:
    p = tmp_path / "new.xlsx"
    assert cli("init", str(p))[0] == 0
    ws = openpyxl.load_workbook(p)["规则配置"]
    col_a = [c.value for c in ws["A"]]
    assert "字段映射" in col_a and "工作表:原表名" in col_a and "表头:原列名" in col_a
    note = ws.cell(col_a.index("表头:不要读的列") + 1, 4).value
    assert "忽略" in note
    # the documentation rows map nothing: the template's own sheets read as themselves
    sheets = _inspect(p)
    assert sheets["规则配置"]["kind"] == "规则配置" and sheets["客户档案"]["how"] == "name"
    assert "name" in _fields(sheets["客户档案"]).values()


def test_nothing_to_grade_is_one_line_and_writes_nothing(tmp_path: Path) -> None:
    p = build_workbook(
        tmp_path / "d.xlsx", {"交易": [["客户名称", "交易日期", "金额"], ["甲", "2026-10-01", 100]]}
    )
    before = sha256(p)
    for cmd in (["run", str(p)], ["summary", str(p), "-o", str(tmp_path / "s.xlsx")]):
        code, out, err = cli(*cmd, "--month", MONTH)
        assert code == 2 and len(err.strip().splitlines()) == 1 and "没有可评级的客户" in err
    assert sha256(p) == before and not (tmp_path / "s.xlsx").exists()
    code, obj = cli_json("validate", str(p), "--month", MONTH)
    assert code == 0 and keys(obj) == {("客户档案", "", "missing-sheet")}
