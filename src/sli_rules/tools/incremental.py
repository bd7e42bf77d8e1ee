"""Incremental runs for a nightly pipeline: a checkpointed session in a SQLite file.

Each run opens the state, restores the session, feeds the night's new events, moves the
clock to the run's date, and reports the findings that changed since the last run. The
new session snapshot, the findings and the date are committed in one SQLite transaction
after the changes have been handed out, so a run killed at any point leaves the state of
the previous run, and running the same night again redoes the work (the changes of a
run that was killed after writing them are written again: delivery is at least once).

The state file (tables; `PRAGMA application_id` marks the file, `user_version` its format):

- `meta`: `rulesets` (id, version, fingerprint and how to load each), `as_of` (the date
  of the last committed run), `engine`, `runs`.
- `snapshot`: the engine's state after the last run (`Session.snapshot()`, zlib-packed):
  open obligations, unremedied breaches, running ladders and events dated after `as_of`.
- `findings`: every finding as of `as_of`, keyed by KEY_FIELDS (kind, agreement, rule,
  party, about, triggered_by, step, opens); `final` marks those the engine has drained
  (they cannot change any more, so a run compares only the others).
- `events`: every accepted event, so that a late event (dated on or before `as_of`) or a
  changed ruleset can be handled by evaluating the log again from the start.
- `runs` and `rejected`: one row per run, and the records lenient runs set aside.

Late events are evaluated again from the log by default (`late="replay"`): the result is
what one batch evaluation of every event would give, and the changes say what the late
events changed (a breach that is gone, say). `late="refuse"` stops such a run instead.

Format 1 (sli-rules 0.1) is upgraded by the next run the same way, from the file's own
event log: its drained findings could differ from a batch run's, and its keys were made
another way.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
import shlex
import sqlite3
import tempfile
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

import attrs

from sli_rules._version import __version__
from sli_rules.api.evaluate import _matcher, _rulesets
from sli_rules.engine.batch import evaluate_batch
from sli_rules.engine.plan import Plan, compile_plan
from sli_rules.engine.progress import advance_in_steps, month_ends
from sli_rules.engine.session import LateEventError, Session
from sli_rules.io.intake import Intake, read_events
from sli_rules.load.loader import bundled_ids
from sli_rules.model.dates import DaySpan, as_day, parse_event_date
from sli_rules.model.errors import SliRulesError
from sli_rules.model.fingerprint import fingerprint, fingerprint_0_1
from sli_rules.model.values import Event, Finding, Ruleset
from sli_rules.model.vocabulary import Kind
from sli_rules.outputs.report import Report, audit_line

__all__ = [
    "KEY_FIELDS",
    "Change",
    "RebuildNeededError",
    "RunResult",
    "StateError",
    "finding_from_dict",
    "finding_key",
    "run_incremental",
    "state_report",
]

APPLICATION_ID = 0x534C4952  # "SLIR"
FORMAT = 3
FORMATS_UPGRADED = (1,)  # earlier formats a run upgrades by evaluating the event log again
# earlier formats read as they are: format 3 (imprecise event dates) may hold EDTF text
# in the event log and interval dates in findings, which format 2 never does
FORMATS_READ = (2,)
KEY_FIELDS = ("kind", "agreement", "rule", "party", "about", "triggered_by", "step", "opens")

Late = Literal["replay", "refuse"]
ChangeKind = Literal["new", "changed", "gone"]
Applied = Callable[[int, int, _dt.date], None]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS snapshot (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    codec TEXT NOT NULL,
    data BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS findings (
    key TEXT PRIMARY KEY,
    final INTEGER NOT NULL,
    data TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS events (
    id TEXT PRIMARY KEY,
    date TEXT NOT NULL,
    run INTEGER NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_by_date ON events (date, id);
CREATE TABLE IF NOT EXISTS runs (
    run INTEGER PRIMARY KEY,
    as_of TEXT NOT NULL,
    source TEXT NOT NULL,
    records INTEGER NOT NULL,
    accepted INTEGER NOT NULL,
    known INTEGER NOT NULL,
    late INTEGER NOT NULL,
    rejected INTEGER NOT NULL,
    new INTEGER NOT NULL,
    changed INTEGER NOT NULL,
    gone INTEGER NOT NULL,
    replayed INTEGER NOT NULL,
    recorded_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS rejected (run INTEGER NOT NULL, location TEXT, reasons TEXT);
"""


class StateError(ValueError, SliRulesError):
    """A run that cannot go ahead: the message names the state file and what to do."""


