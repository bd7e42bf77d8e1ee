"""The benchmark's stream generator (benchmarks/generate.py) writes only events intake
accepts: none of a council before it was created or after it was abolished."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
import generate  # noqa: E402 (the benchmark's stream generator)

ABOLISHED = dt.date(2019, 4, 1)  # the first day it no longer exists


def _stream() -> generate._Stream:
    gone = generate.Council("E06000028", "south_west", True, abolished=ABOLISHED)
    new = generate.Council("E06000058", "south_west", True, created=ABOLISHED)
    return generate._Stream([gone, new], years=10, seed=1, density=1.0)


def test_a_council_has_no_event_outside_its_life() -> None:
    stream = _stream()
    last = ABOLISHED - dt.timedelta(days=1)
    stream.put(last, "information.published", "E06000028")
    stream.put(ABOLISHED, "information.published", "E06000028")  # a follow-up too late
    stream.put(last, "information.published", "E06000058")  # before it was created
    stream.put(ABOLISHED, "information.published", "E06000058")
    stream.put(ABOLISHED, "information.published", "lga")  # a body, not a council
    out = [(e["council"], e["date"]) for e in stream.release(dt.date(2020, 1, 1))]
    assert out == [
        ("E06000028", "2019-03-31"),
        ("E06000058", "2019-04-01"),
        ("lga", "2019-04-01"),
    ]
