"""The fast path of intake (io/validators.py) decides nothing on its own: it accepts only
what the full checks accept, builds the same event, and leaves every rejection and every
message to them. These properties hold it to that, over the bundled examples' events
with every kind of damage done to them, and over JSON lines of every shape."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import math
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from unittest import mock

import attrs as attrs_module
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sli_rules import EventError, load_ruleset, read_events
from sli_rules.io import intake as intake_module
from sli_rules.io import validators as validators_module
from sli_rules.io.intake import _loads, _validate_fully, validate_record
from sli_rules.io.streamed import read_events_streamed
from sli_rules.io.validators import SLOW, CompiledCatalogue, compiled, fast_decode
from sli_rules.load.catalogue import catalogue_for, load_catalogue
from sli_rules.model.values import Event, exact_event
from strategies import csv_bytes, jsonl_bytes, mutated_records

EXAMPLES = Path(__file__).parents[1] / "examples"
RECORDS = [
    json.loads(line)
    for path in sorted(EXAMPLES.glob("*.jsonl"))
    for line in path.read_text(encoding="utf-8").splitlines()
    if line.strip()
]
# every catalogue the bundled examples are read with: the bundled one, and with the
# types a ruleset declares (peer challenge follow-ups)
CATALOGUES = [load_catalogue(), catalogue_for([load_ruleset("lga-corporate-peer-challenge")])]

JUNK: list[Any] = [
    None,
    "",
    "x",
    "E08000026",
    "e08000026",
    "E99999999",
    "lga",
    "Coventry",
    "2015-06-01",
    "2015-02-30",
    "2015-06",
    "2015-06-01/2015-06-03",
    "1850-01-01",
    "2030-01-01",
    "\ud800",
    "caf\u00e9",
    0,
    1,
    -1,
    2,
    1.5,
    -0.5,
    10**95,
    10**120,
    math.nan,
    math.inf,
    True,
    False,
    [],
    ["dcs"],
    [None],
    [{"council": "E08000026", "role": "dcs"}],
    {},
    {"a": 1},
    dt.date(2015, 6, 1),
    ("dcs",),
]
KEYS = ["id", "type", "date", "council", "days", "team", "kind", "source", "review", "zzz", 1]


def _same(a: Any, b: Any) -> bool:
    """Equal, and of the same Python types all the way down (1 is not 1.0 or True)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    return bool(a == b)


@st.composite
def damaged(draw: st.DrawFn) -> dict[Any, Any]:
    """An example event, perhaps with keys dropped, values replaced, keys added."""
    record: dict[Any, Any] = dict(draw(st.sampled_from(RECORDS)))
    for _ in range(draw(st.integers(0, 3))):
        action = draw(st.sampled_from(["drop", "set", "add", "nest"]))
        if action == "drop" and record:
            del record[draw(st.sampled_from(sorted(record, key=str)))]
        elif action == "set" and record:
            record[draw(st.sampled_from(sorted(record, key=str)))] = draw(st.sampled_from(JUNK))
        elif action == "add":
            record[draw(st.sampled_from(KEYS))] = draw(st.sampled_from(JUNK))
        elif action == "nest":
            lists = [k for k, v in record.items() if isinstance(v, list) and v]
            if lists:
                key = draw(st.sampled_from(lists))
                items = list(record[key])
                items[draw(st.integers(0, len(items) - 1))] = draw(st.sampled_from(JUNK))
                record[key] = items
    return record


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(damaged(), st.sampled_from(CATALOGUES))
def test_the_fast_path_accepts_what_the_full_checks_accept_and_builds_the_same_event(
    record: dict[Any, Any], catalogue: Any
) -> None:
    event, reasons = validate_record(catalogue, record, "f.jsonl:3")
    full, full_reasons = _validate_fully(catalogue, record)
    assert reasons == full_reasons
    assert (event is None) == (full is None)
    if event is not None and full is not None:
        assert event == full
        assert event.source == "f.jsonl:3"
        assert repr(event) == repr(full)
        assert _same(dict(event.attrs), dict(full.attrs))


