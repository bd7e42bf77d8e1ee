"""The sli-rules benchmark: evaluating every bundled ruleset over a national-scale stream.

    python benchmarks/run.py [--events N] [--councils C] [--years Y] [--seed S] [--json PATH]

It writes a seeded synthetic stream once (benchmarks/generate.py, in a child process,
cached by its parameters in the temp directory), then measures in this one process, one
phase after another:

  load       load and validate all bundled rulesets (best of a few, warm caches), and
             the same once in a fresh interpreter (cold: reading the registry and the
             event catalogue too)
  parse      read and validate the stream only (`read_events`)
  reference  the reference engine end to end: read, validate and evaluate all bundled
             rulesets as of the stream's last day
  durable    the durable-rules engine on a slice, if this sli-rules offers it and it
             runs here; otherwise the reason it does not
  streaming  the Session API fed month by month over a stream of N events and over one
             ten times longer (same councils, ten times the years), with the peak memory
             traced by tracemalloc for each: flat means memory does not grow with history

Each phase reports wall-clock and CPU seconds (CPU time is steadier on a shared machine)
and the peak resident memory it reached. The table ends with the targets of issue 6.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import hashlib
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import generate  # noqa: E402 (the generator sits beside this script)

import sli_rules  # noqa: E402

CACHE = Path(tempfile.gettempdir()) / "sli-rules-bench"  # generated streams, kept for reruns
TARGET_RATIO = 2.0  # reference end to end at most 2x parse and validate
TARGET_LOAD_MS = 100.0
TARGET_DURABLE = 20.0  # reference events/s at least 20x durable's
TARGET_STREAM = 1.5  # "does not grow": 10x the history, at most this much more memory


# ------------------------------------------------------------------ measuring


@dataclass
class Timing:
    wall: float = 0.0
    cpu: float = 0.0
    peak_rss_mb: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def _reset_peak_rss() -> bool:
    """Reset the kernel's high-water mark of this process's RSS (Linux 4.0+)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def _peak_rss_mb() -> float:
    """The peak RSS since the last reset (VmHWM), or since the start (ru_maxrss)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return _maxrss_mb()


def _maxrss_mb() -> float:
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / (1024 * 1024) if sys.platform == "darwin" else rss / 1024


def timed(fn: Callable[[], Any]) -> tuple[Any, Timing]:
    gc.collect()
    resettable = _reset_peak_rss()
    c0, w0 = time.process_time(), time.perf_counter()
    result = fn()
    t = Timing(time.perf_counter() - w0, time.process_time() - c0)
    t.peak_rss_mb = _peak_rss_mb() if resettable else None
    return result, t


# ------------------------------------------------------------------ the input


def _generator_digest() -> str:
    return hashlib.sha256((HERE / "generate.py").read_bytes()).hexdigest()[:10]


def stream_file(councils: int, years: int, seed: int, density: float) -> Path:
    """The stream for these parameters, generated once (in a child process) and cached."""
    CACHE.mkdir(parents=True, exist_ok=True)
    name = f"c{councils}-y{years}-s{seed}-d{density:.4f}-{_generator_digest()}.jsonl"
    path = CACHE / name
    if path.exists():
        return path
    for stale in CACHE.glob("*.jsonl"):  # streams from an earlier generator
        if not stale.stem.split("-head")[0].endswith(_generator_digest()):
            stale.unlink(missing_ok=True)
    part = path.with_suffix(".part")
    cmd = [
        sys.executable,
        str(HERE / "generate.py"),
        str(part),
        f"--councils={councils}",
        f"--years={years}",
        f"--seed={seed}",
        f"--density={density}",
    ]
    t0 = time.perf_counter()
    print(f"generating {path.name} ...", end=" ", flush=True)
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)  # noqa: S603 (fixed argv)
    part.replace(path)
    print(f"{time.perf_counter() - t0:.0f} s", flush=True)
    return path


def head_file(path: Path, n: int) -> Path:
    """The first `n` events of a stream (the earliest, as the stream is date-ordered)."""
    out = path.with_name(f"{path.stem}-head{n}.jsonl")
    if not out.exists():
        part = out.with_suffix(".part")
        with path.open(encoding="utf-8") as src, part.open("w", encoding="utf-8") as dst:
            for i, line in enumerate(src):
                if i >= n:
                    break
                dst.write(line)
        part.replace(out)
    return out


def last_date(path: Path) -> dt.date:
    """The date of the stream's last event (it is written in date order)."""
    with path.open("rb") as fh:
        fh.seek(0, os.SEEK_END)
        size = fh.tell()
        fh.seek(max(0, size - 65536))
        lines = fh.read().splitlines()
    return dt.date.fromisoformat(json.loads(lines[-1])["date"])


