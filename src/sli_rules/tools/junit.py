"""Scenario results as JUnit XML (`sli-rules test --junit-xml FILE`), for CI systems that
show test reports: one <testsuite> per scenario file, one <testcase> per scenario.

Written with the standard library's ElementTree, which escapes every text and attribute.
A scenario file that cannot be read is one test case with an <error>, named "<file>".
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from pathlib import Path

from sli_rules.tools.scenarios import ScenarioResult

__all__ = ["junit_xml"]


def _suite(name: str) -> ET.Element:
    return ET.Element("testsuite", name=name)


def junit_xml(
    results: Sequence[ScenarioResult],
    unreadable: Mapping[str, Sequence[str]] | None = None,
    *,
    name: str = "sli-rules test",
) -> bytes:
    """The JUnit XML document for `results`, plus a failed case (an <error>) for each file
    of `unreadable`, mapped to its problems."""
    root = ET.Element("testsuites", name=name)
    suites: dict[str, ET.Element] = {}
    for r in results:
        suite = suites.setdefault(r.file, _suite(r.file))
        case = ET.SubElement(
            suite,
            "testcase",
            classname=Path(r.file).name,
            name=r.scenario,
            file=r.file,
            line=str(r.line),
        )
        if not r.passed:
            failure = ET.SubElement(case, "failure", message=r.failures[0])
            failure.text = r.report()
    for file, problems in (unreadable or {}).items():
        suite = suites.setdefault(file, _suite(file))
        case = ET.SubElement(suite, "testcase", classname=Path(file).name, name="<file>", file=file)
        error = ET.SubElement(case, "error", message=problems[0] if problems else "cannot be read")
        error.text = "\n".join(problems)
    totals = {"tests": 0, "failures": 0, "errors": 0}
    for suite in suites.values():
        counts = {
            "tests": len(suite),
            "failures": sum(1 for c in suite if c.find("failure") is not None),
            "errors": sum(1 for c in suite if c.find("error") is not None),
        }
        for key, value in counts.items():
            suite.set(key, str(value))
            totals[key] += value
        suite.set("skipped", "0")
        root.append(suite)
    for key, value in totals.items():
        root.set(key, str(value))
    ET.indent(root)
    text: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return text + b"\n"
