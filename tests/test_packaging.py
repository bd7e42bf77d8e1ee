"""Packaging: the version has one source, and a built wheel works on its own."""

from __future__ import annotations

import importlib.metadata
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import sli_rules

REPO_ROOT = Path(__file__).resolve().parents[1]
# Top-level files only: rulesets/registry/ holds reference data, not rulesets.
BUNDLED_IDS = sorted(path.stem for path in (REPO_ROOT / "rulesets").glob("*.yaml"))
BIN = "Scripts" if os.name == "nt" else "bin"
SCHEMA_NAMES = sorted(
    p.name.removesuffix(".schema.json")
    for p in (REPO_ROOT / "docs" / "schemas").glob("*.schema.json")
)
EXAMPLE_FILES = sorted((REPO_ROOT / "examples").glob("*.jsonl"))


def _this_environment() -> str:
    """Every distribution installed here as `name==version`, sli-rules aside: a
    constraints file that installs the wheel's dependencies at the versions the tests
    run with (the locked ones under `make test`), not at whatever is newest that day."""
    pins = {
        dist.metadata["Name"]: dist.version
        for dist in importlib.metadata.distributions()
        if dist.metadata["Name"] and dist.metadata["Name"].lower() != "sli-rules"
    }
    return "".join(f"{name}=={version}\n" for name, version in sorted(pins.items()))


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    # Keep anything that could put the repository's sources on sys.path out of the child
    # processes, so that they see only what the wheel installed.
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "PYTHONHOME"}}
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, check=False)


def test_the_all_extra_installs_every_optional_feature() -> None:
    """`pip install 'sli-rules[all]'` (issue 16, point 7): every extra but the
    contributors' `dev`, so no optional feature is left out when one is added."""
    import tomllib

    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    extras = project["project"]["optional-dependencies"]
    (spec,) = extras["all"]
    named = spec.removeprefix("sli-rules[").removesuffix("]").split(",")
    assert sorted(named) == sorted(set(extras) - {"all", "dev"})


def test_installed_version_matches_package() -> None:
    assert importlib.metadata.version("sli-rules") == sli_rules.__version__


@pytest.mark.wheel
@pytest.mark.slow
def test_wheel_installs_and_ships_the_bundled_rulesets(tmp_path: Path) -> None:
    assert BUNDLED_IDS, f"no rulesets/*.yaml in {REPO_ROOT}"

    dist = tmp_path / "dist"
    # Built with this venv's build backend (the locked one), not one fetched on the day.
    built = _run(
        [
            sys.executable,
            *("-m", "build", "--wheel", "--no-isolation", "--outdir", str(dist)),
            str(REPO_ROOT),
        ],
        cwd=REPO_ROOT,
    )
    assert built.returncode == 0, f"building the wheel failed:\n{built.stderr}"
    wheels = list(dist.glob("sli_rules-*.whl"))
    assert len(wheels) == 1, f"expected one wheel, found {wheels}"
    wheel = wheels[0]
    assert f"-{sli_rules.__version__}-" in wheel.name

    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    missing = [
        name
        for name in (
            *(f"sli_rules/rulesets/{ruleset_id}.yaml" for ruleset_id in BUNDLED_IDS),
            "sli_rules/data/events.yaml",
            "sli_rules/py.typed",
            *(f"sli_rules/schemas/{name}.schema.json" for name in SCHEMA_NAMES),
            *(f"sli_rules/examples/{p.name}" for p in EXAMPLE_FILES),
            "sli_rules/examples/demo.tsv",
        )
        if name not in names
    ]
    assert not missing, f"{wheel.name} lacks {missing}"

    venv_dir = tmp_path / "venv"
    made = _run([sys.executable, "-m", "venv", str(venv_dir)], cwd=tmp_path)
    assert made.returncode == 0, f"creating the venv failed:\n{made.stderr}"
    python = venv_dir / BIN / "python"
    constraints = tmp_path / "constraints.txt"
    constraints.write_text(_this_environment())
    installed = _run(
        [
            str(python),
            *("-m", "pip", "install", "--quiet", "--disable-pip-version-check"),
            *("-c", str(constraints), str(wheel)),
        ],
        cwd=tmp_path,
    )
    assert installed.returncode == 0, f"installing {wheel.name} failed:\n{installed.stderr}"

    listed = _run([str(venv_dir / BIN / "sli-rules"), "list"], cwd=tmp_path)
    assert listed.returncode == 0, f"sli-rules list failed:\n{listed.stderr}"
    unlisted = [ruleset_id for ruleset_id in BUNDLED_IDS if ruleset_id not in listed.stdout]
    assert not unlisted, f"sli-rules list omits {unlisted}:\n{listed.stdout}"

    ruleset_id = BUNDLED_IDS[0]
    code = (
        "import sli_rules; "
        f"print(sli_rules.load_ruleset({ruleset_id!r}).id); "
        "print(sli_rules.__file__)"
    )
    loaded = _run([str(python), "-c", code], cwd=tmp_path)
    assert loaded.returncode == 0, f"load_ruleset({ruleset_id!r}) failed:\n{loaded.stderr}"
    lines = loaded.stdout.splitlines()
    assert len(lines) == 2, loaded.stdout
    loaded_id, module_file = lines
    assert loaded_id == ruleset_id
    # The import came from the fresh venv, not from the source tree.
    assert Path(module_file).resolve().is_relative_to(venv_dir.resolve()), module_file

    # An exported copy names the schema shipped in the wheel, relative to where it is.
    work = tmp_path / "work"
    work.mkdir()
    shown = _run([str(venv_dir / BIN / "sli-rules"), "show", ruleset_id, "-o", "copy.yaml"], work)
    assert shown.returncode == 0, shown.stderr
    first = (work / "copy.yaml").read_text(encoding="utf-8").splitlines()[0]
    reference = first.removeprefix("# yaml-language-server: $schema=")
    assert reference != first, first
    schema = (work / reference).resolve()
    assert schema.is_relative_to(venv_dir.resolve()), schema
    assert '"$id": "urn:sli-rules:schemas:ruleset.schema.json"' in schema.read_text(
        encoding="utf-8"
    )

    # The example streams are in the wheel: listed, exported, and evaluated from the copy.
    sli = str(venv_dir / BIN / "sli-rules")
    listed = _run([sli, "examples"], work)
    assert listed.returncode == 0, listed.stderr
    assert [line.split("\t")[0] for line in listed.stdout.splitlines()] == [
        p.stem for p in EXAMPLE_FILES
    ]
    name = EXAMPLE_FILES[0].stem
    exported = _run([sli, "examples", name, "-o", "events.jsonl"], work)
    assert exported.returncode == 0, exported.stderr
    assert (work / "events.jsonl").read_bytes() == EXAMPLE_FILES[0].read_bytes()
    code = (
        "import sli_rules; "
        f"ex = sli_rules.example({name!r}); "
        "print(ex.path); "
        "print(len(sli_rules.evaluate(ex.rulesets, ex.path, as_of=ex.as_of)))"
    )
    evaluated = _run([str(python), "-c", code], work)
    assert evaluated.returncode == 0, evaluated.stderr
    path, found = evaluated.stdout.splitlines()
    assert Path(path).resolve().is_relative_to(venv_dir.resolve()), path
    assert int(found) > 0
