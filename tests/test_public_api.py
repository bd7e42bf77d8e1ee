"""Every public class and function says what it is: `help(sli_rules.X)` is useful."""

from __future__ import annotations

import inspect

import pytest

import sli_rules

DOCUMENTED = [
    n for n in sli_rules.__all__ if inspect.isclass(o := getattr(sli_rules, n)) or callable(o)
]


@pytest.mark.parametrize("name", DOCUMENTED)
def test_public_name_has_its_own_docstring(name: str) -> None:
    obj = getattr(sli_rules, name)
    own = obj.__dict__.get("__doc__") if inspect.isclass(obj) else obj.__doc__
    assert own, f"sli_rules.{name} has no docstring"
    assert not own.startswith(f"{name}("), f"sli_rules.{name}: only the generated signature"
