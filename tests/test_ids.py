"""Customer IDs (SPEC §4; seeds 000, 003, 004)."""

from __future__ import annotations

from datetime import date

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from workbook_crm.normalize import DEFAULT_CHANNEL_LETTERS, IdPattern, assign_ids, channel_letter

DEFAULT = "CX{yyyy}{mm}{seq:03}"
JULY = date(2024, 7, 1)


def test_pattern_parse_regex_prefix_format():
    p = IdPattern.parse(DEFAULT)
    assert p.width == 3
    assert p.matches("CX202405001") and not p.matches("CX2024051") and not p.matches("CX202413001")
    assert p.prefix_for(date(2024, 5, 10), "Z") == "CX202405"
    assert p.format(date(2024, 5, 10), "Z", 7) == "CX202405007"
    q = IdPattern.parse("{yy}{mm}{channel}{seq:03}")
    assert q.matches("2308Z001") and q.format(date(2023, 8, 1), "Z", 1) == "2308Z001"  # seed 000 example
    c = IdPattern.parse("C{seq:03}")
    assert c.matches("C001") and c.prefix_for(None, "Z") == "C" and not c.matches("C01")


@pytest.mark.parametrize("bad", ["CX{yyyy}", "{seq:03}X", "C{seq:03}{seq:02}", "C{foo}{seq:03}", "C{seq:00}"])
def test_bad_patterns_raise_value_error(bad):
    with pytest.raises(ValueError):
        IdPattern.parse(bad)


def test_channel_letters():
    assert channel_letter("展会对接") == "Z" and channel_letter("线上推广") == "T"  # seed 000: 展=Z, 推=T
    assert channel_letter("2024国际新能源展会") == "Z"
    assert (
        channel_letter("官网表单") == "W" and channel_letter(None) == "X" and channel_letter("朋友圈") == "X"
    )
    assert channel_letter("展会", {"展会": "E"}) == "E"


def test_assign_continues_after_largest_ever_used():
    ids, findings = assign_ids(
        ["CX202405003", None, "乱写", None, None, "  cx202405004 "],
        [date(2024, 5, 1), date(2024, 5, 20), None, None, date(2024, 6, 1), None],
        ["展会", "线上推广", None, None, None, None],
        pattern=DEFAULT,
        channel_letters=DEFAULT_CHANNEL_LETTERS,
        history_ids=["CX202405007"],
        default_date=JULY,
    )
    assert ids == ["CX202405003", "CX202405008", "乱写", "CX202407001", "CX202406001", "CX202405004"]
    assert [(i, n.code) for i, n in findings] == [(2, "bad-id")]


def test_channel_pattern_counts_per_prefix():
    ids, findings = assign_ids(
        [None, None, "2308Z001", None],
        [date(2023, 8, 1), date(2023, 8, 2), None, date(2023, 8, 3)],
        ["展会", "线上推广", None, "行业展会"],
        pattern="{yy}{mm}{channel}{seq:03}",
        default_date=JULY,
    )
    assert ids == ["2308Z002", "2308T001", "2308Z001", "2308Z003"] and findings == []


def test_overflow_is_an_error_not_a_wider_id():
    ids, findings = assign_ids(
        ["C998", None, None, None], [None] * 4, [None] * 4, pattern="C{seq:03}", default_date=JULY
    )
    assert ids == ["C998", "C999", None, None]
    assert [(i, n.code, dict(n.params)["max"]) for i, n in findings] == [
        (2, "id-overflow", 999),
        (3, "id-overflow", 999),
    ]


def test_rerun_assigns_nothing_and_is_deterministic():
    args = dict(pattern=DEFAULT, history_ids=["CX202401009"], default_date=JULY)
    existing = [None, "CX202401002", None, None]
    dates = [date(2024, 1, 5), None, date(2024, 1, 6), None]
    first, _ = assign_ids(existing, dates, [None] * 4, **args)
    again, _ = assign_ids(existing, dates, [None] * 4, **args)
    assert first == again == ["CX202401010", "CX202401002", "CX202401011", "CX202407001"]
    third, findings = assign_ids(first, dates, [None] * 4, **args)
    assert third == first and findings == []


def test_ids_survive_an_xlsx_round_trip(tmp_path):
    """IDs written as text read back identical with both readers and still match the pattern."""
    ids, _ = assign_ids(
        [None, None], [date(2024, 5, 1), None], [None, None], pattern="{yy}{mm}{seq:04}", default_date=JULY
    )
    path = tmp_path / "ids.xlsx"
    wb = openpyxl.Workbook()
    for v in ids:
        wb.active.append([v])
    wb.save(path)
    a = [r[0] for r in openpyxl.load_workbook(path).active.iter_rows(values_only=True)]
    b = [r[0] for r in CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()]
    assert a == b == ids == ["24050001", "24070001"]
    assert all(IdPattern.parse("{yy}{mm}{seq:04}").matches(v) for v in b)
