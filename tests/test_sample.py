"""The sample workbook: deterministic, the requested size, every SPEC §3 mess present, committed
copy in step."""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
from python_calamine import CalamineWorkbook
from stdnum import luhn
from stdnum.cn import ric, uscc

from workbook_crm.sample import write_sample
from workbook_crm.schema.common import CUSTOMER_TYPES
from workbook_crm.schema.followups import METHODS, STATUSES
from workbook_crm.schema.registry import DATA_SHEETS

TODAY = date(2026, 11, 15)
COMMITTED = Path(__file__).resolve().parent.parent / "sample_data" / "示例台账.xlsx"
ID_RE = re.compile(r"^CX(\d{4})(\d{2})(\d{3})$")


def _read(path: Path) -> dict[str, list[list[object]]]:
    cal = CalamineWorkbook.from_path(str(path))
    return {name: cal.get_sheet_by_name(name).to_python() for name in cal.sheet_names}


def _col(rows: list[list[object]], header: str) -> list[object]:
    """Values under a header (row 2), data rows only."""
    i = [str(h).rstrip("*") for h in rows[1]].index(header)  # clean samples mark required headers
    return [r[i] for r in rows[2:] if i < len(r)]


def _texts(values: list[object]) -> list[str]:
    return [v for v in values if isinstance(v, str) and v]


def _any(values: list[object], pattern: str) -> bool:
    return any(re.search(pattern, v) for v in _texts(values))


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_sample(tmp_path_factory.mktemp("s") / "sample.xlsx", customers=300, seed=7, today=TODAY)


@pytest.fixture(scope="module")
def book(sample: Path) -> dict[str, list[list[object]]]:
    return _read(sample)


