"""The nightly law at scale: monthly `run --state` nights end where one batch run does.

Generates a stream (benchmarks/generate.py), hands it to `run_incremental` one month at
a time with all the bundled rulesets, and compares the state's findings after the last
night with one `evaluate` of every event as of that night, finding by finding in JSON.
It does so twice: with every event arriving in the month it is dated, and with a share
of events (5% by default) reported one to three months late, which `--late replay`
folds in. It prints how many findings are only in the state and only in the batch run,
and exits 1 if any are.

    python benchmarks/nightly.py                 # about 35,000 events, 2013 to 2018
    python benchmarks/nightly.py --events 5000 --late-share 0.1
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import json
import random
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate import generate_events, size_for  # the generator sits beside this script

import sli_rules
from sli_rules.load.loader import bundled_ids

Record = dict[str, Any]


def _month_end(day: dt.date) -> dt.date:
    first_of_next = (day.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    return first_of_next - dt.timedelta(days=1)


def _nights(first: dt.date, last: dt.date) -> list[dt.date]:
    out, night = [], _month_end(first)
    while night < last:
        out.append(night)
        night = _month_end(night + dt.timedelta(days=1))
    return [*out, last]


def deliveries(
    records: Sequence[Record], nights: Sequence[dt.date], late_share: float, seed: int
) -> tuple[list[list[Record]], int]:
    """The records arriving on each night: those dated since the night before, except a
    share of them that arrive one to three nights later than that; and how many do."""
    rnd = random.Random(seed)  # which events come late: not a secret
    out: list[list[Record]] = [[] for _ in nights]
    index = late = 0
    for r in records:  # in date order
        day = dt.date.fromisoformat(r["date"])
        while index < len(nights) - 1 and nights[index] < day:
            index += 1
        delay = rnd.randint(1, 3) if rnd.random() < late_share else 0
        arrives = min(index + delay, len(nights) - 1)
        late += arrives > index
        out[arrives].append(r)
    return out, late


def compare(state: list[Record], batch: list[Record]) -> tuple[int, int]:
    """How many findings are only in the state, and only in the batch run."""
    a = collections.Counter(json.dumps(f, sort_keys=True) for f in state)
    b = collections.Counter(json.dumps(f, sort_keys=True) for f in batch)
    return sum((a - b).values()), sum((b - a).values())


def run_nights(
    records: list[Record], nights: list[dt.date], late_share: float, seed: int
) -> dict[str, Any]:
    rulesets = bundled_ids()
    started = time.perf_counter()
    replays = 0
    with tempfile.TemporaryDirectory() as folder:
        state = Path(folder) / "state.sqlite"
        arriving, late = deliveries(records, nights, late_share, seed)
        for i, (night, batch) in enumerate(zip(nights, arriving, strict=True)):
            result = sli_rules.run_incremental(
                state, batch, as_of=night, rulesets=rulesets if i == 0 else None
            )
            replays += result.replayed
        nightly = [f.to_dict() for f in sli_rules.state_report(state).findings]
    took = time.perf_counter() - started
    batch_findings = sli_rules.evaluate(rulesets, records, as_of=nights[-1]).findings
    only_state, only_batch = compare(nightly, [f.to_dict() for f in batch_findings])
    return {
        "late_share": late_share,
        "late_events": late,
        "nights": len(nights),
        "replayed_nights": replays,
        "findings": len(batch_findings),
        "only_in_state": only_state,
        "only_in_batch": only_batch,
        "seconds": round(took, 1),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=35_000, help="about N events")
    parser.add_argument("--years", type=int, default=6, help="years from 2013 (default 6)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--late-share", type=float, default=0.05, help="share reported late")
    args = parser.parse_args(argv)
    councils, years, density = size_for(args.events, years=args.years)
    stream = generate_events(councils=councils, years=years, seed=args.seed, density=density)
    records = [dict(e) for e in stream]
    first = dt.date.fromisoformat(records[0]["date"])
    last = dt.date(2013 + years - 1, 12, 31)
    nights = _nights(first, last)
    print(
        f"{len(records):,} events, {councils} councils, {len(nights)} monthly nights "
        f"{nights[0]} to {last}, rulesets {', '.join(bundled_ids())}"
    )
    failed = False
    for share in (0.0, args.late_share):
        row = run_nights(records, nights, share, args.seed)
        failed = failed or bool(row["only_in_state"] or row["only_in_batch"])
        print(
            f"late share {share:.0%} ({row['late_events']:,} events late, "
            f"{row['replayed_nights']} nights replayed): {row['findings']:,} findings; "
            f"{row['only_in_state']} only in the state, {row['only_in_batch']} only in the "
            f"batch run ({row['seconds']} s)"
        )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
