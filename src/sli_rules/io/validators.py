"""The fast path of event intake: JSON decoded by msgspec, checks compiled per event type.

`validate_record` (io/intake.py) states what a valid event is and says what is wrong
with an invalid one. It is general, so it is slow: it walks every value twice and
builds messages as it goes. This module answers a narrower question quickly, *is this
record certainly a valid event, and which?*, with one check per attribute compiled once
from the catalogue (bundled and ruleset-declared types alike):

- `CompiledCatalogue.event(record)` returns the `Event` that `validate_record` would
  return, or None whenever it is not sure: a problem of any kind, an imprecise date, a
  `record.coverage` declaration, a value of a Python type it does not expect. The caller
  then runs `validate_record`'s full checks, which decide and word every message.
- `CompiledCatalogue.line(raw)` goes further for a JSON Lines line: msgspec decodes it
  against a `Struct` per event type (built once per catalogue, a tagged union on
  `type`), so that the types, the listed values, the required and the unknown
  attributes of the whole line are judged in C; Python then checks only the event's
  date and council and the attributes a `Struct` cannot judge (dates, party codes,
  values allowed before a day). It returns the same `Event` as the two steps below, or
  None whenever it is not sure, and the line then takes those steps.
- `fast_decode(raw)` decodes a JSON Lines line with msgspec, or returns `SLOW` when the
  stdlib decoder that intake has always used must decode it instead: the line is broken
  (so that its message stays the same), may hold a number written with too many
  characters, nests deeply, or holds a key given twice in one object (msgspec keeps the
  last; intake refuses it).

So the fast path never decides a rejection or words a message; it only accepts what
the full checks would accept, and builds the same event. tests/test_fast_intake.py
holds it to that.
"""

from __future__ import annotations

import datetime as _dt
import math
import re
import weakref
from collections.abc import Callable, Mapping
from typing import Annotated, Any, Final, Literal, Union

import msgspec

from sli_rules.load.catalogue import PARTY_RE, PROVENANCE, AttributeSpec, Catalogue, EventType
from sli_rules.load.registry import code_problem, lifetime
from sli_rules.model.dates import DateError, parse_date, parse_event_date
from sli_rules.model.values import Event, exact_event

__all__ = ["SLOW", "CompiledCatalogue", "compiled", "fast_decode"]

SURROGATE = re.compile("[\ud800-\udfff]")
COMMON = frozenset(("id", "type", "date", "council"))
MAX_DEPTH = 32  # as intake's MAX_DEPTH: containers nest at most this deep
MAX_BITS = 300  # as intake's check of "a number of more than 100 digits"
CACHED = 100_000  # at most this many party codes remembered per catalogue
# ... and at most this many dates (about three years of days), started again when full:
# a pipeline reading for years would otherwise keep every day it ever met, and a stream
# in date order asks about the days near the one it is reading
DAYS_CACHED = 1_024

# (value, the event's day) -> whether the value is certainly fine
Check = Callable[[Any, _dt.date], bool]


class _Slow:
    """Marks a line the stdlib decoder must decode (see `fast_decode`)."""

    def __repr__(self) -> str:
        return "SLOW"


SLOW: Final = _Slow()

# A number written with more than 100 characters is refused with its own message, so a
# line holding a run of 101 characters that may make up a number (in a text too, which
# costs only time) goes the slow way. Numbers out of a float's range msgspec refuses.
_NUMBERISH = bytes.maketrans(b"-+.0123456789eE", b"0" * 15)
_LONG_RUN = b"0" * 101
_MAX_OPENS = 256  # more brackets than this: the stdlib decoder judges the nesting
_decode = msgspec.json.Decoder().decode
_encode = msgspec.json.Encoder().encode


def _long_number(raw: bytes) -> bool:
    """Whether the line may hold a number written with more than 100 characters (the
    stdlib decoder and the full checks judge those)."""
    return len(raw) > 100 and _LONG_RUN in raw.translate(_NUMBERISH)


