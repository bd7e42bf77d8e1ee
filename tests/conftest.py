"""Shared fixtures.

`example_run`: a bundled example stream evaluated once per test session (per xdist
worker), for the tests that only need its events and findings.

`postgresql_url`: a real PostgreSQL server, started once per session.

The server comes from Debian's `postgresql` package (`.ci/run` installs it when it is
missing). It runs from a throwaway directory, listens on a free port on 127.0.0.1 only,
trusts local connections, and is stopped and deleted when the session ends. initdb
refuses to run as root, so under root the server runs as the `postgres` user (the
package creates it) through `runuser`.

When the server cannot be started, every test that needs it fails with the reason: the
PostgreSQL tests are part of the suite, never skipped.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import math
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import is_hypothesis_test, settings

import sli_rules

# No per-example deadline: it measures wall time, which on a shared machine running the
# suite on every core says more about the neighbours than about the code. (Speed is the
# benchmark's business.)
settings.register_profile("sli-rules", deadline=None)
settings.load_profile("sli-rules")

# `SLI_EXAMPLES_SCALE=0.2` runs each hypothesis test with a fifth of the examples its
# settings ask for (at least one; its explicit @example cases all the same). `make test`
# sets it for the Python 3.13 run only, whose purpose is to show the code works on that
# Python: the 3.11 run, with coverage, runs every law at full length.
EXAMPLES_SCALE = float(os.environ.get("SLI_EXAMPLES_SCALE") or 1)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if EXAMPLES_SCALE == 1:
        return
    done: set[int] = set()
    for item in items:
        test = getattr(item, "obj", None)
        test = getattr(test, "__func__", test)  # a method's function
        if not is_hypothesis_test(test) or id(test) in done:
            continue  # the parametrized cases of one test share its function: scale once
        done.add(id(test))
        # where hypothesis's @given keeps a test's settings (its pytest plugin sets it too)
        current: settings = test._hypothesis_internal_use_settings  # type: ignore[union-attr]
        scaled = max(1, math.ceil(current.max_examples * EXAMPLES_SCALE))
        test._hypothesis_internal_use_settings = settings(current, max_examples=scaled)  # type: ignore[union-attr]


# ------------------------------------------------------------ tests run outside coverage


def pytest_configure(config: pytest.Config) -> None:
    # registered here rather than in pyproject.toml, whose changes rebuild the venvs
    config.addinivalue_line(
        "markers",
        "unmeasured: runs with coverage paused (a long engine-bound test whose lines and "
        "branches other tests reach too)",
    )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    """A test marked `unmeasured` runs with coverage paused, in this process and in the
    processes it starts (`sli-rules` commands, notebook kernels).

    `make test` measures branch coverage on Python 3.11, and the tracer makes the engine
    two to four times slower. The tests marked are the longest engine-bound ones (the real
    record's refinement, the bundled scenarios' second run), and the lines and branches
    they reach are reached by other tests too (`SLI_MEASURE_ALL=1` measures them as well,
    to check that the report stays the same). They run, and assert, exactly as before;
    only their measurement is left out. Outside a coverage run the marker does nothing."""
    if item.get_closest_marker("unmeasured") is None or os.environ.get("SLI_MEASURE_ALL"):
        return (yield)
    cov_module = sys.modules.get("coverage")
    cov = cov_module.Coverage.current() if cov_module is not None else None
    # coverage measures a child process when this variable is set (`patch = ["subprocess"]`)
    child_config = os.environ.pop("COVERAGE_PROCESS_CONFIG", None)
    if cov is not None:
        cov.stop()
    try:
        return (yield)
    finally:
        if cov is not None:
            cov.start()
        if child_config is not None:
            os.environ["COVERAGE_PROCESS_CONFIG"] = child_config


EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


# ------------------------------------------------------------------ the example streams


@dataclass(frozen=True)
class ExampleRun:
    """One bundled example stream, read whole and evaluated (both immutable)."""

    path: Path
    rulesets: tuple[str, ...]
    as_of: dt.date
    intake: sli_rules.Intake  # lenient, with the event types the rulesets declare
    report: sli_rules.Report


ExampleRunner = Callable[[str | Path, str | Sequence[str], str | dt.date], ExampleRun]


@pytest.fixture(scope="session")
def example_run() -> ExampleRunner:
    """`example_run(events, rulesets, as_of)`: the example stream `events` (a file name in
    examples/, or a path) evaluated with `rulesets` (ids, or one comma-separated string as
    in examples/demo.tsv) as of `as_of`, computed once per session for each combination.

    The real West Midlands record costs about half a minute of CPU to evaluate (its
    imprecise dates are refined by many engine runs), and a dozen tests ask for its
    findings: they share one evaluation. The report is the one `evaluate()` gives on the
    events read whole (`read_events`), which tests/test_streamed_intake.py shows equal to
    the report from the file itself; a test of another path (the CLI, the file streamed,
    a notebook, a browser) still takes it, and may compare with this one.
    """
    runs: dict[tuple[Path, tuple[str, ...], dt.date], ExampleRun] = {}

    def run(events: str | Path, rulesets: str | Sequence[str], as_of: str | dt.date) -> ExampleRun:
        path = EXAMPLES / events if isinstance(events, str) else Path(events)
        ids = tuple(rulesets.split(",")) if isinstance(rulesets, str) else tuple(rulesets)
        day = as_of if isinstance(as_of, dt.date) else dt.date.fromisoformat(as_of.strip())
        key = (path.resolve(), ids, day)
        if key not in runs:
            plan = sli_rules.compile_rulesets(list(ids))
            intake = sli_rules.read_events(path, lenient=True, catalogue=plan.catalogue)
            assert isinstance(intake, sli_rules.Intake)
            report = sli_rules.evaluate(plan, intake, as_of=day)
            runs[key] = ExampleRun(path, ids, day, intake, report)
        return runs[key]

    return run


PG_GLOB = "/usr/lib/postgresql/*/bin/pg_ctl"
INSTALL_HINT = (
    "install Debian's postgresql package (apt-get install -y postgresql; .ci/run does this)"
)


def _pg_bin() -> Path:
    found = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"),
        key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0,
    )
    if not found:
        pytest.fail(f"PostgreSQL tests need a server, but no {PG_GLOB} exists: {INSTALL_HINT}")
    return found[-1].parent


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _run(argv: list[str], as_user: list[str], what: str) -> None:
    proc = subprocess.run(
        [*as_user, *argv], capture_output=True, text=True, timeout=120, check=False
    )
    if proc.returncode != 0:
        output = (proc.stdout + proc.stderr).strip()[-2000:]
        pytest.fail(f"could not start PostgreSQL for the tests: {what} failed:\n{output}")


@pytest.fixture(scope="session")
def postgresql_url() -> Iterator[str]:
    """A SQLAlchemy URL for a database on a PostgreSQL server of this session's own."""
    bin_dir = _pg_bin()
    as_user: list[str] = []
    owner = None
    if os.geteuid() == 0:
        try:
            owner = pwd.getpwnam("postgres")
        except KeyError:
            pytest.fail(
                "PostgreSQL refuses to run as root and there is no 'postgres' user to run "
                f"it as: {INSTALL_HINT}"
            )
        as_user = ["runuser", "-u", "postgres", "--"]
    base = Path(tempfile.mkdtemp(prefix="sli-rules-pg-"))
    data, log = base / "data", base / "server.log"
    if owner is not None:
        os.chown(base, owner.pw_uid, owner.pw_gid)
    port = _free_port()
    pg_ctl = [*as_user, str(bin_dir / "pg_ctl"), "-D", str(data)]
    started = False
    try:
        _run(
            [
                str(bin_dir / "initdb"),
                "-D",
                str(data),
                "--auth=trust",
                "--username=postgres",
                "--encoding=UTF8",
                "--no-sync",
            ],
            as_user,
            "initdb",
        )
        options = f"-c listen_addresses=127.0.0.1 -p {port} -k {base} -c fsync=off"
        started = True  # from here on, try to stop it whatever happens
        proc = subprocess.run(
            [*pg_ctl, "-l", str(log), "-o", options, "-w", "-t", "60", "start"],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if proc.returncode != 0:
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            pytest.fail(
                f"could not start PostgreSQL for the tests on 127.0.0.1:{port}: "
                f"{(proc.stdout + proc.stderr).strip()}\n{tail}"
            )
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        if started:
            with contextlib.suppress(subprocess.SubprocessError, OSError):
                subprocess.run(
                    [*pg_ctl, "-m", "fast", "-w", "stop"],
                    capture_output=True,
                    timeout=60,
                    check=False,
                )
        shutil.rmtree(base, ignore_errors=True)
