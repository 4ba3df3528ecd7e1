"""A finding in words: its size against the baseline, its times, its values, its other changes;
written so that no rounding contradicts the finding (a baseline of 0.0036% is not `0%`, a
change of 30 seconds is not `0 min`)."""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import datetime, timedelta

from shared.telemetry.episodes import FULL
from shared.telemetry.models import Episode, Finding
from shared.times import clock, moment, period

TYPICAL = 0.15
"""A transient change is sized by its typical value and its peak when they differ by more than
this share of the typical value's distance from the baseline (`~12.0× baseline (peak 15.1×)`),
else by its peak alone."""
OTHERS = 3
"""The other changes of a signal named after its finding, at most (then how many more)."""


LARGE = ((1e12, "trillion"), (1e9, "billion"))


def fmt(value: float) -> str:
    """A value as a report shows it: whole from 100, two decimals at most from 1, two
    significant digits below (`0.0036`), in billions or trillions from a billion (`900
    trillion`), and in scientific notation from a quintillion (so a stray 1e300 in a file is not
    300 digits) or under 0.0001."""
    size = abs(value)
    for scale, word in LARGE:
        if scale <= size < 1e18:
            part = value / scale
            return f"{part:,.0f} {word}" if abs(part) >= 100 else f"{part:.3g} {word}"
    if size >= 1e9 or 0 < size < 1e-4:
        return f"{value:.3g}" if size >= 1e9 else f"{value:.2g}"
    if size >= 100:
        return f"{value:,.0f}"
    places = 2 if size >= 1 or size == 0 else 1 - math.floor(math.log10(size))
    return f"{value:,.{places}f}".rstrip("0").rstrip(".")


def times(ratio: float) -> str:
    """A ratio as a report shows it: `13.7`, `fmt` from a thousand (`1,250`, `5.62e+297`) and
    below 0.05 (`0.012`, never `0.0`)."""
    return f"{ratio:.1f}" if 0.05 <= ratio < 1000 else fmt(ratio)


def _against(baseline: float, value: float) -> str:
    """`13.7× baseline`, `up from 0`, or where a value is negative (a ratio means nothing
    there) `50.15 above baseline`."""
    if baseline < 0 or value < 0:
        difference = value - baseline
        return f"{fmt(abs(difference))} {'above' if difference >= 0 else 'below'} baseline"
    if baseline == 0:
        return "up from 0"
    return f"{times(value / baseline)}× baseline"


def size(finding: Finding) -> str:
    """How big the change is, against its baseline: `13.7× baseline`, `up from 0`, or where a
    value is negative `50.15 above baseline`."""
    return _against(finding.baseline, finding.current)


def _both(finding: Finding) -> bool:
    """Whether a transient change is told by its typical value and its peak, not its peak."""
    level = finding.level
    if level is None or finding.end is None:
        return False
    return abs(finding.current - level) > TYPICAL * abs(level - finding.baseline)


def _sized(finding: Finding) -> str:
    """`13.7× baseline`, or `~12.0× baseline (peak 15.1×)` for a transient change whose peak
    stands out of its typical value."""
    if not _both(finding) or finding.level is None:
        return size(finding)
    peak = _against(finding.baseline, finding.current).removesuffix(" baseline")
    return f"~{_against(finding.baseline, finding.level)} (peak {peak})"


def duration(span: timedelta) -> str:
    """How long a change lasted: `30 s` under a minute, `1 min 40 s` under 10 (data read to the
    second), `40 min` under an hour, `3 h 30 min` under two days, then `3 d 4 h`."""
    seconds = round(span.total_seconds())
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 600 and seconds % 60:
        return f"{seconds // 60} min {seconds % 60} s"
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h" + (f" {minutes} min" if minutes else "")
    days, hours = divmod(hours, 24)
    return f"{days} d" + (f" {hours} h" if hours else "")


def lasted(finding: Finding) -> str:
    """How long a transient change lasted (`40 min`), or at least lasted when a gap in the data
    hides its end (`at least 10 min`)."""
    if finding.seen_until is not None:
        return f"at least {duration(finding.seen_until - finding.onset)}"
    return duration((finding.end or finding.onset) - finding.onset)


def to_the_second(finding: Finding) -> bool:
    """Whether the finding's times need their seconds (data read at a step under a minute)."""
    moments = [finding.onset, finding.end]
    for other in finding.others:
        moments += [other.start, other.end]
    return any(t is not None and t.second for t in moments)


def summary(finding: Finding, today: datetime | None = None, *, dated: bool = False) -> str:
    """The change without its values: `13.7× baseline since 23:02 UTC`, or for a transient one
    `fell to 0.2× baseline for 30 min, 21:38–22:08 UTC, recovered`; a time not of the day of
    `today` (the reader's now) with its date, a period across midnight with both; every time
    with its date when `dated` (a page, read any day); `; the change began before this
    window` when it did."""
    today = today or finding.end or finding.onset
    seconds = to_the_second(finding)
    if finding.repeats:
        text = _recurring(finding, today, dated, seconds)
    elif finding.end is None:
        text = f"{size(finding)} since {_moment(finding.onset, today, dated, seconds)}"
        if finding.latest is not None:
            now = _against(finding.baseline, finding.latest).removesuffix(" baseline")
            text += f", now {now}"
    else:
        went = "rose" if finding.current >= finding.baseline else "fell"
        shown = _sized(finding)
        sized = f"{went} {shown}" if _relative(shown) else f"{went} to {shown}"
        if finding.baseline == 0 and finding.current > 0:  # no ratio: its values say how far
            sized = "rose from 0"
        when = _period(finding.onset, finding.seen_until or finding.end, today, dated, seconds)
        text = f"{sized} for {lasted(finding)}, {when}, recovered"
        if finding.seen_until is not None:
            back = _moment(finding.end, today, dated, seconds)
            text = f"{sized} for {lasted(finding)}, {when}; no data until {back}, back then"
    return text + ("; the change began before this window" if finding.began_before else "")