class RebuildNeededError(StateError):
    """The state cannot go on as it is, but evaluating its event log again (`--rebuild`,
    `rebuild=True`) under the rulesets given would rebuild it."""


# ------------------------------------------------------------------ findings


def finding_key(f: Finding) -> tuple[Any, ...]:
    """What identifies a finding from one run to the next (KEY_FIELDS): for an escalation
    step, the ladder (`rule`), whom it is about, what started it and the step."""
    return (f.kind, f.agreement, f.rule, f.party, f.about, f.triggered_by, f.step, f.opens)


def _key_text(f: Finding) -> str:
    kind, agreement, rule, party, about, trig, step, opens = finding_key(f)
    opens_text = opens.isoformat() if opens else None
    return json.dumps([kind, agreement, rule, party, about, list(trig), step, opens_text])


def _keyed(findings: Iterable[Finding]) -> dict[str, Finding]:
    """Findings by key text, a function of the findings alone (not of their order).

    Two findings with the same key differ at most in what the key leaves out, e.g. two
    ladders about one council started by breaches of two rules on the same day. Each of
    those gets a digest of its whole content added to its key, so the same set of
    findings always gives the same keys."""
    groups: dict[str, list[Finding]] = {}
    for f in findings:
        groups.setdefault(_key_text(f), []).append(f)
    out: dict[str, Finding] = {}
    for k, same in groups.items():
        if len(same) == 1:
            out[k] = same[0]
            continue
        for f in same:
            text = json.dumps(f.to_dict(), sort_keys=True)
            out[f"{k}#{hashlib.sha256(text.encode()).hexdigest()[:16]}"] = f
    return out


def _date_or_none(v: Any) -> _dt.date | None:
    return _dt.date.fromisoformat(v) if v else None


def _range_or_none(v: Any) -> tuple[_dt.date | None, tuple[_dt.date, _dt.date] | None]:
    """A finding date as written by `Finding.to_dict()`: a day, or an EDTF interval
    (the earliest, and the interval)."""
    if not v:
        return None, None
    if "/" in v:
        lo, hi = (_dt.date.fromisoformat(x) for x in v.split("/"))
        return lo, (lo, hi)
    return _dt.date.fromisoformat(v), None


def _meta_ok(meta: Mapping[str, Any]) -> bool:
    """Whether a state's meta table holds what a run reads from it, of the right types."""
    as_of = meta.get("as_of")
    if as_of is not None:
        if not isinstance(as_of, str):
            return False
        try:
            _dt.date.fromisoformat(as_of)
        except ValueError:
            return False
    runs = meta.get("runs", 0)
    if isinstance(runs, bool) or not isinstance(runs, int) or runs < 0:
        return False
    rulesets = meta.get("rulesets") or []
    if as_of is not None and not rulesets:  # a committed run names its rulesets
        return False
    keys = ("id", "version", "fingerprint", "ref")
    return isinstance(rulesets, list) and all(
        isinstance(r, dict) and all(isinstance(r.get(k), str) for k in keys) for r in rulesets
    )


def finding_from_dict(d: Mapping[str, Any]) -> Finding:
    """The inverse of `Finding.to_dict()`."""
    opens, opens_range = _range_or_none(d.get("opens"))
    due, due_range = _range_or_none(d.get("due"))
    remedied_on, remedied_range = _range_or_none(d.get("remedied_on"))
    ranges = tuple(
        (name, *r)
        for name, r in (("opens", opens_range), ("due", due_range), ("remedied_on", remedied_range))
        if r is not None
    )
    return Finding(
        kind=d["kind"],
        agreement=d["agreement"],
        rule=d["rule"],
        clause=d["clause"],
        party=d["party"],
        status=d["status"],
        opens=opens,
        due=due,
        triggered_by=tuple(d.get("triggered_by") or ()),
        fulfilled_by=tuple(d.get("fulfilled_by") or ()),
        explanation=d.get("explanation", ""),
        remedied_on=remedied_on,
        possible=tuple(d.get("possible") or ()),
        ranges=ranges,
        step=d.get("step"),
        actor=d.get("actor"),
        about=d.get("about"),
        interpretations=tuple(d.get("interpretations") or ()),
        title=d.get("title", ""),
        version=d.get("version"),
        sources=tuple(d.get("sources") or ()),
    )


