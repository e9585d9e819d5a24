"""The client library stands on its own: publishable as `linky-client` without a refactor.

It imports nothing from Home Assistant or from the integration around it, its relative imports
stay inside the package (so it can be renamed `linky_client`), and every third-party module it
imports is a declared dependency in its pyproject.toml.
"""

from __future__ import annotations

import ast
import sys
import tomllib
from pathlib import Path

import pytest

from custom_components.linky import api

from .conftest import STANDALONE

API_DIR = Path(api.__file__).parent
MODULES = sorted(API_DIR.glob("*.py"))
FORBIDDEN = ("homeassistant", "custom_components", "linky_simulator")


def _imports(path: Path) -> list[tuple[int, str]]:
    """(level, module) of every import in a module; level 0 for absolute imports."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found.extend((0, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            found.append((node.level, node.module or ""))
    return found


def _third_party(path: Path) -> set[str]:
    return {
        module.partition(".")[0]
        for level, module in _imports(path)
        if level == 0 and module.partition(".")[0] not in sys.stdlib_module_names
    }


def test_the_package_is_found() -> None:
    assert len(MODULES) > 5
    assert API_DIR / "__init__.py" in MODULES


@pytest.mark.parametrize("path", MODULES, ids=lambda path: path.name)
def test_imports_nothing_from_home_assistant_or_the_integration(path: Path) -> None:
    for level, module in _imports(path):
        if level == 0:
            assert module.partition(".")[0] not in FORBIDDEN, f"{path.name}: import {module}"
        else:  # the package is flat: `from .x` only, never `from ..` (the integration)
            assert level == 1, f"{path.name}: from {'.' * level}{module} leaves api/"


def test_third_party_imports_are_declared_dependencies() -> None:
    project = tomllib.loads((API_DIR / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared = {
        requirement.partition(">")[0].partition("=")[0].partition("<")[0].strip()
        for requirement in project["dependencies"]
    }
    imported = set().union(*(_third_party(path) for path in MODULES))
    assert imported == declared == {"aiohttp"}


def test_version_is_defined_once() -> None:
    """pyproject.toml takes the version from `__version__` (hatchling's version source)."""
    pyproject = tomllib.loads((API_DIR / "pyproject.toml").read_text(encoding="utf-8"))
    assert pyproject["project"]["name"] == "linky-client"
    assert "version" in pyproject["project"]["dynamic"]
    assert pyproject["tool"]["hatch"]["version"]["path"] == "__init__.py"
    assert api.__version__.count(".") == 2
    assert (API_DIR / "py.typed").is_file()


def test_standalone_run_loaded_no_home_assistant() -> None:
    """Run alone (see conftest.py), the tests and the library load no Home Assistant module."""
    if not STANDALONE:
        pytest.skip("the full run: Home Assistant is loaded by its test plugin")
    loaded = [
        name
        for name in sys.modules
        if name.startswith("homeassistant.")
        or (name.startswith("custom_components.linky.") and not name.startswith(api.__name__))
    ]
    assert loaded == []
    assert sys.modules["homeassistant"] is None