def test_the_fast_path_takes_the_examples_events() -> None:
    """Not a property of correctness but of speed: the usual event is accepted by the
    compiled checks, not by the full ones."""
    taken = [compiled(CATALOGUES[1]).event(r) for r in RECORDS]
    plain = [r for r in RECORDS if r.get("type") != "record.coverage" and "/" not in r["date"]]
    assert sum(e is not None for e in taken) >= len(plain) * 0.9


# ------------------------------------------------------------------- decoding

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**30), 10**30)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=4), inner),
    max_leaves=12,
)
# pieces of JSON text spliced into a line, valid or not
PIECES = [
    '"a": 1, "a": 2',
    '"a": {"b": 1, "b": 1}',
    '"u": "\\ud800"',
    '"u": "\\udc00x"',
    '"u": "\\ud83d\\ude00"',
    '"n": NaN',
    '"n": Infinity',
    '"n": 1e400',
    '"n": -1.7976931348623159e308',
    f'"n": {"9" * 101}',
    f'"n": {"9" * 100}',
    f'"n": -{"9" * 99}',
    f'"n": 0.{"0" * 99}1',
    '"t": "x\ty"',
    '"t": "a:b"',
    '"a:b": "c"',
    '"x": [' * 40 + "]" * 40,
    '"x": 01',
    '"x": 1,',
    '"x": .5',
]


@st.composite
def lines(draw: st.DrawFn) -> bytes:
    value = draw(json_values)
    text = json.dumps(value, ensure_ascii=draw(st.booleans()))
    if draw(st.booleans()) and text.startswith("{"):
        piece = draw(st.sampled_from(PIECES))
        text = "{" + piece + ("," + text[1:] if text != "{}" else "}")
    if draw(st.booleans()):
        text = draw(st.sampled_from(["", " ", "\f", "\ufeff"])) + text
    return text.encode("utf-8", "surrogatepass")


@settings(max_examples=800, deadline=None)
@given(lines())
def test_a_line_decoded_fast_is_the_value_the_stdlib_decoder_gives(raw: bytes) -> None:
    fast = fast_decode(raw)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        assert fast is SLOW
        return
    slow = _loads(text)
    if type(slow).__name__ == "_Broken":
        assert fast is SLOW  # broken or refused: the message is the stdlib path's
    elif fast is not SLOW:
        assert _same(fast, slow)


def test_a_key_given_twice_is_never_decoded_fast() -> None:
    for raw in [
        b'{"a": 1, "a": 1}',
        b'{"a": "x:y", "a": "z"}',
        b'{"t": [{"c": 1, "c": 2}], "u": "p:q"}',
        b'{"a": {"b": 1}, "a": {"b": 1}}',
        b'{"a": "\\u003a", "a": "\\u003A"}',  # escaped colons make up for the key's
    ]:
        assert fast_decode(raw) is SLOW, raw


def test_colons_in_texts_still_decode_fast() -> None:
    raw = b'{"id": "a:b", "source": "minutes: item 4", "team": [{"role": "dcs"}]}'
    assert fast_decode(raw) == json.loads(raw)


def test_big_numbers_are_read_exactly_or_refused_as_before(tmp_path: Path) -> None:
    """msgspec keeps integers beyond 64 bits exact; those intake refuses it still
    refuses, with the same reasons."""
    path = tmp_path / "big.jsonl"
    path.write_text(
        "".join(
            f'{{"id": "ev-{n}", "type": "peer_days.given", "date": "2015-05-01", '
            f'"council": "E08000026", "days": {"9" * n}}}\n'
            for n in (19, 25, 95, 101)
        ),
        encoding="utf-8",
    )
    intake = read_events(path, lenient=True)
    assert sorted(e.attrs["days"] for e in intake.events) == [int("9" * 19), int("9" * 25)]
    reasons = {r.location.line: r.reasons for r in intake.rejected}
    assert reasons[3] == ("field 'days': a number of more than 100 digits",)
    assert reasons[4] == ("a number written with 101 digits (at most 100)",)


