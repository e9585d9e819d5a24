"""End-to-end tests: a real `hass` process. Run without Home Assistant's test plugin.

`scripts/test` runs them as their own pytest invocation:
`python -m pytest tests/e2e -p no:homeassistant --confcutdir=tests/e2e`. The plugin would block
sockets, patch Home Assistant and add autouse fixtures meant for an in-process `hass`, so when it
is loaded (the unit-test run) this folder is not collected.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from .harness import REPO

ARTIFACTS = REPO / "artifacts" / "e2e"


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """Skip this folder when the Home Assistant test plugin is active (the unit-test run)."""
    if config.pluginmanager.has_plugin("homeassistant") and collection_path.suffix == ".py":
        return True
    return None


class Timings:
    """Wall-clock time of each phase, printed at the end of the run and kept in artifacts."""

    def __init__(self) -> None:
        self.phases: list[tuple[str, float]] = []
        self.notes: list[str] = []
        self._start = time.monotonic()
        self._last = self._start

    def mark(self, phase: str) -> None:
        now = time.monotonic()
        self.phases.append((phase, now - self._last))
        print(f"[e2e] {phase}: {now - self._last:.1f} s", flush=True)
        self._last = now

    def note(self, text: str) -> None:
        """A line for the summary (what was checked, counts)."""
        self.notes.append(text)
        print(f"[e2e] {text}", flush=True)

    def report(self) -> str:
        lines = [f"{phase:<56} {seconds:7.1f} s" for phase, seconds in self.phases]
        lines.append(f"{'total':<56} {time.monotonic() - self._start:7.1f} s")
        return "\n".join([*self.notes, "", *lines])


_TIMINGS: list[Timings] = []


@pytest.fixture
def timings() -> Iterator[Timings]:
    """Record phase durations (`timings.mark("phase")` at the end of each)."""
    recorder = Timings()
    _TIMINGS.append(recorder)
    yield recorder
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "timings.txt").write_text(recorder.report() + "\n")


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Print the timings of every e2e test that ran."""
    for recorder in _TIMINGS:
        terminalreporter.section("e2e timings")
        terminalreporter.write_line(recorder.report())
