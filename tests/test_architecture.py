"""The stage rule of docs/ARCHITECTURE.md: no module imports a later stage.

The table is parsed from the document itself, so the document and the rule cannot drift apart; a
module missing from the table fails here, which is where its stage gets decided.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PKG = ROOT / "workbook_crm"


def _stages() -> dict[str, int]:
    doc = (ROOT / "docs" / "ARCHITECTURE.md").read_text(encoding="utf-8")
    stages: dict[str, int] = {}
    for line in doc.splitlines():
        m = re.match(r"\|\s*(\d+) [^|]*\|([^|]*)\|", line)
        if m:
            for name in re.findall(r"`([\w_]+)/?`", m.group(2)):
                stages[name] = int(m.group(1))
    return stages


def _unit(path: Path) -> str:
    parts = path.relative_to(PKG).parts
    return parts[0] if len(parts) > 1 else parts[0].removesuffix(".py")


def _imports_of(source: str, here: list[str]) -> set[str]:
    """The top-level units of workbook_crm imported by ``source`` living in package folder ``here``."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom):
            if node.level == 0:
                if not (node.module or "").startswith("workbook_crm."):
                    continue
                parts = (node.module or "").split(".")[1:]
            else:
                base = here[: len(here) - (node.level - 1)]
                parts = base + (node.module.split(".") if node.module else [])
                if not parts:  # `from . import x` at the top of the package
                    parts = [alias.name for alias in node.names]
            if parts:
                found.add(parts[0])
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("workbook_crm."):
                    found.add(alias.name.split(".")[1])
    return found


def _imports(path: Path) -> set[str]:
    return _imports_of(path.read_text(encoding="utf-8"), list(path.relative_to(PKG).parts[:-1]))


def _later(unit: str, imported: set[str], stages: dict[str, int]) -> list[str]:
    return sorted(t for t in imported - {unit} if stages.get(t, -1) > stages.get(unit, 99))


MODULES = sorted(p for p in PKG.rglob("*.py"))


def test_every_module_has_a_stage() -> None:
    stages = _stages()
    missing = sorted({_unit(p) for p in MODULES} - set(stages))
    assert missing == [], f"give these a stage in docs/ARCHITECTURE.md: {missing}"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PKG)))
def test_no_module_imports_a_later_stage(path: Path) -> None:
    stages = _stages()
    unit = _unit(path)
    later = _later(unit, _imports(path), stages)
    assert later == [], f"{path.relative_to(ROOT)} (stage {stages.get(unit)}) imports a later stage: {later}"


def test_the_rule_can_fail() -> None:
    """A normalizer importing the write-back (relative, absolute or plain) is caught; its peers are not."""
    stages = _stages()
    source = (
        "from ..writeback import safe\n"
        "from . import text\n"
        "from ..findings import Finding\n"
        "import workbook_crm.reports.style\n"
    )
    imported = _imports_of(source, ["normalize"])
    assert imported == {"writeback", "normalize", "findings", "reports"}
    assert _later("normalize", imported, stages) == ["reports", "writeback"]


LIMIT = 300  # lines of the ruff-formatted module (#15: "no module over 300 lines without a reason")


def _oversized(path: Path) -> bool:
    """Over the limit and its docstring does not say why (the reason names the limit: "300 lines")."""
    source = path.read_text(encoding="utf-8")
    if source.count("\n") <= LIMIT:
        return False
    doc = ast.get_docstring(ast.parse(source)) or ""
    return "300 lines" not in doc


def test_no_module_is_long_without_a_reason() -> None:
    long = [str(p.relative_to(PKG)) for p in MODULES if _oversized(p)]
    assert long == []


def test_the_size_rule_can_fail(tmp_path: Path) -> None:
    body = "x = 1\n" * (LIMIT + 1)
    bare = tmp_path / "bare.py"
    bare.write_text('"""A module."""\n' + body, encoding="utf-8")
    told = tmp_path / "told.py"
    told.write_text('"""A module. Over 300 lines for a reason: a table."""\n' + body, encoding="utf-8")
    assert (_oversized(bare), _oversized(told)) == (True, False)