def _keys_kept(raw: bytes, value: Any) -> bool:
    """Whether `value`, decoded from `raw` by msgspec, kept every key the line gives.

    Every key is followed by one colon, so a flat object of N keys and N colons cannot
    hold a repeated key. Otherwise colons in texts count the same in the line and in the
    value written again, unless a key was given twice (msgspec dropped one, with its
    colon and any in its value), or a colon is written as an escape (\\u003a), which the
    value written again spells as a colon: such a line is not judged kept."""
    colons = raw.count(b":")
    if type(value) is dict and len(value) == colons:
        return True
    if b"\\u003" in raw:
        return False
    try:
        again = _encode(value)
    except Exception:
        return False
    return again.count(b":") == colons


def fast_decode(raw: bytes) -> Any:
    """The value of one JSON line (without its line break), or SLOW."""
    if _long_number(raw):
        return SLOW
    if len(raw) > _MAX_OPENS and raw.count(b"{") + raw.count(b"[") > _MAX_OPENS:
        return SLOW
    try:
        value = _decode(raw)
    except Exception:  # broken or refused: the stdlib decoder says why
        return SLOW
    return value if _keys_kept(raw, value) else SLOW


# ---------------------------------------------------------------- typed lines

# A whole number msgspec keeps exactly and the full checks accept (larger ones, up to
# about 100 digits, are accepted too, by the steps after this one).
_WHOLE = Annotated[int, msgspec.Meta(ge=0, le=(1 << 63) - 1)]
_REAL = Annotated[float, msgspec.Meta(ge=0)]
_NUMBER = Union[_WHOLE, _REAL]  # noqa: UP007 (a runtime type for msgspec)
_ID = Annotated[str, msgspec.Meta(min_length=1)]


class _LineType:
    """What the typed decoding of a line leaves to Python for one event type.

    A decoded line's values come as a tuple (`msgspec.structs.astuple`): the id, the
    date and the council first, then the attributes, each at its `place`."""

    __slots__ = ("after", "name", "numbers", "parties", "place", "shapes")

    def __init__(
        self,
        name: str,
        parties: tuple[str, ...],
        after: tuple[tuple[str, Check], ...],
        numbers: bool,
        place: dict[str, int] | None,
    ) -> None:
        self.name = name
        self.parties = parties  # attributes holding a party code (a plain one)
        self.after = after  # (attribute, check): the others a Struct cannot judge alone
        self.numbers = numbers  # whether a number may be written with many characters
        # each attribute's place in the decoded values; None when one of them may hold
        # an object (decoded as a Struct, not as the plain value the event keeps)
        self.place = place
        # for a line giving N attributes, the order the latest such line gave them in,
        # each as (attribute, place, its key as written plainly with its colon)
        self.shapes: dict[int, tuple[tuple[str, int, bytes], ...]] = {}

    def expect(self, names: list[str]) -> None:
        """Expect a line giving as many attributes as `names` to give these."""
        place = self.place
        if place is not None and len(self.shapes) < len(place) + 1:
            self.shapes[len(names)] = tuple((n, place[n], _encode(n) + b":") for n in names)


