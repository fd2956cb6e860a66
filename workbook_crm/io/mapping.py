"""字段映射: the user's word on how their workbook maps to ours, applied before anything is checked.

Three things a person may need to say when recognition guesses wrong (issue #11):

    表头:公司全称        = 客户名称     this header is that field (any sheet)
    表头:Sheet1!电话     = 手机号码     … on one sheet only
    表头:微信            = 忽略         ignore this column (it stays the user's, untouched)
    工作表:Sheet1        = 客户档案     this sheet is the 客户档案
    工作表:说明          = 忽略         do not read this sheet

The same lines go in the 规则配置 sheet (参数 / 值) or in the ``--rules`` TOML file under
``["字段映射"]`` (TOML wants non-ASCII table names quoted) or ``[mapping]``:
``"表头:公司全称" = "客户名称"``. A field may be named by its Chinese header, a
synonym, or its English name; a sheet by its canonical name.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import RulesFileError
from ..schema.base import norm_token

HEADER_PREFIX = "表头:"
SHEET_PREFIX = "工作表:"
IGNORE = "忽略"
_IGNORE_WORDS = {"忽略", "ignore", "不读", "跳过", "skip"}
TOML_TABLES = ("字段映射", "mapping")


@dataclass
class Mapping:
    """Overrides keyed by normalized text; a value of ``IGNORE`` means leave it alone."""

    sheets: dict[str, str] = field(default_factory=dict)  # tab token -> canonical sheet | IGNORE
    headers: dict[tuple[str, str], str] = field(
        default_factory=dict
    )  # (tab token | "", header token) -> field text

    def __bool__(self) -> bool:
        return bool(self.sheets or self.headers)

    def sheet_for(self, tab: str) -> str | None:
        return self.sheets.get(norm_token(tab))

    def header_for(self, tab: str, header: object) -> str | None:
        if not isinstance(header, str) or not header.strip():
            return None
        h = norm_token(header)
        return self.headers.get((norm_token(tab), h)) or self.headers.get(("", h))

    def add(self, key: str, value: Any) -> bool:
        """Take one 参数/值 pair; False when the key is not a mapping line."""
        k = str(key).strip().replace("：", ":")
        v = str(value).strip() if value is not None else ""
        if not v:
            return k.startswith((HEADER_PREFIX, SHEET_PREFIX))
        target = IGNORE if v.lower() in _IGNORE_WORDS else v
        if k.startswith(SHEET_PREFIX):
            self.sheets[norm_token(k[len(SHEET_PREFIX) :])] = target
            return True
        if k.startswith(HEADER_PREFIX):
            rest = k[len(HEADER_PREFIX) :]
            tab, _, header = rest.rpartition("!")
            self.headers[(norm_token(tab) if tab else "", norm_token(header))] = target
            return True
        return False


def is_mapping_key(key: object) -> bool:
    return isinstance(key, str) and key.strip().replace("：", ":").startswith((HEADER_PREFIX, SHEET_PREFIX))


def from_rows(rows: list[list[Any]]) -> Mapping:
    """Mapping lines of a raw 规则配置 sheet: any row whose first text cell is 表头:…/工作表:…."""
    m = Mapping()
    for row in rows:
        cells = [v for v in row if v is not None and (not isinstance(v, str) or v.strip())]
        cells = [v.strip() if isinstance(v, str) else v for v in cells]
        if len(cells) >= 2 and is_mapping_key(cells[0]):
            m.add(cells[0], cells[1])
    return m


def from_toml(path: Path | None, into: Mapping | None = None) -> Mapping:
    """The ``[字段映射]`` table of a rules TOML file, on top of ``into`` (the file wins)."""
    m = into or Mapping()
    if path is None:
        return m
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib  # type: ignore[no-redef]
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise RulesFileError(path, "文件不存在 / file not found") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise RulesFileError(path, f"TOML 语法错误 / syntax error: {exc}") from exc
    for table in TOML_TABLES:
        section = data.get(table)
        if section is None:
            continue
        if not isinstance(section, dict):
            raise RulesFileError(path, f"[{table}] 应为表 / must be a table")
        for key, value in section.items():
            if not m.add(key, value):
                raise RulesFileError(
                    path, f"[{table}]「{key}」应以 表头: 或 工作表: 开头 / must start with 表头: or 工作表:"
                )
    return m