def test_a_csv_file_gives_the_events_of_the_same_json_lines(tmp_path: Path) -> None:
    rows = [
        ("ev-1", "peer_days.given", "2015-05-01", "E08000026", "2", "dcs", "E08000027"),
        ("ev-2", "peer_days.given", "2015-05-02", "E08000027", "1.5", "member", "E08000026"),
    ]
    csv_path = tmp_path / "e.csv"
    csv_path.write_text(
        "id,type,date,council,days,role,to\n" + "".join(",".join(r) + "\n" for r in rows),
        encoding="utf-8",
    )
    jsonl = tmp_path / "e.jsonl"
    jsonl.write_text(
        "".join(
            json.dumps(
                {
                    "id": r[0],
                    "type": r[1],
                    "date": r[2],
                    "council": r[3],
                    "days": json.loads(r[4]),
                    "role": r[5],
                    "to": r[6],
                }
            )
            + "\n"
            for r in rows
        ),
        encoding="utf-8",
    )
    from_csv, from_jsonl = read_events(csv_path).events, read_events(jsonl).events
    assert from_csv == from_jsonl
    pairs = zip(from_csv, from_jsonl, strict=True)
    assert all(_same(dict(a.attrs), dict(b.attrs)) for a, b in pairs)


# ------------------------------------------------ the whole intake, both ways


@contextlib.contextmanager
def _slow_only() -> Iterator[None]:
    """Intake as it was: every line through the stdlib decoder, every record through
    the full checks."""
    with (
        mock.patch.object(intake_module, "fast_decode", return_value=SLOW),
        mock.patch.object(CompiledCatalogue, "event", return_value=None),
        mock.patch.object(CompiledCatalogue, "line", return_value=None),
    ):
        yield


def _outcome(source: Any, reader: Callable[..., Any] = read_events) -> tuple[Any, ...]:
    try:
        got = reader(source, lenient=True)
    except EventError as exc:
        return ("error", str(exc))
    events = [(e, e.source, repr(e), json.dumps(e.to_dict(), default=repr)) for e in got.events]
    rejected = [(str(r.location), r.reasons) for r in got.rejected]
    return ("read", events, rejected, got.duplicates)