class _Typed:
    """The Structs of a catalogue's event types, one tagged union decoder for them all."""

    def __init__(
        self, compiler: _Compiler, types: Mapping[str, Mapping[str, AttributeSpec]]
    ) -> None:
        self._compiler = compiler
        self._count = 0
        self.types: dict[type, _LineType] = {}
        structs: list[Any] = []
        for name, specs in types.items():
            made = self._event_struct(name, specs)
            if made is not None:
                structs.append(made[0])
                self.types[made[0]] = made[1]
        self.decode: Callable[[bytes], Any] = _no_type
        if structs:
            self.decode = msgspec.json.Decoder(Union[tuple(structs)]).decode  # noqa: UP007

    def _event_struct(
        self, name: str, specs: Mapping[str, AttributeSpec]
    ) -> tuple[type, _LineType] | None:
        fields: list[tuple[str, Any, Any]] = [
            ("id", _ID, msgspec.NODEFAULT),
            ("date", str, msgspec.NODEFAULT),
            ("council", str, msgspec.NODEFAULT),
        ]
        after: list[tuple[str, Check]] = []
        parties: list[str] = []
        numbers = False
        for attr, spec in specs.items():
            if attr in COMMON:
                return None
            typed = self._annotation(spec, 1)
            if typed is None:
                return None
            annotation, exact = typed
            if spec.type == "party" and not spec.values and not spec.values_before:
                parties.append(attr)
            elif not exact:
                check = self._compiler.check(spec, 1)
                if check is None:
                    return None
                after.append((attr, check))
            numbers = numbers or _has_number(spec)
            fields.append(self._field(attr, annotation, spec.required))
        made = self._struct(fields, name)
        # each field's place in the decoded values (astuple follows the Struct's fields)
        index = {f.encode_name: i for i, f in enumerate(msgspec.structs.fields(made))}
        place: dict[str, int] | None = {a: index[a] for a in specs}
        if (index["id"], index["date"], index["council"]) != (0, 1, 2) or any(
            _has_object(spec) for spec in specs.values()
        ):
            place = None
        return made, _LineType(name, tuple(parties), tuple(after), numbers, place)

    def _field(self, name: str, annotation: Any, required: bool) -> tuple[str, Any, Any]:
        if required:
            return (name, annotation, msgspec.NODEFAULT)
        return (name, Union[annotation, None], None)  # noqa: UP007

    def _struct(self, fields: list[tuple[str, Any, Any]], tag: str | None) -> type:
        """A Struct of these fields (required first), under safe field names."""
        fields = sorted(fields, key=lambda f: f[2] is not msgspec.NODEFAULT)
        rename = {f"f{i}": f[0] for i, f in enumerate(fields)}
        spec = [
            (f"f{i}", f[1]) if f[2] is msgspec.NODEFAULT else (f"f{i}", f[1], f[2])
            for i, f in enumerate(fields)
        ]
        self._count += 1
        options: dict[str, Any] = {}
        if tag is not None:
            options = {"tag": tag, "tag_field": "type"}
        return msgspec.defstruct(
            f"Line{self._count}",
            spec,
            rename=rename,
            forbid_unknown_fields=True,
            gc=False,
            **options,
        )

    def _annotation(self, spec: AttributeSpec, depth: int) -> tuple[Any, bool] | None:
        """The msgspec type of an attribute's values, and whether that type alone judges
        them exactly as the full checks do (else the compiled check follows it); None
        when the full checks must judge every such value."""
        t = spec.type
        exact = not spec.values_before
        if t in ("list", "object") and depth >= MAX_DEPTH:
            return None
        if t == "list":
            if spec.items is None or spec.values or spec.values_before:
                return None
            inner = self._annotation(spec.items, depth + 1)
            if inner is None:
                return None
            return list[inner[0]], inner[1]  # type: ignore[valid-type]
        if t == "object":
            if spec.values or spec.values_before:
                return None
            fields: list[tuple[str, Any, Any]] = []
            for attr, sub in spec.attributes.items():
                inner = self._annotation(sub, depth + 1)
                if inner is None:
                    return None
                exact = exact and inner[1]
                fields.append(self._field(attr, inner[0], sub.required))
            return self._struct(fields, None), exact
        if t == "string":
            if spec.values and all(type(v) is str for v in spec.values):
                return Literal[tuple(spec.values)], exact
            return str, exact and not spec.values
        base = {"integer": _WHOLE, "number": _NUMBER, "boolean": bool}.get(t)
        if base is not None:
            return base, exact and not spec.values
        if t in ("date", "party"):
            return str, False
        return None


def _no_type(_raw: bytes) -> Any:
    raise ValueError("no event type can be decoded this way")


def _has_object(spec: AttributeSpec) -> bool:
    return spec.type == "object" or (spec.items is not None and _has_object(spec.items))


