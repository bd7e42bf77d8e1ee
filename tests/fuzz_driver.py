"""The long fuzz run (`make fuzz`): many cheap mutated inputs through every way in.

Hypothesis (tests/test_fuzz.py) shrinks what it finds, but its cost per example is too
high for a million inputs. This driver mutates a corpus instead (the example event
streams, the gallery of bad files, the regression files in tests/fuzz/, the rulesets of
the test suite) with byte noise, hostile tokens, splices and hostile field values, and
checks each result against the same laws, with the same functions as the hypothesis
targets:

- no exception escapes but the project's own `InputError`, whose every problem names
  the input and a line;
- in lenient mode, accepted + duplicates + rejected = records read;
- what loads or is accepted evaluates (every input for rulesets; a sample of the event
  inputs, `--evaluate-every`, since evaluating costs ten times what reading does);
- an event file read strictly raises located problems or accepts every record (every
  fourth JSON Lines or CSV input: strict and lenient reading are one reader with a flag).

Usage: python tests/fuzz_driver.py --inputs 1000000 [--jobs 2] [--seed N] [--only T].
`kill -TERM` to the worker processes stops a run early with its counts so far.
The inputs are shared between the targets by fixed weights. Each input is drawn from
its own seed (seed, target, index), so `--only T --start I --inputs 1` draws it again.
A failing input is written to --crashes (default .fuzz-crashes/) and named on stderr;
keep it under tests/fuzz/ as a regression once fixed. The exit status is 1 if any
input failed.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import datetime as dt
import heapq
import io
import json
import math
import multiprocessing
import os
import random
import re
import signal
import sys
import tempfile
import time
import traceback
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

import pandas as pd

import test_fuzz as laws
from sli_rules.engine.durable import unavailable_reason
from strategies import HOSTILE_SCALARS, LAWS_YAML

ROOT = Path(__file__).parents[1]
SHM = "/dev/shm"  # noqa: S108 - scratch files of fuzzed input, in a fresh private folder
TESTS = Path(__file__).parent

# target: its share of the inputs, in thousandths. The cheap readers take most; the
# targets that cost tens of milliseconds an input (a DataFrame, a Parquet file, a state
# file, two engines) fewer: the mix costs about 1.3 ms of CPU an input, so a million
# take about 22 CPU-minutes.
WEIGHTS: dict[str, int] = {
    "jsonl": 350,
    "csv": 220,
    "mappings": 270,
    "dataframe": 12,
    "parquet": 8,
    "ruleset": 135,
    "scenario": 3,
    "state": 1,
    "durable": 1,
}

# ------------------------------------------------------------------ corpus

TOKENS: tuple[bytes, ...] = (
    b"\r", b"\n", b"\r\n", b"\xff", b"\xc3", b"\xed\xa0\x80", b'"', b"'", b",", b"{", b"}",
    b"[", b"]", b":", b"\x00", b"\t", b"\xc2\x85", b"\xef\xbb\xbf", b"NaN", b"Infinity",
    b"-Infinity", b"-1", b"-100", b"1e+20", b"1e999", b"-0.0", b"\\ud800", b'"\\ud800"',
    b"9999-12-31", b"0001-01-01", b"2015-02-30", b"P9999Y", b"P0D", b"=cmd|' /C calc'!A0",
    b"null", b"true", b"\xef\xbc\x92\xef\xbc\x90", b"9" * 400, b"9" * 5000, b"[" * 1100,
    b'{"a":' * 600, b'"a": 1, "a": 2', b"&a [*a, *a, *a]", b"!!python/object:os.system",
    b"<<: *a", b"- ", b"  ", b"#", b"|", b">", b"%YAML 1.1\n", b"---\n", b"...\n",
    b"^(a+)+$", b"\\", b"\\u0000", b"E08000026", b"em-dcs-group", b"peer_days.given",
)  # fmt: skip
HUGE_CELL = b"x" * 140_000
YAML_VALUES: tuple[str, ...] = (
    "[fixed_date]", "{body: [lga]}", "[{a: 1}]", "P9999Y", "P" + "9" * 5000 + "D",
    "9" * 400, "9999-12-31", '"\\ud800"', "^(a+)+$", '"^(a+)+$"', ".nan", "-.inf", ".inf",
    "-100", "1e+20", "[]", "{}", "null", "~", "''", "&x [*x, *x]", "*nope", "!!binary aGk=",
    "2015-02-30", "0", "-1", "P100Y", "P101Y", "P1200M", "2101-01-01", "1899-12-31",
    "{ref: event.x}", "{parameter: nope}", "'E08000026\n'", "\uff12\uff10\uff11\uff15-03-31",
    "yes", "no", "0x10", "1_000", "[fixed_date, deadline]", "- a\n- b",
)  # fmt: skip


def _event_lines() -> list[bytes]:
    lines: list[bytes] = []
    for path in sorted((ROOT / "examples").glob("*.jsonl")):
        lines.extend(x for x in path.read_bytes().splitlines() if x.strip())
    return lines


def _files(*patterns: str) -> list[bytes]:
    out = []
    for pattern in patterns:
        out.extend(p.read_bytes() for p in sorted(TESTS.glob(pattern)))
    return out


class Corpus:
    def __init__(self) -> None:
        self.lines = _event_lines()
        self.records = [json.loads(x) for x in self.lines]
        self.jsonl = _files("gallery/events/*.jsonl", "fuzz/*.jsonl")
        self.csv = _files("gallery/events/*.csv", "fuzz/*.csv")
        self.rulesets = [
            LAWS_YAML.encode("utf-8"),
            *_files("gallery/rulesets/*.yaml", "fuzz/*.yaml"),
        ]


# ------------------------------------------------------------------ mutation


def noise(rng: random.Random, data: bytes, corpus: list[bytes], most: int = 4) -> bytes:
    """`data` with a few tokens inserted or written over, bytes flipped, ranges deleted
    or repeated, lines swapped, or a piece of another corpus file spliced in."""
    out = bytearray(data)
    for _ in range(rng.randint(1, most)):
        at = rng.randint(0, len(out))
        op = rng.randrange(8)
        if op == 0:
            out[at:at] = rng.choice(TOKENS)
        elif op == 1:
            token = rng.choice(TOKENS)
            out[at : at + len(token)] = token
        elif op == 2 and out:
            out[min(at, len(out) - 1)] ^= 1 << rng.randrange(8)
        elif op == 3:
            del out[at : at + rng.randint(1, 16)]
        elif op == 4:
            piece = bytes(out[at : at + rng.randint(1, 40)])
            out[at:at] = piece * rng.randint(1, 3)
        elif op == 5 and corpus:
            other = rng.choice(corpus)
            start = rng.randint(0, len(other))
            out[at:at] = other[start : start + rng.randint(1, 80)]
        elif op == 6:
            lines = bytes(out).split(b"\n")
            if len(lines) > 1:
                i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
                lines[i], lines[j] = lines[j], lines[i]
                out = bytearray(b"\n".join(lines))
        elif rng.random() < 0.02:
            out[at:at] = HUGE_CELL
    return bytes(out)


def hostile(rng: random.Random, depth: int = 0) -> Any:
    """A JSON- or YAML-like value, biased to those that once broke something."""
    roll = rng.randrange(10)
    if roll < 5:
        return rng.choice(HOSTILE_SCALARS)
    if roll == 5:
        return rng.choice([rng.randint(-(10**6), 10**6), rng.randint(-(2**70), 2**70)])
    if roll == 6:
        return rng.choice([rng.uniform(-1e6, 1e6), rng.random(), 10.0 ** rng.randint(-5, 300)])
    if roll == 7:
        return "".join(chr(rng.choice([rng.randint(32, 126), rng.randint(0, 0x2FFF)]))
                       for _ in range(rng.randint(0, 10)))  # fmt: skip
    if depth > 2:
        return None
    if roll == 8:
        return [hostile(rng, depth + 1) for _ in range(rng.randint(0, 3))]
    return {str(hostile(rng, 3)): hostile(rng, depth + 1) for _ in range(rng.randint(0, 3))}


def records(rng: random.Random, corpus: Corpus) -> list[dict[str, Any]]:
    """A run of consecutive example records with some fields replaced, dropped or added,
    and perhaps an exact copy of one of them."""
    start = rng.randrange(len(corpus.records))
    out = [dict(r) for r in corpus.records[start : start + rng.randint(0, 8)]]
    for _ in range(rng.randint(0, 4)):
        if not out:
            break
        record = rng.choice(out)
        key = rng.choice([*record, "extra", "days", "team", "council", "date"])
        if rng.randrange(6) == 0:
            record.pop(key, None)
        else:
            record[key] = hostile(rng)
    if out and rng.random() < 0.3:
        out.append(dict(rng.choice(out)))
    return out


def _json(value: Any) -> str:
    return json.dumps(value, default=str, ensure_ascii=False)


def jsonl_data(rng: random.Random, corpus: Corpus) -> bytes:
    roll = rng.randrange(3)
    if roll == 0:
        start = rng.randrange(len(corpus.lines))
        data = b"\n".join(corpus.lines[start : start + rng.randint(1, 10)]) + b"\n"
    elif roll == 1:
        text = "".join(_json(r) + "\n" for r in records(rng, corpus))
        data = text.encode("utf-8", "surrogatepass")
    else:
        data = rng.choice(corpus.jsonl)
    return noise(rng, data, corpus.lines) if rng.random() < 0.75 else data


def csv_data(rng: random.Random, corpus: Corpus) -> bytes:
    if rng.random() < 0.3:
        data = rng.choice(corpus.csv)
    else:
        rows = records(rng, corpus)
        header = list(dict.fromkeys(k for r in rows for k in r)) or ["id"]
        buffer = io.StringIO(newline="")
        writer = csv.writer(buffer)
        writer.writerow(header)
        for r in rows:
            writer.writerow(
                [
                    _json(r[k]) if isinstance(r.get(k), (list, dict)) else r.get(k, "")
                    for k in header
                ]
            )
        data = buffer.getvalue().encode("utf-8", "surrogatepass")
    return noise(rng, data, corpus.csv) if rng.random() < 0.75 else data


_SURROGATES = re.compile("[\ud800-\udfff]")


def _printable(value: Any) -> Any:
    """`value` without lone surrogates, which pandas itself cannot hold as text."""
    if isinstance(value, str):
        return _SURROGATES.sub("?", value)
    if isinstance(value, dict):
        return {_printable(k): _printable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_printable(v) for v in value]
    return value


_PARQUET_COLUMNS: dict[str, Callable[[random.Random], Any]] = {
    "id": lambda r: r.choice(["ev-1", "ev-2", "ev-3", "", "=x", "\x85"]),
    "type": lambda r: r.choice(["peer_days.given", "summit.held", "nope", ""]),
    "date": lambda r: r.choice(
        ["2015-05-01", "2015-02-30", "9999-12-31", "", None, "\uff12015-05-01", "2015-05-01\n"]
    ),
    "council": lambda r: r.choice(["E08000026", "em-dcs-group", "E0800002", "", None]),
    "days": lambda r: r.choice(
        [1.0, 0.5, -100.0, math.nan, math.inf, -math.inf, 1e20, None, 5.0, 3.5]
    ),
    "role": lambda r: r.choice([None, "peer", "lead", "", "x" * r.randint(0, 40)]),
}


# ------------------------------------------------------------------ targets


class Run:
    """One worker's state: the corpus, a scratch folder, the base state file."""

    def __init__(self, folder: Path, every: int) -> None:
        self.corpus = Corpus()
        self.folder = folder
        self.every = every
        self.base_state: bytes | None = None
        (folder / "laws.yaml").write_text(LAWS_YAML, encoding="utf-8")
        (folder / "events").mkdir()
        (folder / "events" / "ok.jsonl").write_bytes(b"\n".join(self.corpus.lines[:20]) + b"\n")
        self.parquet_seed = folder / "seed.parquet"
        pd.DataFrame.from_records(
            [{k: f(random.Random(i)) for k, f in _PARQUET_COLUMNS.items()} for i in range(6)]  # noqa: S311
        ).to_parquet(self.parquet_seed)

    # Each target draws an input, keeps it in `self.kept` (what a crash saves), checks it.

    def jsonl(self, rng: random.Random, i: int) -> None:
        data = jsonl_data(rng, self.corpus)
        self.kept = (".jsonl", data)
        path = self.folder / "events.jsonl"
        path.write_bytes(data)
        laws.check_event_file(
            path, laws.records_in_jsonl(data), evaluates=i % self.every == 0, strictly=i % 4 == 0
        )

    def csv(self, rng: random.Random, i: int) -> None:
        data = csv_data(rng, self.corpus)
        self.kept = (".csv", data)
        path = self.folder / "events.csv"
        path.write_bytes(data)
        laws.check_event_file(path, None, evaluates=i % self.every == 0, strictly=i % 4 == 0)

    def mappings(self, rng: random.Random, i: int) -> None:
        rows = records(rng, self.corpus)
        self.kept = (".records.json", _json(rows).encode("utf-8", "surrogatepass"))
        laws.check_records(rows, rows, evaluates=i % self.every == 0)

    def dataframe(self, rng: random.Random, i: int) -> None:
        rows = _printable(records(rng, self.corpus))
        self.kept = (".records.json", _json(rows).encode("utf-8"))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            frame = pd.DataFrame.from_records(rows) if rows else pd.DataFrame()
        laws.check_records(rows, frame, evaluates=i % self.every == 0)

    def parquet(self, rng: random.Random, i: int) -> None:
        path = self.folder / "events.parquet"
        if rng.random() < 0.3:  # a damaged file
            data = noise(rng, self.parquet_seed.read_bytes(), [], most=3)
            self.kept = (".parquet", data)
            path.write_bytes(data)
            laws.check_event_file(path, None, evaluates=i % self.every == 0)
            return
        rows = [
            {k: f(rng) for k, f in _PARQUET_COLUMNS.items() if rng.random() < 0.9}
            for _ in range(rng.randint(0, 8))
        ]
        self.kept = (".records.json", _json(rows).encode("utf-8"))
        frame = pd.DataFrame.from_records(rows) if rows else pd.DataFrame()
        frame.to_parquet(path)
        self.kept = (".parquet", path.read_bytes())
        laws.check_records(rows, path, evaluates=i % self.every == 0)

    def ruleset(self, rng: random.Random, i: int) -> None:
        del i
        text = rng.choice(self.corpus.rulesets)
        if rng.random() < 0.6:  # a field's value replaced by a hostile one
            lines = text.split(b"\n")
            keyed = [n for n, x in enumerate(lines) if b": " in x]
            for _ in range(rng.randint(1, 2)):
                n = rng.choice(keyed)
                head = lines[n].split(b": ", 1)[0]
                lines[n] = head + b": " + rng.choice(YAML_VALUES).encode("utf-8", "surrogatepass")
            text = b"\n".join(lines)
        if rng.random() < 0.6:
            text = noise(rng, text, self.corpus.rulesets, most=3)
        self.kept = (".yaml", text)
        decoded = text.decode("utf-8", "surrogateescape" if rng.random() < 0.1 else "replace")
        laws.check_ruleset_text(decoded, "fuzz.yaml")

    def scenario(self, rng: random.Random, i: int) -> None:
        del i
        events_file = rng.choice(
            ["events/ok.jsonl", "events/missing.jsonl", "../outside.jsonl", "/etc/hostname",
             "events", "", "[]", "events/../events/ok.jsonl", "link.jsonl"]
        )  # fmt: skip
        if not (self.folder / "link.jsonl").is_symlink():
            (self.folder / "link.jsonl").symlink_to("/etc/hostname")
        text = laws.SCENARIO_FILE.format(
            ruleset=rng.choice(["laws.yaml", "missing.yaml", "[]", "../laws.yaml"]),
            as_of=rng.choice(["2016-06-30", "9999-12-31", "[2016-06-30, 2014-01-01]", "x"]),
            events_file=events_file,
            date=rng.choice(["2015-01-10", "2015-02-30", "null", "{}", "9999-12-31"]),
            council=rng.choice(["E08000026", "E0800002", "[]"]),
            rule=rng.choice(["feedback", "nope", "{a: 1}"]),
            status=rng.choice(["fulfilled", "breached", "nope", "[]"]),
        ).encode("utf-8")
        if rng.random() < 0.5:
            text = noise(rng, text, [], most=3)
        self.kept = (".scenario.yaml", text)
        path = self.folder / "fuzz.scenario.yaml"
        path.write_bytes(text)
        laws.check_scenario_file(path)

    def state(self, rng: random.Random, i: int) -> None:
        del i
        if self.base_state is None:
            self.base_state = laws._base_state(self.folder)
        damage = rng.choice(laws.STATE_DAMAGE)
        blob: bytes | str = rng.choice(
            [rng.randbytes(rng.randint(0, 40)), rng.choice(laws.STATE_BLOBS)]
        )
        flips = [rng.randint(0, 10**6) for _ in range(rng.randint(0, 3))]
        show = rng.random() < 0.3
        shown = blob.hex() if isinstance(blob, bytes) else blob
        self.kept = (".state.json", json.dumps([damage, shown, flips, show]).encode())
        folder = self.folder / "state"
        folder.mkdir(exist_ok=True)
        laws.check_damaged_state(self.base_state, folder, damage, blob, flips, show)

    def durable(self, rng: random.Random, i: int) -> None:
        del i
        rows = records(rng, self.corpus)
        as_of = rng.choice([laws.AS_OF, dt.date(2014, 3, 31), dt.date(2030, 12, 31)])
        self.kept = (".records.json", _json(rows).encode("utf-8", "surrogatepass"))
        laws.check_engines_agree(rows, as_of)


