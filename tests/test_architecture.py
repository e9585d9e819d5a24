"""The layout's rules, read from the sources: imports go one way, pure modules stay pure."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parent.parent / "custom_components" / "linky"
MODULES = {path.stem: path for path in PACKAGE.glob("*.py")}
PURE = (
    "paris",
    "kinds",
    "readings",
    "snapshot",
    "schedule",
    "statistics",
    "tariff",
    "contract",
    "series",
    "meter_registers",
    "contract_check",
    "urls",
    "backfill_plan",
    "reconcile",
    "tempo_season",
    "off_peak",
    "regulated",
    "form_values",
    "options_summary",
    "comparison",
)


def _imports(path: Path) -> tuple[set[str], set[str]]:
    """(integration modules, top-level packages) imported at run time (not for typing)."""
    local: set[str] = set()
    packages: set[str] = set()

    def visit(nodes: list[ast.stmt]) -> None:
        for node in nodes:
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                continue
            if isinstance(node, ast.ImportFrom) and node.level == 1:
                name = (node.module or "").split(".")[0]
                local.update([name] if name else [alias.name for alias in node.names])
            elif isinstance(node, ast.ImportFrom) and node.module:
                packages.add(node.module.split(".")[0])
            elif isinstance(node, ast.Import):
                packages.update(alias.name.split(".")[0] for alias in node.names)
            for field in ("body", "orelse", "handlers", "finalbody"):
                visit(getattr(node, field, []))

    visit(ast.parse(path.read_text()).body)
    return local & set(MODULES), packages


GRAPH = {name: _imports(path)[0] for name, path in MODULES.items()}


def test_no_import_circle() -> None:
    done: set[str] = set()

    def walk(name: str, path: tuple[str, ...]) -> None:
        assert name not in path, f"import circle: {' -> '.join((*path, name))}"
        if name in done:
            return
        for dependency in GRAPH[name]:
            walk(dependency, (*path, name))
        done.add(name)

    for name in GRAPH:
        walk(name, ())


@pytest.mark.parametrize("name", PURE)
def test_pure_modules_import_no_home_assistant(name: str) -> None:
    local, packages = _imports(MODULES[name])
    assert "homeassistant" not in packages
    assert local <= set(PURE) | {"const"}


def test_the_coordinator_does_not_reach_up() -> None:
    assert not GRAPH["coordinator"] & {"backfill", "statistics_import", "sensor", "services"}


IMPORTER_API = {"async_follow", "async_request", "async_idle", "async_rebuild", "busy"}
"""What other modules may use of the statistics importer: it decides alone what to send."""


@pytest.mark.parametrize("name", sorted(set(MODULES) - {"statistics_import"}))
def test_only_the_importer_decides_what_to_import(name: str) -> None:
    """No other module reaches into the importer (its state, a "changed from" day, a flush)
    or calls the recorder's import itself."""
    tree = ast.parse(MODULES[name].read_text())
    used = {
        node.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Attribute)
        and node.value.attr == "statistics"
    }
    assert used <= IMPORTER_API, used - IMPORTER_API
    names = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
    assert not names & {"async_add_external_statistics", "async_import_statistics"}


@pytest.mark.parametrize("name", sorted(MODULES))
def test_no_module_over_500_lines(name: str) -> None:
    assert len(MODULES[name].read_text().splitlines()) <= 500
