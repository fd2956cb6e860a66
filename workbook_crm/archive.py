"""``workbook-crm archive FILE --quarter 2024Q2``: the quarter's read-only snapshot (seed 003 季度归档).

Seed 003 §二(五) asks for a quarterly archive; seed 002 (五) for 归档 of the quarter's records. The
snapshot is a new workbook beside the record, ``NAME-归档-2024Q2.xlsx``:

- every part of the record copied as it is (the user's values, formats and sheets untouched — no
  normalization and no marks: it is the record as it stood), with the computed sheets (客户分层,
  跟进提醒, 疑似重复, 校验问题, 分级历史) recomputed as of the quarter's last day;
- a sheet 本季流失客户 listing the customers who became 流失客户 in the quarter: 生命周期阶段 流失客户
  (seed 001: 近3个月无合作) at the quarter's end and not at the previous quarter's end;
- marked read-only: Excel/WPS open it read-only recommended (``<fileSharing readOnlyRecommended>``)
  and the file itself has no write permission. An existing snapshot is never replaced.

The record is only read (its bytes never change); the snapshot goes through the same temporary
file, re-read and rename as every other write.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd

from . import runstate
from ._strings import python_strings
from .api import check
from .apply import read_existing, survey, write_computed
from .errors import ArchiveExists, BadOption
from .findings import sort_findings
from .grading import grade_month
from .grading.common import customer_frame, strftime_each
from .plan import computed_sheets
from .planvalues import frame_rows
from .writeback import WorkbookEditor, write_new

LOST_SHEET = "本季流失客户"
LOST_COLUMNS = ("客户编号", "客户名称", "负责人", "客户等级", "最近合作日期", "上季末阶段", "本季末阶段")
_QUARTER = re.compile(r"^\s*(\d{4})\s*-?\s*[Qq]\s*([1-4])\s*$")
_WB_OPEN = re.compile(rb"<(?:\w+:)?workbook\b[^>]*>")
_FILE_VERSION = re.compile(
    rb"<(?:\w+:)?fileVersion\b[^>]*/>|<(?:\w+:)?fileVersion\b.*?</(?:\w+:)?fileVersion>", re.S
)
_FILE_SHARING = re.compile(rb"<((?:\w+:)?)fileSharing\b([^>]*?)(/?)>")


@dataclass
class ArchiveResult:
    file: str
    archive: str
    quarter: str
    asof: date
    lost: pd.DataFrame  # LOST_COLUMNS

    def to_json_obj(self) -> dict:
        return {
            "file": self.file,
            "archive": self.archive,
            "quarter": self.quarter,
            "asof": self.asof.isoformat(),
            "lost": [
                {k: (None if v is None or (isinstance(v, float) and v != v) else v) for k, v in r.items()}
                for r in self.lost.to_dict("records")
            ],
        }


def parse_quarter(text: str) -> tuple[str, str, str]:
    """("2024Q2", its last month "2024-06", the previous quarter's last month "2024-03")."""
    m = _QUARTER.match(str(text))
    if not m:
        raise BadOption(detail=f"--quarter「{text}」应为 2024Q2 这样的季度 / should look like 2024Q2")
    year, q = int(m.group(1)), int(m.group(2))
    prev_year, prev_q = (year, q - 1) if q > 1 else (year - 1, 4)
    return f"{year}Q{q}", f"{year}-{q * 3:02d}", f"{prev_year}-{prev_q * 3:02d}"


def archive_path(path: Path, quarter: str) -> Path:
    """``NAME-归档-2024Q2.xlsx`` (``.xlsm`` for a macro workbook; an .xls/.csv source gets .xlsx)."""
    suffix = ".xlsm" if path.suffix.lower() == ".xlsm" else ".xlsx"
    return path.with_name(f"{path.stem}-归档-{quarter}{suffix}")


@python_strings
def archive_quarter(
    path: str | Path,
    *,
    quarter: str,
    out: Path | None = None,
    password: str | None = None,
    rules_file: Path | None = None,
    today: date | None = None,
    lang: str = "zh",
) -> ArchiveResult:
    """Write the quarter's snapshot beside ``path`` (or at ``out``); the record is only read."""
    path = Path(path)
    label, end_month, prev_month = parse_quarter(quarter)
    target = Path(out) if out is not None else archive_path(path, label)
    if target.exists() or target.is_symlink():
        raise ArchiveExists(target)
    checked, graded = check(path, password=password, month=end_month, today=today, rules_file=rules_file)
    if checked.wb.source.encrypted:  # the snapshot would be an unencrypted copy of a protected record
        raise BadOption(
            path,
            detail="加密工作簿不生成归档（归档会是未加密的副本）/ no archive of an encrypted workbook "
            "(it would be an unencrypted copy)",
        )
    before = grade_month(checked.clean, checked.rules, month=prev_month, today=today)
    lost = _lost(checked, graded.tiers, before.tiers, graded.asof)
    findings = sort_findings([*checked.findings, *graded.findings])
    editor = WorkbookEditor(checked.wb.source.data)
    no_edits = runstate.Edits(
        [], pd.DataFrame(columns=list(runstate.LIFECYCLE_COLUMNS)), graded.month, baseline=False
    )
    found = survey(editor, checked, list(graded.tiers.columns), read_existing(checked.wb.source))
    findings += found.not_ours
    for s in computed_sheets(checked, graded, findings, [], no_edits, lang, found, stamp=""):
        write_computed(
            editor, s.spec, s.target, s.header, s.all_rows(), links=s.links
        )  # 变更记录 kept as it is
    editor.replace_sheet(
        LOST_SHEET,
        list(LOST_COLUMNS),
        frame_rows(lost, LOST_COLUMNS),
        tab_color="#7F7F7F",
        widths=[14, 28, 10, 8, 13, 12, 12],
    )
    editor.pkg.write(editor.wb_part, read_only_recommended(editor.pkg.read(editor.wb_part)))
    write_new(target, editor.to_bytes())
    mode = stat.S_IMODE(os.stat(target).st_mode)
    os.chmod(target, mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))
    return ArchiveResult(file=str(path), archive=str(target), quarter=label, asof=graded.asof, lost=lost)