def count_lines(path: Path) -> int:
    with path.open("rb") as fh:
        return sum(1 for _ in fh)


# ------------------------------------------------------------------ the phases


def phase_load(repeats: int = 5) -> dict[str, Any]:
    ids = sli_rules.bundled_ids()

    def load_all() -> list[sli_rules.Ruleset]:
        return [sli_rules.load_ruleset(i) for i in ids]

    rulesets = load_all()  # warms the registry and catalogue caches
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        load_all()
        best = min(best, time.perf_counter() - t0)
    code = (
        "import time, sli_rules\n"
        "ids = sli_rules.bundled_ids()\n"
        "t0 = time.perf_counter()\n"
        "for i in ids: sli_rules.load_ruleset(i)\n"
        "print(time.perf_counter() - t0)\n"
    )
    colds: list[float] = []
    for _ in range(3):  # each in a fresh interpreter: the best of three
        try:
            out = subprocess.run(  # noqa: S603 (fixed argv)
                [sys.executable, "-c", code], check=True, capture_output=True, text=True
            )
            colds.append(float(out.stdout.strip().splitlines()[-1]) * 1000)
        except (subprocess.CalledProcessError, ValueError, IndexError):
            break
    cold = min(colds) if colds else None
    return {"ids": ids, "rulesets": rulesets, "load_ms": best * 1000, "load_cold_ms": cold}


def phase_parse(path: Path) -> tuple[dict[str, Any], Timing]:
    def run() -> dict[str, Any]:
        intake = sli_rules.read_events(path, lenient=True)
        out = {
            "events": len(intake.events),
            "rejected": len(intake.rejected),
            "first_rejected": str(intake.rejected[0]) if intake.rejected else None,
        }
        del intake
        return out

    return timed(run)


def phase_reference(
    rulesets: Sequence[sli_rules.Ruleset], path: Path, as_of: dt.date
) -> tuple[dict[str, Any], Timing]:
    def run() -> dict[str, Any]:
        report = sli_rules.evaluate(list(rulesets), path, as_of=as_of, lenient=True)
        kinds = Counter(f.kind for f in report.findings)
        return {"findings": len(report.findings), "kinds": dict(sorted(kinds.items()))}

    return timed(run)


def phase_durable(rulesets: Sequence[sli_rules.Ruleset], path: Path, n: int) -> dict[str, Any]:
    """The durable engine on the first `n` events, beside the reference engine on them."""
    try:
        sli_rules.evaluate(list(rulesets), [], as_of=dt.date(2013, 1, 1), engine="durable")
    except Exception as exc:
        reason = " ".join(str(exc).split()) or type(exc).__name__
        return {"available": False, "reason": reason}
    sliced = head_file(path, n)
    as_of = last_date(sliced)
    events = count_lines(sliced)
    ref, t_ref = timed(
        lambda: sli_rules.evaluate(list(rulesets), sliced, as_of=as_of, lenient=True)
    )
    try:
        dur, t_dur = timed(
            lambda: sli_rules.evaluate(
                list(rulesets), sliced, as_of=as_of, lenient=True, engine="durable"
            )
        )
    except Exception as exc:
        return {"available": False, "reason": f"failed on the slice: {exc}"}
    return {
        "available": True,
        "events": events,
        "durable": t_dur,
        "reference": t_ref,
        "identical": list(ref.findings) == list(dur.findings),
        "matching": _matching_only(rulesets, sliced),
    }


def _matching_only(rulesets: Sequence[sli_rules.Ruleset], path: Path) -> dict[str, Any]:
    """Only the step the two engines do differently: matching events to the plan's hooks.

    Each engine's matcher (the `matcher` of a session opened with it) is run over the
    same parsed events; the bookkeeping both engines share is left out.
    """
    plan = sli_rules.compile_rulesets(list(rulesets))
    events = sorted(sli_rules.read_events(path, lenient=True).events, key=lambda e: (e.date, e.id))
    out: dict[str, Any] = {"events": len(events)}
    hooks: dict[str, list[set[int]]] = {}
    for engine in ("reference", "durable"):
        match = sli_rules.open_session(plan, engine=engine).matcher.match
        got: list[set[int]] = []

        def run(match: Callable[[Any], Any] = match, got: list[set[int]] = got) -> None:
            for e in events:
                got.append({id(h) for h in match(e)})

        _, t = timed(run)
        out[engine] = t
        hooks[engine] = got
    out["identical"] = hooks["reference"] == hooks["durable"]
    return out


