"""The example notebooks in examples/ run from top to bottom, and git holds them stripped.

Each notebook is executed in a temporary copy, with the repository root as its working
directory, in an IPython kernel of the Python running the tests (not whatever `python3`
kernel a user has installed). The notebooks check their own results with `assert`, so a
wrong finding fails the run; the failure names the cell and shows its source and error.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest

import real_record

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
NOTEBOOKS = sorted(EXAMPLES.glob("*.ipynb"))
EXPECTED = {
    "west-midlands-one-council-2013-2015.ipynb",
    "east-midlands-peer-review-lifecycle.ipynb",
    "policy-what-if-deadline.ipynb",
    "real-west-midlands-2011-2018.ipynb",
}
# seconds, per cell: a hang guard, not a speed test (the real record's cell takes tens of
# seconds of CPU, and CI machines are shared and may be slow under coverage)
CELL_TIMEOUT = 900
NOTEBOOK_METADATA = {"kernelspec", "language_info"}
CELL_METADATA = {"tags"}
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def _load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


# --------------------------------------------------------------- stored form


def test_the_example_notebooks_are_there() -> None:
    assert {p.name for p in NOTEBOOKS} >= EXPECTED


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_stored_without_outputs(path: Path) -> None:
    nb = _load(path)
    assert nb["nbformat"] == 4
    problems = []
    extra = set(nb.get("metadata", {})) - NOTEBOOK_METADATA
    if extra:
        problems.append(f"notebook metadata has {sorted(extra)}")
    if nb.get("metadata", {}).get("kernelspec", {}).get("name") != "python3":
        problems.append("the kernelspec is not python3")
    for number, cell in enumerate(nb["cells"], start=1):
        extra = set(cell.get("metadata", {})) - CELL_METADATA
        if extra:
            problems.append(f"cell {number} metadata has {sorted(extra)}")
        if cell["cell_type"] == "code":
            if cell.get("outputs"):
                problems.append(f"cell {number} has outputs")
            if cell.get("execution_count") is not None:
                problems.append(f"cell {number} has an execution count")
        if cell.get("attachments"):
            problems.append(f"cell {number} has attachments")
    assert not problems, (
        f"{path.name} must be committed stripped (clear all outputs, drop execution counts "
        f"and widget state): " + "; ".join(problems)
    )


# ----------------------------------------------------------------- execution


def _execute(nb: Any, tmp_path: Path) -> None:
    """Run `nb` in place in a kernel of this Python, with the repository as cwd."""
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import AsyncKernelManager
    from nbclient import NotebookClient

    # No kernel directories: "python3" can then only be ipykernel's own spec, which
    # starts sys.executable, never a python3 kernel installed elsewhere on the machine.
    specs = KernelSpecManager(kernel_dirs=[], ensure_native_kernel=True)
    km = AsyncKernelManager(kernel_name="python3", kernel_spec_manager=specs)
    client = NotebookClient(
        nb,
        km=km,
        timeout=CELL_TIMEOUT,
        kernel_name="python3",
        resources={"metadata": {"path": str(ROOT)}},
    )
    env = {
        **os.environ,
        "IPYTHONDIR": str(tmp_path / "ipython"),  # leave the user's profile alone
        "PYDEVD_DISABLE_FILE_VALIDATION": "1",  # a debugger warning, not ours
        "MPLBACKEND": "module://matplotlib_inline.backend_inline",
    }
    client.execute(env=env)


def _failure(nb: Any, name: str, exc: BaseException) -> str:
    for number, cell in enumerate(nb.cells, start=1):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                trace = ANSI.sub("", "\n".join(output.get("traceback", [])))
                return (
                    f"{name}: cell {number} failed\n"
                    f"---- source ----\n{cell.source}\n"
                    f"---- error ----\n{output.get('ename')}: {output.get('evalue')}\n{trace}"
                )
    return f"{name}: {ANSI.sub('', str(exc))}"


@pytest.fixture
def notebook_tools() -> Any:
    nbformat = pytest.importorskip("nbformat", reason="needs the dev extra (nbformat)")
    pytest.importorskip("nbclient", reason="needs the dev extra (nbclient)")
    pytest.importorskip("ipykernel", reason="needs the dev extra (ipykernel)")
    return nbformat


def test_kernel_runs_this_python(notebook_tools: Any, tmp_path: Path) -> None:
    nbformat = notebook_tools
    nb = nbformat.v4.new_notebook()
    source = "import os, sys\nprint(sys.executable)\nprint(os.getcwd())"
    nb.cells = [nbformat.v4.new_code_cell(source)]
    _execute(nb, tmp_path)
    printed = "".join(o.get("text", "") for o in nb.cells[0].outputs).split("\n")
    assert Path(printed[0]).resolve() == Path(sys.executable).resolve()
    assert Path(printed[1]).resolve() == ROOT


@pytest.mark.parametrize(
    "path",
    [
        # the real record's notebook evaluates it (some 800 engine runs): outside coverage
        pytest.param(p, id=p.stem, marks=[real_record.UNMEASURED] * (p.stem == real_record.NAME))
        for p in NOTEBOOKS
    ],
)
def test_notebook_runs(path: Path, notebook_tools: Any, tmp_path: Path) -> None:
    nbformat = notebook_tools
    pytest.importorskip("pandas", reason="the notebooks need the pandas extra")
    pytest.importorskip("matplotlib", reason="the notebooks need the plot extra")
    from nbclient.exceptions import CellExecutionError, CellTimeoutError

    if path.stem == real_record.NAME and not real_record.imprecise_dates_supported():
        pytest.skip(real_record.NEEDS)
    copy = tmp_path / path.name
    shutil.copyfile(path, copy)
    nb = nbformat.read(copy, as_version=4)
    try:
        _execute(nb, tmp_path)
    except (CellExecutionError, CellTimeoutError) as exc:
        pytest.fail(_failure(nb, path.name, exc), pytrace=False)
    finally:
        nbformat.write(nb, copy)  # the executed copy, for a look after a failure
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert not errors