def _has_number(spec: AttributeSpec) -> bool:
    if spec.type == "number":
        return True
    if spec.items is not None and _has_number(spec.items):
        return True
    return any(_has_number(s) for s in spec.attributes.values())


# ---------------------------------------------------------------- compiled checks


def _text_ok(value: str) -> bool:
    return value.isascii() or SURROGATE.search(value) is None


class _Compiler:
    """Builds the checks of one catalogue, sharing its caches of dates and parties."""

    def __init__(self) -> None:
        self.dates: dict[str, bool] = {}
        self.parties: dict[str, bool] = {}

    def good_date(self, value: Any) -> bool:
        if type(value) is not str:
            return False
        known = self.dates.get(value)
        if known is None:
            try:
                parse_date(value)
            except DateError:
                known = False
            else:
                known = True
            if len(self.dates) >= DAYS_CACHED:
                self.dates.clear()
            self.dates[value] = known
        return known

    def good_party(self, value: Any) -> bool:
        if type(value) is not str:
            return False
        known = self.parties.get(value)
        if known is None:
            known = code_problem(value) is None and PARTY_RE.fullmatch(value) is not None
            if len(self.parties) < CACHED:
                self.parties[value] = known
        return known

    def check(self, spec: AttributeSpec, depth: int) -> Check | None:
        """The check of one attribute at `depth` (the record is 0), or None when it
        cannot be compiled (nesting the full checks must judge)."""
        t = spec.type
        if t in ("list", "object") and depth >= MAX_DEPTH:
            return None
        if t == "list":
            if spec.items is None:
                return None
            item = self.check(spec.items, depth + 1)
            if item is None:
                return None

            def check_list(v: Any, day: _dt.date, item: Check = item) -> bool:
                if type(v) is not list:
                    return False
                return all(item(x, day) for x in v)

            return check_list
        if t == "object":
            inner = self.fields(spec.attributes, depth + 1)
            if inner is None:
                return None
            return inner
        base = self.scalar(t)
        if base is None:
            return None
        tail = _allowed(spec)
        if tail is None:
            return base

        def check_scalar(v: Any, day: _dt.date, base: Check = base, tail: Check = tail) -> bool:
            return base(v, day) and tail(v, day)

        return check_scalar

    def scalar(self, t: str) -> Check | None:
        if t == "string":
            return lambda v, _day: type(v) is str and (v.isascii() or _text_ok(v))
        if t == "integer":
            return lambda v, _day: type(v) is int and v >= 0 and v.bit_length() <= MAX_BITS
        if t == "number":

            def number(v: Any, _day: _dt.date) -> bool:
                if type(v) is int:
                    return v >= 0 and v.bit_length() <= MAX_BITS
                return type(v) is float and math.isfinite(v) and v >= 0

            return number
        if t == "boolean":
            return lambda v, _day: v is True or v is False
        if t == "date":
            return lambda v, _day: self.good_date(v)
        if t == "party":
            return lambda v, _day: self.good_party(v)
        return None

    def fields(self, specs: Mapping[str, AttributeSpec], depth: int) -> Check | None:
        """The check of an object with these attributes (a dict, every key known, every
        required one given, every value fine)."""
        checks: dict[str, Check] = {}
        for name, spec in specs.items():
            c = self.check(spec, depth)
            if c is None:
                return None
            checks[name] = c
        required = tuple(n for n, s in specs.items() if s.required)

        def check_object(v: Any, day: _dt.date) -> bool:
            if type(v) is not dict:
                return False
            for name in required:
                if v.get(name) is None:
                    return False
            for name, x in v.items():
                c = checks.get(name) if type(name) is str else None
                if c is None or (x is not None and not c(x, day)):
                    return False
            return True

        return check_object


def _common(_v: Any, _day: _dt.date) -> bool:
    """Stands for id, type, date and council in a type's table: checked on their own."""
    raise AssertionError("never called")


