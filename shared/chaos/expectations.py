"""A steady state's expectations in the alert grammar (`p99_latency < 2s`, `error_rate < 1%`):
parsed, and refused with why and an example when one is not a bound a fault can be judged on."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from shared.chaos.models import LONGEST_DELAY_MS, Fault
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


def _breaks(condition: Condition, rate: float) -> bool:
    """Whether an error rate of `rate` (%) made by the fault alone breaks the bound: below 100%,
    the service's own errors come on top, so a bound at it breaks too."""
    bound = condition.threshold or 0.0
    if rate >= 100:
        return bound < 100 or condition.comparison is Comparison.BELOW
    return rate > 0 and bound <= rate


def broken(
    fault: Fault,
    expectations: Sequence[str],
    percents: Sequence[int],
    errors: Callable[[Fault, int], float],
) -> list[str]:
    """Each error-rate bound `fault` breaks by itself at some step (`errors`: the rate it alone
    makes the judged side show at a percent), with what to write instead: such an experiment
    can only end deviated, which drills the halt and the rollback but tests nothing of the
    service (said by the plan and the start, which still goes ahead)."""
    found: list[str] = []
    for text in expectations:
        condition = expectation(text)
        if condition.signal is not Signal.ERROR_RATE:
            continue
        at = next((p for p in percents if _breaks(condition, errors(fault, p))), None)
        if at is None:
            continue
        if errors(fault, at) >= 100:
            found.append(
                f"`{text}` cannot hold: `{fault.written}` fails every request of the faulted "
                "share, and each step is judged on that share alone, so it would end deviated as "
                f"soon as its first step is judged: {_DRILL}; to test how the service copes, "
                'slow requests instead (--fault delay:1500ms --expect "p99_latency < 2s").'
            )
            continue
        largest = max(percents)
        above = min(100, largest + max(1, math.ceil(largest / 5)))
        below = [p for p in percents if not _breaks(condition, errors(fault, p))]
        smaller = f" or keep to steps under it (--percent {','.join(map(str, below))})"
        found.append(
            f"`{text}` cannot hold from the {at}% step: `{fault.written}` fails {at}% of the "
            "service's requests by itself, and each step is judged on the whole service, so it "
            f"would end deviated there: {_DRILL}; to verify its failures do not spread, bound it "
            f'above the largest step (--expect "error_rate < {above}%")'
            + (smaller if below else "")
            + "."
        )
    return found


def unseen(fault: Fault, expectations: Sequence[str]) -> str:
    """Why no expectation of the steady state can see `fault` (it would hold whatever the fault
    does, and verify nothing), with what to write instead; empty when one can."""
    if fault.seen_by & {expectation(text).signal for text in expectations}:
        return ""
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
