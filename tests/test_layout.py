"""The floors hold: `core` at the bottom, the apps on it, the report on top (ARCHITECTURE.md).

Every import statement of every module is read, those inside functions included, so a late import
cannot slip a dependency past the rule.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
OURS = ("core", "plans", "kpis", "risks", "report", "torbay_improvement")
MAX_LINES = 600

# package -> the packages of ours it must never import
FORBIDDEN = {
    "core": {"plans", "kpis", "risks", "report", "torbay_improvement"},
    "plans": {"kpis", "risks", "report", "torbay_improvement"},
    "kpis": {"risks", "report", "torbay_improvement"},
    "risks": {"kpis", "report", "torbay_improvement"},
    "report": {"torbay_improvement"},
}
# Who may import the report: itself, and the root URLs.
REPORT_IMPORTERS = {"report", "torbay_improvement.urls"}


def _modules():
    for package in OURS:
        for path in sorted((ROOT / package).rglob("*.py")):
            yield ".".join(path.relative_to(ROOT).with_suffix("").parts), path


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def _imports_of_ours(path: Path) -> set[str]:
    return {name for name in _imports(path) if name.split(".")[0] in OURS}


MODULES = list(_modules())


def _broken_rules(module: str, imported: set[str]) -> list[str]:
    package = module.split(".")[0]
    broken = [f"{module} imports {name}" for name in sorted(imported) if name.split(".")[0] in FORBIDDEN[package]]
    if package != "report" and module not in REPORT_IMPORTERS:
        broken += [f"{module} imports {name}" for name in sorted(imported) if name.split(".")[0] == "report"]
    return broken


def test_every_module_keeps_to_its_floor():
    broken = [
        rule
        for module, path in MODULES
        if module.split(".")[0] in FORBIDDEN
        for rule in _broken_rules(module, _imports_of_ours(path))
    ]
    assert broken == []


@pytest.mark.parametrize(
    ("module", "imported", "broken"),
    [
        pytest.param("core.calendar", {"plans.models"}, True, id="core importing an app"),
        pytest.param("plans.views", {"report.panels"}, True, id="an app importing the report"),
        pytest.param("plans.panels", {"kpis.selectors"}, True, id="plans importing kpis"),
        pytest.param("plans.selectors", {"risks.models"}, True, id="plans importing risks"),
        pytest.param("kpis.selectors", {"plans.models", "core.calendar"}, False, id="kpis standing on plans and core"),
        pytest.param("report.context", {"kpis.selectors", "risks.selectors"}, False, id="the report reading the apps"),
    ],
)
def test_the_rule_catches_each_wrong_direction(module, imported, broken):
    assert bool(_broken_rules(module, imported)) is broken


def test_the_import_walk_sees_imports_inside_functions(tmp_path):
    source = tmp_path / "late.py"
    source.write_text("def f():\n    from report.views import HighlightReportView\n")
    assert _imports_of_ours(source) == {"report.views"}


def test_only_the_root_urls_import_the_report():
    importers = {
        module
        for module, path in MODULES
        if module.split(".")[0] != "report" and any(n.split(".")[0] == "report" for n in _imports_of_ours(path))
    }
    assert importers == {"torbay_improvement.urls"}


def test_no_module_outside_migrations_is_over_600_lines():
    long = {
        module: lines
        for module, path in MODULES
        if "migrations" not in path.parts and (lines := len(path.read_text().splitlines())) > MAX_LINES
    }
    assert long == {}