# ------------------------------------------------------------------ running


def shares(total: int, only: list[str]) -> dict[str, int]:
    """`total` inputs shared between the targets by weight (largest remainders)."""
    weights = {t: w for t, w in WEIGHTS.items() if not only or t in only}
    if "durable" in weights and unavailable_reason() is not None:
        print(f"note: durable target left out: {unavailable_reason()}", file=sys.stderr)
        del weights["durable"]
    whole = sum(weights.values())
    exact = {t: total * w / whole for t, w in weights.items()}
    out = {t: int(x) for t, x in exact.items()}
    for t in sorted(exact, key=lambda t: out[t] - exact[t])[: total - sum(out.values())]:
        out[t] += 1
    return out


STOP = False
"""Set by SIGTERM in a worker: it stops after the input in hand and reports its counts."""


def _stop(signum: int, frame: object) -> None:
    del signum, frame
    global STOP  # noqa: PLW0603 - the one flag a signal handler can set
    STOP = True


def _inputs(target: str, count: int, start: int, step: int) -> Iterator[tuple[float, str, int]]:
    """A worker's inputs of one target, each with how far into the target's share it is."""
    for i in range(start, count, step):
        yield i / count, target, i


def work(job: tuple[int, int, int, int, dict[str, int], str, int]) -> dict[str, Any]:
    """One worker: inputs start, start+step, ... of each target's count, the targets
    interleaved by their shares so that a run stopped early (SIGTERM to the workers) has
    covered every target in proportion, and reports what it did."""
    seed, start, step, every, counts, crashes, report_every = job
    signal.signal(signal.SIGTERM, _stop)
    stats = {t: [0, 0, 0.0, 0.0] for t in counts}  # inputs, failed, seconds, slowest
    order = heapq.merge(*(_inputs(t, count, start, step) for t, count in counts.items()))
    shm = SHM if os.access(SHM, os.W_OK) else None  # files in memory cost less to write
    with tempfile.TemporaryDirectory(prefix="sli-fuzz-", dir=shm) as scratch:
        run = Run(Path(scratch), every)
        checks = {t: getattr(run, t) for t in counts}
        failures = 0
        began = time.perf_counter()
        for done, (_, target, i) in enumerate(order, start=1):
            if STOP:
                break
            rng = random.Random(f"{seed}:{target}:{i}")  # noqa: S311 - not for secrets
            t0 = time.perf_counter()
            try:
                checks[target](rng, i)
            except Exception as exc:
                stats[target][1] += 1
                failures += 1
                _save(crashes, target, seed, i, run.kept, exc)
            took = time.perf_counter() - t0
            row = stats[target]
            row[0] += 1
            row[2] += took
            row[3] = max(row[3], took)
            if done % report_every == 0:  # a partial record as the run goes
                print(
                    f"  worker {start}: {done:,} inputs in "
                    f"{time.perf_counter() - began:,.0f} s, {failures:,} failed",
                    file=sys.stderr,
                    flush=True,
                )
    return {t: tuple(row) for t, row in stats.items()}


