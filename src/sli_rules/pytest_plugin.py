"""pytest plugin: collects `*.scenario.yaml` files so that `pytest` runs scenarios too.

Registered through the `pytest11` entry point. A failing scenario is reported as file,
scenario and what was expected and found, without a Python traceback.

The library is imported only when a scenario file is collected: pytest loads this plugin
in every project where sli-rules is installed, and most of those runs collect none.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

__all__ = ["ScenarioItem", "ScenarioYamlFile", "pytest_addoption", "pytest_collect_file"]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini(
        "sli_rules_allow_outside_events",
        "let a scenario's events_file name a file outside the scenario file's folder "
        "(as sli-rules test --allow-outside-events)",
        type="bool",
        default=False,
    )


def pytest_collect_file(parent: pytest.Collector, file_path: Path) -> pytest.Collector | None:
    if file_path.name.endswith(".scenario.yaml"):
        return ScenarioYamlFile.from_parent(parent, path=file_path)
    return None


class ScenarioFailedError(Exception):
    """A scenario's expectations were not met (or the file could not be read)."""


class ScenarioYamlFile(pytest.File):
    def collect(self) -> Any:
        from sli_rules.api.evaluate import compile_rulesets
        from sli_rules.model.errors import InputError
        from sli_rules.tools.scenarios import load_scenario_file

        try:
            outside = bool(self.config.getini("sli_rules_allow_outside_events"))
            sf = load_scenario_file(self.path, allow_outside_events=outside)
        except InputError as exc:
            yield ScenarioItem.from_parent(self, name="<file>", error=str(exc))
            return
        plan = compile_rulesets(sf.rulesets)
        for scenario in sf.scenarios:
            yield ScenarioItem.from_parent(self, name=scenario.name, payload=(sf, scenario, plan))


class ScenarioItem(pytest.Item):
    def __init__(self, *, payload: Any = None, error: str | None = None, **kw: Any) -> None:
        super().__init__(**kw)
        self.payload = payload
        self.error = error

    def runtest(self) -> None:
        from sli_rules.tools.scenarios import run_scenario

        if self.error is not None:
            raise ScenarioFailedError(self.error)
        sf, scenario, plan = self.payload
        result = run_scenario(sf, scenario, plan)
        if not result.passed:
            raise ScenarioFailedError(result.report())

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        del style  # pytest passes it; a scenario failure has one plain form
        if isinstance(excinfo.value, ScenarioFailedError):
            return str(excinfo.value)
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Path, int | None, str]:
        line = self.payload[1].line if self.payload else 0
        return self.path, line - 1 if line else None, f"scenario: {self.name}"
