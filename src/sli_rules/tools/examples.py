"""The example event streams (`examples/*.jsonl`), reachable from a pip install.

The wheel ships the repository's `examples/` folder as `sli_rules/examples` (pyproject's
force-include, so the files are not kept twice in the repository); an editable install
reads them from the source tree. Each stream comes with the rulesets and date that
`make demo` evaluates it with, read from the folder's `demo.tsv`.
"""

from __future__ import annotations

import datetime as _dt
import os
from importlib import resources
from pathlib import Path

import attrs

from sli_rules.model.errors import did_you_mean

__all__ = ["Example", "example", "example_dir", "examples", "export_example"]


def example_dir() -> Path:
    """Where the example streams are: inside the installed package (`sli_rules/examples`,
    from the wheel), or `examples/` in the source tree (an editable install)."""
    packaged = resources.files("sli_rules").joinpath("examples")
    if packaged.is_dir():
        return Path(str(packaged))
    return Path(__file__).resolve().parents[3] / "examples"


@attrs.frozen
class Example:
    """A bundled example event stream: its `name`, its JSON Lines file (`path`), and the
    bundled `rulesets` and `as_of` date it is meant to be evaluated with (as `make demo`
    does), e.g. `sli_rules.evaluate(ex.rulesets, ex.path, as_of=ex.as_of)`."""

    name: str
    path: Path
    rulesets: tuple[str, ...] = ()
    as_of: _dt.date | None = None

    @property
    def events(self) -> int:
        """How many events (lines) the stream holds."""
        with self.path.open(encoding="utf-8") as fh:
            return sum(1 for line in fh if line.strip())


def _manifest(folder: Path) -> dict[str, tuple[tuple[str, ...], _dt.date | None]]:
    """demo.tsv: file name -> (ruleset ids, as-of date)."""
    path = folder / "demo.tsv"
    if not path.exists():
        return {}
    out: dict[str, tuple[tuple[str, ...], _dt.date | None]] = {}
    for line in path.read_text(encoding="utf-8").splitlines()[1:]:
        cells = line.rstrip("\r").split("\t")
        if len(cells) < 3 or not cells[0] or cells[0].startswith("#"):
            continue
        ids = tuple(r for r in cells[1].split(",") if r)
        try:
            day: _dt.date | None = _dt.date.fromisoformat(cells[2].strip())
        except ValueError:
            day = None
        out[cells[0]] = (ids, day)
    return out


def examples() -> list[Example]:
    """Every bundled example stream, by name (`sli-rules examples` lists them)."""
    folder = example_dir()
    manifest = _manifest(folder)
    out = []
    for path in sorted(folder.glob("*.jsonl")):
        ids, day = manifest.get(path.name, ((), None))
        out.append(Example(path.stem, path, ids, day))
    return out


def example(name: str) -> Example:
    """The bundled example stream `name` (its file name without `.jsonl`); a name that is
    not one raises `KeyError` with a did-you-mean and the names there are."""
    found = {ex.name: ex for ex in examples()}
    name = name.removesuffix(".jsonl")
    if name not in found:
        raise KeyError(
            f"no example {name!r}{did_you_mean(name, sorted(found))}; "
            f"examples: {', '.join(sorted(found)) or 'none'}"
        )
    return found[name]


def export_example(name: str, path: str | os.PathLike[str]) -> Path:
    """Copy the example stream `name` to the new file `path` (never over an existing one:
    FileExistsError); returns the path written."""
    data = example(name).path.read_bytes()
    with open(path, "xb") as fh:
        fh.write(data)
    return Path(path)