def _recurring(finding: Finding, today: datetime, dated: bool, seconds: bool) -> str:
    """`dropped to zero 9 times since 21:04 UTC`, or for one that stopped
    `spiked to 40.0× baseline 6 times, 21:04–21:40 UTC, recovered`."""
    rose = finding.current >= finding.baseline
    sized = f"{'spiked' if rose else 'dropped'} to {size(finding)}"
    if finding.baseline == 0 and rose:  # no ratio: its values say how far
        sized = "spiked from 0"
    elif finding.current == 0 and finding.baseline > 0:
        sized = "dropped to zero"
    text = f"{sized} {finding.repeats} times"
    if finding.end is None:
        return f"{text} since {_moment(finding.onset, today, dated, seconds)}"
    return f"{text}, {_period(finding.onset, finding.end, today, dated, seconds)}, recovered"


def evidence(
    finding: Finding, unit: str, today: datetime | None = None, *, dated: bool = False
) -> str:
    """The finding in a line, without the signal's name (a report or page puts it before), its
    times written for a reader on the day of `today` (every one dated when `dated`)."""
    values = f"{fmt(finding.baseline)}{unit} → {fmt(finding.current)}{unit}"
    if finding.end is None and finding.latest is not None:
        values += f", now {fmt(finding.latest)}{unit}"
    if finding.repeats:
        extreme = "highest" if finding.current >= finding.baseline else "lowest"
        values = f"{fmt(finding.baseline)}{unit} → {extreme} {fmt(finding.current)}{unit}"
    elif _both(finding) and finding.level is not None:
        values = f"{fmt(finding.baseline)}{unit} → ~{fmt(finding.level)}{unit}, peak "
        values += f"{fmt(finding.current)}{unit}"
    elif finding.end is not None:
        extreme = "peak" if finding.current >= finding.baseline else "trough"
        values = f"{fmt(finding.baseline)}{unit} → {extreme} {fmt(finding.current)}{unit}"
    text = f"{summary(finding, today, dated=dated)} ({values})"
    if finding.confidence < 1:
        shown = _points(round(finding.confidence * FULL))
        text += f"; weak evidence: {shown} of the {FULL} that settle a change"
    today = today or finding.onset
    seconds = to_the_second(finding)
    if finding.others:
        text += "; " + _others(finding, today, dated=dated, seconds=seconds)
    elif earlier := finding.earlier:  # stored before `others`
        went = "rose" if earlier.rose else "fell"
        when = _period(earlier.start, earlier.end, today, dated, seconds)
        text += f"; it also {went} {when} and came back"
    return text


def fallen(
    finding: Finding, unit: str, today: datetime | None = None, *, dated: bool = False
) -> str:
    """A collapse said though not counted: `fell to 0.1× baseline since 21:30 UTC (180 ms →
    20 ms)`, or `fell to 0.2× baseline for 30 min, …, recovered (…)`."""
    said = evidence(finding, unit, today, dated=dated)
    if said.startswith("fell"):
        return said
    return f"fell {said}" if _relative(said) else f"fell to {said}"


def _relative(said: str) -> bool:
    """Whether a size is said as a difference (`162 below baseline`: a negative value), which
    reads `fell 162 below`, never `fell to 162 below`."""
    return said.split(" since ")[0].split(" for ")[0].endswith(("above baseline", "below baseline"))


def _others(finding: Finding, today: datetime, *, dated: bool, seconds: bool) -> str:
    """`it also rose 07:10–07:13 UTC and came back (1.5×, 3 points)`, and the next ones."""
    shown = [
        _other(finding.baseline, o, today, dated=dated, seconds=seconds)
        for o in finding.others[:OTHERS]
    ]
    more = len(finding.others) - OTHERS
    text = "it also " + _listed(shown)
    return text + (f", and changed {more} more time{'s' if more > 1 else ''}" if more > 0 else "")


def _other(baseline: float, other: Episode, today: datetime, *, dated: bool, seconds: bool) -> str:
    went = "rose" if other.rose else "fell"
    extreme = _against(baseline, other.extreme).removesuffix(" baseline")
    said = f"({extreme}, {_points(other.points)})"
    if other.end is None:
        since = _moment(other.start, today, dated, seconds)
        return f"{went} since {since} and is still {'up' if other.rose else 'down'} {said}"
    return f"{went} {_period(other.start, other.end, today, dated, seconds)} and came back {said}"


def _listed(parts: Iterable[str]) -> str:
    items = list(parts)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _points(count: int) -> str:
    return f"{count} point{'s' if count != 1 else ''}"


def _moment(at: datetime, today: datetime, dated: bool, seconds: bool) -> str:
    if dated:
        return f"{clock(at, days=True, seconds=seconds)} UTC"
    return moment(at, today=today, seconds=seconds)


def _period(start: datetime, end: datetime, today: datetime, dated: bool, seconds: bool) -> str:
    if dated:
        return period(start, end, days=True, seconds=seconds)
    return period(start, end, today=today, seconds=seconds)
