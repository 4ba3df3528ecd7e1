"""The detector on synthetic CloudWatch-like streams, scored by NAB's scorer: a check, not a target.

The held-out set the detector is finally measured on is real cloud metrics that the project never
sees. These streams imitate their kinds (14 days at 5-minute steps: an idle CPU in 1/15 % steps, a
busy CPU with a daily cycle, a mostly-zero disk counter, network bytes with bursts, ELB request
counts) with benign spikes of their own, and put labelled events into some of them (a spike, a
level shift, an outage to zero, a sustained burst). The generator is written here, so a change can
be fitted to it as easily as to the development set: read it as a regression check (false alarms on
streams like these), never tune on it.
"""

from __future__ import annotations

import csv
import json
import math
import random
import subprocess
import sys
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from benchmarks.nab import NAB, summary
from shared.telemetry.detector import DetectorSettings, score_series

DAY = 288
ROWS = 14 * DAY
START = datetime(2026, 1, 4, tzinfo=UTC)
SUBSET = "cloudLike"
SEEDS = 4


def _poisson(rng: random.Random, rate: float) -> float:
    if rate > 30:  # the normal approximation: Knuth's loop is slow for large rates
        return float(max(0, round(rng.gauss(rate, math.sqrt(rate)))))
    limit, count, product = math.exp(-rate), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return float(count)


def _step(value: float, step: float) -> float:
    return round(value / step) * step


def _cpu_idle(rng: random.Random, _row: int) -> float:
    spike = rng.uniform(3, 15) if rng.random() < 0.01 else 0.0  # cron jobs
    return _step(max(1.3 + rng.gauss(0, 0.15) + spike, 0.0), 1 / 15)


def _cpu_busy(rng: random.Random, i: int) -> float:
    spike = rng.uniform(10, 40) if rng.random() < 0.005 else 0.0
    return _step(30 + 12 * math.sin(2 * math.pi * i / DAY) + rng.gauss(0, 3) + spike, 0.01)


def _disk(rng: random.Random, _row: int) -> float:
    return float(int(rng.expovariate(1 / 400))) if rng.random() < 0.03 else 0.0


def _network(rng: random.Random, _row: int) -> float:
    burst = rng.expovariate(1 / 50_000) if rng.random() < 0.02 else 0.0
    return _step(max(0.0, rng.gauss(2000, 300)) + burst, 1)


def _requests(rng: random.Random, i: int) -> float:
    return _poisson(rng, 40 + 30 * math.sin(2 * math.pi * i / DAY))


KINDS: dict[str, tuple[Callable[[random.Random, int], float], tuple[str, ...]]] = {
    "cpu_idle": (_cpu_idle, ("shift", "spike")),
    "cpu_busy": (_cpu_busy, ("spike", "shift")),
    "disk": (_disk, ("burst",)),
    "network": (_network, ("burst", "shift")),
    "elb": (_requests, ("spike", "drop", "shift")),
}
"""Each kind's generator and the events put into its streams (one stream per event kind, and one
stream with none)."""


def _with_event(values: list[float], start: int, kind: str) -> None:
    """Put one event into `values` from row `start` (in place)."""
    before = sorted(values[:start])
    if kind == "spike":  # 3 rows at 4 times the 99th percentile so far
        for row in range(start, start + 3):
            values[row] += 4 * max(before[int(0.99 * start)], 1.0)
    elif kind == "shift":  # the level moves by 2.5 times the median so far, for good
        for row in range(start, ROWS):
            values[row] += 2.5 * max(abs(before[start // 2]), 1.0)
    elif kind == "drop":  # an outage: zero for 2 hours
        for row in range(start, start + 24):
            values[row] = 0.0
    elif kind == "burst":  # 3 times the traffic for 3 hours
        for row in range(start, start + 36):
            values[row] = values[row] * 3 + (500.0 if values[row] == 0 else 0.0)


def streams() -> dict[str, tuple[list[float], list[int]]]:
    """Every stream, by file name: its values and the rows its events start at."""
    made: dict[str, tuple[list[float], list[int]]] = {}
    for kind, (generate, events) in KINDS.items():
        for seed in range(SEEDS):
            for event in ("none", *events):
                rng = random.Random(f"{kind}/{seed}/{event}")  # noqa: S311 (a simulation)
                values = [generate(rng, row) for row in range(ROWS)]
                starts = [] if event == "none" else [rng.randrange(1200, 2400)]
                if event in ("spike", "burst", "drop"):  # a second one, later
                    starts.append(starts[0] + rng.randrange(400, 1200))
                for start in starts:
                    _with_event(values, start, event)
                made[f"{kind}_{event}_{seed}.csv"] = (values, starts)
    return made


def _stamp(row: int) -> str:
    return (START + timedelta(minutes=5 * row)).strftime("%Y-%m-%d %H:%M:%S")


def _windows(starts: list[int]) -> list[list[str]]:
    """NAB's windows: 10% of the file's rows shared among its events, each centred on its start."""
    if not starts:
        return []
    half = ROWS // 10 // len(starts) // 2
    return [
        [_stamp(max(s - half, 0)) + ".000000", _stamp(min(s + half, ROWS - 1)) + ".000000"]
        for s in starts
    ]


def measure(settings: DetectorSettings | None = None) -> dict[str, Any]:
    """Write the streams and the detector's scores as a NAB corpus; NAB's scorer's figures."""
    made = streams()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "data" / SUBSET).mkdir(parents=True)
        (root / "results" / SUBSET).mkdir(parents=True)
        windows = {f"{SUBSET}/{name}": _windows(starts) for name, (_, starts) in made.items()}
        (root / "windows.json").write_text(json.dumps(windows))
        for name, (values, _) in made.items():
            scores = score_series(values, period=DAY, settings=settings)
            for folder, columns in (("data", 2), ("results", 3)):
                with (root / folder / SUBSET / name).open("w", newline="") as handle:
                    writer = csv.writer(handle)
                    writer.writerow(["timestamp", "value", "anomaly_score"][:columns])
                    writer.writerows(
                        (_stamp(row), value, score)[:columns]
                        for row, (value, score) in enumerate(zip(values, scores, strict=True))
                    )
        command = [sys.executable, str(NAB / "score.py"), "--nab-dir", str(NAB), "--json", "-"]
        command += ["--quiet", "--windows", str(root / "windows.json")]
        command += ["--data-dir", str(root / "data"), "--subset", SUBSET]
        command += ["--results", str(root / "results")]
        done = subprocess.run(command, capture_output=True, text=True, check=True)
    detector = json.loads(done.stdout)["detectors"]["results"]
    events = sum(len(starts) for _, starts in made.values())
    return {**summary(detector), "files": len(made), "events": events}


def main() -> None:
    """Print the figures."""
    f = measure()
    print(
        f"Anomaly detector on synthetic CloudWatch-like streams ({f['files']} streams of 14 days"
        f" at 5 minutes, {f['events']} labelled events; a regression check, not a target)"
    )
    print(
        f"  standard {f['standard']:.2f}   low FP {f['reward_low_FP_rate']:.2f}   "
        f"low FN {f['reward_low_FN_rate']:.2f}   windows found {f['windows']}   "
        f"false positives per 1,000 rows {f['fp_per_1000_rows']:.2f}   "
        f"threshold {f['threshold']:.4f}"
    )


if __name__ == "__main__":
    main()
