"""Thresholds and intervals: the defaults, the 规则配置 sheet and an optional ``--rules`` TOML file.

Rules live with the data (SPEC §6): every threshold a manager may want to change has a Chinese key
(the 参数 column of 规则配置), a unit and a note naming its source. The sheet overrides the defaults,
a TOML file overrides the sheet. A bad value in the sheet is a finding (``bad-rule``) and the default
stays; a bad TOML file stops the run (it was passed on purpose, so a typo must not go unnoticed).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import fields, replace
from pathlib import Path
from typing import Any

from .errors import RulesFileError
from .findings import Finding
from .ruledefaults import DEFAULT_CHANNEL_LETTERS, SPECS, Rules, Spec

__all__ = [
    "DEFAULT_CHANNEL_LETTERS",
    "SPECS",
    "Rules",
    "Spec",
    "load_rules",
    "parse_value",
    "rule_names",
    "rules_rows",
]

# spellings accepted for a choice rule (normalized) → the canonical value
_CHOICE_ALIASES = {
    "seed": "种子001",
    "seed001": "种子001",
    "种子": "种子001",
    "001": "种子001",
    "textbook": "经典",
    "classic": "经典",
    "教科书": "经典",
    "标准": "经典",
}
CHANNEL_PREFIX = "渠道代码-"  # one row per 信息来源: 渠道代码-展会对接 = Z
CHOICES_PREFIX = "可选值-"  # issue #11: 可选值-客户类型 = 月结/现金 extends that field's list
_CHOICE_SPLIT = re.compile(r"[/、,，;；|\n]+")


def _norm(text: object) -> str:
    s = unicodedata.normalize("NFKC", str(text)).strip()
    s = re.sub(r"\s+", "", s).replace("（", "(").replace("）", ")").rstrip(":")
    from .textutil import to_simplified

    return to_simplified(s).lower()


_BY_KEY = {_norm(s.key): s for s in SPECS} | {s.attr: s for s in SPECS}


def rules_rows(rules: Rules | None = None) -> list[tuple[str, Any, str, str]]:
    """(参数, 值, 单位, 说明) rows the template writes into 规则配置; percents shown as 90%."""
    r = rules or Rules.defaults()
    rows: list[tuple[str, Any, str, str]] = []
    for s in SPECS:
        v = getattr(r, s.attr)
        if s.kind == "pct":
            v = f"{round(v * 100, 4):g}%"
        elif s.kind == "bool":
            v = "是" if v else "否"
        rows.append((s.key, v, s.unit, s.note))
    for source, letter in r.channel_letters.items():
        rows.append((CHANNEL_PREFIX + source, letter, "字母", "seed 000 步骤二：展=Z、推=T；其余自定"))
    for header, values in r.extra_choices.items():
        rows.append((CHOICES_PREFIX + header, "/".join(values), "", "本表自己的可选值，用 / 分隔"))
    return rows


def parse_value(spec: Spec, value: Any) -> Any:
    """The typed value as the rule's type; ValueError when it is not one."""
    if isinstance(value, bool) and spec.kind != "bool":
        raise ValueError(value)
    if spec.kind == "choice":
        s = _norm(value)
        for c in spec.choices:
            if _norm(c) == s:
                return c
        alias = _CHOICE_ALIASES.get(s)
        if alias in spec.choices:
            return alias
        raise ValueError(value)
    if spec.kind == "str":
        s = str(value).strip()
        if not s:
            raise ValueError(value)
        return s
    if spec.kind == "bool":
        if isinstance(value, (bool, int, float)):
            return bool(value)
        s = _norm(value)
        if s in ("是", "true", "yes", "y", "1", "开", "启用"):
            return True
        if s in ("否", "false", "no", "n", "0", "关", "停用"):
            return False
        raise ValueError(value)
    if isinstance(value, (int, float)):
        num = float(value)
        pct_typed = False
    else:
        s = _norm(value).replace(",", "")
        pct_typed = s.endswith("%")
        s = re.sub(r"(万元|万|元|天|月|年|分|次/月|次|个工作日|工作日|小时)$", "", s.rstrip("%"))
        num = float(s)  # raises ValueError
    if num != num:
        raise ValueError(value)
    # 90%, 0.9 and 90 in a percent rule all mean 90% (SPEC §3 Percent)
    if spec.kind == "pct" and (pct_typed or num > 1):
        num /= 100
    if (spec.low is not None and num < spec.low) or (spec.high is not None and num > spec.high):
        raise ValueError(value)
    if spec.kind == "int":
        if num != int(num):
            raise ValueError(value)
        return int(num)
    return num