@attrs.frozen
class Change:
    """A finding that is new, changed or gone since the previous run.

    `finding` is the current finding (the last reported one when gone); `changed_fields`
    lists what changed (the explanation, which restates the dates every day, is left out).
    """

    change: ChangeKind
    finding: Finding
    previous_status: str | None = None
    changed_fields: tuple[str, ...] = ()
    #: who found it: the sli-rules version and each ruleset's id, version and fingerprint
    #: (`RunResult.audit`); set by `run_incremental`, left out of comparisons
    audit: Mapping[str, Any] | None = attrs.field(default=None, eq=False, repr=False)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"change": self.change}
        out.update(self.finding.to_dict())
        out["previous_status"] = self.previous_status
        out["changed_fields"] = list(self.changed_fields)
        if self.audit is not None:
            out["audit"] = dict(self.audit)
        return out

    def to_json(self) -> str:
        return json.dumps(self.to_dict())


_CHANGE_ORDER = {"new": 0, "changed": 1, "gone": 2}


def _changed_fields(old: Mapping[str, Any], f: Finding) -> tuple[str, ...]:
    d = f.to_dict()
    return tuple(k for k, v in d.items() if k != "explanation" and old.get(k) != v)


def _grown(old: Mapping[str, Any], f: Finding) -> bool:
    """Whether `f` is `old` with more triggering events (a limit counting a period's events
    names them all): everything else in the key, and the due date, are the same."""
    # the dates as written, so that an undetermined finding's interval ("lo/hi") compares
    new = f.to_dict()
    same = (
        old.get("kind") == f.kind
        and old.get("agreement") == f.agreement
        and old.get("rule") == f.rule
        and old.get("party") == f.party
        and old.get("step") == f.step
        and old.get("opens") == new.get("opens")
        and old.get("due") == new.get("due")
    )
    return same and set(old.get("triggered_by") or ()) < set(f.triggered_by)


def diff_findings(
    previous: Mapping[str, Mapping[str, Any]], current: Mapping[str, Finding]
) -> list[Change]:
    """What changed from `previous` (key -> finding dict) to `current` (key -> Finding).

    Findings are matched by key; a finding whose triggering events grew (so its key
    changed) is matched to its earlier self and reported as changed, not as gone and new.
    """
    out: list[Change] = []
    added: list[Finding] = []
    for key, f in current.items():
        old = previous.get(key)
        if old is None:
            added.append(f)
            continue
        fields = _changed_fields(old, f)
        if fields:
            out.append(Change("changed", f, str(old.get("status")), fields))
    gone = {key: old for key, old in previous.items() if key not in current}
    by_rule: dict[tuple[Any, ...], list[str]] = {}
    for key, old in gone.items():
        by_rule.setdefault((old.get("agreement"), old.get("rule"), old.get("party")), []).append(
            key
        )
    for f in added:
        keys = by_rule.get((f.agreement, f.rule, f.party), [])
        match = next((k for k in keys if k in gone and _grown(gone[k], f)), None)
        if match is None:
            out.append(Change("new", f))
        else:
            old = gone.pop(match)
            out.append(Change("changed", f, str(old.get("status")), _changed_fields(old, f)))
    for old in gone.values():
        out.append(Change("gone", finding_from_dict(old), str(old.get("status"))))
    out.sort(key=lambda c: (c.finding.sort_key(), _CHANGE_ORDER[c.change]))
    return out


# ------------------------------------------------------------------ results


@attrs.frozen
class RunResult:
    """What one incremental run did."""

    as_of: _dt.date
    previous_as_of: _dt.date | None
    changes: tuple[Change, ...]
    report: Report | None  # every finding as of `as_of` (None unless asked for)
    accepted: int  # new events taken into the state
    known: int  # events already in the state, identical (a night run again)
    late: int  # new events dated on or before the previous run's date
    replayed: bool  # the event log was evaluated again from the start
    rejected: tuple[Any, ...] = ()
    run: int = 0
    complete: bool = False  # the whole record is declared complete (remembered in the state)
    #: the audit trail: `{"sli_rules": version, "rulesets": [{"id", "version",
    #: "fingerprint"}]}`, the fingerprint being a digest of the ruleset's content (the
    #: same whatever the file's layout or comments; see model/fingerprint.py)
    audit: Mapping[str, Any] = attrs.field(factory=dict, eq=False)

    @property
    def new_breaches(self) -> tuple[Change, ...]:
        return tuple(
            c
            for c in self.changes
            if c.finding.kind == Kind.BREACH.value
            and c.change in ("new", "changed")
            and c.finding.status != c.previous_status
        )

    def summary(self) -> str:
        counts = {k: sum(1 for c in self.changes if c.change == k) for k in _CHANGE_ORDER}
        since = f" (previous run: {self.previous_as_of})" if self.previous_as_of else " (first run)"
        extra = []
        if self.known:
            extra.append(f"{self.known} already recorded")
        if self.late:
            extra.append(f"{self.late} late")
        if self.rejected:
            extra.append(f"{len(self.rejected)} rejected")
        return (
            f"run {self.run} as of {self.as_of}{since}: {self.accepted} new events"
            + (f" ({', '.join(extra)})" if extra else "")
            + f"; {counts['new']} new, {counts['changed']} changed, {counts['gone']} gone"
            + (" findings; re-evaluated from the event log" if self.replayed else " findings")
            + (
                ""
                if self.complete
                else "\nCompleteness: not declared for the whole record (no --complete): a duty "
                "with no fulfilling event is unrecorded unless record.coverage events cover it."
            )
            + (f"\n{audit_line(self.audit)}" if self.audit else "")
        )


