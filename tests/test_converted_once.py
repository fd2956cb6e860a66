"""A CSV given to `run` (issue #11; #15 item 7): the record's target is decided before the check, so the
file is read, checked and graded once and the record written straight into the new .xlsx."""

from __future__ import annotations

import csv
import hashlib
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from workbook_crm import monthly
from workbook_crm.errors import TargetExists
from workbook_crm.legacy import conversion_of

ROWS = [
    ["客户编号", "客户名称", "负责人", "手机号码", "电子邮箱", "首次接触时间", "年合作金额(万元)"],
    ["C001", "华东精密机械有限公司", "张伟", "13800138000", "zw@hdjx.com", "2026-03-02", "120"],
    ["C002", "南方物流有限公司", "李娜", "13900139000", "ln@@nfwl.com", "2026-04-15", "30"],
    ["C003", "北辰软件有限公司", "王强", "13700137000", "", "2026-05-20", "8"],
]
TODAY = date(2026, 11, 30)


def _csv(path: Path) -> Path:
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows(ROWS)
    return path


def test_csv_is_checked_once_and_written_into_the_new_record(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    src = _csv(tmp_path / "客户名单.csv")
    before = hashlib.sha256(src.read_bytes()).hexdigest()
    calls: list[Path] = []
    real = monthly.check

    def counted(path, **kw):
        calls.append(Path(path))
        return real(path, **kw)

    monkeypatch.setattr(monthly, "check", counted)
    result = monthly.run_month(src, month="2026-11", today=TODAY, summary=False)
    assert calls == [src]  # once, on the CSV itself
    record = tmp_path / "客户名单.xlsx"
    assert result.converted is not None and result.converted.record == str(record)
    assert result.file == str(record) and result.backup is None
    assert hashlib.sha256(src.read_bytes()).hexdigest() == before
    assert [(f.sheet, f.cell, f.code) for f in result.findings if f.code == "bad-email"] == [
        ("客户名单", "E3", "bad-email")
    ]
    ids = [
        r[0] for r in CalamineWorkbook.from_path(str(record)).get_sheet_by_name("客户分层").to_python()[1:]
    ]
    assert sorted(ids) == ["C001", "C002", "C003"]
    ws = openpyxl.load_workbook(record)["客户名单"]
    assert ws["E3"].value == "ln@@nfwl.com" and ws["E3"].comment is not None  # marked, kept as typed
    assert not (tmp_path / ".workbook-crm" / "backups").exists() or not any(
        (tmp_path / ".workbook-crm" / "backups").iterdir()
    )


def test_conversion_is_decided_from_the_bytes(tmp_path: Path):
    src = _csv(tmp_path / "客户名单.csv")
    assert conversion_of(src) == ".csv"
    fake = tmp_path / "其实是表格.csv"
    fake.write_bytes(b"PK\x03\x04" + b"\x00" * 40)  # a zip named .csv is read as a workbook, not converted
    assert conversion_of(fake) == ""
    assert conversion_of(tmp_path / "missing.csv") == ""


def test_an_existing_output_for_a_csv_is_refused_before_any_work(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    src = _csv(tmp_path / "客户名单.csv")
    taken = tmp_path / "已有.xlsx"
    taken.write_bytes(b"the user's file")
    monkeypatch.setattr(monthly, "check", lambda *a, **k: pytest.fail("checked before refusing"))
    with pytest.raises(TargetExists):
        monthly.run_month(src, month="2026-11", today=TODAY, output=taken, summary=False)
    assert taken.read_bytes() == b"the user's file"
