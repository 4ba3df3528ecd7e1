"""A steady state's expectations in the alert grammar (`p99_latency < 2s`, `error_rate < 1%`):
parsed, and refused with why and an example when one is not a bound a fault can be judged on."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence

from shared.chaos.models import LONGEST_DELAY_MS, Fault, FaultKind
from shared.judging.condition import Comparison, Condition, parse
from shared.telemetry.models import Signal

JUDGED = (Signal.ERROR_RATE, Signal.P50_LATENCY, Signal.P99_LATENCY)
"""The signals a steady state may bound: what a fault degrades."""
SMALLEST_ERROR_BOUND = 0.001
"""The smallest error-rate bound in percent (1 in 100,000 requests): below it no share of a
service's traffic could show an error rate at the bound."""
_DRILL = "a drill of the halt and the rollback, not a test of the service"
"""What an experiment whose fault breaks its steady state by itself still shows."""
_EXAMPLES = "like `p99_latency < 2s` or `error_rate < 1%`"


def _judged_signal(text: str) -> None:
    """A signal a fault is judged on, said before its unit or bound is checked (`saturation <
    50%` is answered with a steady state, not with an alert condition's unit)."""
    word = text.split()[0] if text.split() else ""
    if word in {s.value for s in Signal} and Signal(word) not in JUDGED:
        names = ", ".join(s.value for s in JUDGED)
        raise ValueError(
            f"{Signal(word).label} is not judged under a fault: bound one of {names}, {_EXAMPLES}"
        )


def _bounded(text: str, condition: Condition) -> None:
    """A bound a healthy service can meet and a reply can write: a latency from 1 ms to FIS's
    longest delay (15 minutes), an error rate from 1 in 100,000 requests (or `<= 0%`)."""
    threshold = condition.threshold or 0.0
    if condition.signal is Signal.ERROR_RATE:
        none = threshold == 0 and condition.comparison is Comparison.AT_MOST
        if threshold < SMALLEST_ERROR_BOUND and not none:
            raise ValueError(
                f"`{text}` can never hold: an error rate bound is from {SMALLEST_ERROR_BOUND:g}% "
                f"to 100% (or `error_rate <= 0%`: none at all), {_EXAMPLES}"
            )
        return
    if not 1 <= threshold <= LONGEST_DELAY_MS:
        raise ValueError(
            f"`{text}`: a latency bound is from 1ms to {LONGEST_DELAY_MS:,}ms (15 minutes, FIS's "
            f"longest delay): a service never meets less, and more bounds nothing, {_EXAMPLES}"
        )


def expectation(text: str) -> Condition:
    """One `--expect`, parsed; ValueError saying why it is not a steady state."""
    _judged_signal(" ".join(text.split()))
    condition = parse(text)
    if condition.anomalous or condition.n > 1 or condition.hold:
        raise ValueError(
            f"`{text}` is an alert rule, not a steady state: write a bound the faulted traffic "
            "must stay within, like `p99_latency < 2s` or `error_rate < 1%` (no `anomalous`, "
            "`for` or `M of N`: every minute of the faulted share is judged)"
        )
    if condition.signal not in JUDGED:
        names = ", ".join(s.value for s in JUDGED)
        raise ValueError(f"{condition.signal.label} is not judged under a fault: use {names}")
    if condition.comparison not in {Comparison.BELOW, Comparison.AT_MOST}:
        raise ValueError(
            f"`{text}` describes a breach: a steady state says what must hold, with < or <= "
            f"(`{condition.signal.value} < ...`)"
        )
    _bounded(text, condition)
    return condition


FaultAlone = Callable[[Fault, Signal, int], float]
"""What a fault alone makes the judged side show of a signal at a percent (`FaultMetrics`)."""


def _least(made: float, own: float) -> float:
    """What the judged side shows under a fault that alone makes `made`: the service's `own`
    on top, where the fault makes anything."""
    return made + own if made > 0 else 0.0


def _breaks(condition: Condition, least: float) -> bool:
    """Whether `least` (an error rate in %, a latency in ms), made by the fault alone, breaks
    the bound: the service's own errors or latency come on top, so a bound at it breaks too,
    except an error rate of every request, which nothing comes on top of."""
    bound = condition.threshold or 0.0
    if condition.signal is Signal.ERROR_RATE and least >= 100:
        return bound < 100 or condition.comparison is Comparison.BELOW
    return least > 0 and bound <= least


def _said_alone(fault: Fault, condition: Condition, at: int, split: bool, own: float) -> str:
    """What `fault` alone does to the judged side at the `at`% step, in words (`own`: the
    service's own latency it comes on top of, 0 when not known)."""
    if fault.kind is FaultKind.DELAY:
        slows = f"slows {{}} by {fault.delay_ms:,} ms"
        if split:
            said = slows.format("every request of the faulted share")
            if own:
                label = condition.signal.value.split("_")[0]
                said += (
                    f", on top of its {label} of ~{own:,.0f} ms in the last 10 minutes "
                    f"({fault.delay_ms + own:,.0f} ms)"
                )
            return said
        kept_out = 100 - int(condition.signal.value[1:3])  # p99: the slowest 1% left out
        return slows.format(f"{at}% of the service's requests") + (
            f", more than the {kept_out}% its {condition.signal.value[:3]} leaves out"
        )
    if split:
        return "fails every request of the faulted share"
    return f"fails {at}% of the service's requests by itself"