def _months(path: Path) -> Iterator[tuple[dt.date, list[dict[str, Any]]]]:
    """The stream's records grouped by calendar month, in order, read lazily."""
    month: tuple[int, int] | None = None
    chunk: list[dict[str, Any]] = []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            record = json.loads(line)
            key = (int(record["date"][:4]), int(record["date"][5:7]))
            if month is not None and key != month and chunk:
                yield _month_end(*month), chunk
                chunk = []
            month = key
            chunk.append(record)
    if month is not None and chunk:
        yield _month_end(*month), chunk


def _month_end(year: int, month: int) -> dt.date:
    nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
    return nxt - dt.timedelta(days=1)


def _held(session: sli_rules.Session) -> dict[str, int]:
    """How many things of each kind the session's state holds (whatever it has)."""
    out: Counter[str] = Counter()
    for st in getattr(session.state, "rulesets", []):
        for name in ("instances", "tallies", "fixed", "limits", "ladders", "entitlements"):
            value = getattr(st, name, None)
            if value is not None:
                out[name] += len(value)
    return dict(out)


def phase_streaming(plan: sli_rules.Plan, path: Path) -> dict[str, Any]:
    """Feed the Session month by month, tracing the peak memory of the whole loop."""
    gc.collect()
    tracemalloc.start()
    tracemalloc.reset_peak()
    c0, w0 = time.process_time(), time.perf_counter()
    session = sli_rules.open_session(plan)
    events = drained = 0
    for month_end, records in _months(path):
        intake = sli_rules.read_events(records, lenient=True)
        session.feed(intake.events)
        session.advance(month_end)
        # a pipeline writes out what can no longer change, and the session forgets it
        drained += len(session.drain())
        events += len(intake.events)
        del intake, records
    wall, cpu = time.perf_counter() - w0, time.process_time() - c0
    current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    held = _held(session)
    del session
    return {
        "events": events,
        "peak_mb": peak / 2**20,
        "end_mb": current / 2**20,
        "wall": wall,
        "cpu": cpu,
        "held": held,
        "drained": drained,
    }


# ------------------------------------------------------------------ reporting


def machine() -> dict[str, Any]:
    cpu = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem = round(int(line.split()[1]) / 2**20, 1)
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": mem,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "sli_rules": sli_rules.__version__,
    }


def _fmt(x: float | None, spec: str = ".1f") -> str:
    return "-" if x is None else format(x, spec)


def _rate(events: int, seconds: float) -> str:
    return f"{events / seconds:,.0f}" if seconds > 0 else "-"


def _round(x: float | None, digits: int = 1) -> float | None:
    return None if x is None else round(x, digits)


