"""Optional extras (pandas, pyarrow, sqlalchemy, matplotlib, icalendar), imported when used."""

from __future__ import annotations

from importlib import import_module
from types import ModuleType

from sli_rules.model.errors import SliRulesError

__all__ = ["MissingExtraError", "require"]


class MissingExtraError(ImportError, SliRulesError):
    """An optional dependency is not installed; the message names the extra to install."""


def require(module: str, feature: str, extra: str) -> ModuleType:
    """Import `module`, or raise MissingExtraError naming the extra that provides it."""
    try:
        return import_module(module)
    except ImportError:
        raise MissingExtraError(
            f"{feature} needs {module.split('.', maxsplit=1)[0]}: install it with "
            f"pip install 'sli-rules[{extra}]'."
        ) from None