def audit_of(described: Sequence[Mapping[str, str]], version: str = __version__) -> dict[str, Any]:
    """The audit trail of a run under the rulesets `described` (id, version, fingerprint)."""
    return {
        "sli_rules": version,
        "rulesets": [
            {"id": r["id"], "version": r["version"], "fingerprint": r["fingerprint"]}
            for r in described
        ],
    }


# ------------------------------------------------------------------ the state file


def _fingerprint(rs: Ruleset) -> str:
    return fingerprint(rs)


def _written_by_0_1(stored: Sequence[Mapping[str, str]], rulesets: Sequence[Ruleset]) -> bool:
    """Whether the stored rulesets are these, as release 0.1.0 fingerprinted them."""
    return len(stored) == len(rulesets) and all(
        (r["id"], r["version"], r["fingerprint"]) == (rs.id, rs.version, fingerprint_0_1(rs))
        for r, rs in zip(stored, rulesets, strict=True)
    )


def _ref(given: Ruleset | str | Path, rs: Ruleset) -> str:
    """How a later run loads this ruleset again: its bundled id, or its file's full path."""
    if isinstance(given, str) and given in bundled_ids():
        return given
    if isinstance(given, (str, Path)) and Path(given).exists():
        return str(Path(given).resolve())
    if rs.file and Path(rs.file).exists():
        return str(Path(rs.file).resolve())
    return rs.id


def _describe(pairs: Sequence[tuple[Ruleset | str | Path, Ruleset]]) -> list[dict[str, str]]:
    return [
        {"id": rs.id, "version": rs.version, "fingerprint": _fingerprint(rs), "ref": _ref(g, rs)}
        for g, rs in pairs
    ]


