"""Scenario files: policy authors test rulesets without writing Python.

A scenario file names rulesets and lists scenarios, each with events, one or more
`as_of` dates, and the findings that must be present (`expect`, a subset match on
finding fields) or absent (`expect_absent`). `sli-rules test` and the pytest plugin
run them; a failure names the file, the scenario and what was expected and found.

A scenario describes a whole world, so its record is complete (a duty due with no
fulfilling event is breached) unless the file or the scenario says `complete: false`.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs

from sli_rules.api.evaluate import compile_rulesets
from sli_rules.engine.batch import evaluate_batch
from sli_rules.engine.plan import Plan
from sli_rules.engine.session import Session
from sli_rules.io.intake import read_events, validate_record
from sli_rules.kinds import KINDS as RULE_KINDS
from sli_rules.load.catalogue import PARTY_FORMS, PARTY_RE, catalogue_for, load_catalogue
from sli_rules.load.loader import bundled_dir, load_ruleset
from sli_rules.load.overrides import ParameterSetError, with_parameters
from sli_rules.load.safe_yaml import Loaded, load_yaml
from sli_rules.model.dates import DateError, parse_date
from sli_rules.model.errors import InputError, Location, Problem, RulesetError, did_you_mean
from sli_rules.model.values import FINDING_FIELDS, Event, Finding, Ruleset
from sli_rules.model.vocabulary import KINDS, STATUSES, Status

__all__ = [
    "Scenario",
    "ScenarioFile",
    "ScenarioResult",
    "coverage",
    "load_scenario_file",
    "run_scenario",
]

STATUS_NAMES: tuple[str, ...] = tuple(str(s.value) for s in STATUSES)
FILE_KEYS = ("rulesets", "scenarios", "description", "complete", "set")
SCENARIO_KEYS = (
    "name",
    "description",
    "events",
    "events_file",
    "as_of",
    "expect",
    "expect_absent",
    "complete",
)
# which statuses show that a rule of each kind has been exercised both ways
ESCALATION_COVERAGE = (Status.DUE, Status.TAKEN, Status.STOPPED)


def _coverage(kind: str) -> tuple[Status, ...]:
    if kind == "escalation":
        return ESCALATION_COVERAGE
    return RULE_KINDS[kind].coverage if kind in RULE_KINDS else ()


@attrs.frozen
class Scenario:
    name: str
    line: int
    events: tuple[Event, ...]
    as_of: tuple[_dt.date, ...]
    expect: tuple[tuple[int, Mapping[str, Any]], ...]
    expect_absent: tuple[tuple[int, Mapping[str, Any]], ...]
    complete: bool = True  # the events are the whole record (`complete: false` says not)


@attrs.frozen
class ScenarioFile:
    path: str
    rulesets: tuple[Ruleset, ...]
    scenarios: tuple[Scenario, ...]


@attrs.frozen
class ScenarioResult:
    file: str
    scenario: str
    line: int
    failures: tuple[str, ...]
    findings: tuple[Finding, ...] = attrs.field(default=(), repr=False)

    @property
    def passed(self) -> bool:
        return not self.failures

    def report(self) -> str:
        head = f"{self.file}:{self.line}: scenario {self.scenario!r}"
        if self.passed:
            return f"{head}: passed"
        return head + "\n" + "\n".join(f"  {f}" for f in self.failures)


def _exists(path: Path) -> bool:
    """Whether `path` exists; False for a name the system cannot look up (too long, or
    with a NUL byte), which then fails to load with its own located problem."""
    try:
        return path.exists()
    except (OSError, ValueError):
        return False


def _resolve_ruleset(ref: str, base: Path) -> str | Path:
    candidate = base / ref
    if ref.endswith((".yaml", ".yml")) and _exists(candidate):
        return candidate
    if _exists(bundled_dir() / f"{ref}.yaml"):
        return ref
    return candidate if _exists(candidate) else ref


_OPT_IN = (
    "if you trust the file, run `sli-rules test --allow-outside-events` "
    "(in Python, allow_outside_events=True)"
)


def _events_file(value: Any, folder: Path, allow_outside: bool) -> tuple[Path, str]:
    """The path a scenario's `events_file` names, and "" or why it is refused: it must
    be a relative path to a file in the scenario file's folder or below it, after every
    `..` and symbolic link is followed, unless `allow_outside`."""
    if not isinstance(value, str) or not value.strip():
        return folder, (
            "events_file: expected the path of a JSON Lines or CSV file, relative to the "
            f"scenario file's folder, got {value!r}"
        )
    target = folder / value
    if allow_outside:
        return target, ""
    if Path(value).is_absolute():
        return target, (
            f"events_file {value!r} is an absolute path. A scenario may only read files in "
            f"its own folder or below it, named relative to it; {_OPT_IN}"
        )
    try:
        inside = target.resolve().is_relative_to(folder.resolve())
    except (OSError, RuntimeError, ValueError) as exc:  # a link loop, a NUL byte
        return target, f"events_file {value!r}: cannot follow the path ({exc})"
    if not inside:
        how = "goes up out of" if ".." in Path(value).parts else "is a link to a file outside"
        return target, (
            f"events_file {value!r} {how} the scenario file's folder ({folder}). A scenario "
            f"may only read files in its own folder or below it; {_OPT_IN}"
        )
    return target, ""


def _vocabulary(rulesets: Sequence[Ruleset]) -> dict[str, Sequence[str]]:
    """The values an expectation's fields can take, given the rulesets under test: a
    misspelt value would make `expect_absent` pass whatever the findings are."""
    parties: dict[str, None] = {}
    for rs in rulesets:
        parties.update((p.id, None) for p in rs.parties)
    rules = [r.id for rs in rulesets for r in rs.rules]
    rules += [ladder.id for rs in rulesets for ladder in rs.escalations]
    return {
        "kind": KINDS,
        "status": STATUS_NAMES,
        "agreement": [rs.id for rs in rulesets],
        "rule": rules,
        "party": list(parties),
        "party_patterns": [rs.council_pattern for rs in rulesets if rs.council_pattern],
        "version": [v.id for rs in rulesets for v in rs.versions],
    }


def _check_field(key: str, value: Any, vocabulary: Mapping[str, Sequence[str]]) -> str | None:
    """Why `value` can never be the value of finding field `key` (None if it can)."""
    if key in ("opens", "due", "remedied_on"):
        if value is None or isinstance(value, _dt.date):
            return None
        try:  # a day, or an interval of days for a date that is not exact
            for part in str(value).split("/", 1) if isinstance(value, str) else [value]:
                parse_date(part)
        except DateError as exc:
            return f"{key}: {exc} (or an interval of two such days, e.g. 2014-10-15/2014-11-15)"
        return None
    if key == "possible":
        statuses = vocabulary.get("status", ())
        if not isinstance(value, list) or not all(v in statuses for v in value):
            return (
                f"possible: expected a list of statuses (one of: {', '.join(statuses)}), "
                f"got {value!r}"
            )
        return None
    if (
        key == "step"
        and value is not None
        and (isinstance(value, bool) or not isinstance(value, int))
    ):
        return f"step: expected a whole number, got {value!r}"
    if key == "party" and value is not None:
        if not isinstance(value, str) or not PARTY_RE.match(value):
            return f"party: expected {PARTY_FORMS}, got {value!r}"
        if any(re.match(p, value) for p in vocabulary.get("party_patterns", ())):
            return None  # a council the rulesets take on when it appears in the events
    allowed = vocabulary.get(key)
    if key == "version" and value is not None and allowed is not None and not allowed:
        return f"version: {value!r}, but the rulesets under test have no dated versions"
    if not allowed or value is None:
        return None
    if value not in allowed:
        listed = ", ".join(allowed) if len(allowed) <= 20 else f"{len(allowed)} values"
        what = {"kind": "a kind of finding", "status": "a status"}.get(
            key, f"a {key} of the rulesets under test"
        )
        return f"{key}: {value!r} is not {what}{did_you_mean(str(value), allowed)}; " + (
            f"one of: {listed}"
        )
    return None


def _expectations(
    doc: Loaded,
    raw: Any,
    path: tuple[Any, ...],
    problems: list[Problem],
    vocabulary: Mapping[str, Sequence[str]],
) -> list[tuple[int, Mapping[str, Any]]]:
    out: list[tuple[int, Mapping[str, Any]]] = []
    if raw is None:
        return out
    if not isinstance(raw, list):
        problems.append(Problem(doc.where(path), "expected a list of findings to look for", path))
        return out
    for i, item in enumerate(raw):
        p = (*path, i)
        if not isinstance(item, dict) or not item:
            problems.append(
                Problem(doc.where(p), "an expectation is a mapping of finding fields", p)
            )
            continue
        for key in item:
            if key not in FINDING_FIELDS:
                problems.append(
                    Problem(
                        doc.where((*p, key)),
                        f"unknown finding field {key!r}{did_you_mean(key, FINDING_FIELDS)}; "
                        f"fields: {', '.join(FINDING_FIELDS)}",
                        (*p, key),
                    )
                )
                continue
            why = _check_field(key, item[key], vocabulary)
            if why is not None:
                problems.append(Problem(doc.where((*p, key)), why, (*p, key)))
        out.append((doc.where(p).line, item))
    return out


def load_scenario_file(path: str | Path, *, allow_outside_events: bool = False) -> ScenarioFile:
    """Read and validate a scenario file; raises InputError listing every problem.

    A scenario's `events_file` must lie in the scenario file's folder or below it,
    unless `allow_outside_events` (`sli-rules test --allow-outside-events`): a scenario
    file is shared like a ruleset, and naming a file must not let it read (and quote,
    in its error messages) any file the user can read."""
    file = str(path)
    try:
        raw_bytes = Path(path).read_bytes()
    except OSError as exc:
        raise InputError([Problem(Location(file, 0), f"cannot read the file: {exc}")]) from None
    try:
        text = raw_bytes.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw_bytes.count(b"\n", 0, exc.start) + 1
        raise InputError(
            [Problem(Location(file, line), "not UTF-8 text; save the file as UTF-8")]
        ) from None
    doc, problems = load_yaml(text, file)
    if doc is None:
        raise InputError(problems)
    data = doc.data
    if not isinstance(data, dict):
        raise InputError(
            [Problem(Location(file, 1), "a scenario file is a mapping with rulesets and scenarios")]
        )
    for key in data:
        if key not in FILE_KEYS:
            problems.append(
                Problem(
                    doc.where((key,)),
                    f"unknown key {key!r}{did_you_mean(key, FILE_KEYS)}; "
                    f"allowed: {', '.join(FILE_KEYS)}",
                    (key,),
                )
            )
    refs = data.get("rulesets")
    if isinstance(refs, str):
        refs = [refs]
    rulesets: list[Ruleset] = []
    if not isinstance(refs, list) or not refs:
        problems.append(
            Problem(
                doc.where(("rulesets",)),
                "name the rulesets to test: rulesets: [ID or path]",
                ("rulesets",),
            )
        )
    else:
        base = Path(path).parent
        for i, ref in enumerate(refs):
            try:
                rulesets.append(load_ruleset(_resolve_ruleset(str(ref), base)))
            except InputError as exc:
                problems.append(
                    Problem(
                        doc.where(("rulesets", i)),
                        f"ruleset {ref!r} does not load: "
                        + "; ".join(str(p) for p in exc.problems[:3]),
                        ("rulesets", i),
                    )
                )
    settings = data.get("set")
    if settings is not None and len(rulesets) == len(refs if isinstance(refs, list) else ()):
        # parameters set for this file's runs, as `evaluate --set NAME=VALUE` does
        if not isinstance(settings, dict) or not settings:
            problems.append(
                Problem(
                    doc.where(("set",)),
                    "'set' takes parameter values: {NAME: VALUE, ...} (or RULESET:NAME)",
                    ("set",),
                )
            )
        else:
            try:
                rulesets = with_parameters(rulesets, {str(k): v for k, v in settings.items()})
            except (ParameterSetError, RulesetError) as exc:
                problems.append(Problem(doc.where(("set",)), f"set: {exc}", ("set",)))
    file_complete = _flag(doc, data, ("complete",), True, problems)
    scenarios: list[Scenario] = []
    try:  # the bundled types and those the rulesets declare
        catalogue = catalogue_for(rulesets)
    except RulesetError as exc:
        problems.extend(exc.problems)
        catalogue = load_catalogue()
    # when a ruleset does not load, its rule and party names are unknown: check only
    # the fields that do not depend on it
    vocabulary = _vocabulary(rulesets)
    if len(rulesets) != len(refs if isinstance(refs, list) else ()):
        vocabulary = {k: v for k, v in vocabulary.items() if k in ("kind", "status")}
    raw_scenarios = data.get("scenarios")
    if not isinstance(raw_scenarios, list) or not raw_scenarios:
        problems.append(
            Problem(doc.where(("scenarios",)), "expected a list of scenarios", ("scenarios",))
        )
        raw_scenarios = []
    joiners = [  # councils that join in the file's events: parties the findings may name
        e["council"]
        for raw in raw_scenarios
        if isinstance(raw, dict) and isinstance(raw.get("events"), list)
        for e in raw["events"]
        if isinstance(e, dict)
        and e.get("type") == "party.joined"
        and isinstance(e.get("council"), str)
    ]
    if joiners and "party" in vocabulary:
        vocabulary = {**vocabulary, "party": [*vocabulary["party"], *dict.fromkeys(joiners)]}
    names: set[str] = set()
    for i, raw in enumerate(raw_scenarios):
        sp: tuple[Any, ...] = ("scenarios", i)
        if not isinstance(raw, dict):
            problems.append(
                Problem(
                    doc.where(sp), "a scenario is a mapping with name, events, as_of, expect", sp
                )
            )
            continue
        for key in raw:
            if key not in SCENARIO_KEYS:
                problems.append(
                    Problem(
                        doc.where((*sp, key)),
                        f"unknown key {key!r}{did_you_mean(key, SCENARIO_KEYS)}"
                        f"; allowed: {', '.join(SCENARIO_KEYS)}",
                        (*sp, key),
                    )
                )
        name = str(raw.get("name") or f"scenario {i + 1}")
        if name in names:
            problems.append(
                Problem(
                    doc.where((*sp, "name")), f"two scenarios are named {name!r}", (*sp, "name")
                )
            )
        names.add(name)
        events: list[Event] = []
        if raw.get("events_file") is not None:
            fp = (*sp, "events_file")
            events_path, refusal = _events_file(
                raw["events_file"], Path(path).parent, allow_outside_events
            )
            if refusal:
                problems.append(Problem(doc.where(fp), refusal, fp))
            else:
                try:
                    events.extend(read_events(events_path, catalogue=catalogue).events)
                except InputError as exc:
                    problems.extend(exc.problems)
                except (OSError, ValueError) as exc:  # a name too long, a NUL byte in it
                    problems.append(
                        Problem(doc.where(fp), f"events_file: cannot read it ({exc})", fp)
                    )
        seen: dict[str, Event] = {}
        for j, given in enumerate(raw.get("events") or []):
            ep = (*sp, "events", j)
            rec = given
            if isinstance(given, dict) and type(given.get("date")) is int:
                rec = {**given, "date": str(given["date"])}  # a year: YAML reads a number
            event, reasons = validate_record(catalogue, rec)
            if event is None:
                problems.extend(Problem(doc.where(ep), r, ep) for r in reasons)
                continue
            if event.id in seen and seen[event.id] != event:
                problems.append(
                    Problem(
                        doc.where(ep),
                        f"field 'id': two different events share the id {event.id!r}",
                        ep,
                    )
                )
                continue
            seen[event.id] = event
            events.append(attrs.evolve(event, source=str(doc.where(ep))))
        dates = raw.get("as_of")
        dates = dates if isinstance(dates, list) else [dates]
        as_of = []
        for j, d in enumerate(dates):
            try:
                as_of.append(parse_date(d))
            except DateError as exc:
                p = (*sp, "as_of", j) if isinstance(raw.get("as_of"), list) else (*sp, "as_of")
                problems.append(Problem(doc.where(p), f"as_of: {exc}", p))
        expect = _expectations(doc, raw.get("expect"), (*sp, "expect"), problems, vocabulary)
        absent = _expectations(
            doc, raw.get("expect_absent"), (*sp, "expect_absent"), problems, vocabulary
        )
        if not expect and not absent:
            problems.append(
                Problem(
                    doc.where(sp),
                    f"scenario {name!r} checks nothing: add expect or expect_absent",
                    sp,
                )
            )
        complete = _flag(doc, raw, (*sp, "complete"), file_complete, problems)
        scenarios.append(
            Scenario(
                name,
                doc.where(sp).line,
                tuple(events),
                tuple(as_of),
                tuple(expect),
                tuple(absent),
                complete,
            )
        )
    if problems:
        raise InputError(problems)
    return ScenarioFile(file, tuple(rulesets), tuple(scenarios))


def _flag(
    doc: Loaded,
    data: Mapping[str, Any],
    path: tuple[Any, ...],
    default: bool,
    problems: list[Problem],
) -> bool:
    value = data.get(path[-1])
    if value is None:
        return default
    if not isinstance(value, bool):
        problems.append(
            Problem(doc.where(path), f"{path[-1]}: expected true or false, got {value!r}", path)
        )
        return default
    return value


def _matches(finding: Mapping[str, Any], want: Mapping[str, Any]) -> bool:
    for key, raw in want.items():
        have = finding.get(key)
        value = raw.isoformat() if isinstance(raw, _dt.date) else raw
        if isinstance(have, list) and not isinstance(value, list):
            if value not in have:
                return False
        elif have != value:
            return False
    return True


def _show(want: Mapping[str, Any]) -> str:
    return "{" + ", ".join(f"{k}: {v}" for k, v in want.items()) + "}"


def _near(findings: Sequence[dict[str, Any]], want: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Findings that agree with the expectation on rule and party (to show what was found)."""
    keys = [k for k in ("rule", "party") if k in want]
    near = [f for f in findings if all(f.get(k) == want[k] for k in keys)]
    return near[:5]


