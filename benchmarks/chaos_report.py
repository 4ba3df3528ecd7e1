"""The chaos benchmark's tables and summaries: per traffic level and check, against the
goals (see `benchmarks.chaos`)."""

from __future__ import annotations

import statistics

from benchmarks.chaos_cases import RATES, Case, Plan, Run, gated
from benchmarks.chaos_engine import EngineFigures


def _share(count: int, total: int) -> str:
    return f"{count / total:6.1%}" if total else "     -"


def _row(rps: float, name: str, runs: list[tuple[Case, Run]], ticks: str) -> str:
    """One table line: a check's figures at one traffic level."""
    started = [(c, r) for c, r in runs if r.outcome != "refused"]
    harmless = [r for c, r in started if c.scale == 1.0]
    breaking = [(c, r) for c, r in started if c.scale != 1.0]
    met = [r for c, r in breaking if gated(c, r)]
    caught = [r for r in met if r.outcome == "deviated"]
    halts = [r.minutes for _, r in breaking if r.outcome == "deviated"]
    false = sum(r.outcome == "deviated" for r in harmless)
    inconclusive = sum(r.outcome == "inconclusive" for _, r in started)
    unjudgeable = sum(r.judgeable is False for _, r in started)
    warned = (
        _share(unjudgeable, len(started)) if any(r.judgeable is not None for _, r in runs) else "-"
    )
    refused = len(runs) - len(started)
    detected = f"{_share(len(caught), len(met))} of {len(met):3}"
    median = f"{statistics.median(halts):g}" if halts else "-"
    return (
        f"  {rps:5g}  {name:8} {_share(false, len(harmless)):>14}  {detected:>19}  "
        f"{_share(inconclusive, len(started)):>12}  {warned:>13}  "
        f"{_share(refused, len(runs)):>7}  "
        f"{median:>13}  {ticks:>17}"
    )


def ticks_said(found: list[int]) -> str:
    """The judgement's deviated to the fault's removal on the engine's runs: how many within
    one tick, and the most."""
    if not found:
        return "- (none deviated)"
    within = sum(0 <= t <= 1 for t in found)
    return f"<=1 in {within}/{len(found)}, max {max(found)}"


def table(results: dict[str, list[tuple[Case, Run]]], ticks: dict[float, list[int]]) -> None:
    """Per traffic level and check: false deviations, detections, inconclusive, refused, the
    median minutes from the fault's start to its halt and the ticks from breach to halt."""
    print(
        "    rps  check    false deviated  2x caught, gate met  inconclusive  not judgeable"
        "  refused"
        "  min. to halt  deviated->removed ticks"
    )
    for rps in RATES:
        for name, runs in results.items():
            said = ticks_said(ticks[rps]) if name == "ours" else "0 (by construction)"
            print(_row(rps, name, [(c, r) for c, r in runs if c.rps == rps], said))


def summary(name: str, runs: list[tuple[Case, Run]]) -> None:
    """A check's figures over every traffic level, against the goals."""
    started = [(c, r) for c, r in runs if r.outcome != "refused"]
    harmless = [r for c, r in started if c.scale == 1.0]
    false = sum(r.outcome == "deviated" for r in harmless)
    met = [r for c, r in started if c.scale != 1.0 and gated(c, r)]
    caught = sum(r.outcome == "deviated" for r in met)
    print(
        f"  {name}: false deviated {false}/{len(harmless)} = {_share(false, len(harmless)).strip()}"
        f" of harmless runs (goal <= 1%); 2x faults caught once the gate is met {caught}/"
        f"{len(met)} = {_share(caught, len(met)).strip()} (goal >= 95%); "
        f"{len(runs) - len(started)} of {len(runs)} refused (steady state not met before)"
        + (
            f"; {sum(r.judgeable is False for _, r in started)} of {len(started)} started runs "
            "not judgeable at their rate (the plan warned: a step short of the faulted requests a "
            "verdict needs)"
            if any(r.judgeable is not None for _, r in started)
            else ""
        )
    )


def judgeable_row(rps: float, name: str, runs: list[tuple[Case, Run]], ticks: str) -> str:
    """One line of the judgeable plans' table: a check's figures at one traffic level on the
    plans the product suggested there, or that it suggested none (too quiet, it says)."""
    if not runs:
        return (
            f"  {rps:5g}  {name:8} no plan suggested (`sre chaos plan` says: too quiet, even "
            "50% for the longest step)"
        )
    started = [(c, r) for c, r in runs if r.outcome != "refused"]
    harmless = [r for c, r in started if c.scale == 1.0]
    met = [r for c, r in started if c.scale != 1.0 and gated(c, r)]
    caught = sum(r.outcome == "deviated" for r in met)
    inconclusive = sum(r.outcome == "inconclusive" for _, r in started)
    verdicts = [r.minutes for _, r in started]
    plan = _plans([r.plan for _, r in runs])
    false = sum(r.outcome == "deviated" for r in harmless)
    detected = f"{_share(caught, len(met))} of {len(met):3}"
    median = f"{statistics.median(verdicts):g}" if verdicts else "-"
    return (
        f"  {rps:5g}  {name:8} {plan:28} {_share(false, len(harmless)):>14}  {detected:>19}  "
        f"{_share(inconclusive, len(started)):>12}  {median:>16}  {ticks:>17}"
    )


def _plans(plans: list[Plan]) -> str:
    """The plans suggested at one rate, in a line: `21,25% x 10m`, with the range of first
    percents or minutes the suggestion took over its cases (`21-26[,25]% x 10m`: the later
    percents in brackets where only some plans keep them, above a larger first one)."""
    firsts = sorted({p.percents[0] for p in plans})
    minutes = sorted({p.minutes for p in plans})
    later = sorted({x for p in plans for x in p.percents[1:]})
    everywhere = [x for x in later if all(x in p.percents[1:] for p in plans)]
    first = f"{firsts[0]}" if len(firsts) == 1 else f"{firsts[0]}-{firsts[-1]}"
    after = "".join(f",{x}" if x in everywhere else f"[,{x}]" for x in later)
    length = f"{minutes[0]}" if len(minutes) == 1 else f"{minutes[0]}-{minutes[-1]}"
    return f"{first}{after}% x {length}m"


def engine_said(ran: EngineFigures) -> str:
    """What the engine's runs showed: agreement with the judgement, and on its deviated runs
    the ticks from the true breach (the simulation's fault past a bound) to the judgement's
    deviated, and from that to the fault's removal (the guard path)."""
    guard = [t for found in ran.guard.values() for t in found]
    judged = {rps: found for rps, found in ran.judged.items() if found}
    medians = ", ".join(
        f"{statistics.median(found):g} (max {max(found)}) at {rps:g} req/s"
        for rps, found in judged.items()
    )
    return (
        f"ends as the judgement did in {ran.agree}/{ran.runs} ({ran.breaking} breaking runs); "
        f"from the true breach (the fault's first minute past a bound) to the judgement's "
        f"deviated, median ticks {medians or '- (none deviated)'}; from that to the fault "
        f"removed (the guard path) <= 1 tick in {ticks_said(guard).removeprefix('<=1 in ')} "
        "(goal 100%)"
    )