def _lost(checked, now: pd.DataFrame, before: pd.DataFrame, asof: date) -> pd.DataFrame:
    """Customers whose 生命周期阶段 is 流失客户 now and was something else a quarter ago."""
    stage_now = now["生命周期阶段"]
    stage_before = before["生命周期阶段"].reindex(now.index)
    became = (stage_now == "流失客户") & (stage_before != "流失客户")
    if not became.any():
        return pd.DataFrame(columns=list(LOST_COLUMNS))
    cust = customer_frame(checked.clean, asof, checked.rules)
    last = cust["last_deal"].reindex(now.index)[became]
    return pd.DataFrame(
        {
            "客户编号": now["客户编号"][became],
            "客户名称": now["客户名称"][became],
            "负责人": now["负责人"][became],
            "客户等级": now["客户等级"][became],
            "最近合作日期": strftime_each(last),
            "上季末阶段": stage_before[became],
            "本季末阶段": stage_now[became],
        }
    ).reset_index(drop=True)


def read_only_recommended(workbook_xml: bytes) -> bytes:
    """workbook.xml with ``<fileSharing readOnlyRecommended="1"/>`` (CT_Workbook: after fileVersion)."""
    m = _FILE_SHARING.search(workbook_xml)
    if m:
        attrs = re.sub(rb'\s+readOnlyRecommended="[^"]*"', b"", m.group(2))
        new = b"<" + m.group(1) + b"fileSharing" + attrs + b' readOnlyRecommended="1"' + m.group(3) + b">"
        return workbook_xml[: m.start()] + new + workbook_xml[m.end() :]
    prefix = re.match(rb"<(\w+:)?", _WB_OPEN.search(workbook_xml).group(0)).group(1) or b""  # type: ignore[union-attr]
    tag = b"<" + prefix + b'fileSharing readOnlyRecommended="1"/>'
    fv = _FILE_VERSION.search(workbook_xml)
    at = fv.end() if fv else _WB_OPEN.search(workbook_xml).end()  # type: ignore[union-attr]
    return workbook_xml[:at] + tag + workbook_xml[at:]
