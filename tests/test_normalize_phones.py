"""Phones (SPEC §3, seed 002: 手机号码为11位数字)."""

from __future__ import annotations

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from workbook_crm.normalize import is_mobile, mask_phone, normalize_phone

M = "13800138000"

FINE = [
    ("13800138000", M),
    (" 13800138000 ", M),
    ("138 0013 8000", M),
    ("138-0013-8000", M),
    ("138.0013.8000", M),
    ("(138)00138000", M),
    ("+86 138 0013 8000", M),
    ("+8613800138000", M),
    ("0086 13800138000", M),
    ("8613800138000", M),
    ("86-138-0013-8000", M),
    ("(+86)13800138000", M),
    ("１３８００１３８０００", M),
    ("＋８６　１３８－００１３－８０００", M),
    (13800138000, M),
    (13800138000.0, M),
    ("13800138000.0", M),
    ("1.3800138000E+10", M),
    ("手机：13800138000", M),
    ("张总 13800138000（微信同号）", M),
    ("19912345678", "19912345678"),
    ("16612345678", "16612345678"),
    ("14512345678", "14512345678"),
    ("010-12345678", "010-12345678"),
    ("(010)12345678", "010-12345678"),
    ("（010）12345678", "010-12345678"),
    ("010 1234 5678", "010-12345678"),
    ("01012345678", "010-12345678"),
    ("021-1234567", "021-1234567"),
    ("0755-1234567", "0755-1234567"),
    ("0755 88888888", "0755-88888888"),
    ("+86 755 1234567", "0755-1234567"),
    ("0755-1234567转123", "0755-1234567转123"),
    ("0755-1234567 转 123", "0755-1234567转123"),
    ("0755-1234567-123", "0755-1234567转123"),
    ("0755-1234567 ext 12", "0755-1234567转12"),
    ("0755-1234567x123", "0755-1234567转123"),
    ("0755-12345678#8", "0755-12345678转8"),
    ("0755-1234567分机88", "0755-1234567转88"),
    ("0755-1234567轉88", "0755-1234567转88"),
    ("0571-88886666", "0571-88886666"),
    ("400-820-8820", "400-820-8820"),
    ("4008208820", "400-820-8820"),
    ("0451-87654321", "0451-87654321"),
]


@pytest.mark.parametrize(("typed", "expected"), FINE)
def test_fine_numbers(typed, expected):
    n = normalize_phone(typed)
    assert (n.value, n.code) == (expected, None)
    assert normalize_phone(n.value) == n  # canonical output is a fixed point


MASKED = [
    "138****5678",
    "138xxxx5678",
    "138XXXX5678",
    "138＊＊＊＊5678",
    "1385678",
    "1380013800",
    "138001380001",
    "1.38E+10",
    "1.38001380E+10",
    "1.3800138E10",
]


@pytest.mark.parametrize("typed", MASKED)
def test_masked_or_truncated_are_never_fixed(typed):
    n = normalize_phone(typed)
    assert (n.value, n.code) == (typed, "masked-phone") and not n.ok


BAD = [
    "无",
    "abc",
    "12345",
    "1234567",
    "0000-1234567",
    "23800138000",
    "13800138000转12",
    True,
    1.5,
    -13800138000,
    "010-123",
    "邮箱 a@b.com",
]


@pytest.mark.parametrize("typed", BAD)
def test_bad_numbers(typed):
    n = normalize_phone(typed)
    assert n.code == "bad-phone" and n.value is typed


@pytest.mark.parametrize("typed", ["3177332", "317-7332", 3177332.0, 3177332, "87654321", "8765 4321"])
def test_local_number_without_area_code_is_a_warning_kept_as_typed(typed):
    """issue #11: a 7/8-digit local landline is usable in its city — warned (缺区号), never rewritten."""
    n = normalize_phone(typed)
    assert (n.value, n.code, n.ok) == (typed, "no-area-code", True)
    assert normalize_phone(n.value) == n


@pytest.mark.parametrize(
    ("typed", "kept", "rest"),
    [
        ("13800138000/13900139000", M, "13900139000"),
        ("13800138000，13900139000", M, "13900139000"),
        ("13800138000; 010-88889999", M, "010-88889999"),
        ("13800138000、13900139000、13700137000", M, "13900139000、13700137000"),
        ("13800138000\n13900139000", M, "13900139000"),
        ("010-12345678 13800138000", "010-12345678", "13800138000"),
        ("13800138000 或 13900139000", M, "13900139000"),
    ],
)
def test_several_numbers_keep_the_first(typed, kept, rest):
    n = normalize_phone(typed)
    assert (n.value, n.code) == (kept, "multiple-phones") and n.ok
    assert dict(n.params) == {"kept": kept, "rest": rest}


def test_first_number_decides_when_it_is_masked():
    assert normalize_phone("138****5678/13900139000").code == "masked-phone"


@pytest.mark.parametrize("blank", [None, "", "  ", float("nan")])
def test_blank(blank):
    assert normalize_phone(blank).code is None


def test_is_mobile_and_mask():
    assert is_mobile(M) and not is_mobile("12800138000") and not is_mobile(13800138000)
    assert mask_phone(M) == "138****8000"
    assert mask_phone("0755-1234567") == "0755-***4567"


def test_phone_stored_as_number_in_xlsx(tmp_path):
    """A phone typed into a General cell is stored as a number; both readers give it back normalizable."""
    path = tmp_path / "p.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["手机号码"])
    ws.append([13800138000])
    ws.append(["138 0013 8000"])
    wb.save(path)
    via_openpyxl = [r[0] for r in openpyxl.load_workbook(path).active.iter_rows(min_row=2, values_only=True)]
    via_calamine = [r[0] for r in CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()[1:]]
    assert [normalize_phone(v).value for v in via_openpyxl] == [M, M]
    assert [normalize_phone(v).value for v in via_calamine] == [M, M]