def run_scenario(
    file: ScenarioFile, scenario: Scenario, plan: Plan | None = None
) -> ScenarioResult:
    plan = plan or compile_rulesets(file.rulesets)
    failures: list[str] = []
    all_findings: list[Finding] = []
    imprecise = any(e.span is not None for e in scenario.events)
    session = Session(plan, complete=scenario.complete)
    if not imprecise:
        session.feed(scenario.events)

    def refined(day: _dt.date) -> list[Finding]:
        return evaluate_batch(plan, scenario.events, day, complete=scenario.complete)

    for day in sorted(scenario.as_of):
        if imprecise:
            findings = refined(day)
        else:
            session.advance(day)
            findings = session.findings()
        all_findings.extend(findings)
        records = [f.to_dict() for f in findings]
        for line, want in scenario.expect:
            if not any(_matches(r, want) for r in records):
                near = _near(records, want)
                found = (
                    "; ".join(
                        f"{{kind: {r['kind']}, status: {r['status']}, "
                        f"opens: {r['opens']}, due: {r['due']}"
                        f"{', remedied_on: ' + r['remedied_on'] if r['remedied_on'] else ''}"
                        f"{', step: ' + str(r['step']) if r['step'] else ''}}}"
                        for r in near
                    )
                    or "no finding for that rule and party"
                )
                failures.append(f"as of {day}: expected {_show(want)} (line {line}); found {found}")
        for line, want in scenario.expect_absent:
            hits = [r for r in records if _matches(r, want)]
            if hits:
                failures.append(
                    f"as of {day}: expected no finding like {_show(want)} (line {line}); found "
                    + "; ".join(
                        f"{h['kind']} {h['rule']} {h['party']} {h['status']} due {h['due']}: "
                        f"{h['explanation']}"
                        for h in hits[:3]
                    )
                )
    return ScenarioResult(
        file.path, scenario.name, scenario.line, tuple(failures), tuple(all_findings)
    )