def _fast_and_slow(
    data: bytes, name: str, reader: Callable[..., Any] = read_events
) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    """The outcome of reading `data` as a file called `name`, with the fast paths and
    without them."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        fast = _outcome(path, reader)
        with _slow_only():
            slow = _outcome(path, reader)
    return fast, slow


FAST_AND_SLOW = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@FAST_AND_SLOW
@given(jsonl_bytes())
def test_a_json_lines_file_reads_the_same_with_and_without_the_fast_paths(data: bytes) -> None:
    fast, slow = _fast_and_slow(data, "events.jsonl")
    assert fast == slow


@FAST_AND_SLOW
@given(csv_bytes())
def test_a_csv_file_reads_the_same_with_and_without_the_fast_paths(data: bytes) -> None:
    fast, slow = _fast_and_slow(data, "events.csv")
    assert fast == slow


@FAST_AND_SLOW
@given(mutated_records())
def test_records_read_the_same_with_and_without_the_fast_paths(
    records: list[dict[str, Any]],
) -> None:
    fast = _outcome(records)
    with _slow_only():
        slow = _outcome(records)
    assert fast == slow


# ------------------------------------------- typed lines (CompiledCatalogue.line)

sys.path.insert(0, str(Path(__file__).parents[1] / "benchmarks"))
import generate  # noqa: E402 (the benchmark's stream generator)

# the generator's events: every type it writes, teams and attendance lists included
GENERATED = list(generate.generate_events(councils=8, years=2, seed=3))
SOURCES = [*RECORDS, *GENERATED]
ODD_VALUES: list[Any] = [
    *JUNK,
    "2015-06",  # imprecise dates
    "2015",
    "2013-21",
    "../2015-06-30",
    "2015-13-01",
    "E08000026\u00a0",
    "\u00e9t\u00e9 \u2014 \U0001f600",
    "a:b",
    "a\\u003ab",
    10**19,
    2**63,
    2**63 - 1,
    1e300,
    0.1,
    -0.0,
    {"council": "E08000026"},
    [{"council": "E08000026", "role": "dcs", "zzz": 1}],
    [{"council": "E08000026", "role": None}],
]


def _dump(record: Any, style: int) -> str:
    if style == 0:
        return json.dumps(record, separators=(",", ":"), ensure_ascii=False)
    if style == 1:
        return json.dumps(record)  # spaces, and every non-ASCII character escaped
    return json.dumps(record, indent=None, separators=(" , ", " : "), ensure_ascii=False)


@st.composite
def typed_lines(draw: st.DrawFn) -> bytes:
    """A JSON line of an event: as the examples and the generator write them, or damaged
    (values of the wrong type or form, attributes missing, unknown or given twice,
    imprecise dates, texts with escapes, colons and characters beyond ASCII, numbers
    written long, keys in another order, other spacing and line ends)."""
    record: dict[Any, Any] = dict(draw(st.sampled_from(SOURCES)))
    for _ in range(draw(st.integers(0, 2))):
        action = draw(st.sampled_from(["drop", "set", "add", "order", "nest", "when"]))
        keys = sorted(record, key=str)
        if action == "drop" and keys:
            del record[draw(st.sampled_from(keys))]
        elif action == "set" and keys:
            record[draw(st.sampled_from(keys))] = draw(st.sampled_from(ODD_VALUES))
        elif action == "add":
            record[draw(st.sampled_from([*KEYS, "source", "confidence", "to", "role"]))] = draw(
                st.sampled_from(ODD_VALUES)
            )
        elif action == "when":  # councils that existed only from or until a day
            record["council"] = draw(st.sampled_from(["E06000063", "E10000006", "E08000016"]))
            record["date"] = draw(st.sampled_from(["2023-03-31", "2023-04-01", "2025-04-01"]))
        elif action == "order":
            items = list(record.items())
            record = dict(draw(st.permutations(items)))
        elif action == "nest":
            lists = [k for k, v in record.items() if isinstance(v, list) and v]
            if lists:
                key = draw(st.sampled_from(lists))
                items = list(record[key])
                i = draw(st.integers(0, len(items) - 1))
                if isinstance(items[i], dict) and items[i] and draw(st.booleans()):
                    inner = dict(items[i])
                    inner[draw(st.sampled_from(sorted(inner)))] = draw(st.sampled_from(JUNK))
                    items[i] = inner
                else:
                    items[i] = draw(st.sampled_from(JUNK))
                record[key] = items
    try:
        text = _dump(record, draw(st.integers(0, 2)))
    except (TypeError, ValueError):  # a date object, a NaN: as text
        text = json.dumps(record, default=str)
    edit = draw(st.sampled_from(["none", "none", "twice", "twice-nested", "long", "escape"]))
    if edit == "twice" and record:  # a key given twice, with the same or another value
        key = draw(st.sampled_from(sorted(k for k in record if isinstance(k, str)) or ["id"]))
        value = draw(st.sampled_from([record.get(key), *ODD_VALUES[:6]]))
        text = "{" + json.dumps(key) + ":" + json.dumps(value, default=str) + "," + text[1:]
    elif edit == "twice-nested" and '{"council": ' in text:
        text = text.replace('{"council": ', '{"council": "E08000025", "council": ', 1)
    elif edit == "long":  # a number written with more than 100 characters
        text = text.replace('"days": 1', '"days": 1.' + "0" * 101, 1)
    elif edit == "escape":  # a colon or letter written as an escape
        text = text.replace('"council":', '"c\\u006funcil":', 1).replace("-", "\\u002d", 1)
    ending = draw(st.sampled_from(["\n", "\r\n", "", " \n", "\f\n"]))
    return (text + ending).encode("utf-8", "surrogatepass")


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(typed_lines(), st.sampled_from(CATALOGUES))
def test_a_typed_line_is_the_event_the_full_checks_make_of_it_or_nothing(
    raw: bytes, catalogue: Any
) -> None:
    """The law of the typed path: whatever the line, it gives either nothing (and the
    usual steps then decide, and word any problem) or the very event that the stdlib
    decoder and the full checks make of the line, attribute order, Python types and
    source included."""
    typed = compiled(catalogue).line(raw, "f.jsonl:3")
    item = intake_module._jsonl_record(raw, 3, "f.jsonl")
    if typed is None:
        return
    assert item is not None
    with _slow_only():
        full, reasons = validate_record(catalogue, item[1], "f.jsonl:3")
    assert reasons == []
    assert full is not None
    assert typed == full
    assert repr(typed) == repr(full)
    assert typed.source == full.source == "f.jsonl:3"
    assert _same(dict(typed.attrs), dict(full.attrs))
    assert json.dumps(typed.to_dict()) == json.dumps(full.to_dict())


def test_the_typed_path_takes_the_usual_lines() -> None:
    """Not correctness but speed: every event written as the examples and the generator
    write them, with an exact date, is taken by the typed path, in any spacing."""
    for catalogue in CATALOGUES:
        line = compiled(catalogue).line
        for record in SOURCES:
            exact = record["type"] != "record.coverage" and len(record["date"]) == 10
            if not exact or record["type"] not in catalogue.types:
                continue
            for style in (0, 1, 2):
                raw = (_dump(record, style) + "\n").encode()
                assert line(raw, "f:1") is not None, raw


def test_a_key_given_twice_is_never_taken_by_the_typed_path() -> None:
    good = GENERATED[0]
    base = json.dumps(good)
    for raw in [
        '{"id": "x", ' + base[1:],
        '{"id": "' + good["id"] + '", ' + base[1:],
        base[:-1] + ', "date": "' + good["date"] + '"}',
        '{"source": "a:b", "source": "c"' + ", " + base[1:],
        '{"source": "\\u003a", "source": "\\u003A"' + ", " + base[1:],
    ]:
        assert compiled(CATALOGUES[0]).line(raw.encode(), "f:1") is None, raw
    team = next(r for r in GENERATED if r.get("team"))
    twice = json.dumps(team).replace('{"council": ', '{"council": "E08000025", "council": ', 1)
    assert compiled(CATALOGUES[0]).line(twice.encode(), "f:1") is None


@FAST_AND_SLOW
@given(st.lists(typed_lines(), min_size=1, max_size=12), st.booleans(), st.booleans())
def test_a_file_of_typed_lines_reads_the_same_with_and_without_the_fast_paths(
    raws: list[bytes], streamed: bool, copy: bool
) -> None:
    """Whole files, both readers: the same events (in order, with their sources), the
    same rejections with the same reasons and lines, the same duplicates, whether the
    typed path, the compiled checks and msgspec run or not."""
    data = b"".join(r if r.endswith(b"\n") else r + b"\n" for r in raws)
    if copy:  # the first line again: a duplicate, or a clash of ids with a line between
        data += raws[0] if raws[0].endswith(b"\n") else raws[0] + b"\n"
    reader = read_events_streamed if streamed else read_events
    fast, slow = _fast_and_slow(data, "events.jsonl", reader)
    assert fast == slow


# ------------------------------ one decoding for the usual line (validators._attributes)


def _has_object_value(record: dict[str, Any]) -> bool:
    return any(
        isinstance(v, dict) or (isinstance(v, list) and any(isinstance(x, dict) for x in v))
        for v in record.values()
    )


# flat events (no object inside) of types with several optional attributes, whose order
# on a line the typed path judges from the text once it has met a line of that shape
FLAT = [r for r in SOURCES if r["type"] != "record.coverage" and not _has_object_value(r)]
# texts that look like keys or hold colons and quotes; nulls; the provenance attributes
KEYLIKE: list[Any] = ['"to":', '\\"to\\":', "to:", '"role": "x"', "a:b", None, "", "x"]


@st.composite
def shaped_lines(draw: st.DrawFn) -> bytes:
    """A flat event's line with its attributes in another order, some dropped, null,
    given twice or under an escaped spelling, or texts that look like keys."""
    record: dict[str, Any] = dict(draw(st.sampled_from(FLAT)))
    extra = ["source", "confidence", "role", "to", "kind", "period", "days", "review"]
    for _ in range(draw(st.integers(0, 3))):
        action = draw(st.sampled_from(["drop", "text", "add", "null"]))
        optional = [k for k in record if k not in ("id", "type", "date", "council")]
        if action == "drop" and optional:
            del record[draw(st.sampled_from(optional))]
        elif action == "text" and optional:
            record[draw(st.sampled_from(optional))] = draw(st.sampled_from(KEYLIKE))
        elif action == "add":
            record[draw(st.sampled_from(extra))] = draw(st.sampled_from(["x", "E08000025", 1]))
        elif action == "null" and optional:
            record[draw(st.sampled_from(optional))] = None
    record = dict(draw(st.permutations(list(record.items()))))
    text = _dump(record, draw(st.integers(0, 2)))
    edit = draw(st.sampled_from(["none", "none", "none", "twice", "escape"]))
    keys = sorted(record)
    if edit == "twice":
        key = draw(st.sampled_from(keys))
        text = "{" + json.dumps(key) + ":" + json.dumps(record[key]) + "," + text[1:]
    elif edit == "escape":  # a key written with an escape, which the text does not show
        key = draw(st.sampled_from(keys))
        text = text.replace(json.dumps(key), '"\\u00' + f"{ord(key[0]):02x}" + key[1:] + '"', 1)
    return (text + "\n").encode()


# One compiled catalogue per catalogue for the law below, made once: making one (its
# Structs and their decoder) costs more than the rest of an example. Each example starts
# from no known shape, as a new one would: `_no_shapes` forgets the orders met before.
# (Its other state, the days and party codes it has judged, only remembers answers.)
SHAPED = [CompiledCatalogue(c) for c in CATALOGUES]


def _no_shapes(made: CompiledCatalogue) -> CompiledCatalogue:
    made.line(b"{}\n")  # makes its Structs if need be (the line itself gives nothing)
    assert made._typed is not None
    for kind in made._typed.types.values():
        kind.shapes.clear()
    return made


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(shaped_lines(), min_size=1, max_size=6), st.sampled_from(range(len(SHAPED))))
def test_lines_judged_by_the_shape_of_the_last_are_the_events_the_full_checks_make(
    raws: list[bytes], which: int
) -> None:
    """The law of the one decoding: after any lines of a type (which set the order the
    next is expected in), each line gives nothing or the very event the stdlib decoder
    and the full checks make of it, attributes in the line's order."""
    catalogue = CATALOGUES[which]
    line = _no_shapes(SHAPED[which]).line
    for raw in raws:
        typed = line(raw, "f.jsonl:3")
        if typed is None:
            continue
        item = intake_module._jsonl_record(raw, 3, "f.jsonl")
        assert item is not None
        with _slow_only():
            full, reasons = validate_record(catalogue, item[1], "f.jsonl:3")
        assert reasons == []
        assert full is not None
        assert repr(typed) == repr(full)
        assert json.dumps(typed.to_dict()) == json.dumps(full.to_dict())


