"""The managers' summary workbook (issue #6): charts, figures, formats, text safety, per-owner files.

Every file is read back with openpyxl AND python-calamine; expected figures come from the fixture
(tests/test_summary_data.py), never from the code under test.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from python_calamine import CalamineWorkbook
from test_summary_data import (
    EMAIL,
    HOSTILE_NAME,
    HOSTILE_OTHERS,
    HOSTILE_REMARK,
    OWNERS,
    PHONE,
    bad_rows,
    make_month_result,
)

from workbook_crm.grading.model import MonthResult
from workbook_crm.reports import mask_text, write_per_owner, write_summary
from workbook_crm.reports.safety import safe_file_stem

MOBILE = re.compile(r"(?<![\d.])1[3-9]\d{9}")
FULL_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+")
N_ROWS = {"客户档案": 300, "客户跟进记录表": 800}
SHEETS = [
    "概览",
    "客户分层",
    "负责人看板",
    "跟进提醒",
    "效果评估",
    "渠道分析",
    "客户变动",
    "数据质量",
    "图表数据",
]


@pytest.fixture(scope="module")
def month():
    return make_month_result()


@pytest.fixture(scope="module")
def summary(month, tmp_path_factory) -> Path:
    result, findings = month
    out = tmp_path_factory.mktemp("summary") / "汇总.xlsx"
    return write_summary(result, findings, out, source_name="客户管理.xlsx", n_rows_by_sheet=N_ROWS)


def _xml_parts(path: Path) -> dict[str, str]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n).decode("utf-8") for n in z.namelist() if n.endswith((".xml", ".rels"))}


def _tiles_openpyxl(path: Path) -> dict[str, object]:
    ws = openpyxl.load_workbook(path)["概览"]
    return {
        c.value: ws.cell(c.row + 1, c.column).value
        for row in ws.iter_rows()
        for c in row
        if isinstance(c.value, str)
    }


def _tiles_calamine(path: Path) -> dict[str, object]:
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("概览").to_python()
    return {
        v: rows[i + 1][j]
        for i, r in enumerate(rows[:-1])
        for j, v in enumerate(r)
        if isinstance(v, str) and v
    }


def _table(path: Path, sheet: str, header: str) -> pd.DataFrame:
    """The table whose header row starts with ``header`` (read with calamine)."""
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(sheet).to_python()
    start = next(i for i, r in enumerate(rows) if r and r[0] == header)
    body = []
    for r in rows[start + 1 :]:
        if not r or r[0] in ("", None, "合计"):
            break
        body.append(r)
    return pd.DataFrame(body, columns=rows[start])


# --- charts and structure -------------------------------------------------------------------------


def test_native_charts_are_drawn_from_cells(summary, month):
    parts = _xml_parts(summary)
    charts = sorted(n for n in parts if re.fullmatch(r"xl/charts/chart\d+\.xml", n))
    assert len(charts) >= 3
    rels = parts["xl/drawings/_rels/drawing1.xml.rels"]
    assert all(f"../charts/{Path(c).name}" in rels for c in charts)
    assert "drawing1.xml" in parts["xl/worksheets/_rels/sheet1.xml.rels"]
    # The grade chart's values point at cells holding the fixture's grade counts.
    grade_chart = next(parts[c] for c in charts if "S/A/B/C" in parts[c])
    ref = re.search(r"<c:val><c:numRef><c:f>'?([^'!]+)'?!\$(\w)\$(\d+):\$(\w)\$(\d+)</c:f>", grade_chart)
    assert ref is not None
    ws = openpyxl.load_workbook(summary)[ref.group(1)]
    values = [ws[f"{ref.group(2)}{r}"].value for r in range(int(ref.group(3)), int(ref.group(5)) + 1)]
    expected = month[0].tiers["客户等级"].value_counts()
    assert values == [expected.get(g, 0) for g in ("S", "A", "B", "C", "待评级")]


def test_sheets_order_frozen_filtered_and_printable(summary):
    wb = openpyxl.load_workbook(summary)
    assert wb.sheetnames == SHEETS
    assert wb["图表数据"].sheet_state == "hidden"
    assert wb.active.title == "概览"
    for name in ("客户分层", "负责人看板", "跟进提醒", "效果评估"):
        ws = wb[name]
        assert ws.freeze_panes == "A3", name
        assert ws.auto_filter.ref and ws.auto_filter.ref.startswith("A2:"), name
        assert ws.page_setup.orientation == "landscape", name
        # fitToWidth is omitted when it is the default 1; fitToHeight 0 = as many pages as needed.
        assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth in (None, 1), name
        assert ws.page_setup.fitToHeight == 0, name
        assert ws.print_title_rows == "$2:$2", name
        assert ws.sheet_properties.tabColor is not None, name
    assert CalamineWorkbook.from_path(str(summary)).sheet_names == SHEETS


def test_number_formats_and_widths(summary):
    ws = openpyxl.load_workbook(summary)["客户分层"]
    header = {c.value: c.column_letter for c in ws[2]}
    assert ws[f"{header['年交易额(万元)']}3"].number_format == '#,##0.0"万"'
    assert ws[f"{header['利润贡献']}3"].number_format == '#,##0.00"万"'  # 万元, as the grading computes it
    assert ws[f"{header['最近跟进日期']}3"].number_format == "yyyy-mm-dd"
    assert ws[f"{header['最近跟进日期']}3"].is_date
    # CJK counts double: 评级依据's Chinese text gets a wider column than 客户编号.
    assert ws.column_dimensions[header["评级依据"]].width > ws.column_dimensions[header["客户编号"]].width
    rates = openpyxl.load_workbook(summary)["负责人看板"]
    col = {c.value: c.column_letter for c in rates[2]}["跟进完成率"]
    assert rates[f"{col}3"].number_format == "0.0%"


# --- figures read back with two readers -----------------------------------------------------------


@pytest.mark.parametrize("reader", [_tiles_openpyxl, _tiles_calamine])
def test_kpi_tiles_match_the_month(summary, month, reader):
    result, findings = month
    tiles = reader(summary)
    grades = result.tiers["客户等级"].value_counts()
    assert tiles["客户总数"] == len(result.tiers)
    assert tiles["本月新增"] == len(result.new_ids)  # the grading's 本月新增: customers filed this month
    assert tiles["逾期跟进"] == len(result.reminders)
    for g in "SABC":
        assert tiles[f"{g} 级客户"] == grades.get(g, 0)
    assert tiles["KPI 达标"] == (result.evaluation["达标情况"] == "达标").sum()
    errors = bad_rows(findings, "客户档案") + bad_rows(findings, "客户跟进记录表")
    assert tiles["数据质量"] == pytest.approx(1 - errors / sum(N_ROWS.values()))


def test_kpi_tile_shows_x_of_y(summary, month):
    ws = openpyxl.load_workbook(summary)["概览"]
    cell = next(c for row in ws.iter_rows() for c in row if c.value == "KPI 达标")
    assert ws.cell(cell.row + 1, cell.column).number_format == f'0" / {len(month[0].evaluation)}"'


def test_owner_board_matches_per_owner_counts(summary, month):
    owners = month[0].owners.set_index("负责人")
    got = _table(summary, "负责人看板", "负责人").set_index("负责人")
    assert list(got.index) == list(owners.index)
    for col in ("客户数", "S", "A", "B", "C", "逾期", "本月跟进"):
        assert got[col].astype(int).tolist() == owners[col].tolist(), col
    ws = openpyxl.load_workbook(summary)["负责人看板"]
    total_row = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "合计")
    assert ws.cell(total_row, 2).value == owners["客户数"].sum()


def test_reminders_sorted_by_days_overdue(summary, month):
    got = _table(summary, "跟进提醒", "客户编号")
    assert len(got) == len(month[0].reminders)
    days = got["逾期天数"].astype(int).tolist()
    assert days == sorted(days, reverse=True)


def test_evaluation_and_channels(summary, month):
    ev = _table(summary, "效果评估", "原表行")
    assert ev["原表行"].astype(int).tolist() == list(month[0].evaluation.index)
    assert ev["计算差异率"].tolist() == pytest.approx(month[0].evaluation["计算差异率"].tolist())
    ws = openpyxl.load_workbook(summary)["效果评估"]
    rules = [rule for cf in ws.conditional_formatting for rule in cf.rules]
    assert any(
        rule.type == "cellIs" and rule.formula == ['"未达标"'] and rule.dxf.font.color.rgb.endswith("C00000")
        for rule in rules
    )
    ch = _table(summary, "渠道分析", "信息来源")
    assert set(ch["信息来源"]) == set(month[0].channels["信息来源"])
    camp = _table(summary, "渠道分析", "原表行")
    assert camp["获客成本"].tolist() == pytest.approx([3000, 15000, 8000 / 6])


def test_data_quality_lists_findings(summary, month):
    findings = month[1]
    cells = _table(summary, "数据质量", "级别")  # by code first: 级别 代码 工作表 数量
    assert cells["数量"].astype(int).sum() == len(findings)
    rows = CalamineWorkbook.from_path(str(summary)).get_sheet_by_name("数据质量").to_python()
    listed = {(r[1], r[2], r[3]) for r in rows if len(r) > 3 and r[0] in ("错误", "警告")}
    assert {(f.sheet, f.cell, f.code) for f in findings} <= listed


# --- text safety ----------------------------------------------------------------------------------


def test_user_text_never_becomes_a_formula(summary):
    parts = _xml_parts(summary)
    assert not any("<f>" in x or "<f " in x for n, x in parts.items() if n.startswith("xl/worksheets/"))
    ws = openpyxl.load_workbook(summary)["客户分层"]
    cells = {c.value: c for row in ws.iter_rows() for c in row if isinstance(c.value, str)}
    for text in (HOSTILE_NAME, *HOSTILE_OTHERS):
        assert cells[text].data_type == "s", text
    assert any(HOSTILE_REMARK in v and c.data_type == "s" for v, c in cells.items())
    with zipfile.ZipFile(summary) as z:
        assert not [n for n in z.namelist() if "externalLink" in n]
    assert "External" not in "".join(x for n, x in parts.items() if n.endswith(".rels"))


def _leaks(path: Path) -> tuple[list[str], list[str]]:
    text = "\n".join(_xml_parts(path).values())
    return MOBILE.findall(text), FULL_EMAIL.findall(text)


def test_contact_data_masked_by_default(summary):
    phones, emails = _leaks(summary)
    assert phones == [] and emails == []
    ws = openpyxl.load_workbook(summary)["客户分层"]
    assert any(
        isinstance(c.value, str) and "138****8000" in c.value and "z***@abc-tech.com" in c.value
        for row in ws.iter_rows()
        for c in row
    )


def test_unmask_keeps_contact_data(month, tmp_path):
    result, findings = month
    out = write_summary(result, findings, tmp_path / "full.xlsx", unmask=True)
    phones, emails = _leaks(out)
    assert PHONE in phones and EMAIL in emails


@settings(max_examples=200, deadline=None)
@given(
    st.text(alphabet="abc 电话：,;/-()", max_size=8),
    st.integers(3, 9),
    st.integers(0, 10**9 - 1),
    st.sampled_from(["", "+86", "0086", "86 "]),
    st.sampled_from(["", "-", " "]),
)
def test_mask_text_hides_any_mobile(prefix, second, rest, country, sep):
    digits = f"1{second}{rest:09d}"
    number = f"{digits[:3]}{sep}{digits[3:7]}{sep}{digits[7:]}"
    masked = mask_text(f"{prefix}{country}{number}{prefix}")
    assert not MOBILE.search(masked.replace(sep, "") if sep else masked)
    assert digits[-4:] in masked


def test_mask_text_keeps_other_text():
    text = "CX202405001 于 2024-05-10 签约 62.5万，订单 20240510"
    assert mask_text(text) == text
    assert mask_text("座机 010-62345678转8") == "座机 010-****5678转8"
    assert mask_text("邮箱：ＺＨＡＮＧ＠abc.com") == "邮箱：Z***@abc.com"


# --- per owner ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def per_owner(month, tmp_path_factory) -> list[Path]:
    result, findings = month
    return write_per_owner(result, findings, tmp_path_factory.mktemp("owners"))


def test_per_owner_files_hold_only_their_customers(per_owner, month):
    result = month[0]
    assert [p.name for p in per_owner] == [f"汇总_2024-05_{o}.xlsx" for o in OWNERS]
    for path, owner in zip(per_owner, OWNERS, strict=True):
        mine = result.tiers[result.tiers["负责人"] == owner]
        others = set(result.tiers["客户编号"]) - set(mine["客户编号"])
        tiers = _table(path, "客户分层", "客户编号")
        assert set(tiers["客户编号"]) == set(mine["客户编号"])
        assert set(tiers["负责人"]) == {owner}
        rem = _table(path, "跟进提醒", "客户编号")
        assert set(rem["负责人"]) <= {owner}
        assert len(rem) == (result.reminders["负责人"] == owner).sum()
        text = "\n".join(_xml_parts(path).values())
        assert not [cid for cid in others if cid in text]
        tiles = _tiles_openpyxl(path)
        assert tiles["客户总数"] == len(mine)
        assert tiles["逾期跟进"] == result.owners.set_index("负责人").loc[owner, "逾期"]
        assert _tiles_calamine(path)["A 级客户"] == (mine["客户等级"] == "A").sum()
        board = _table(path, "负责人看板", "负责人")
        assert board["负责人"].tolist() == [owner]


def test_per_owner_file_names_are_safe(month, tmp_path):
    result, findings = month
    tiers = result.tiers.head(6).copy()
    tiers["负责人"] = ["a/b", "a:b", "CON", "", None, "王芳"]
    odd = MonthResult(month="2024-05", asof=result.asof, tiers=tiers, reminders=result.reminders.head(0))
    paths = write_per_owner(odd, [], tmp_path)
    names = [p.name for p in paths]
    assert len(set(names)) == len(names) == 5  # "" and None both go to 未分配
    assert all(p.exists() and p.parent == tmp_path for p in paths)
    assert "汇总_2024-05_未分配.xlsx" in names
    assert safe_file_stem("CON") != "CON" and "/" not in safe_file_stem("a/b")
    unassigned = _table(tmp_path / "汇总_2024-05_未分配.xlsx", "客户分层", "客户编号")
    assert len(unassigned) == 2


def test_empty_month_still_writes(tmp_path):
    empty = MonthResult(
        month="2024-05",
        asof=pd.Timestamp("2024-05-31").date(),
        tiers=pd.DataFrame(),
        reminders=pd.DataFrame(),
    )
    out = write_summary(empty, [], tmp_path / "empty.xlsx")
    assert openpyxl.load_workbook(out).sheetnames == SHEETS
    assert _tiles_calamine(out)["客户总数"] == 0


def test_english_messages_and_shared_column_widths(month, tmp_path):
    result, findings = month
    out = write_summary(result, findings, tmp_path / "en.xlsx", lang="en")
    rows = CalamineWorkbook.from_path(str(out)).get_sheet_by_name("数据质量").to_python()
    messages = [r[4] for r in rows if len(r) > 4 and r[0] == "错误" and r[3] == "bad-phone"]
    assert messages and all(m.startswith("'手机号码' is not a valid phone number") for m in messages)
    ws = openpyxl.load_workbook(out)["数据质量"]
    # 客户跟进记录表 (7 CJK characters) fits in column A though later tables there hold short values.
    assert ws.column_dimensions["A"].width >= 14


# --- the rendered table bodies (tablexml + splice) hold what the per-cell path writes -------------


def _cells(path: Path) -> dict[str, object]:
    wb = openpyxl.load_workbook(path)
    out: dict[str, object] = {}
    for ws in wb.worksheets:
        out[ws.title] = {
            "cells": [
                (
                    c.coordinate,
                    c.value,
                    c.data_type,
                    c.number_format,
                    c.font.b,
                    c.font.color and c.font.color.rgb,
                    c.fill.fgColor.rgb,
                    c.border.left.style,
                    c.alignment.horizontal,
                )
                for row in ws.iter_rows()
                for c in row
            ],
            "merged": sorted(str(r) for r in ws.merged_cells.ranges),
            "widths": {k: d.width for k, d in ws.column_dimensions.items()},
            "heights": {k: d.height for k, d in ws.row_dimensions.items() if d.height},
            "freeze": ws.freeze_panes,
            "filter": ws.auto_filter.ref,
            "rules": sorted(str(r.sqref) for r in ws.conditional_formatting),
        }
    return out


def test_fast_tables_write_the_same_cells_as_the_per_cell_path(month, tmp_path, monkeypatch):
    from datetime import date, datetime

    from workbook_crm.reports import style

    result, findings = month
    tiers = result.tiers.copy()
    n = len(tiers)
    # Mixed Python values in one column: each keeps its own kind (True ≠ 1 ≠ 1.0), ±inf is text.
    odd = [
        True,
        1,
        1.0,
        "1",
        None,
        float("inf"),
        -0.0,
        date(2024, 5, 1),
        datetime(2024, 5, 1, 8, 30),
        pd.Timestamp("2024-05-02 10:00", tz="Asia/Shanghai"),
        "=1+1",
        "电话\x0713812345678",
        "１３８１２３４５６７８",
        "",
        pd.NA,
        float("nan"),
        ["list"],
        10**20,
    ]
    tiers["备注"] = pd.Series((odd * (n // len(odd) + 1))[:n], dtype=object)
    tiers["得分"] = [float("-inf") if i % 7 == 0 else i / 3 for i in range(n)]
    tiers["已签约"] = [i % 2 == 0 for i in range(n)]
    tiers["签约时间"] = pd.Series(pd.date_range("2024-01-01", periods=n, freq="h", tz="UTC")).where(
        [i % 5 != 0 for i in range(n)]
    )
    tiers.loc[7, "客户名称"] = pd.NA
    ids = tiers["客户编号"].astype(object)
    ids.iloc[3] = None
    tiers["编号(object)"] = ids  # an object column of str and None
    result = MonthResult(**{**result.__dict__, "tiers": tiers})
    fast = write_summary(result, findings, tmp_path / "fast.xlsx", n_rows_by_sheet=N_ROWS)
    monkeypatch.setattr(style, "RENDER_TABLES", False)
    slow = write_summary(result, findings, tmp_path / "slow.xlsx", n_rows_by_sheet=N_ROWS)
    got, want = _cells(fast), _cells(slow)
    assert list(got) == list(want)
    for sheet in want:
        assert got[sheet] == want[sheet], sheet
    # Both pass every sheet through the same checks as any summary: no formula, masked contact data.
    assert _leaks(fast) == ([], [])
    assert not any("<f>" in x for n, x in _xml_parts(fast).items() if n.startswith("xl/worksheets/"))
    assert (
        CalamineWorkbook.from_path(str(fast)).get_sheet_by_name("客户分层").to_python()
        == CalamineWorkbook.from_path(str(slow)).get_sheet_by_name("客户分层").to_python()
    )


def test_safe_texts_equals_safe_text_of_each():
    from workbook_crm.reports.safety import safe_text, safe_texts

    texts = [
        "a\x00b13812345678",
        "x@y.com\x01",
        "１３８１２３４５６７８",
        "",
        "abc",
        "010-62345678转8",
        "CX20240199999",
        "a" * 40000,
        "13812345678\x00",
        "身份证 110101199001011234",
        "邮箱：ＺＨＡＮＧ＠abc.com",
        "138 1234 5678",
        "0086-13812345678",
        "1381234567813812345678",
        "(0755)1234567",
        "2024-05-10 签约",
    ]
    for unmask in (False, True):
        assert safe_texts(texts, unmask=unmask) == [safe_text(t, unmask=unmask) for t in texts]
