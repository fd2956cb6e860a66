"""规则配置: defaults, sheet rows, TOML override, bad values."""

from __future__ import annotations

import sys

import pytest

from workbook_crm.errors import RulesFileError
from workbook_crm.findings import CATALOG
from workbook_crm.rules import SPECS, Rules, load_rules, rules_rows


def test_rules_rows_round_trip_to_defaults() -> None:
    rows = rules_rows()
    keys = [r[0] for r in rows]
    assert len(keys) == len(set(keys))
    assert rows[keys.index("S级年合作金额(万元)")][:3] == ("S级年合作金额(万元)", 50, "万元")
    rules, findings = load_rules((i + 2, k, v) for i, (k, v, _u, _n) in enumerate(rows))
    assert findings == []
    assert rules == Rules.defaults()


def test_sheet_values_override_and_traditional_keys() -> None:
    rules, findings = load_rules(
        [
            (2, "S级年合作金额(万元)", "60万"),
            (3, "S級續約率", "95%"),
            (4, "按工作日计算", "是"),
            (5, "维护周期-核心客户", 20.0),
            (6, "渠道代码-陌拜", "m"),
            (7, "我的备注", "随便写"),
        ]
    )
    assert findings == []
    assert (rules.s_amount, rules.s_renewal, rules.use_workdays, rules.interval_core) == (
        60.0,
        0.95,
        True,
        20,
    )
    assert rules.channel_letters["陌拜"] == "M" and rules.channel_letters["展会对接"] == "Z"


@pytest.mark.parametrize("value", ["abc", "-5", "150%", "1.5"])
def test_bad_value_gives_finding_at_its_cell_and_keeps_default(value: str) -> None:
    key = "A级续约率" if value in ("150%",) else "维护周期-S级"
    rules, findings = load_rules([(9, key, value)], value_col="C")
    assert [(f.sheet, f.cell, f.code) for f in findings] == [("规则配置", "C9", "bad-rule")]
    assert rules == Rules.defaults()
    assert "默认值" in findings[0].message()


def test_percent_rule_accepts_all_three_spellings() -> None:
    for typed in ("85%", 0.85, 85):
        rules, findings = load_rules([(2, "A级续约率", typed)])
        assert findings == [] and rules.a_renewal == pytest.approx(0.85)


@pytest.mark.skipif(sys.version_info < (3, 11), reason="tomllib")
def test_toml_overrides_sheet(tmp_path) -> None:
    p = tmp_path / "rules.toml"
    p.write_text(
        '"S级年合作金额(万元)" = 80\ninterval_core = 14\n["渠道代码"]\n"官网表单" = "G"\n', encoding="utf-8"
    )
    rules, _ = load_rules([(2, "S级年合作金额(万元)", 60), (3, "B级满意度(5分制)", 3.0)], toml_path=p)
    assert (rules.s_amount, rules.interval_core, rules.b_satisfaction) == (80.0, 14, 3.0)
    assert rules.channel_letters["官网表单"] == "G"


@pytest.mark.parametrize("text", ["s_amount = ", "no_such_rule = 1", 's_amount = "很多"'])
def test_bad_toml_raises(tmp_path, text: str) -> None:
    p = tmp_path / "rules.toml"
    p.write_text(text, encoding="utf-8")
    with pytest.raises(RulesFileError):
        load_rules([], toml_path=p)


def test_every_spec_documented() -> None:
    undocumented = [s.attr for s in SPECS if not (s.note and s.key)]
    assert undocumented == []
    keys = [s.key for s in SPECS]
    assert sorted(k for k in set(keys) if keys.count(k) > 1) == []  # one 规则配置 row per key


def test_every_catalog_code_is_raised_somewhere() -> None:
    """No dead codes: each catalog code is a string literal in some module other than the catalog."""
    import ast
    from pathlib import Path

    import workbook_crm

    literals: set[str] = set()
    for path in Path(workbook_crm.__file__).parent.rglob("*.py"):
        if path.name == "findings.py" and path.parent.name == "workbook_crm":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        literals |= {
            n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)
        }
    assert sorted(set(CATALOG) - literals) == []
