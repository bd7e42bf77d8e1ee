"""What the writers of a report's findings read from it: its date, findings and rulesets.

`sli_rules.Report` satisfies this; the writers (SQL, Parquet, plot, iCalendar) take any
object that does, so that they need not import the Report, which offers them as methods.
"""

from __future__ import annotations

import datetime as _dt
from typing import Protocol

from sli_rules.model.values import Finding

__all__ = ["FindingsView"]


class FindingsView(Protocol):
    @property
    def as_of(self) -> _dt.date: ...

    @property
    def findings(self) -> tuple[Finding, ...]: ...

    @property
    def rulesets(self) -> tuple[str, ...]: ...
