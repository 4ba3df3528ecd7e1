"""Chaos experiments' steady-state judgement on the sample's simulation, against a Chaos
Toolkit-style point-tolerance check, with known truth.

1,000 experiments on the bundled sample (`shared/adapters/local/simulated_chaos.py`) with the
default steps (1 -> 5 -> 25% for 11 minutes each, FIS's 60 s ramp-up not judged): 500 whose
fault breaks the steady state (the faulted share's errors or latency at 2x the healthy 0.2% and
380 ms p99), 500 harmless (the same faults at 1x: nothing changes), at 1, 10 and 100 requests
a second. Steady state: `error_rate < 0.3%` and `p99_latency < 570ms` (1.5x the healthy ones).

Ours: the product's judgement (`shared.chaos.hypothesis.assess`, against the same minutes'
unfaulted share and the 10 minutes before the start) on every minute's guard and at each
step's end, stepped by the engine's own rules (`shared.chaos.steps`), for all 1,000; the
engine itself (`sre chaos start`, then the scheduler's tick every minute on the memory
deployment) for a subset, timed from the first minute the judgement saw a breach to the minute
the fault was removed. Chaos Toolkit-style: the same tolerance checked on one sample a minute
(the safeguards control's probe, `frequency: 60`), of the faulted share only (Chaos Toolkit
cannot separate it: its best case); a minute with no faulted request has no sample; one
sample out of tolerance interrupts the run; one probe of the last unfaulted minute before the
method, which bails out if it is out of tolerance.

Then the same cases on the plan the product suggests before each starts (`sre chaos plan`'s
traffic warning, its first fix: a larger first percent, else longer steps, as a user would type
it; where only both together would do, its shortest steps), where it suggests one: the default
plan cannot be judged at any of the three rates, so its table measures detection only on the
runs that deviated. The plan counts the faulted requests a held needs at each step's last look:
at 10 req/s it suggests 50% for about 95 minutes a step, at 1 req/s it says the service is too
quiet (not run). Minutes that cannot end a run (not a step's end, the faulted share within every
bound, so never deviated) count their look without the full judgement: the same runs as judging
every minute (tested), at a fraction of the CPU."""

from __future__ import annotations

import time

from benchmarks.chaos_cases import EXPECT, GATE, RATES, Case, cases, suggested
from benchmarks.chaos_checks import ours, toolkit
from benchmarks.chaos_engine import halts
from benchmarks.chaos_report import engine_said, judgeable_row, summary, table, ticks_said


def judgeable(every: list[Case], engine: int, breaking: int) -> None:
    """The same cases on the plan the product suggests before each starts (`suggested`), where
    one exists: both checks' figures, the engine's halts on a subset of them."""
    planned = [(case, plan) for case in every if (plan := suggested(case)) is not None]
    mine = [(case, ours(case, plan)) for case, plan in planned]
    theirs = [(case, toolkit(case, plan)) for case, plan in planned]
    ran = halts(mine, per_cell=engine, breaking=breaking)
    print(
        f"  the plan the product suggests (`sre chaos plan`'s traffic warning, its first fix) on "
        f"the same cases: {len(planned)} of {len(every)} have one"
    )
    print(
        "    rps  check    plan                         false deviated  2x caught, gate met"
        "  inconclusive  min. to a verdict  deviated->removed ticks"
    )
    for rps in RATES:
        for name, runs in (("ours", mine), ("toolkit", theirs)):
            said = ticks_said(ran.guard[rps]) if name == "ours" else "0 (by construction)"
            print(judgeable_row(rps, name, [(c, r) for c, r in runs if c.rps == rps], said))
    summary("ours, judgeable plans", mine)
    summary("toolkit, judgeable plans", theirs)
    print(f"  engine on {ran.runs} of the judgeable runs: {engine_said(ran)}")


def main(count: int = 1000, engine: int = 1, breaking: int = 30) -> None:
    """Print both checks' figures per traffic level, the engine's halts timed on `breaking`
    breaking runs a table (a seeded uniform sample; 10_000 takes every one, hours of CPU) and
    `engine` harmless ones a cell."""
    began = time.process_time()
    every = cases(count)
    mine = [(case, ours(case)) for case in every]
    theirs = [(case, toolkit(case)) for case in every]
    judged = time.process_time() - began
    ran = halts(mine, per_cell=engine, breaking=breaking)
    print(
        f"Chaos experiments: {len(every):,} on the sample's simulation (half at 2x errors or "
        "latency on the faulted share, half harmless), steps 1/5/25%, 11 min each"
    )
    print(
        f"  steady state: {' and '.join(EXPECT)}; gate: {GATE['errors']:,} faulted requests "
        f"(errors), {GATE['latency']} (latency); toolkit: one sample a minute of the faulted share"
    )
    table({"ours": mine, "toolkit": theirs}, ran.guard)
    summary("ours", mine)
    summary("toolkit", theirs)
    print(
        f"  engine (sre chaos start, then the scheduler's tick every minute, memory deployment) "
        f"on {ran.runs} of them: {engine_said(ran)}"
    )
    print(f"  judged in {judged:.1f} s of CPU, {time.process_time() - began:.1f} s with the engine")
    judgeable(every, engine, breaking)
    print(f"  {time.process_time() - began:.1f} s of CPU in all")


if __name__ == "__main__":
    main()