def _allowed(spec: AttributeSpec) -> Check | None:
    """The check of a spec's listed values (and those allowed only before a day)."""
    values, before = spec.values, spec.values_before
    if not values and not before:
        return None

    def allowed(v: Any, day: _dt.date) -> bool:
        if values and v not in values:
            return False
        until = before.get(v) if isinstance(v, str) else None
        return until is None or day < until

    return allowed


class _TypeChecks:
    """The compiled checks of one event type's own attributes (and the provenance ones)."""

    __slots__ = ("checks", "required")

    def __init__(self, checks: dict[str, Check], required: tuple[str, ...]) -> None:
        self.checks = checks
        self.required = required


class CompiledCatalogue:
    """A catalogue's checks, compiled once: `event(record)` is the fast path of intake."""

    def __init__(self, catalogue: Catalogue) -> None:
        self._compiler = _Compiler()
        self._types: dict[str, _TypeChecks] = {}
        self._councils: dict[str, tuple[_dt.date, _dt.date] | None] = {}  # first, last day
        self._days: dict[str, _dt.date | None] = {}
        self._specs: dict[str, Mapping[str, AttributeSpec]] = {}
        self._typed: _Typed | None = None
        provenance = {k: catalogue.common[k] for k in PROVENANCE if k in catalogue.common}
        for name, et in catalogue.types.items():
            if name == "record.coverage":  # its own checks (intake's _coverage_problems)
                continue
            compiled = self._compile(provenance, et)
            if compiled is not None:
                self._types[name] = compiled
                self._specs[name] = {**provenance, **et.attributes}

    def _compile(
        self, provenance: Mapping[str, AttributeSpec], et: EventType
    ) -> _TypeChecks | None:
        specs = {**provenance, **et.attributes}
        checks: dict[str, Check] = {}
        for name, spec in specs.items():
            if name in COMMON:
                return None
            c = self._compiler.check(spec, 1)
            if c is None:
                return None
            checks[name] = c
        checks.update(dict.fromkeys(COMMON, _common))
        return _TypeChecks(checks, tuple(n for n, s in specs.items() if s.required))

    def _day(self, value: Any) -> _dt.date | None:
        """The day of an exact event date written as text; None otherwise."""
        if type(value) is not str:
            return None
        try:
            return self._days[value]
        except KeyError:
            pass
        try:
            when = parse_event_date(value)
        except DateError:
            day = None
        else:
            day = when if type(when) is _dt.date else None
        if len(self._days) >= DAYS_CACHED:
            self._days.clear()
        self._days[value] = day
        return day

    def _council(self, council: Any) -> tuple[_dt.date, _dt.date] | None:
        """A council code's first and last day (open ends as the first and last dates
        there are) when it certainly names a party; None otherwise."""
        if type(council) is not str:
            return None
        good = code_problem(council) is None and PARTY_RE.fullmatch(council) is not None
        span = lifetime(council) if good else None
        bounds = None if span is None else (span[0] or _dt.date.min, span[1] or _dt.date.max)
        if len(self._councils) < CACHED:
            self._councils[council] = bounds
        return bounds

    def event(self, record: Any, source: str = "") -> Event | None:
        """The event `record` certainly is (read from `source`), or None (the full checks
        then decide)."""
        if type(record) is not dict:
            return None
        event_id = record.get("id")
        type_name = record.get("type")
        if type(event_id) is not str or not event_id:
            return None
        if not (event_id.isascii() or _text_ok(event_id)):
            return None
        checks = self._types.get(type_name) if type(type_name) is str else None
        if checks is None:
            return None
        date = record.get("date")
        day = self._days.get(date) if type(date) is str else None
        if day is None and (day := self._day(date)) is None:
            return None
        council = record.get("council")
        bounds = self._councils.get(council) if type(council) is str else None
        if bounds is None and (bounds := self._council(council)) is None:
            return None
        if not bounds[0] <= day <= bounds[1]:
            return None
        table = checks.checks
        attrs: dict[str, Any] = {}
        for key, value in record.items():
            check = table.get(key)
            if check is None:
                return None
            if check is _common or value is None:
                continue
            if type(key) is not str or not check(value, day):
                return None
            attrs[key] = value
        for name in checks.required:
            if name not in attrs:
                return None
        return exact_event(event_id, str(type_name), day, str(council), attrs, source)

    def line(self, raw: bytes, source: str = "") -> Event | None:
        """The event a JSON Lines line (its line break may be kept) certainly is, read
        from `source`, or None: the line then goes through `fast_decode` and `event`,
        and the full checks if need be, which decide and word every problem.

        msgspec decodes the line against the event types' Structs, which judge every
        value's type, the listed values and the attributes required or unknown. A Struct
        does not say in which order the line gave the attributes, which the event keeps:
        see `_attributes`."""
        typed = self._typed
        if typed is None:
            typed = self._typed = _Typed(self._compiler, self._specs)
        try:
            kind = typed.types[type(decoded := typed.decode(raw))]
        except Exception:  # not valid for its type, or not decodable: the steps after say
            return None
        if kind.numbers and _long_number(raw):
            return None
        values = _astuple(decoded)
        date = values[1]
        day = self._days.get(date)
        if day is None and (day := self._day(date)) is None:
            return None
        council = values[2]
        bounds = self._councils.get(council)
        if bounds is None and (bounds := self._council(council)) is None:
            return None
        if not bounds[0] <= day <= bounds[1]:
            return None
        attributes = _attributes(raw, kind, values)
        if attributes is None:
            return None
        if kind.parties:
            parties = self._compiler.parties
            for attr in kind.parties:
                value = attributes.get(attr)
                if value is not None and not (
                    parties.get(value) or self._compiler.good_party(value)
                ):
                    return None
        for attr, check in kind.after:
            value = attributes.get(attr)
            if value is not None and not check(value, day):
                return None
        return exact_event(values[0], kind.name, day, council, attributes, source)