@pytest.fixture(scope="module", params=[20, 300])
def small_or_full(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> dict:
    n = request.param
    return _read(write_sample(tmp_path_factory.mktemp("n") / f"s{n}.xlsx", customers=n, seed=11, today=TODAY))


def test_same_seed_same_cells_other_seed_other_cells(tmp_path: Path, book: dict) -> None:
    again = _read(write_sample(tmp_path / "a.xlsx", customers=300, seed=7, today=TODAY))
    assert again == book
    other = _read(write_sample(tmp_path / "b.xlsx", customers=300, seed=8, today=TODAY))
    assert other["客户档案"] != book["客户档案"]


def test_sheets_in_template_order_and_customer_count(tmp_path: Path, book: dict) -> None:
    assert list(book) == [s.name for s in DATA_SHEETS]
    ids = [v for v in _col(book["客户档案"], "客户编号") if isinstance(v, str) and ID_RE.match(v)]
    # 300 customers, plus the two planted re-entries of an existing customer (一客一档 broken)
    assert len(ids) == 302
    clean = _read(write_sample(tmp_path / "c.xlsx", customers=50, seed=3, messy=False, today=TODAY))
    clean_ids = _col(clean["客户档案"], "客户编号")
    assert len(clean_ids) == 50 and len(set(clean_ids)) == 50 and all(ID_RE.match(i) for i in clean_ids)


def test_clean_sample_has_only_canonical_values(tmp_path: Path) -> None:
    rows = _read(write_sample(tmp_path / "c.xlsx", customers=60, seed=5, messy=False, today=TODAY))[
        "客户档案"
    ]
    assert all(re.fullmatch(r"1[3-9]\d{9}", m) for m in _col(rows, "手机号码"))
    codes = [c for c in _col(rows, "统一社会信用代码") if c]
    assert codes and all(uscc.is_valid(c) for c in codes)
    assert all(t in CUSTOMER_TYPES for t in _col(rows, "客户类型"))
    assert all(isinstance(d, date) and d <= TODAY for d in _col(rows, "首次接触时间"))
    assert "内部评级" not in rows[1]


def test_ids_follow_first_contact_month(book: dict) -> None:
    rows = book["客户档案"]
    mismatched = 0
    seen_months = set()
    for cid, first in zip(_col(rows, "客户编号"), _col(rows, "首次接触时间"), strict=True):
        m = ID_RE.match(str(cid))
        if m and isinstance(first, date):
            seen_months.add(first.strftime("%Y%m"))
            mismatched += f"{m[1]}{m[2]}" != first.strftime("%Y%m")
    assert mismatched <= 1  # only the planted duplicate 客户编号 may carry another month
    assert len(seen_months) >= 30  # ~3 years of first contacts


def test_phone_messes(small_or_full: dict) -> None:
    arc = small_or_full["客户档案"]
    phones = _col(arc, "手机号码")
    for pattern in (
        r"^\+86 1\d\d \d{4} \d{4}$",
        r"^1\d\d-\d{4}-\d{4}$",
        r"^1\d\d \d{4} \d{4}$",
        r"^[０-９]{11}$",
        r"^1\d\d\*{4}\d{4}$",
        r"^1\d{10}/1\d{10}$",
        r"^0\d{2,3}-\d{7,8}转\d+$",
        r"^0\d{2,3}-\d{7,8}$",
        r"^1\d{6}$",
        r"^0086-1\d{10}$",
    ):
        assert _any(phones, pattern), pattern
    assert any(isinstance(p, float) and 1e10 < p < 2e10 for p in phones)  # stored as a number
    canonical = [p for p in phones if isinstance(p, str) and re.fullmatch(r"1[3-9]\d{9}", p)]
    ids = _col(arc, "客户编号")
    owners: dict[str, set] = {}
    for cid, p in zip(ids, phones, strict=True):
        if p in canonical:
            owners.setdefault(p, set()).add(cid)
    assert any(len(v) > 1 for v in owners.values())  # same mobile on different customers


def test_email_credit_money_percent_enum_messes(small_or_full: dict) -> None:
    arc = small_or_full["客户档案"]
    emails = _col(arc, "电子邮箱")
    assert (
        _any(emails, "＠") and _any(emails, r"@[A-Z0-9-]+\.[A-Z.]+$") and _any(emails, r"^[^@]+@[a-z0-9-]+$")
    )
    assert _any(emails, r"^\s+\S+@\S+\s+$")
    codes = _texts(_col(arc, "统一社会信用代码"))
    assert any(len(c) == 18 and not uscc.is_valid(c) for c in codes)
    assert sum(uscc.is_valid(c) for c in codes) > 0.8 * len(codes)
    annual = _col(arc, "年合作金额（万元）")
    assert _any(annual, r"^\d+-\d+万$") and _any(annual, r"^约\d+万$") and "待确认" in annual
    assert _any(_col(arc, "累计交易金额"), r"^¥\d{1,3}(,\d{3})+$")
    renewal = _col(arc, "续约率")
    assert _any(renewal, r"^\d+%$") and any(isinstance(r, float) and 1 < r <= 100 for r in renewal)
    assert any(isinstance(r, float) and 0 < r <= 1 for r in renewal)
    sources = _col(arc, "信息来源")
    assert "展会" in sources and "转介绍" in sources
    assert any(t and t not in CUSTOMER_TYPES for t in _col(arc, "客户类型"))


def test_date_and_follow_up_messes(small_or_full: dict) -> None:
    fol = small_or_full["客户跟进记录表"]
    dates = _col(fol, "跟进日期")
    for pattern in (
        r"^\d{4}/\d{1,2}/\d{1,2}$",
        r"^\d{4}年\d{1,2}月\d{1,2}日$",
        r"^\d{8}$",
        r"^\d{4}\.\d{1,2}\.\d{1,2}$",
        r"^\d{1,2}月\d{1,2}日$",
        r"^[０-９]{4}-[０-９]{2}-[０-９]{2}$",
        r"^\d{4}-\d\d-\d\d(-\d\d|至.+)$",
    ):
        assert _any(dates, pattern), pattern
    ambiguous = [re.match(r"^(\d\d)/(\d\d)/\d{4}$", v) for v in _texts(dates)]
    assert any(m and int(m[1]) <= 12 and int(m[2]) <= 12 and m[1] != m[2] for m in ambiguous)
    assert sum(isinstance(d, date) for d in dates) > 0.7 * len(dates)  # most are real dates
    steps = _col(fol, "下一步计划")
    assert "继续跟进" in steps or any(s in steps for s in ("再联系", "保持联系", "待定"))
    assert _any(steps, r"^\d{1,2}月\d{1,2}日前")  # the seed 003 way: date + action
    assert any(m and m not in METHODS for m in _col(fol, "跟进方式"))
    assert any(s and s not in STATUSES for s in _col(fol, "完成状态"))
    archive_ids = set(_col(small_or_full["客户档案"], "客户编号"))
    assert any(cid not in archive_ids for cid in _col(fol, "客户编号"))  # follow-up of an unknown customer


def test_structure_messes(small_or_full: dict) -> None:
    arc = small_or_full["客户档案"]
    assert "年合作金额（万元）" in arc[1] and "内部评级" in arc[1]
    assert [str(h) for h in arc[1]].index("内部评级") == [str(h) for h in arc[1]].index("备注") - 1
    assert any(v for v in _col(arc, "内部评级"))
    assert "客戶名稱" in small_or_full["客户跟进记录表"][1]
    assert {"联系电话", "邮箱", "联系人姓名*"} <= set(small_or_full["客户信息登记表"][1])
    data = arc[2:]
    assert any(all(v == "" for v in r) for r in data[:-1])  # a blank row inside the data
    assert data[-1][0] == "合计" and small_or_full["交易记录"][-1][0] == "合计"
    ids = [r[0] for r in data if r[0] and r[0] != "合计"]
    names = {}
    for r in data:
        if r[0] and r[0] != "合计":
            names.setdefault(r[0], set()).add(r[1])
    assert any(len(v) > 1 for v in names.values())  # one 客户编号, two customers
    assert len(ids) > len(set(ids))
    by_code: dict[str, list[str]] = {}
    for _cid, name, code in zip(
        _col(arc, "客户编号"), _col(arc, "客户名称"), _col(arc, "统一社会信用代码"), strict=True
    ):
        if code:
            by_code.setdefault(code, []).append(name)
    pairs = [v for v in by_code.values() if len(v) > 1]
    assert any(len(set(v)) == 1 for v in pairs)  # the same customer entered twice
    assert any(
        any("有限责任公司" in n for n in v) and any(n.endswith("有限公司") and "有限责任" not in n for n in v)
        for v in pairs
    )
    remarks = _texts(_col(arc, "备注"))
    assert any(ric.is_valid(m) for r in remarks for m in re.findall(r"\d{17}[\dX]", r))


def test_registration_sheet(small_or_full: dict) -> None:
    reg = small_or_full["客户信息登记表"]
    archive_ids = {i for i in _col(small_or_full["客户档案"], "客户编号") if i}
    ids = _col(reg, "客户编号")
    assert sum(1 for i in ids if not i) >= 20  # new leads, not filed yet
    assert any(i in archive_ids for i in ids if i)  # a known customer registered again
    assert _any(_col(reg, "核心需求"), r"^(有需求|有意向|需求待了解)$")
    assert any(luhn.is_valid(m) for r in _texts(_col(reg, "备注")) for m in re.findall(r"\d{16,19}", r))
    assert "50-80万" in _col(reg, "预算范围")
    assert _any(_col(reg, "联系电话"), r"\*{4}")


def test_seed_004_rows(book: dict) -> None:
    ev = book["效果评估表"]
    rows = {r[1]: r for r in ev[2:]}
    assert rows["核心客户留存率"][2:5] == ["≥95%", "92%", pytest.approx(-0.032)]
    assert rows["线索转化率"][2:5] == ["≥25%", "18%", pytest.approx(-0.07)]
    assert rows["新客户数量"][3] == ""  # left for the tool to measure
    camp = {r[2]: r for r in book["市场开拓跟踪表"][2:]}
    seminar = camp["“制造业数字化转型”主题研讨会"]
    assert seminar[0] == "线上研讨会" and seminar[5:8] == [15000, 100, 5]
    expo = camp["国际新能源展"]
    assert expo[0] == "行业展会" and expo[3] == "2024-04-10-12" and expo[5:8] == [30000, 80, 2]
    assert len(camp) >= 5


def test_mess_share_is_realistic(book: dict) -> None:
    phones = _col(book["客户档案"], "手机号码")
    odd = [p for p in phones if p and not (isinstance(p, str) and re.fullmatch(r"1[3-9]\d{9}", p))]
    assert 0.02 * len(phones) <= len(odd) <= 0.12 * len(phones)


def test_second_reader_sees_text_phones_and_real_dates(sample: Path) -> None:
    ws = openpyxl.load_workbook(sample)["客户档案"]
    header = [c.value for c in ws[2]]
    phone_col, date_col = header.index("手机号码") + 1, header.index("首次接触时间") + 1
    kinds = [
        ws.cell(row=r, column=phone_col).data_type
        for r in range(3, ws.max_row + 1)
        if ws.cell(row=r, column=phone_col).value is not None
    ]
    assert kinds.count("s") >= len(kinds) - 5 and "n" in kinds
    first = ws.cell(row=3, column=date_col)
    assert isinstance(first.value, datetime) and first.number_format == "yyyy-mm-dd"
    assert ws.freeze_panes == "A3"


def test_committed_sample_matches_generator(book: dict) -> None:
    assert COMMITTED.exists()
    assert COMMITTED.stat().st_size < 1_000_000
    committed = _read(COMMITTED)
    for name in book:
        assert committed[name] == book[name], (
            f"{name}: regenerate sample_data/示例台账.xlsx (see sample_data/README.md)"
        )


def test_every_sample_header_is_recognised_by_the_registry(book: dict) -> None:
    from workbook_crm.schema.registry import ALL, header_index

    for name, rows in book.items():
        idx = header_index(name)
        matched = [idx.match(h)[0] for h in rows[1]]
        expected = [f.name for f in ALL[name].fields]
        assert [m for m in matched if m] == expected, name  # decorated headers still map, in order
        unknown = [h for h, m in zip(rows[1], matched, strict=True) if m is None]
        assert unknown == (["内部评级"] if name == "客户档案" else []), name
