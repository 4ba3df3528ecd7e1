"""`--when` conditions: `p99_latency > 800ms for 5m`, `error_rate > 2% 3 of 5`,
`error_rate anomalous for 10m`."""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from datetime import timedelta
from enum import StrEnum

from shared.commands.duration import DURATION_PATTERN, to_timedelta, written
from shared.records import Frozen
from shared.telemetry.models import Signal
from shared.telemetry.queries import UNITS


class Comparison(StrEnum):
    """How a value is compared with the threshold."""

    ABOVE = ">"
    AT_LEAST = ">="
    BELOW = "<"
    AT_MOST = "<="


_OPERATORS: dict[Comparison, Callable[[float, float], bool]] = {
    Comparison.ABOVE: operator.gt,
    Comparison.AT_LEAST: operator.ge,
    Comparison.BELOW: operator.lt,
    Comparison.AT_MOST: operator.le,
}
ANOMALY_SCORE = 0.99
"""The detector score at or above which a value is anomalous."""
LONGEST = timedelta(days=90)
"""The longest of an alert's durations (its `for`, silences, escalation, keep firing): 90d, a
quarter (a silence longer than that is a policy to delete, not to silence)."""
_UNITS = {"ms": 1.0, "s": 1000.0, "%": 1.0, "": 1.0}
MOST_POINTS = 99
"""The most points an `M of N` condition looks at."""
_PATTERN = re.compile(
    r"^(?P<signal>[a-z0-9_]+)"
    r"(?:\s*(?P<op>>=|<=|>|<)\s*(?P<value>\d+(?:\.\d+)?|\.\d+)\s*(?P<unit>ms|s|%)?"
    r"|\s+(?P<anomalous>anomalous))"
    rf"(?:\s+for\s+(?P<hold>{DURATION_PATTERN}))?"
    r"(?:\s+(?P<m>\d{1,6})\s+of\s+(?P<n>\d{1,6}))?"
    rf"(?:\s+for\s+(?P<hold_after>{DURATION_PATTERN}))?\Z",
    re.ASCII,  # digits of other scripts are refused, as in every number typed
)
"""A condition as people write it: spaces around the comparison or none (`error_rate>2%`), a
value with or without its leading 0 (`.5%`), `for` before or after `M of N`; read in lower case
(`ERROR_RATE > 2%`)."""


def _said(text: str) -> str:
    """A condition's text as the pattern reads it: its spaces single, in lower case."""
    return " ".join(text.split()).lower()


SIGNIFICANT = 12
"""Digits a value and a threshold are compared to: 7 errors of 100 requests is 7%, not
7.000000000000001%, and `1.001s` is 1001 ms, not 1000.9999999999999."""


def sane(value: float) -> float:
    """`value` to `SIGNIFICANT` digits, so float arithmetic does not cross a threshold it only
    equals."""
    return float(f"{value:.{SIGNIFICANT}g}")


def duration(text: str) -> timedelta:
    """`30s`, `5m`, `2h`, `1d`, `1h30m` as a timedelta (the kernel's grammar and conversion)."""
    return to_timedelta(text)


class Condition(Frozen):
    """What makes a policy's alert active: a threshold crossed, or the detector's verdict."""

    signal: Signal
    comparison: Comparison | None = None
    threshold: float | None = None
    """In the signal's unit: milliseconds for latency, percent for the error rate."""
    anomalous: bool = False
    hold: timedelta = timedelta(0)
    """Prometheus' `for`: how long it must hold before the alert fires."""
    m: int = 1
    n: int = 1
    """CloudWatch's M of N: M of the last N data points must breach."""

    def crosses(self, value: float) -> bool:
        """Whether one value breaches (for an anomaly condition: its detector score)."""
        if self.anomalous:
            return value >= ANOMALY_SCORE
        if self.comparison is None or self.threshold is None:
            raise ValueError("a threshold condition needs a comparison and a threshold")
        return _OPERATORS[self.comparison](sane(value), sane(self.threshold))

    def rule(self) -> str:
        """What one point must do to breach: `error_rate > 2%`, `error_rate anomalous`."""
        what = (
            "anomalous"
            if self.anomalous
            else f"{self.comparison} {self.threshold:.12g}{_unit(self.signal)}"
        )
        return f"{self.signal.value} {what}"

    def shown(self, value: float) -> str:
        """A value of the signal as every alert reply writes it (the firing notice, `alert test`):
        three significant digits, whole from 100 on, with its unit (`3.43%`, `1,234 ms`)."""
        number = f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"
        return f"{number}{UNITS[self.signal]}"

    def text(self) -> str:
        """The condition as it would be typed."""
        hold = f" for {_short(self.hold)}" if self.hold else ""
        m_of_n = f" {self.m} of {self.n}" if self.n > 1 else ""
        return f"{self.rule()}{hold}{m_of_n}"


