"""Fuzzing the reader and the checks: any input gives a result or one of our exceptions, never a crash.

A bounded run is part of `make test`; `make fuzz` sets FUZZ_EXAMPLES for a longer one. Crashes found
here are kept as explicit regression cases at the bottom of this file.
"""

from __future__ import annotations

import io
import os
import zipfile
from datetime import date, datetime
from pathlib import Path

import openpyxl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workbook_crm.errors import WorkbookCrmError
from workbook_crm.io.reader import read_workbook
from workbook_crm.validators import check_workbook

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "25"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

HEADER = [
    "客户编号",
    "客户名称",
    "负责人",
    "手机号码",
    "电子邮箱",
    "首次接触时间",
    "年合作金额(万元)",
    "续约率",
    "满意度",
    "备注",
]
FOLLOW = ["客户编号", "跟进日期", "跟进方式", "跟进内容", "下一步计划", "完成状态"]


def _base_bytes() -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "客户档案"
    ws.append(HEADER)
    ws.append(
        [
            "CX202401001",
            "上海甲科技有限公司",
            "王五",
            "13800138000",
            "a@jia.com",
            date(2024, 1, 5),
            62,
            "85%",
            4.6,
            "x",
        ]
    )
    ws.append(
        [
            "CX202401002",
            "北京乙贸易有限公司",
            "赵六",
            13900139000,
            "b@yi.cn",
            "2024/1/9",
            "50-80万",
            0.9,
            4,
            None,
        ]
    )
    ws2 = wb.create_sheet("客户跟进记录表")
    ws2.append(FOLLOW)
    ws2.append(["CX202401001", "2024-05-10", "电话", "沟通报价", "5月20日前发送报价单", "进行中"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


BASE = _base_bytes()


def _read_and_check(path: Path) -> None:
    try:
        wb = read_workbook(path)
    except WorkbookCrmError as exc:
        assert exc.message("zh") and exc.message("en")
        return
    check_workbook(wb, asof=date(2024, 5, 31))


@FUZZ
@given(st.lists(st.tuples(st.integers(0, len(BASE) - 1), st.integers(0, 255)), min_size=1, max_size=8))
def test_flipped_bytes_never_crash(tmp_path_factory, flips):
    data = bytearray(BASE)
    for pos, val in flips:
        data[pos] = val
    p = tmp_path_factory.mktemp("f") / "x.xlsx"
    p.write_bytes(bytes(data))
    before = p.read_bytes()
    _read_and_check(p)
    assert p.read_bytes() == before


def _rezip(member: str, mutate) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(BASE))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == member:
                data = mutate(data)
            z.writestr(info.filename, data)
    return out.getvalue()


@FUZZ
@given(
    st.sampled_from(
        [
            "xl/worksheets/sheet1.xml",
            "xl/workbook.xml",
            "xl/styles.xml",
            "[Content_Types].xml",
            "xl/_rels/workbook.xml.rels",
            "xl/worksheets/sheet2.xml",
        ]
    ),
    st.integers(0, 4000),
    st.integers(0, 200),
    st.binary(max_size=60),
)
def test_mutated_xml_parts_never_crash(tmp_path_factory, member, start, length, insert):
    def mutate(data: bytes) -> bytes:
        s = min(start, len(data))
        return data[:s] + insert + data[s + length :]

    p = tmp_path_factory.mktemp("m") / "x.xlsx"
    p.write_bytes(_rezip(member, mutate))
    _read_and_check(p)


cell_values = st.one_of(
    st.none(),
    st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=30),
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.dates(date(1900, 3, 1), date(2100, 1, 1)),
    st.datetimes(datetime(1900, 3, 1), datetime(2100, 1, 1)),
    st.sampled_from(
        [
            "138****5678",
            "2024年5月10日",
            "05/06/2024",
            "待确认",
            "继续跟进",
            "=1+1",
            "合计",
            "#N/A",
            "110101199003074514",
            "6222021234567890128",
            "５０万",
            "\u3000",
            "客户名称",
        ]
    ),
)


@FUZZ
@given(
    st.lists(st.lists(cell_values, min_size=len(HEADER), max_size=len(HEADER)), min_size=0, max_size=12),
    st.lists(st.lists(cell_values, min_size=len(FOLLOW), max_size=len(FOLLOW)), min_size=0, max_size=8),
)
def test_any_cell_values_are_checked_without_crash(tmp_path_factory, rows, follows):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "客户档案"
    ws.append(HEADER)
    for r in rows:
        ws.append(list(r))
    ws2 = wb.create_sheet("客户跟进记录表")
    ws2.append(FOLLOW)
    for r in follows:
        ws2.append(list(r))
    p = tmp_path_factory.mktemp("v") / "x.xlsx"
    wb.save(p)
    _read_and_check(p)