def _verdict(ok: bool | None) -> str:
    return "n/a" if ok is None else ("met" if ok else "NOT MET")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Benchmark sli-rules over a synthetic national event stream."
    )
    parser.add_argument("--events", type=int, default=None, help="about N events (default ~1M)")
    parser.add_argument("--councils", type=int, default=None, help="councils (default 400)")
    parser.add_argument("--years", type=int, default=10, help="years from 2013 (default 10)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    parser.add_argument(
        "--durable-events", type=int, default=20_000, help="slice for the durable engine"
    )
    parser.add_argument(
        "--stream-events",
        type=int,
        default=None,
        help="N for the streaming memory check: N and 10N events (default 20,000, or a "
        "tenth of the main stream if that is smaller; 0 skips it)",
    )
    parser.add_argument(
        "--stream-councils", type=int, default=20, help="councils in the streaming check"
    )
    args = parser.parse_args(argv)

    if args.events is not None:
        councils, years, density = generate.size_for(args.events, args.councils, args.years)
    else:
        councils, years, density = args.councils or 400, args.years, 1.0
    info = machine()
    load_before = os.getloadavg()[0]
    print(
        f"sli-rules {info['sli_rules']} on {info['cpu']} ({info['cores']} cores), "
        f"Python {info['python']}; load average {load_before:.2f}"
    )
    path = stream_file(councils, years, args.seed, density)
    as_of = last_date(path)
    small = large = None
    rate = generate.EVENTS_PER_COUNCIL_YEAR
    stream_n = args.stream_events
    if stream_n is None:
        stream_n = min(20_000, round((args.events or councils * years * rate) / 10))
    if stream_n > 0:
        y_small = max(1, round(stream_n / (args.stream_councils * rate)))
        small = stream_file(args.stream_councils, y_small, args.seed, 1.0)
        large = stream_file(args.stream_councils, y_small * 10, args.seed, 1.0)

    print("load ...", end=" ", flush=True)
    load = phase_load()
    rulesets = load["rulesets"]
    print(f"{load['load_ms']:.1f} ms\nparse ...", end=" ", flush=True)
    parsed, t_parse = phase_parse(path)
    n = parsed["events"]
    print(f"{t_parse.wall:.1f} s\nreference ...", end=" ", flush=True)
    ref, t_ref = phase_reference(rulesets, path, as_of)
    print(f"{t_ref.wall:.1f} s\ndurable ...", end=" ", flush=True)
    durable = phase_durable(rulesets, path, min(args.durable_events, n))
    print("done" if durable["available"] else "not available", flush=True)
    streams: list[dict[str, Any]] = []
    if small is not None and large is not None:
        plan = sli_rules.compile_rulesets(rulesets)
        for p in (small, large):
            print(f"streaming {p.name} ...", end=" ", flush=True)
            streams.append(phase_streaming(plan, p))
            print(f"{streams[-1]['wall']:.1f} s", flush=True)
    # resetting the high-water mark between phases resets ru_maxrss too: take the largest
    phase_peaks = [t.peak_rss_mb for t in (t_parse, t_ref) if t.peak_rss_mb is not None]
    if durable["available"]:
        phase_peaks += [
            t.peak_rss_mb
            for t in (durable["durable"], durable["reference"])
            if t.peak_rss_mb is not None
        ]
    peak_rss = max([_maxrss_mb(), *phase_peaks])
    load_after = os.getloadavg()[0]

    # -- the table
    ratio = t_ref.wall / t_parse.wall if t_parse.wall else None
    ratio_cpu = t_ref.cpu / t_parse.cpu if t_parse.cpu else None
    print()
    print(
        f"{n:,} events ({councils} councils x {years} years from {generate.START_YEAR}, "
        f"seed {args.seed}, density {density:.2f}), as of {as_of}; "
        f"rulesets: {', '.join(load['ids'])}"
    )
    if parsed["rejected"]:
        print(f"WARNING: {parsed['rejected']} events rejected, e.g. {parsed['first_rejected']}")
    head = f"{'phase':<34}{'wall s':>9}{'cpu s':>9}{'events/s':>12}{'peak RSS MB':>13}"
    print(head)
    print("-" * len(head))
    print(
        f"{'parse + validate':<34}{t_parse.wall:>9.1f}{t_parse.cpu:>9.1f}"
        f"{_rate(n, t_parse.wall):>12}{_fmt(t_parse.peak_rss_mb, ',.0f'):>13}"
    )
    print(
        f"{'reference engine, end to end':<34}{t_ref.wall:>9.1f}{t_ref.cpu:>9.1f}"
        f"{_rate(n, t_ref.wall):>12}{_fmt(t_ref.peak_rss_mb, ',.0f'):>13}"
    )
    durable_rate = None
    if durable["available"]:
        td, tr, dn = durable["durable"], durable["reference"], durable["events"]
        durable_rate = dn / td.wall if td.wall else None
        label = f"durable engine ({dn:,}-event slice)"
        print(
            f"{label:<34}{td.wall:>9.1f}{td.cpu:>9.1f}"
            f"{_rate(dn, td.wall):>12}{_fmt(td.peak_rss_mb, ',.0f'):>13}"
        )
        label = "reference on the same slice"
        print(
            f"{label:<34}{tr.wall:>9.1f}{tr.cpu:>9.1f}"
            f"{_rate(dn, tr.wall):>12}{_fmt(tr.peak_rss_mb, ',.0f'):>13}"
        )
        print(f"  same findings from both engines on the slice: {durable['identical']}")
        m = durable["matching"]
        for engine in ("reference", "durable"):
            label = f"matching only, {engine} matcher"
            t = m[engine]
            print(
                f"{label:<34}{t.wall:>9.2f}{t.cpu:>9.2f}{_rate(m['events'], t.wall):>12}"
                f"{_fmt(t.peak_rss_mb, ',.0f'):>13}"
            )
        print(f"  same hooks from both matchers: {m['identical']}")
    else:
        print(f"durable: not available ({durable['reason']})")
    print(
        f"{'ruleset load + validate, all':<34}"
        f"{load['load_ms']:>8.1f} ms (best of 5, warm); "
        f"{_fmt(load['load_cold_ms'])} ms in a fresh interpreter (best of 3)"
    )
    for label, s in zip(("N", "10N"), streams, strict=False):
        held = ", ".join(f"{v:,} {k}" for k, v in sorted(s["held"].items()))
        print(
            f"{'streaming ' + label + ' (' + format(s['events'], ',') + ' events)':<34}"
            f"{s['wall']:>9.1f}{s['cpu']:>9.1f}{_rate(s['events'], s['wall']):>12}"
            f"   peak traced {s['peak_mb']:.1f} MB, held at the end {s['end_mb']:.1f} MB"
        )
        print(f"{'':<34}state holds {held}")
    print(f"{'peak RSS of the whole run':<34}{peak_rss:>43,.0f} MB")
    print(f"findings as of {as_of}: {ref['findings']:,} {ref['kinds']}")
    print(f"load average {load_before:.2f} before, {load_after:.2f} after (2 would fill 2 cores)")

    stream_ratio = streams[1]["peak_mb"] / streams[0]["peak_mb"] if len(streams) == 2 else None
    events_ratio = streams[1]["events"] / streams[0]["events"] if len(streams) == 2 else None
    durable_x = (n / t_ref.wall) / durable_rate if durable_rate else None
    matching_x = None
    if durable["available"]:
        m = durable["matching"]
        if m["reference"].wall > 0:
            matching_x = m["durable"].wall / m["reference"].wall
    # judged on the worse of wall and CPU time, as either can be skewed on a busy machine
    ratio_ok = None if ratio is None else max(ratio, ratio_cpu or 0.0) <= TARGET_RATIO
    print()
    print("targets (issue 6)")
    print(
        f"  reference / parse time <= {TARGET_RATIO:g}   {_fmt(ratio, '.2f')} wall, "
        f"{_fmt(ratio_cpu, '.2f')} cpu   {_verdict(ratio_ok)}"
    )
    print(
        f"  reference >= {TARGET_DURABLE:g}x durable events/s   {_fmt(durable_x, '.1f')}   "
        f"{_verdict(None if durable_x is None else durable_x >= TARGET_DURABLE)}"
        f"   (matching alone: {_fmt(matching_x, '.1f')}x)"
    )
    print(
        f"  ruleset load < {TARGET_LOAD_MS:g} ms   {load['load_ms']:.1f} warm, "
        f"{_fmt(load['load_cold_ms'])} cold   {_verdict(load['load_ms'] < TARGET_LOAD_MS)}"
        f" warm, {_verdict(None if load['load_cold_ms'] is None else load['load_cold_ms'] < 100)}"
        " cold"
    )
    print(
        f"  streaming memory flat at 10x history   peak x{_fmt(stream_ratio, '.2f')} for "
        f"x{_fmt(events_ratio, '.1f')} events   "
        f"{_verdict(None if stream_ratio is None else stream_ratio <= TARGET_STREAM)}"
    )

    if args.json is not None:
        data: dict[str, Any] = {
            "events": n,
            "parse_s": round(t_parse.wall, 3),
            "reference_s": round(t_ref.wall, 3),
            "durable_events": durable["events"] if durable["available"] else None,
            "durable_s": round(durable["durable"].wall, 3) if durable["available"] else None,
            "peak_rss_mb": round(peak_rss, 1),
            "load_ms": round(load["load_ms"], 2),
            # extras
            "load_cold_ms": None
            if load["load_cold_ms"] is None
            else round(load["load_cold_ms"], 2),
            "councils": councils,
            "years": years,
            "seed": args.seed,
            "density": round(density, 4),
            "as_of": as_of.isoformat(),
            "rulesets": load["ids"],
            "rejected": parsed["rejected"],
            "findings": ref["findings"],
            "finding_kinds": ref["kinds"],
            "parse_cpu_s": round(t_parse.cpu, 3),
            "reference_cpu_s": round(t_ref.cpu, 3),
            "parse_peak_rss_mb": _round(t_parse.peak_rss_mb),
            "reference_peak_rss_mb": _round(t_ref.peak_rss_mb),
            "reference_over_parse": None if ratio is None else round(ratio, 3),
            "reference_over_parse_cpu": None if ratio_cpu is None else round(ratio_cpu, 3),
            "durable_reason": None if durable["available"] else durable["reason"],
            "durable_identical": durable.get("identical"),
            "durable_reference_s": (
                round(durable["reference"].wall, 3) if durable["available"] else None
            ),
            "durable_matching_s": (
                round(durable["matching"]["durable"].wall, 3) if durable["available"] else None
            ),
            "reference_matching_s": (
                round(durable["matching"]["reference"].wall, 3) if durable["available"] else None
            ),
            "streaming": [
                {k: (round(v, 3) if isinstance(v, float) else v) for k, v in s.items()}
                for s in streams
            ],
            "streaming_peak_ratio": None if stream_ratio is None else round(stream_ratio, 3),
            "load_average": [round(load_before, 2), round(load_after, 2)],
            "machine": info,
        }
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
        print(f"\nwrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