def _unit(signal: Signal) -> str:
    return {Signal.P50_LATENCY: "ms", Signal.P99_LATENCY: "ms", Signal.ERROR_RATE: "%"}.get(
        signal, ""
    )


def unit(signal: Signal) -> str:
    """A signal's unit as thresholds are kept: `ms`, `%`, or none."""
    return _unit(signal)


def _units_of(signal: Signal) -> str:
    """What a signal is measured in, with an example: said when a condition gives another unit."""
    if _unit(signal) == "ms":
        return f"{signal.label} is a time: use ms or s, e.g. `{signal.value} > 800ms`"
    if _unit(signal) == "%":
        return f"{signal.label} is a percentage: use %, e.g. `{signal.value} > 2%`"
    if signal is Signal.SATURATION:  # a file's % of capacity, a Lambda's concurrent executions
        return (
            "saturation takes no unit (a metrics file's is % of capacity, a Lambda's concurrent "
            "executions): e.g. `saturation > 90`"
        )
    return f"{signal.label} has no unit: write a number alone, e.g. `{signal.value} > 100`"


def _short(hold: timedelta) -> str:
    seconds = int(hold.total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def well_formed(text: str) -> bool:
    """Whether `text` has a condition's shape (its signal, unit and bounds not yet checked)."""
    return _PATTERN.match(_said(text)) is not None


def never_holds(condition: Condition) -> None:
    """ValueError for an alert's comparison no value can meet: above 100%, below 0 (a chaos
    bound says its own range instead)."""
    signal, op, threshold = condition.signal, condition.comparison, condition.threshold
    if threshold is None or op is None:
        return
    written = f"{threshold:.12g}"
    percent = _unit(signal) == "%"
    if percent and op == ">" and threshold >= 100:
        raise ValueError(
            f"{signal.label} is a percentage, at most 100%: `> {written}%` can never hold "
            f"(write it like `{signal.value} > 2%`)"
        )
    if op == "<" and threshold <= 0:
        raise ValueError(
            f"{signal.label} is never below 0: `< {written}{_unit(signal)}` can never hold "
            f"(write it like `{signal.value} < 100{_unit(signal)}`)"
        )


def parse(text: str) -> Condition:
    """A condition from its text; ValueError saying what is wrong."""
    found = _PATTERN.match(_said(text))
    if not found:
        words = _said(text).split(" ")
        named = "_".join(words[:2])  # `error rate > 2%`: the signal's name spelt out
        hint = f" (did you mean `{named}`?)" if named in set(Signal) else ""
        raise ValueError(
            f"`{text}` is not a condition{hint}: write `p99_latency > 800ms for 5m`, "
            "`error_rate > 2% 3 of 5` or `error_rate anomalous for 10m`"
        )
    if found["hold"] and found["hold_after"]:
        raise ValueError(f"`{text}` says `for` twice: give one, e.g. `error_rate > 2% for 5m`")
    try:
        signal = Signal(found["signal"])
    except ValueError:
        names = ", ".join(s.value for s in Signal)
        raise ValueError(f"`{found['signal']}` is not a signal: use one of {names}") from None
    unit = found["unit"] or ""
    if (unit in {"ms", "s"} and _unit(signal) != "ms") or (unit == "%" and _unit(signal) != "%"):
        raise ValueError(_units_of(signal))
    m, n = int(found["m"] or 1), int(found["n"] or 1)
    if m > n:
        raise ValueError(
            f"`{m} of {n}`: the points that breach cannot outnumber the points looked at, "
            "e.g. `3 of 5`"
        )
    if m < 1:
        raise ValueError(f"`{m} of {n}`: at least one point must breach, e.g. `3 of 5`")
    if n > MOST_POINTS:
        raise ValueError(
            f"`{m} of {n}`: at most {MOST_POINTS} points are looked at (one a minute: for a "
            f"longer span, use `for`), e.g. `3 of 5`"
        )
    held = found["hold"] or found["hold_after"]
    hold = duration(held) if held else timedelta(0)
    if hold > LONGEST:
        raise ValueError(f"`for {held}` is too long: at most {written(LONGEST)}")
    threshold = sane(float(found["value"]) * _UNITS[unit]) if found["value"] else None
    if threshold is not None and _unit(signal) == "%" and threshold > 100:
        raise ValueError(
            f"{signal.label} is a percentage, at most 100%: `{found['value']}%` can never be "
            f"reached (write it like `{signal.value} {found['op'] or '>'} 2%`)"
        )
    return Condition(
        signal=signal,
        comparison=Comparison(found["op"]) if found["op"] else None,
        threshold=threshold,
        anomalous=bool(found["anomalous"]),
        hold=hold,
        m=m,
        n=n,
    )