def selected(file: str | Path, scenario: str, keyword: str | None) -> bool:
    """Whether `keyword` (`sli-rules test -k`) selects the scenario: a case-insensitive
    substring of its name or of its file's path; no keyword selects every scenario."""
    if keyword is None:
        return True
    wanted = keyword.casefold()
    return wanted in scenario.casefold() or wanted in str(file).casefold()


def run_file(
    path: str | Path, *, keyword: str | None = None, allow_outside_events: bool = False
) -> list[ScenarioResult]:
    """Run the scenarios of one file (those `keyword` selects, see `selected`);
    `allow_outside_events` as for `load_scenario_file`."""
    sf = load_scenario_file(path, allow_outside_events=allow_outside_events)
    chosen = [s for s in sf.scenarios if selected(sf.path, s.name, keyword)]
    if not chosen:
        return []
    plan = compile_rulesets(sf.rulesets)
    return [run_scenario(sf, s, plan) for s in chosen]


def find_scenario_files(paths: Iterable[str | Path]) -> list[Path]:
    out: list[Path] = []
    for p in paths:
        path = Path(p)
        if path.is_dir():
            out.extend(sorted(path.rglob("*.scenario.yaml")))
        else:
            out.append(path)
    return out


def coverage(results: Iterable[ScenarioResult], rulesets: Iterable[Ruleset]) -> list[str]:
    """Lines naming the rules and statuses that no scenario exercised."""
    seen: dict[tuple[str, str], set[str]] = {}
    for r in results:
        for f in r.findings:
            seen.setdefault((f.agreement, f.rule), set()).add(f.status)
    lines = []
    for rs in rulesets:
        items: list[tuple[str, str]] = [
            (r.id, r.kind if r.monitoring == "events" else "self_declared") for r in rs.rules
        ]
        items += [(ladder.id, "escalation") for ladder in rs.escalations]
        notices = {r.id for r in rs.rules if r.severity == "notice"}
        for rid, kind in items:
            if kind == "self_declared":
                continue
            statuses = seen.get((rs.id, rid), set())
            if not statuses:
                lines.append(f"{rs.id}: rule {rid} ({kind}) is not exercised by any scenario")
                continue
            wanted = _coverage(kind)
            if rid in notices:  # a notice-only duty not met is missed, never breached
                wanted = tuple(Status.MISSED if s == Status.BREACHED else s for s in wanted)
            missing = [
                s
                for s in wanted
                if s not in statuses
                and not (
                    s in (Status.BREACHED, Status.MISSED) and Status.FULFILLED_LATE in statuses
                )
            ]
            if missing:
                lines.append(f"{rs.id}: rule {rid} ({kind}) never reaches: {', '.join(missing)}")
    return lines
