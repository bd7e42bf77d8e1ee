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


ERRORS = [
    n
    for n in sli_rules.__all__
    if inspect.isclass(o := getattr(sli_rules, n)) and issubclass(o, Exception)
]


def test_the_public_errors_share_one_base_class() -> None:
    assert "SliRulesError" in ERRORS
    assert len(ERRORS) >= 8
    for name in ERRORS:
        assert issubclass(getattr(sli_rules, name), sli_rules.SliRulesError), name
    # and each is still the built-in error callers caught before
    assert issubclass(sli_rules.MissingExtraError, ImportError)
    assert issubclass(sli_rules.StateError, ValueError)
    assert issubclass(sli_rules.EngineUnavailableError, RuntimeError)
    from sli_rules.model.dates import DateError

    assert issubclass(DateError, ValueError)
    assert issubclass(DateError, sli_rules.SliRulesError)