class _State:
    """The SQLite file, held under a write lock for the length of one run."""

    def __init__(self, path: str | Path, *, write: bool, timeout: float = 10.0) -> None:
        self.path = str(path)
        if not write and not Path(self.path).exists():
            raise StateError(f"{self.path}: no such state file")
        try:
            # autocommit mode: transactions are begun and committed explicitly below
            self.db = sqlite3.connect(self.path, timeout=timeout, isolation_level=None)
        except sqlite3.Error as exc:
            raise StateError(f"{self.path}: cannot open the state file: {exc}") from None
        self.write = write
        self.upgrade_from: int | None = None
        try:
            self.db.execute("PRAGMA synchronous = FULL")
            self.db.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            self._check()
        except sqlite3.OperationalError as exc:
            self.db.close()
            if "locked" in str(exc) or "busy" in str(exc):
                raise StateError(
                    f"{self.path}: another run is using this state file (it is locked); "
                    "try again when it has finished"
                ) from None
            raise StateError(f"{self.path}: not a usable state file: {exc}") from None
        except sqlite3.DatabaseError as exc:
            self.db.close()
            raise StateError(f"{self.path}: not a sli-rules state file ({exc})") from None
        except StateError:
            self.db.close()
            raise

    def _check(self) -> None:
        app = self.db.execute("PRAGMA application_id").fetchone()[0]
        tables = self.db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
        if app == 0 and tables == 0:
            if self.write:  # a new (or never committed) state: create it in this transaction
                self.db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
                self.db.execute(f"PRAGMA user_version = {FORMAT}")
                for statement in _SCHEMA.split(";"):
                    if statement.strip():
                        self.db.execute(statement)
            return
        if app != APPLICATION_ID:
            raise StateError(f"{self.path}: not a sli-rules state file")
        version = self.db.execute("PRAGMA user_version").fetchone()[0]
        self.upgrade_from = version if version in FORMATS_UPGRADED and version != FORMAT else None
        if self.upgrade_from is not None:
            return  # a run re-evaluates its event log and writes the current format
        if version != FORMAT and version not in FORMATS_READ:
            raise StateError(
                f"{self.path}: state file format {version}; this sli-rules ({__version__}) "
                f"reads format {FORMAT}"
            )

    # -- meta
    def meta(self) -> dict[str, Any]:
        try:
            rows = self.db.execute("SELECT key, value FROM meta").fetchall()
        except sqlite3.OperationalError:  # a new file: no tables yet (read-only open)
            return {}
        try:
            meta = {k: json.loads(v) for k, v in rows}
        except ValueError:
            raise StateError(
                f"{self.path}: the state file is damaged (its meta table is not JSON)"
            ) from None
        if not _meta_ok(meta):
            raise StateError(f"{self.path}: the state file is damaged (its meta table)")
        return meta

    def set_meta(self, **values: Any) -> None:
        self.db.executemany(
            "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
            [(k, json.dumps(v)) for k, v in values.items()],
        )

    # -- snapshot
    def snapshot(self) -> bytes | None:
        row = self.db.execute("SELECT codec, data FROM snapshot WHERE id = 1").fetchone()
        if row is None:
            return None
        codec, data = row
        if codec != "zlib":
            raise StateError(f"{self.path}: unknown snapshot encoding {codec!r}")
        try:
            return zlib.decompress(data)
        except (zlib.error, TypeError):
            raise StateError(
                f"{self.path}: the session snapshot is damaged (not zlib data); run again "
                "with --rebuild to evaluate the recorded events afresh"
            ) from None

    def set_snapshot(self, data: bytes) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO snapshot (id, codec, data) VALUES (1, 'zlib', ?)",
            (zlib.compress(data, 6),),
        )

    # -- findings
    def findings(self, *, open_only: bool) -> dict[str, dict[str, Any]]:
        try:
            rows = self.db.execute(
                "SELECT key, data FROM findings WHERE final = 0"
                if open_only
                else "SELECT key, data FROM findings"
            )
            found = {k: json.loads(v) for k, v in rows}
            for d in found.values():
                finding_from_dict(d)  # each must read back as a finding
        except (sqlite3.OperationalError, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise StateError(
                f"{self.path}: the state file is damaged (its findings table: {exc})"
            ) from None
        return found

    # -- events
    def known_events(self, ids: Sequence[str]) -> dict[str, str]:
        out: dict[str, str] = {}
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            marks = ",".join("?" * len(chunk))
            out.update(
                self.db.execute(f"SELECT id, data FROM events WHERE id IN ({marks})", chunk)  # noqa: S608
            )
        return out

    def events_between(self, after: str, upto: str | None) -> Iterator[Event]:
        if upto is None:
            rows = self.db.execute(
                "SELECT data FROM events WHERE date > ? ORDER BY date, id", (after,)
            )
        else:
            rows = self.db.execute(
                "SELECT data FROM events WHERE date > ? AND date <= ? ORDER BY date, id",
                (after, upto),
            )
        for (data,) in rows:
            try:
                event = _event_from_json(data)
            except (ValueError, KeyError, TypeError, AttributeError):
                raise StateError(
                    f"{self.path}: the state file is damaged (an event in its log cannot be read)"
                ) from None
            yield event

    def close(self) -> None:
        if self.db.in_transaction:
            self.db.rollback()
        self.db.close()


def _event_json(e: Event) -> str:
    return json.dumps(e.to_dict(), sort_keys=True, separators=(",", ":"))


def _event_from_json(text: str) -> Event:
    d = json.loads(text)
    core = {k: d.pop(k) for k in ("id", "type", "date", "council")}
    when = parse_event_date(core["date"])
    if isinstance(when, DaySpan):
        return Event(core["id"], core["type"], when.latest, core["council"], d, span=when)
    return Event(core["id"], core["type"], when, core["council"], d)


def _refined(
    st: _State, plan: Plan, engine: str, complete: bool, as_of: _dt.date
) -> tuple[Session, list[Finding]]:
    """Every finding of the event log, evaluated in one batch over the refinements of its
    imprecise events (engine/refine.py), and a session of its exact events for the
    snapshot (a session holds exact days only)."""
    logged = list(st.events_between("", None))
    findings = evaluate_batch(
        plan, logged, as_of, complete=complete, matcher=lambda: _matcher(plan, engine)
    )
    session = Session(plan, _matcher(plan, engine), complete=complete)
    session.feed(e for e in logged if e.span is None)
    session.advance(as_of)
    return session, findings


# ------------------------------------------------------------------ running


def _replay(
    state: _State, session: Session, as_of: _dt.date, progress: Applied | None
) -> tuple[Session, list[Finding], list[Finding]]:
    """Evaluate the whole event log from the start, a month at a time, draining as it goes.

    Returns the session, the drained findings and the open findings."""
    first_text, total = state.db.execute(
        "SELECT min(date), count(*) FROM events WHERE date <= ?", (as_of.isoformat(),)
    ).fetchone()
    drained: list[Finding] = []
    applied = 0
    previous = ""
    first = _dt.date.fromisoformat(first_text) if first_text else as_of
    for step in month_ends(min(first, as_of), as_of):
        batch = list(state.events_between(previous, step.isoformat()))
        applied += len(batch)
        session.feed(batch)
        session.advance(step)
        drained.extend(session.drain())
        previous = step.isoformat()
        if progress is not None:
            progress(applied, total, step)
    session.feed(state.events_between(as_of.isoformat(), None))  # dated after as_of: buffered
    return session, drained, session.findings()


def _write_findings(
    state: _State,
    drained: Sequence[Finding],
    open_: Sequence[Finding],
    *,
    replace_all: bool,
    gone: Iterable[str],
) -> None:
    if replace_all:
        state.db.execute("DELETE FROM findings")
    else:
        state.db.executemany("DELETE FROM findings WHERE key = ?", [(k,) for k in gone])
    rows = [(k, 1, json.dumps(f.to_dict())) for k, f in _keyed(drained).items()]
    rows += [(k, 0, json.dumps(f.to_dict())) for k, f in _keyed(open_).items()]
    state.db.executemany(
        "INSERT OR REPLACE INTO findings (key, final, data) VALUES (?, ?, ?)", rows
    )


def run_incremental(
    state: str | Path,
    events: Iterable[Event | dict[str, Any]] | str | Path | Intake,
    *,
    as_of: _dt.date | _dt.datetime | str,
    rulesets: Iterable[Ruleset | str | Path] | Ruleset | str | Path | None = None,
    lenient: bool = False,
    engine: str = "reference",
    late: Late = "replay",
    rebuild: bool = False,
    on_changes: Callable[[Sequence[Change]], None] | None = None,
    progress: Applied | None = None,
    report: bool = False,
    source: str | None = None,
    lock_timeout: float = 10.0,
    complete: bool | None = None,
) -> RunResult:
    """One night of a pipeline: add `events` to the checkpointed session in `state` (a
    SQLite file, created on the first run), move its clock to `as_of`, and return the
    findings that changed since the previous run.

    `rulesets` are needed on the first run; later runs reuse the ones recorded (given
    again, they must be the same, unless `rebuild=True`, which evaluates the event log
    again under the rulesets given). `on_changes` is called with the changes before the
    state is committed: if it raises, nothing is committed. A date before the previous
    run's is refused. Events already recorded (identical) are skipped, so a night can be
    run again; an event dated on or before the previous run's date is handled by
    evaluating the log again (`late="replay"`) or refused (`late="refuse"`).
    `report=True` also returns every finding as of `as_of` in `RunResult.report`; a run
    waits up to `lock_timeout` seconds for another run on the same state to finish.
    `complete=True` declares the whole record complete (a duty due with no fulfilling
    event is then breached, not unrecorded); the state remembers it, so later runs may
    leave it as None; giving a different value evaluates the event log again.
    Raises `StateError` (or `EventError` for bad events) and leaves the state unchanged.
    """
    day = as_day(as_of)
    st = _State(state, write=True, timeout=lock_timeout)
    try:
        meta = st.meta()
        stored_as_of = _date_or_none(meta.get("as_of"))
        if stored_as_of is not None and day < stored_as_of:
            raise StateError(
                f"{st.path}: refusing to run as of {day}: the state is already as of "
                f"{stored_as_of}, and its clock only moves forward"
            )
        stored_rulesets: list[dict[str, str]] = meta.get("rulesets") or []
        if rulesets is None:
            if not stored_rulesets:
                raise StateError(
                    f"{st.path}: a new state file: name the rulesets (--ruleset) on the first run"
                )
            given: list[Ruleset | str | Path] = [r["ref"] for r in stored_rulesets]
        else:
            given = [rulesets] if isinstance(rulesets, (Ruleset, str, Path)) else list(rulesets)
        loaded = _rulesets(given)
        described = _describe(list(zip(given, loaded, strict=True)))
        replay = False
        if stored_rulesets:
            before = [(r["id"], r["version"], r["fingerprint"]) for r in stored_rulesets]
            now = [(r["id"], r["version"], r["fingerprint"]) for r in described]
            if before != now and not _written_by_0_1(stored_rulesets, loaded):
                if not rebuild:
                    raise RebuildNeededError(
                        f"{st.path}: the rulesets differ from the ones this state was built "
                        f"with ({_describe_difference(stored_rulesets, described)}); run "
                        "again with --rebuild (rebuild=True) to evaluate the recorded events "
                        "under the rulesets given"
                    )
                replay = True
        # a state written by an earlier release is upgraded by evaluating its log again
        replay = replay or rebuild or st.upgrade_from is not None
        # a state written before completeness was declared (release 0.1 and the layered
        # main) counted every absence as a breach: it keeps doing so until told otherwise
        stored_complete = bool(meta.get("complete", bool(stored_rulesets)))
        whole = stored_complete if complete is None else complete
        if stored_rulesets and whole != stored_complete:
            replay = True  # the findings of every earlier day change with it
        plan = compile_plan(loaded)

        intake = (
            events
            if isinstance(events, Intake)
            else read_events(events, lenient=lenient, catalogue=plan.catalogue)
        )
        known = st.known_events([e.id for e in intake.events])
        fresh: list[Event] = []
        late_events: list[Event] = []
        conflicts: list[str] = []
        skipped = 0
        for e in intake.events:
            old = known.get(e.id)
            if old is not None:
                if old == _event_json(e):
                    skipped += 1
                else:
                    conflicts.append(
                        f"{e.source or e.id}: event {e.id!r} differs from the event with that id "
                        "already recorded in the state; ids must stay unique (give a corrected "
                        "event a new id)"
                    )
            elif stored_as_of is not None and e.earliest <= stored_as_of:
                # an imprecise event that may have happened by the previous run is late
                late_events.append(e)
            else:
                fresh.append(e)
        if conflicts:
            raise StateError("\n".join(conflicts))
        if late_events and late == "refuse":
            shown = ", ".join(f"{e.id} ({e.date})" for e in late_events[:5])
            more = f" and {len(late_events) - 5} more" if len(late_events) > 5 else ""
            raise StateError(
                f"{st.path}: {len(late_events)} new events are dated on or before the previous "
                f"run's date {stored_as_of}: {shown}{more}; the session's clock only moves "
                "forward (run with late='replay' / --late replay to evaluate the event log again)"
            )
        replay = replay or bool(late_events)

        run_no = int(meta.get("runs", 0)) + 1
        st.db.executemany(
            "INSERT INTO events (id, date, run, data) VALUES (?, ?, ?, ?)",
            [(e.id, e.date.isoformat(), run_no, _event_json(e)) for e in (*fresh, *late_events)],
        )

        matcher = _matcher(plan, engine)
        snap = None if replay else st.snapshot()
        if snap is None and stored_as_of is not None:
            replay = True  # the snapshot row is gone: rebuild from the recorded events
        imprecise = bool(meta.get("imprecise")) or any(
            e.span is not None for e in (*fresh, *late_events)
        )
        if imprecise:
            # imprecise dates: the whole log in one batch, every run (no finding is final)
            session, open_ = _refined(st, plan, engine, whole, day)
            drained: list[Finding] = []
            previous = st.findings(open_only=False)
            replay = True
            if progress is not None:
                progress(len(open_), len(open_), day)
        elif replay:
            session = Session(plan, matcher, complete=whole)
            session, drained, open_ = _replay(st, session, day, progress)
            previous = st.findings(open_only=False)
            if st.upgrade_from is not None:  # its keys were made another way: make them again
                previous = {
                    k: f.to_dict()
                    for k, f in _keyed(finding_from_dict(d) for d in previous.values()).items()
                }
        else:
            try:
                session = (
                    Session.restore(plan, snap, matcher)
                    if snap is not None
                    else Session(plan, matcher, complete=whole)
                )
            except ValueError as exc:
                raise RebuildNeededError(
                    f"{st.path}: the session snapshot cannot be restored: {exc}"
                ) from None
            session.state.complete = whole  # snapshots before 0.2 do not record it
            try:
                session.feed(fresh)
            except LateEventError as exc:  # the snapshot's clock and the recorded date disagree
                raise StateError(f"{st.path}: {exc}") from None
            if progress is None:
                session.advance(day)
            else:
                advance_in_steps(session, day, min((e.date for e in fresh), default=None), progress)
            drained = session.drain()
            open_ = session.findings()
            previous = st.findings(open_only=True)
        current = _keyed([*drained, *open_])
        audit = audit_of(described)
        changes = [attrs.evolve(c, audit=audit) for c in diff_findings(previous, current)]

        if on_changes is not None:
            on_changes(changes)

        gone = [k for k in previous if k not in current]
        _write_findings(st, drained, open_, replace_all=replay, gone=gone)
        st.set_snapshot(session.snapshot())
        if st.db.execute("PRAGMA user_version").fetchone()[0] != FORMAT:
            st.db.execute(f"PRAGMA user_version = {FORMAT}")
        if imprecise:
            st.set_meta(imprecise=True)
        st.set_meta(
            rulesets=described,
            as_of=day.isoformat(),
            engine=engine,
            runs=run_no,
            written_by=__version__,
            complete=whole,
        )
        counts = {k: sum(1 for c in changes if c.change == k) for k in _CHANGE_ORDER}
        st.db.execute(
            "INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                run_no,
                day.isoformat(),
                source or (str(events) if isinstance(events, (str, Path)) else "<events>"),
                intake.read,
                len(fresh) + len(late_events),
                skipped,
                len(late_events),
                len(intake.rejected),
                counts["new"],
                counts["changed"],
                counts["gone"],
                int(replay),
                _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
            ),
        )
        st.db.executemany(
            "INSERT INTO rejected (run, location, reasons) VALUES (?, ?, ?)",
            [(run_no, str(r.location), json.dumps(list(r.reasons))) for r in intake.rejected],
        )
        full: Report | None = None
        if report:
            full = _report_from(st, day, [r["id"] for r in described], complete=whole, audit=audit)
        st.db.execute("COMMIT")
        return RunResult(
            as_of=day,
            previous_as_of=stored_as_of,
            changes=tuple(changes),
            report=full,
            accepted=len(fresh) + len(late_events),
            known=skipped,
            late=len(late_events),
            replayed=replay,
            rejected=intake.rejected,
            run=run_no,
            complete=whole,
            audit=audit,
        )
    finally:
        st.close()


