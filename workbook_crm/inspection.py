"""`workbook-crm inspect`: how the tool reads a workbook, before anything is checked (issue #11).

Per tab: which of our sheets it was taken for and why (its name, its headers, the user's 字段映射, or
"the only customer list"), or why not. Per column: the field it maps to or that it is the user's
own, with a sample value — so a user can see a wrong guess and correct it in 字段映射.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ._strings import python_strings
from .excel import col_letters, json_value
from .io.reader import SheetData, read_workbook

USER_COLUMN = "（用户自己的列）"


@dataclass
class ColumnView:
    column: str  # letter
    header: str
    field: str  # our field's header, or USER_COLUMN
    field_key: str  # our field's English name, "" for the user's
    sample: Any


@dataclass
class SheetView:
    tab: str
    kind: str | None
    how: str
    reason: str
    header_row: int = 0
    rows: int = 0
    columns: list[ColumnView] = field(default_factory=list)


@dataclass
class Inspection:
    file: str
    converted_from: str
    sheets: list[SheetView]

    def to_json_obj(self) -> dict[str, Any]:
        return asdict(self)


@python_strings
def inspect_workbook(
    path: str | Path, *, password: str | None = None, rules_file: Path | None = None
) -> Inspection:
    """Read-only: the mapping the other commands will use."""
    wb = read_workbook(path, password=password, rules_file=rules_file)
    by_tab = {s.tab: s for s in wb.sheets.values()}
    views = []
    for tab in wb.tabs:
        verdict = wb.verdicts.get(tab)
        data = by_tab.get(tab)
        if data is not None:
            views.append(_sheet_view(data, verdict.how if verdict else "name"))
        elif verdict is not None:
            views.append(SheetView(tab, None, verdict.how, verdict.reason))
        else:
            views.append(SheetView(tab, None, "", "本工具生成的工作表"))
    return Inspection(str(path), wb.source.converted_from, views)


def _sheet_view(data: SheetData, how: str) -> SheetView:
    view = SheetView(
        data.tab, data.name, how, "；".join([data.reason, *data.notes]), data.header_row, len(data.frame)
    )
    field_at = {c: n for n, c in data.columns.items()}
    user = data.user_columns()
    user_labels = [c for c in data.frame.columns if c not in data.columns]
    label_of = dict(zip(sorted(user), user_labels, strict=False))
    for c in sorted(data.headers):
        name = field_at.get(c)
        label = name if name is not None else label_of.get(c)
        sample = _sample(data, label) if label is not None else None
        view.columns.append(
            ColumnView(
                col_letters(c + 1),
                data.headers[c],
                data.schema.field(name).header if name else USER_COLUMN,
                name or "",
                sample,
            )
        )
    return view


def _sample(data: SheetData, label: str) -> Any:
    if label not in data.frame.columns:
        return None
    s = data.frame[label].dropna()
    if not len(s):
        return None
    v = s.iloc[0]
    return json_value(v)


def render_text(ins: Inspection) -> str:
    lines = [f"{ins.file}" + (f"（{ins.converted_from} 文件，按只读方式读取）" if ins.converted_from else "")]
    for s in ins.sheets:
        if s.kind is None:
            lines.append(f"\n工作表「{s.tab}」：未读取 — {s.reason}")
            continue
        lines.append(f"\n工作表「{s.tab}」→ {s.kind}（表头在第 {s.header_row} 行，{s.rows} 行数据）")
        lines.append(f"  依据：{s.reason}")
        for c in s.columns:
            sample = "" if c.sample is None else f"  例：{_short(c.sample)}"
            lines.append(f"  {c.column:>3}  {c.header} → {c.field}{sample}")
    lines.append(
        '\n要改正映射，在「规则配置」加一行（参数 / 值），或写进 --rules 文件的 ["字段映射"] 表：\n'
        "  表头:公司全称 = 客户名称    工作表:Sheet1 = 客户档案    表头:微信 = 忽略"
    )
    return "\n".join(lines)


def _short(v: Any) -> str:
    text = str(v)
    return text if len(text) <= 30 else text[:29] + "…"