_astuple = msgspec.structs.astuple


def _attributes(raw: bytes, kind: _LineType, values: tuple[Any, ...]) -> dict[str, Any] | None:
    """The attributes of a line decoded as `values`, in the order the line gives them
    (None when a key is given twice).

    The usual line is judged from its text. Say it has 4 + N colons, and the latest line
    of its type that gave N attributes gave A1 ... AN. If this one gives each of them a
    value, written plainly as a key with its colon, in that order, then those keys and
    the four common ones account for every colon: the line has no other key (none
    given twice, none null), no colon in a text and no object inside, so it gives
    A1 ... AN in that order. Any other line is decoded again into plain values, which
    keep the order, and its order is expected from then on."""
    colons = raw.count(b":")
    shape = kind.shapes.get(colons - 4)
    if shape is not None:
        attributes = {}
        find = raw.find
        start = 0
        for name, at, key in shape:
            value = values[at]
            if value is None or (start := find(key, start)) < 0:
                break
            attributes[name] = value
        else:
            return attributes
    record: dict[str, Any] = _decode(raw)
    if not (type(record) is dict and len(record) == colons) and not _keys_kept(raw, record):
        return None  # a key given twice
    del record["id"], record["type"], record["date"], record["council"]
    if None in record.values():
        record = {k: v for k, v in record.items() if v is not None}
    elif len(record) + 4 == colons:
        kind.expect(list(record))
    return record


_COMPILED: dict[int, tuple[weakref.ref[Catalogue], CompiledCatalogue]] = {}


def compiled(catalogue: Catalogue) -> CompiledCatalogue:
    """The compiled checks of a catalogue, made on first use and kept while it lives."""
    key = id(catalogue)
    found = _COMPILED.get(key)
    if found is not None and found[0]() is catalogue:
        return found[1]
    made = CompiledCatalogue(catalogue)

    def forget(_ref: weakref.ref[Catalogue]) -> None:
        _COMPILED.pop(key, None)

    _COMPILED[key] = (weakref.ref(catalogue, forget), made)
    return made
