"""Issue #11 items 4, 6, 7, 9: an error is for what is wrong.

Two phone fields, the workbook's own ID scheme and vocabulary, one finding per problem repeated down
a column (marked at the header), clean messages, JSON on refusal, branch names that are not
duplicates — each on a real .xlsx through the real CLI, the record read back with openpyxl and
python-calamine.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import openpyxl
import pytest
from conftest import build_workbook, cli, cli_json
from erp_fixture import SHEET, N, planted, write_erp
from hypothesis import given
from hypothesis import strategies as st
from python_calamine import CalamineWorkbook

from workbook_crm.io.reader import read_workbook
from workbook_crm.normalize import normalize_phone
from workbook_crm.validators.duplicates import branches_of_one_name, name_score
from workbook_crm.writeback import COMMENT_PREFIX, MARK_RGB

ARCHIVE_HEAD = ["客户编号", "客户名称", "负责人", "手机号码"]


def errors(obj: dict) -> list[tuple[str, str, str]]:
    return sorted((f["sheet"], f["cell"], f["code"]) for f in obj["findings"] if f["severity"] == "error")


def all_keys(obj: dict) -> list[tuple[str, str, str]]:
    return sorted((f["sheet"], f["cell"], f["code"]) for f in obj["findings"])


def calamine_rows(path: Path, sheet: str) -> list[list]:
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_name(sheet).to_python()


# --- item 4: two phone numbers, two fields ----------------------------------------------------------


def test_mobile_in_shou_ji_is_not_missing_because_dian_hua_came_first(tmp_path: Path):
    p = build_workbook(
        tmp_path / "a.xlsx",
        {
            "客户档案": [ARCHIVE_HEAD, ["CX202401001", "己有限公司", "王五", "13700137000"]],
            "客户信息登记表": [
                ["客户名称", "联系人", "电话", "手机", "电子邮箱"],
                ["甲贸易有限公司", "王五", "0571-87654321", "13800138000", None],  # both numbers: fine
                ["乙商行", "李四", "3177332", None, None],  # a local landline only
                ["丙五金经营部", "赵六", None, "13900139000", None],  # a mobile only
                ["丁食品有限公司", "钱七", None, None, "d@example.com"],  # an email only
                ["戊茶叶商行", "孙八", None, None, None],  # no way to reach them
            ],
        },
    )
    sheet = read_workbook(p).sheets["客户信息登记表"]
    assert (sheet.letter("mobile"), sheet.letter("landline")) == ("D", "C")  # 手机 wins, 电话 is the landline
    code, obj = cli_json("validate", str(p))
    assert code == 1
    assert all_keys(obj) == sorted(
        [("客户信息登记表", "D6", "no-contact"), ("客户信息登记表", "C3", "no-area-code")]
    )
    local = next(f for f in obj["findings"] if f["code"] == "no-area-code")
    assert local["severity"] == "warning" and "3177332" in local["message"] and "缺区号" in local["message"]


def test_a_local_number_is_kept_as_typed_by_the_run(tmp_path: Path):
    p = build_workbook(
        tmp_path / "a.xlsx",
        {
            "客户档案": [
                [*ARCHIVE_HEAD, "电话"],
                ["CX202401001", "甲贸易有限公司", "王五", "138 0013 8000", 3177332],
                ["CX202401002", "乙商行", "李四", None, "317-7333"],
            ]
        },
    )
    code, obj = cli_json("run", str(p), "--no-summary")
    assert all_keys(obj) == [("客户档案", "E2", "no-area-code"), ("客户档案", "E3", "no-area-code")]
    assert all(".0" not in f["message"] for f in obj["findings"])
    assert [(c["cell"], c["new"]) for c in obj["changes"] if c["sheet"] == "客户档案"] == [
        ("D2", "13800138000")
    ]
    ws = openpyxl.load_workbook(p)["客户档案"]
    assert (ws["E2"].value, ws["E3"].value, ws["D2"].value) == (3177332, "317-7333", "13800138000")
    rows = calamine_rows(p, "客户档案")
    assert (rows[1][4], rows[2][4]) == (3177332.0, "317-7333")


@given(
    st.sampled_from("23456789"),
    st.integers(0, 10**7 - 1),
    st.sampled_from([6, 7]),
    st.sampled_from(["", "-", " "]),
)
def test_any_local_number_is_a_warning_and_kept(lead: str, rest: int, width: int, sep: str):
    digits = f"{lead}{rest % 10**width:0{width}d}"
    typed = f"{digits[:3]}{sep}{digits[3:]}"
    n = normalize_phone(typed)
    assert (n.value, n.code, n.ok) == (typed, "no-area-code", True) and normalize_phone(n.value) == n


# --- item 6: the workbook's own conventions ---------------------------------------------------------


@pytest.mark.parametrize(
    ("codes", "new"),
    [
        (["0001", "0002", "0007"], "0008"),
        (["K001", "K002", "K010"], "K011"),
        (["C001", "C002", "C003"], "C004"),
    ],
)
def test_a_house_id_scheme_is_not_an_error_and_new_ids_continue_it(
    tmp_path: Path, codes: list[str], new: str
):
    rows = [ARCHIVE_HEAD] + [[c, f"公司{i}号有限公司", "王五", f"1380013800{i}"] for i, c in enumerate(codes)]
    rows.append([None, "新来的有限公司", "李四", "13900139000"])
    p = build_workbook(tmp_path / "a.xlsx", {"客户档案": rows})
    code, obj = cli_json("run", str(p), "--no-summary")
    assert (code, all_keys(obj)) == (0, [])
    last = len(rows)
    assert openpyxl.load_workbook(p)["客户档案"][f"A{last}"].value == new
    assert calamine_rows(p, "客户档案")[last - 1][0] == new


def test_an_init_workbook_numbered_c001_is_not_bad_id(tmp_path: Path):
    p = tmp_path / "台账.xlsx"
    assert cli("init", str(p))[0] == 0
    wb = openpyxl.load_workbook(p)
    ws = wb["客户档案"]
    head = [str(c.value).rstrip("*") for c in ws[2]]
    for i in range(3):
        row = [None] * len(head)
        row[head.index("客户编号")], row[head.index("客户名称")], row[head.index("负责人")] = (
            f"C00{i + 1}",
            f"公司{i}",
            "王五",
        )
        ws.append(row)
    wb.save(p)
    _, obj = cli_json("validate", str(p))
    assert [k for k in all_keys(obj) if k[0] == "客户档案"] == []


def test_mixed_codes_are_one_note_at_the_header_not_an_error_per_cell(tmp_path: Path):
    rows = [ARCHIVE_HEAD] + [[f"{i:04d}", f"公司{i}号有限公司", "王五", None] for i in range(1, 9)]
    rows += [["K-12", "甲有限公司", "王五", None], ["老客户A", "乙有限公司", "王五", None]]
    p = build_workbook(tmp_path / "a.xlsx", {"客户档案": rows})
    _, obj = cli_json("validate", str(p))
    assert all_keys(obj) == [("客户档案", "A1", "mixed-ids")]
    assert "{seq" not in obj["findings"][0]["message"] and "4位序号" in obj["findings"][0]["message"]


def test_a_declared_scheme_still_reports_codes_that_break_it_in_words(tmp_path: Path):
    rows = [
        ARCHIVE_HEAD,
        ["CX202401001", "甲有限公司", "王五", None],
        ["0002", "乙有限公司", "王五", None],
        ["cx202401003", "丙有限公司", "王五", None],
    ]
    p = build_workbook(tmp_path / "a.xlsx", {"客户档案": rows})
    code, obj = cli_json("run", str(p), "--no-summary")
    assert all_keys(obj) == [("客户档案", "A3", "bad-id")]
    msg = obj["findings"][0]["message"]
    assert "{seq" not in msg and "CX+年(4位)+月(2位)+3位序号" in msg
    assert [(c["cell"], c["old"], c["new"]) for c in obj["changes"]] == [("A4", "cx202401003", "CX202401003")]
    assert calamine_rows(p, "客户档案")[3][0] == "CX202401003"


def test_values_outside_a_list_warn_and_rules_can_extend_the_list(tmp_path: Path):
    rows = [
        [*ARCHIVE_HEAD, "客户类型"],
        ["CX202401001", "甲有限公司", "王五", None, "成交客户"],
        ["CX202401002", "乙有限公司", "王五", None, "战略客户"],
    ]
    p = build_workbook(tmp_path / "a.xlsx", {"客户档案": rows})
    code, obj = cli_json("validate", str(p))
    assert (code, all_keys(obj)) == (0, [("客户档案", "E3", "bad-enum")])
    assert obj["findings"][0]["severity"] == "warning"
    toml = tmp_path / "rules.toml"
    toml.write_text('["可选值"]\n"客户类型" = ["战略客户"]\n', encoding="utf-8")
    assert cli_json("validate", str(p), "--rules", str(toml)) == (
        0,
        {**obj, "findings": [], "counts": {"error": 0, "warning": 0}, "ok": True},
    )
    p2 = build_workbook(
        tmp_path / "b.xlsx",
        {"客户档案": rows, "规则配置": [["参数", "值"], ["可选值-客户类型", "战略客户/代理商"]]},
    )
    assert all_keys(cli_json("validate", str(p2))[1]) == []


def test_a_column_whose_values_never_fit_is_the_users_own(tmp_path: Path):
    rows = [[*ARCHIVE_HEAD, "客户类型"]] + [
        [f"CX20240100{i}", f"公司{i}号有限公司", "王五", None, t]
        for i, t in enumerate(["月结", "现金", "月结", "现金"], start=1)
    ]
    p = build_workbook(tmp_path / "a.xlsx", {"客户档案": rows})
    code, obj = cli_json("run", str(p), "--no-summary")
    assert (code, all_keys(obj)) == (0, [("客户档案", "E1", "own-column")])
    assert [c for c in obj["changes"] if c["sheet"] == "客户档案"] == []
    assert [r[4] for r in calamine_rows(p, "客户档案")[1:]] == ["月结", "现金", "月结", "现金"]
    tiers = calamine_rows(p, "客户分层")
    assert "月结" not in {v for r in tiers for v in r}


def test_the_seeds_vocabulary_is_valid_and_kept_as_typed(tmp_path: Path):
    p = build_workbook(
        tmp_path / "a.xlsx",
        {
            "客户档案": [
                [*ARCHIVE_HEAD, "利润贡献", "企业规模", "需求紧急程度", "客户类型"],
                ["C001", "A公司", "王五", None, "25%", "500人", "高优先级", "潛在客戶"],
                ["C002", "B公司", "王五", None, "18万", "中型(500人)", "中优先级", "长期合作"],
                ["C003", "C公司", "王五", None, 80000, "年营收5000万", "低优先级", "成交客户"],
            ],
            "客户跟进记录表": [
                ["客户编号", "跟进日期", "跟进方式", "跟进内容"],
                ["C002", "2024-03-10", "电话回访", "确认3月订单交付情况"],
                ["C001", "2024-03-12", "上门拜访", "介绍新品"],
                ["C003", "2024-03-15", "電話", "回访"],
            ],
        },
    )
    code, obj = cli_json("run", str(p), "--no-summary", "--month", "2024-03")
    assert obj.get("error") is None
    assert [k for k in all_keys(obj) if k[0] in ("客户档案", "客户跟进记录表")] == []
    assert [
        c for c in obj["changes"] if c["sheet"] in ("客户档案", "客户跟进记录表") and c["cell"][0] in "EFGHC"
    ] == []
    arch = calamine_rows(p, "客户档案")
    assert [r[4:8] for r in arch[1:]] == [
        ["25%", "500人", "高优先级", "潛在客戶"],
        ["18万", "中型(500人)", "中优先级", "长期合作"],
        [80000.0, "年营收5000万", "低优先级", "成交客户"],
    ]
    assert [r[2] for r in calamine_rows(p, "客户跟进记录表")[1:]] == ["电话回访", "上门拜访", "電話"]


# --- item 7: an error list a manager can act on -----------------------------------------------------


def _masked_book(tmp_path: Path, n: int = 12) -> Path:
    rows = [ARCHIVE_HEAD] + [
        [f"CX2024010{i:02d}", f"公司{i}号有限公司", "王五", f"138****{i:04d}"] for i in range(1, n + 1)
    ]
    rows.append(["CX202401099", "好公司", "王五", "23900139000"])
    return build_workbook(tmp_path / "a.xlsx", {"客户档案": rows})


def test_one_problem_down_a_column_is_one_finding_with_its_cells(tmp_path: Path):
    p = _masked_book(tmp_path)
    code, obj = cli_json("validate", str(p))
    assert (code, all_keys(obj)) == (
        1,
        [("客户档案", "D1", "masked-phone"), ("客户档案", "D14", "bad-phone")],
    )
    head = next(f for f in obj["findings"] if f["cell"] == "D1")
    assert head["count"] == 12 and head["cells"] == [f"D{r}" for r in range(2, 14)]
    assert "共 12 处：D2、D3、D4、D5、D6…" in head["message"]
    code, out, _ = cli("validate", str(p))
    assert out.count("138****") == 1 and "共 12 处" in out


def test_the_record_marks_the_header_and_lists_the_rows_in_the_issue_sheet(tmp_path: Path):
    p = _masked_book(tmp_path)
    assert cli("run", str(p), "--no-summary")[0] == 1
    ws = openpyxl.load_workbook(p)["客户档案"]
    assert ws["D1"].comment.text.startswith(COMMENT_PREFIX) and "共 12 处" in ws["D1"].comment.text
    assert ws["D1"].fill.fgColor.rgb == MARK_RGB
    assert [
        r for r in range(2, 14) if ws[f"D{r}"].comment is not None or ws[f"D{r}"].fill.fgColor.rgb == MARK_RGB
    ] == []
    assert ws["D14"].comment is not None and ws["D14"].fill.fgColor.rgb == MARK_RGB
    issues = calamine_rows(p, "校验问题")
    assert [(r[1], r[3]) for r in issues[1:]] == [("masked-phone", "D1"), ("bad-phone", "D14")]
    assert "共 12 处" in issues[1][6]


def test_the_summary_counts_every_cell_of_a_repeated_problem(tmp_path: Path):
    p = _masked_book(tmp_path)
    out = tmp_path / "汇总.xlsx"
    assert cli("summary", str(p), "-o", str(out))[0] == 0
    rows = calamine_rows(out, "数据质量")
    by_sheet = next(r for r in rows if r and r[0] == "客户档案")
    assert by_sheet[1:5] == [13.0, 13.0, 13.0, 0.0]  # 行数, 有错误的行, 错误, 警告
    by_code = {(r[1], r[2]): r[3] for r in rows if len(r) > 3 and r[1] in ("masked-phone", "bad-phone")}
    assert by_code == {("masked-phone", "客户档案"): 12.0, ("bad-phone", "客户档案"): 1.0}


def test_messages_never_show_nan_raw_patterns_or_float_phones(tmp_path: Path):
    rows = [
        [*ARCHIVE_HEAD, "电话", "电子邮箱"],
        [None, "甲有限公司", "王五", 13800138000, 31773329, "a@b"],
        [None, "甲有限公司", "王五", 13800138000, 3177332, None],
        ["X1", "乙有限公司", "王五", 1380013800, "0000-1234567", None],
    ]
    p = build_workbook(
        tmp_path / "a.xlsx", {"客户档案": rows, "规则配置": [["参数", "值"], ["客户编号规则", "K{seq:03}"]]}
    )
    _, obj = cli_json("validate", str(p))
    # numbers exhausted: customers without an ID are named by their cell, never `nan`
    full = build_workbook(
        tmp_path / "b.xlsx",
        {
            "客户档案": [
                ["客户编号", "客户名称", "负责人"],
                ["K9", "甲贸易有限公司", "王五"],
                [None, "甲贸易有限公司", "王五"],
                [None, "杭州青禾贸易有限公司", "王五"],
                [None, "杭州清禾贸易有限公司", "王五"],
            ],
            "规则配置": [["参数", "值"], ["客户编号规则", "K{seq:01}"]],
        },
    )
    _, obj2 = cli_json("validate", str(full))
    messages = [f["message"] for f in obj["findings"] + obj2["findings"]]
    assert len(messages) >= 8 and not [m for m in messages if re.search(r"nan|\{seq|\d\.0\b|None", m)]
    assert "与 K9（B2） 是同一客户" in " ".join(messages)


def test_a_refusal_in_json_is_one_json_object(tmp_path: Path):
    bad = tmp_path / "x.xlsx"
    bad.write_text("not a workbook", encoding="utf-8")
    code, out, err = cli("validate", str(bad), "--format", "json")
    obj = json.loads(out)
    assert code == 2 and obj["ok"] is False and obj["exit_code"] == 2 and obj["findings"] == []
    assert obj["error"]["message"] == err.strip() and str(bad) in obj["error"]["message"]
    code, out, _ = cli("run", str(tmp_path / "missing.xlsx"), "--format", "json")
    assert code == 2 and json.loads(out)["error"]["code"] == "missing"


# --- item 9: fuzzy duplicates and shared prefixes ---------------------------------------------------


def test_branches_are_not_duplicates_but_a_same_sounding_typo_is(tmp_path: Path):
    pytest.importorskip("pypinyin")
    names = [
        "城东水果批发市场-亚平批发",
        "城东水果批发市场-亚芳批发",
        "百果园龙头店",
        "百果园坡头店",
        "杭州青禾贸易有限公司",
        "杭州清禾贸易有限公司",
        "杭州嘉禾五金有限公司",
        "杭州金禾五金有限公司",
    ]
    rows = [ARCHIVE_HEAD] + [[f"K{i:03d}", n, "王五", None] for i, n in enumerate(names, start=1)]
    p = build_workbook(tmp_path / "a.xlsx", {"客户档案": rows})
    _, obj = cli_json("run", str(p), "--no-summary")
    assert all_keys(obj) == [("客户档案", "B7", "possible-duplicate")]
    dups = calamine_rows(p, "疑似重复")
    assert [(r[0], r[2]) for r in dups[1:]] == [("K005", "K006")]


@pytest.mark.parametrize(
    ("a", "b", "branch"),
    [
        ("城东水果批发市场-亚平批发", "城东水果批发市场-亚芳批发", True),
        ("百果园龙头店", "百果园坡头店", True),
        ("华联超市龙头店", "华联超市坡头店", True),
        ("杭州青禾贸易有限公司", "杭州清禾贸易有限公司", False),
        ("杭州青禾贸易商行", "杭州清禾贸易商行", False),
        ("杭州青禾贸易", "杭州青禾贸易有限公司", False),
    ],
)
def test_branch_names_are_told_from_typos(a: str, b: str, branch: bool):
    assert branches_of_one_name(a, b) is branch
    assert name_score("x", "y", a, b, 92.0) == (0.0 if branch else 92.0)


def test_a_same_sounding_typo_counts_half_and_respects_the_threshold(tmp_path: Path):
    pytest.importorskip("pypinyin")
    assert name_score("杭州青禾贸易", "杭州清禾贸易", "", "", 83.3) == 91.7
    rows = [
        ARCHIVE_HEAD,
        ["K001", "杭州青禾贸易有限公司", "王五", None],
        ["K002", "杭州清禾贸易有限公司", "王五", None],
    ]
    strict = build_workbook(
        tmp_path / "a.xlsx", {"客户档案": rows, "规则配置": [["参数", "值"], ["疑似重复相似度(0-100)", 95]]}
    )
    assert all_keys(cli_json("validate", str(strict))[1]) == []


# --- the 486-row ERP export ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def erp(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_erp(tmp_path_factory.mktemp("erp") / "客户档案导出.xlsx")


def test_erp_export_errors_are_exactly_the_planted_mistakes(erp: Path):
    code, obj = cli_json("validate", str(erp))
    assert code == 1
    assert errors(obj) == sorted(planted())
    warnings = sorted(
        (f["sheet"], f["cell"], f["code"]) for f in obj["findings"] if f["severity"] == "warning"
    )
    expected = [(SHEET, "D1", "own-column"), (SHEET, "G1", "no-area-code")]
    if _has_pinyin():
        expected.append((SHEET, "B332", "possible-duplicate"))  # 杭州青禾贸易 / 杭州清禾贸易
    assert warnings == sorted(expected)
    local = next(f for f in obj["findings"] if f["code"] == "no-area-code")
    rows = calamine_rows(erp, SHEET)
    sevens = [
        f"G{i + 1}"
        for i, r in enumerate(rows)
        if i and isinstance(r[6], str) and re.fullmatch(r"\d{7}", r[6])
    ]
    assert local["cells"] == sevens and len(sevens) > N // 2


def test_erp_export_run_marks_only_true_mistakes(erp: Path, tmp_path: Path):
    p = tmp_path / "erp.xlsx"
    shutil.copy(erp, p)
    code, obj = cli_json("run", str(p), "--no-summary")
    assert code == 1 and errors(obj) == sorted(planted())
    ws = openpyxl.load_workbook(p)[SHEET]
    marked = {c.coordinate for row in ws.iter_rows() for c in row if c.comment is not None}
    filled = {c.coordinate for row in ws.iter_rows() for c in row if c.fill.fgColor.rgb == MARK_RGB}
    expected = {cell for _, cell, _ in planted()} | {"D1", "G1"} | ({"B332"} if _has_pinyin() else set())
    assert marked == filled == expected
    assert [r[3] for r in calamine_rows(p, SHEET)[1:6]] == [ws[f"D{i}"].value for i in range(2, 7)]
    assert {r[3] for r in calamine_rows(p, SHEET)[1:]} == {"月结", "现金"}


def _has_pinyin() -> bool:
    try:
        import pypinyin  # noqa: F401
    except ImportError:
        return False
    return True


def test_a_lead_reachable_only_by_landline_is_filed_with_it(tmp_path: Path):
    p = build_workbook(
        tmp_path / "a.xlsx",
        {
            "客户档案": [
                [*ARCHIVE_HEAD, "固定电话"],
                ["CX202401001", "甲贸易有限公司", "王五", "13800138000", None],
            ],
            "客户信息登记表": [
                ["客户名称", "联系人", "手机", "电话", "跟进人", "首次接触时间"],
                ["乙五金商行", "李四", None, "0571-87654321", "王五", "2024-01-15"],
            ],
        },
    )
    code, obj = cli_json("run", str(p), "--no-summary", "--month", "2024-01")
    assert [k for k in all_keys(obj) if k[0] != "客户档案" or k[2] != "missing-sheet"] == []
    rows = calamine_rows(p, "客户档案")
    assert [r[:5] for r in rows[1:]] == [
        ["CX202401001", "甲贸易有限公司", "王五", "13800138000", ""],
        ["CX202401002", "乙五金商行", "王五", "", "0571-87654321"],
    ]
    assert openpyxl.load_workbook(p)["客户档案"]["E3"].value == "0571-87654321"


def test_a_customer_list_without_a_code_column_has_no_code_notes(tmp_path: Path):
    p = build_workbook(
        tmp_path / "a.xlsx",
        {
            "客户档案": [
                ["客户名称", "负责人", "手机"],
                ["甲贸易有限公司", "王五", "13800138000"],
                ["乙商行", "李四", "13900139000"],
            ]
        },
    )
    code, obj = cli_json("validate", str(p))
    assert code in (0, 1) and [k for k in all_keys(obj) if k[2] in ("mixed-ids", "bad-id")] == []