def _save(
    folder: str, target: str, seed: int, i: int, kept: tuple[str, bytes], exc: BaseException
) -> None:
    suffix, data = kept
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{target}-{seed}-{i}{suffix}"
    path.write_bytes(data)
    tb = "".join(traceback.format_exception(exc)[-3:])
    tb = tb if len(tb) < 2000 else tb[:1000] + " ... " + tb[-900:]
    path.with_name(path.name + ".txt").write_text(tb, encoding="utf-8", errors="replace")
    print(f"FAILED {target} input {i} (seed {seed}): {path}\n{tb}", file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--inputs", type=int, default=10_000, help="inputs in all")
    parser.add_argument("--jobs", type=int, default=1, help="worker processes")
    parser.add_argument("--seed", type=int, default=None, help="default: from the clock")
    parser.add_argument("--only", action="append", choices=list(WEIGHTS), default=[])
    parser.add_argument("--start", type=int, default=0, help="first input index per target")
    parser.add_argument(
        "--evaluate-every",
        type=int,
        default=100,
        metavar="K",
        help="evaluate and render the accepted events of every K-th event input",
    )
    parser.add_argument("--crashes", default=".fuzz-crashes")
    args = parser.parse_args(argv)
    seed = args.seed if args.seed is not None else int(time.time())
    counts = shares(args.inputs, args.only)
    if args.start:
        counts = {t: c + args.start for t, c in counts.items()}
    jobs = max(1, args.jobs)
    report_every = max(1000, args.inputs // (100 * jobs))
    print(
        f"==> fuzz: {args.inputs:,} inputs, seed {seed}, {jobs} job(s); "
        + ", ".join(f"{t} {c:,}" for t, c in counts.items()),
        flush=True,
    )
    began = time.perf_counter()
    plan = [
        (seed, args.start + k, jobs, args.evaluate_every, counts, args.crashes, report_every)
        for k in range(jobs)
    ]
    if jobs == 1:
        parts = [work(plan[0])]
    else:
        with multiprocessing.get_context("fork").Pool(jobs) as pool:
            parts = pool.map(work, plan)
    elapsed = time.perf_counter() - began
    total = failed = 0
    heads = ("inputs", "failed", "seconds", "per input", "slowest")
    print(f"{'target':<10} {heads[0]:>10} {heads[1]:>7} {heads[2]:>9} {heads[3]:>10} {heads[4]:>8}")
    for target in counts:
        n = sum(p[target][0] for p in parts)
        f = sum(p[target][1] for p in parts)
        secs = sum(p[target][2] for p in parts)
        slow = max(p[target][3] for p in parts)
        total += n
        failed += f
        per = f"{secs / n * 1000:.2f} ms" if n else "-"
        print(f"{target:<10} {n:>10,} {f:>7,} {secs:>9.1f} {per:>10} {slow:>7.2f}s")
    stopped = (
        f" (stopped early: {sum(counts.values()) - total:,} not run)"
        if total < sum(counts.values())
        else ""
    )
    print(
        f"==> fuzz: {total:,} inputs in {elapsed:,.0f} s ({elapsed / 60:.1f} min) on {jobs} "
        f"job(s), seed {seed}: {failed:,} failed"
        + (f" (see {args.crashes}/)" if failed else "")
        + stopped,
        flush=True,
    )
    return 1 if failed else 0


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        sys.exit(main())
    sys.exit(130)