def test_a_usual_line_is_decoded_once_when_its_shape_is_known() -> None:
    """Not correctness but speed: once a line of a type with N attributes has been
    read, the next such line, in that order, is decoded once (by its type's Struct)."""
    line = CompiledCatalogue(CATALOGUES[0]).line
    first, second = [r for r in GENERATED if r["type"] == "peer_days.given" and r.get("to")][:2]
    assert line((json.dumps(first) + "\n").encode(), "f:1") is not None
    with mock.patch.object(validators_module, "_decode", side_effect=AssertionError):
        event = line((json.dumps(second) + "\n").encode(), "f:2")
    assert event is not None
    assert list(event.attrs) == [k for k in second if k not in ("id", "type", "date", "council")]


@given(
    st.text(max_size=5),
    st.text(max_size=5),
    st.dates(),
    st.text(max_size=5),
    st.dictionaries(st.text(max_size=3), st.integers() | st.text(max_size=3), max_size=3),
    st.text(max_size=5),
)
def test_an_event_made_quickly_is_the_event_the_class_makes(
    event_id: str, type_: str, day: dt.date, council: str, attrs: dict[str, Any], source: str
) -> None:
    """`exact_event`, which sets the slots of an Event directly, makes the event that
    `Event(...)` makes: equal, with the same repr, source and no span, and frozen."""
    quick = exact_event(event_id, type_, day, council, attrs, source)
    made = Event(event_id, type_, day, council, attrs, source)
    assert type(quick) is Event
    assert quick == made
    assert repr(quick) == repr(made)
    assert quick.source == made.source
    assert quick.span is None
    assert quick.to_dict() == made.to_dict()
    with pytest.raises(attrs_module.exceptions.FrozenInstanceError):
        quick.id = "other"  # type: ignore[misc]