def _apply(rules: Rules, key: str, value: Any) -> tuple[Rules, bool] | None:
    """Rules with one key set; None for an unknown key; (rules, False) for a bad value."""
    k = _norm(key)
    if k.startswith(_norm(CHANNEL_PREFIX)):
        letter = str(value).strip().upper()
        if not re.fullmatch(r"[A-Z]", letter):
            return rules, False
        letters = dict(rules.channel_letters)
        letters[str(key).strip()[len(CHANNEL_PREFIX) :].strip()] = letter
        return replace(rules, channel_letters=letters), True
    if k.startswith(_norm(CHOICES_PREFIX)):
        items = value if isinstance(value, (list, tuple)) else _CHOICE_SPLIT.split(str(value))
        values = tuple(dict.fromkeys(str(v).strip() for v in items if str(v).strip()))
        header = str(key).strip()[len(CHOICES_PREFIX) :].strip()
        if not values or not header:
            return rules, False
        choices = dict(rules.extra_choices)
        choices[header] = tuple(dict.fromkeys((*choices.get(header, ()), *values)))
        return replace(rules, extra_choices=choices), True
    spec = _BY_KEY.get(k)
    if spec is None:
        return None
    try:
        return replace(rules, **{spec.attr: parse_value(spec, value)}), True
    except (ValueError, TypeError):
        return rules, False


def load_rules(
    rows: Iterable[tuple[int, str, Any]],
    *,
    sheet: str = "规则配置",
    value_col: str = "B",
    toml_path: str | Path | None = None,
) -> tuple[Rules, list[Finding]]:
    """Rules from the 规则配置 rows (excel_row, 参数, 值), then the TOML file on top.

    Unknown keys in the sheet are the user's notes and are ignored; a blank value keeps the default.
    """
    rules = Rules.defaults()
    findings: list[Finding] = []
    for excel_row, key, value in rows:
        if key is None or value is None or (isinstance(value, str) and not value.strip()):
            continue
        if isinstance(value, float) and value != value:
            continue
        out = _apply(rules, str(key), value)
        if out is None:
            continue
        new, ok = out
        if ok:
            rules = new
        else:
            defaults = {r[0]: r[1] for r in rules_rows()}
            spec = _BY_KEY.get(_norm(key))
            default = defaults.get(spec.key if spec else str(key).strip(), "—")
            findings.append(
                Finding(
                    "bad-rule",
                    sheet,
                    f"{value_col}{excel_row}",
                    excel_row,
                    value_col,
                    str(key).strip(),
                    value,
                    {"default": default},
                )
            )
    if toml_path is not None:
        rules = _load_toml(rules, Path(toml_path))
    return rules, findings


def _load_toml(rules: Rules, path: Path) -> Rules:
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        try:
            import tomli as tomllib  # type: ignore[no-redef]
        except ModuleNotFoundError as exc:
            raise RulesFileError(
                path, "Python 3.10 需要安装 tomli 才能读取 TOML（pip install tomli）"
            ) from exc
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise RulesFileError(path, "文件不存在 / file not found") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise RulesFileError(path, f"TOML 语法错误 / syntax error: {exc}") from exc
    flat: list[tuple[str, Any]] = []
    for key, value in data.items():
        if key in ("字段映射", "mapping"):  # read by io/mapping.py before any sheet is mapped
            continue
        if isinstance(value, dict) and key in ("channel_letters", "渠道代码"):
            flat.extend((CHANNEL_PREFIX + str(k), v) for k, v in value.items())
        elif isinstance(value, dict) and key in ("choices", "可选值"):
            flat.extend((CHOICES_PREFIX + str(k), v) for k, v in value.items())
        else:
            flat.append((key, value))
    for key, value in flat:
        out = _apply(rules, key, value)
        if out is None:
            raise RulesFileError(path, f"未知参数 / unknown rule「{key}」")
        if not out[1]:
            raise RulesFileError(path, f"参数「{key}」的值「{value}」无效 / invalid value")
        rules = out[0]
    return rules


def rule_names() -> list[str]:
    """The Chinese keys, in sheet order (docs and the template's dropdown)."""
    return [s.key for s in SPECS] + [CHANNEL_PREFIX + k for k in DEFAULT_CHANNEL_LETTERS]


assert {f.name for f in fields(Rules)} == {s.attr for s in SPECS} | {"channel_letters", "extra_choices"}
