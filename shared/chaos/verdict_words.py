"""One expectation's verdict line in an SRE's words: `p99 latency 498 ms on the faulted share vs
386 ms unfaulted (1.3×, within `p99_latency < 2s`)`, the expectation as the user typed it."""

from __future__ import annotations

from dataclasses import dataclass

from shared.judging.condition import Condition
from shared.judging.wording import SAME


@dataclass(frozen=True)
class Compared:
    """One expectation's values: the faulted share's, the same minutes' unfaulted share's and
    the minutes before the start's (None: no data); `before_read`: whether those were judged."""

    faulted: float | None
    unfaulted: float | None
    before: float | None = None
    before_read: bool = False


def said_for(
    condition: Condition,
    typed: str,
    values: Compared,
    *,
    unjudged: str | None,
    breaks: bool,
    worse: bool,
) -> str:
    """The line: the values, how much worse the faulted share is, and the expectation kept,
    broken (surely worse and past it) or passed but not yet surely; `unjudged` (the judge's
    `not enough data yet: 3 of 6 minutes`) as it is."""
    if unjudged is not None:
        return unjudged
    label = condition.signal.label
    if values.faulted is None:
        return f"{label}: no data on the faulted share yet (`{typed}` not judged)"
    line = (
        f"{label} {condition.shown(values.faulted)} on the faulted share vs "
        f"{_value(condition, values.unfaulted)} unfaulted"
    )
    if values.before_read:
        line += (
            f" and {condition.shown(values.before)} before the start"
            if values.before is not None
            else ", no minutes before the start to compare"
        )
    notes = [_times(values), _against(typed, breaks=breaks, worse=worse)]
    return f"{line} ({', '.join(n for n in notes if n)})"


def _value(condition: Condition, value: float | None) -> str:
    return condition.shown(value) if value is not None else "no data"


def _times(values: Compared) -> str:
    """`1.3×` the unfaulted share; or, when the service is slow on both shares, `5.6× the
    minutes before the start`; nothing when about the same."""
    faulted = values.faulted or 0.0
    if values.unfaulted and faulted / values.unfaulted > SAME:
        return _x(faulted / values.unfaulted)
    if values.before_read and values.before and faulted / values.before > SAME:
        return f"{_x(faulted / values.before)} the minutes before the start"
    return ""


def _x(ratio: float) -> str:
    """`1.3×`, `600×`."""
    return f"{ratio:.1f}×" if ratio < 10 else f"{ratio:,.0f}×"


def _against(typed: str, *, breaks: bool, worse: bool) -> str:
    if not breaks:
        return f"within `{typed}`"
    if worse:
        return f"breaks `{typed}`"
    return f"over `{typed}`, not yet certain"