def _room(fault: Fault, bounds: Sequence[Condition], own: Mapping[str, float]) -> int:
    """A delay every latency bound leaves room for, with a quarter to spare (0: none does):
    what to suggest instead of a delay that breaks one."""
    rooms = [
        (c.threshold or 0.0) - own.get(c.signal.value, 0.0)
        for c in bounds
        if c.signal is not Signal.ERROR_RATE
    ]
    room = min(rooms, default=0.0)
    suggested = int(room * 3 / 4) // 100 * 100 if room >= 400 else int(room / 2)
    below = fault.delay_ms if fault.kind is FaultKind.DELAY else LONGEST_DELAY_MS
    return suggested if 0 < suggested < below else 0


def _instead(fault: Fault, least: float, percents: Sequence[int], split: bool, room: int) -> str:
    """What to write instead of a bound `fault` breaks by itself (`least`: what the judged
    side shows under it, when known; `room`: a delay every latency bound leaves room for)."""
    if fault.kind is FaultKind.DELAY:
        known = split and least > fault.delay_ms  # the service's own latency was read
        less = f"delay less (--fault delay:{room}ms)" if room else "delay less"
        if least >= LONGEST_DELAY_MS:  # no bound may be written above it
            return (
                f"to test how the service copes, {less}: no latency bound is above "
                f"{LONGEST_DELAY_MS:,} ms"
            )
        above = f"{least:,.0f} ms" if known else "the delay and the service's own latency"
        return (
            f"to test how the service copes, {less + ' or ' if room else ''}bound it above {above}"
        )
    if split and room:  # a delay the steady state's own latency bounds leave room for
        return f"to test how the service copes, slow requests instead (--fault delay:{room}ms)"
    if split:
        return (
            "to test how the service copes, slow requests instead "
            '(--fault delay:1500ms --expect "p99_latency < 2s")'
        )
    largest = max(percents)
    above_step = min(100, largest + max(1, math.ceil(largest / 5)))
    return (
        "to verify its failures do not spread, bound it above the largest step "
        f'(--expect "error_rate < {above_step}%")'
    )


def broken(
    fault: Fault,
    expectations: Sequence[str],
    percents: Sequence[int],
    alone: FaultAlone,
    *,
    split: bool,
    own: Mapping[str, float] | None = None,
) -> list[str]:
    """Each bound `fault` breaks by itself at some step (`alone`: what it alone makes the judged
    side show; `split`: whether that side is the faulted share alone, else the whole service;
    `own`: on a faulted share, the service's own latency by signal before the start, which a
    delay comes on top of), with what to write instead: such an experiment can only end
    deviated, which drills the halt and the rollback but tests nothing of the service (said by
    the plan and the start, which still goes ahead)."""
    own = own if split and own is not None else {}
    bounds = [(text, expectation(text)) for text in expectations]
    room = _room(fault, [c for _, c in bounds], own)
    found: list[str] = []
    for text, condition in bounds:
        extra = own.get(condition.signal.value, 0.0) if fault.kind is FaultKind.DELAY else 0.0
        least = {p: _least(alone(fault, condition.signal, p), extra) for p in percents}
        breaks = [p for p in percents if _breaks(condition, least[p])]
        if not breaks:
            continue
        at = breaks[0]
        keep = [str(p) for p in percents if p not in breaks]
        where = (
            "each step is judged on that share alone, so it would end deviated as soon as its "
            "first step is judged"
            if split
            else "each step is judged on the whole service, so it would end deviated there"
        )
        found.append(
            f"`{text}` cannot hold{'' if split else f' from the {at}% step'}: `{fault.written}` "
            f"{_said_alone(fault, condition, at, split, extra)}, and {where}: {_DRILL}; "
            + _instead(fault, least[at], percents, split, room)
            + (
                f", or keep to the steps that do not break it (--percent {','.join(keep)})"
                if keep
                else ""
            )
            + "."
        )
    return found


def _never_breaks(condition: Condition) -> bool:
    """An error-rate bound at or above every request failing: nothing can break it."""
    return (
        condition.signal is Signal.ERROR_RATE
        and condition.comparison is Comparison.AT_MOST
        and (condition.threshold or 0.0) >= 100
    )


def unseen(fault: Fault, expectations: Sequence[str]) -> str:
    """Why no expectation of the steady state can see `fault` (it would hold whatever the fault
    does, and verify nothing), with what to write instead; empty when one can."""
    bounds = [expectation(text) for text in expectations]
    if fault.seen_by & {c.signal for c in bounds if not _never_breaks(c)}:
        return ""
    if any(_never_breaks(c) for c in bounds):
        return (
            "`error_rate <= 100%` can never break (every request failing is within it), so a "
            "held would verify nothing; bound the error rate under 100%, like "
            '--expect "error_rate < 1%"'
        )
    if not fault.seen_by:
        return (
            f"`{fault.written}` cannot break any steady state: a 4xx is the client's answer, "
            "not an error (the error rate counts 5xx), and it slows nothing, so a held would "
            "verify nothing; fail requests with http-status:503 or error, or slow them with "
            "delay:1500ms"
        )
    return (
        f"`{fault.written}` fails requests, which only an error-rate bound sees: a latency "
        "bound cannot break under it, so a held would verify nothing; add one, like "
        '--expect "error_rate < 1%"'
    )