def _describe_difference(before: list[dict[str, str]], now: list[dict[str, str]]) -> str:
    old = {r["id"]: r for r in before}
    new = {r["id"]: r for r in now}
    parts = []
    for rid in sorted(set(old) | set(new)):
        a, b = old.get(rid), new.get(rid)
        if a is None:
            parts.append(f"{rid} is new")
        elif b is None:
            parts.append(f"{rid} is missing")
        elif a["version"] != b["version"]:
            parts.append(f"{rid} version {a['version']} -> {b['version']}")
        elif a["fingerprint"] != b["fingerprint"]:
            parts.append(f"{rid} was edited (same version {a['version']})")
    return "; ".join(parts) or "a different order"


def _report_from(
    st: _State,
    as_of: _dt.date,
    rulesets: Sequence[str],
    *,
    complete: bool = False,
    audit: Mapping[str, Any] | None = None,
) -> Report:
    findings = sorted(
        (finding_from_dict(d) for d in st.findings(open_only=False).values()),
        key=Finding.sort_key,
    )
    return Report(
        as_of=as_of,
        findings=tuple(findings),
        rulesets=tuple(rulesets),
        complete=complete,
        audit=audit,
    )


def state_report(state: str | Path) -> Report:
    """Every finding recorded in a state file, as of its last run."""
    st = _State(state, write=False)
    try:
        meta = st.meta()
        if not meta.get("as_of"):
            raise StateError(f"{st.path}: no run has been committed to this state file yet")
        if st.upgrade_from is not None:
            argv = ["sli-rules", "run", "--state", st.path, "--events", "/dev/null"]
            command = shlex.join([*argv, "--as-of", str(meta["as_of"])])
            raise StateError(
                f"{st.path}: written by an earlier sli-rules (state format "
                f"{st.upgrade_from}), whose nightly findings could differ from a batch "
                f"evaluation; rebuild them from the state's own event log with: {command} "
                "(the next nightly run does the same)"
            )
        return _report_from(
            st,
            _dt.date.fromisoformat(meta["as_of"]),
            [r["id"] for r in meta["rulesets"]],
            complete=bool(meta.get("complete", True)),
            audit=audit_of(meta["rulesets"], str(meta.get("written_by", "unknown"))),
        )
    finally:
        st.close()


def state_rulesets(state: str | Path) -> list[str]:
    """How to load the rulesets a state file was built with (bundled ids or paths)."""
    st = _State(state, write=False)
    try:
        return [r["ref"] for r in st.meta().get("rulesets") or []]
    finally:
        st.close()


# ------------------------------------------------------------------ output


def write_atomically(path: str | Path, text: str) -> None:
    """Write `text` to `path` through a temporary file, so a reader (or a killed run)
    never sees half a file. A target that exists but is not a regular file (`/dev/null`,
    `/dev/stdout`, a named pipe) is written to directly: renaming over it would put a
    plain file in the device's place."""
    target = Path(path)
    if target.exists() and not target.is_file():
        with target.open("w", encoding="utf-8") as fh:
            fh.write(text)
        return
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
