"""Online anomaly detection for metric streams: a row's score depends only on the rows up to it.

Up to three views of each new value, each a surprise in robust spread units:
- level: how far the value is from the recent window's median;
- season: how far its difference from the value a day (and a row) earlier is from the usual such
  difference (when the stream has a daily step);
- step: how far its difference from the value before is from the usual step (rate of change).
A value is as surprising as its most surprising view. A value that scored as an alarm is not a
reference: a day later the season view abstains (a spike today is no reason to alarm at the same
time tomorrow). The recent surprises are then judged against the stream's own history of surprises
(an anomaly likelihood, as Numenta's detectors do): a noisy stream has to surprise more to score
high; the history holds only the surprises before the averaged ones, so an event does not mask
itself. Then one event is reported once: a row keeps its score only when it is higher than every
score of the `quiet` rows before it (at whatever threshold a caller or NAB's scorer picks), and
not in the few rows after a kept alarm (the rest of the rise of the averaged surprise; this part
uses the `alarm` level, so thresholds above it lose some detections).
"""

from __future__ import annotations

import bisect
import math
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from statistics import NormalDist

REFRESH = 16
"""Rows between recomputations of a window's spread (speed: the spread moves slowly). Not only
speed: NAB's figures move with it and with its cadence by about 3 points (README, the detector)."""
AFTERMATH = 16
"""Rows after a kept alarm that keep no score (the rest of its rise; 8 to 32 rows score alike)."""


@dataclass(frozen=True)
class DetectorSettings:
    """Tuning, for the kind of data (minutely to hourly service metrics), not for any one stream."""

    window: int = 2000
    """Rows in the recent window the level is judged against."""
    history: int = 2000
    """Rows of surprise history the likelihood is judged against."""
    short: int = 4
    """Rows averaged for the short-term surprise."""
    warmup: int = 150
    """Rows before any score above zero (NAB's probation is 15% of a file)."""
    quiet: int = 200
    """Rows after a score in which only a higher score counts (0: every row keeps its score)."""
    alarm: float = 0.99
    """The score at or above which callers treat a row as an alarm (a row that reaches it is not the
    season view's reference a day later, and a kept one silences the next rows of its rise)."""
    seasonal: bool = True
    """Judge values against the same time a day earlier too (when the stream has a daily step)."""
    change: bool = True
    """Judge each step (the value minus the one before) against the usual steps too."""


def _normal_tail(z: float) -> float:
    return 0.5 * math.erfc(z / math.sqrt(2.0))


class RunningWindow:
    """A sliding window of values with its sorted copy (for medians and robust spreads)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.values: deque[float] = deque()
        self.ordered: list[float] = []
        self.scale = 0.0
        self.age = REFRESH

    def add(self, value: float) -> None:
        """Append a value, dropping the oldest when full."""
        self.values.append(value)
        bisect.insort(self.ordered, value)
        if len(self.values) > self.size:
            old = self.values.popleft()
            del self.ordered[bisect.bisect_left(self.ordered, old)]
        self.age += 1

    def median(self) -> float:
        """The window's median."""
        n = len(self.ordered)
        middle = n // 2
        return (
            self.ordered[middle]
            if n % 2
            else 0.5 * (self.ordered[middle - 1] + self.ordered[middle])
        )

    def spread(self, centre: float) -> float:
        """A robust spread: the mean absolute deviation from `centre` of the middle 80%."""
        n = len(self.ordered)
        low, high = n // 10, n - n // 10
        if high <= low:
            low, high = 0, n
        # sums of sorted runs (in C) instead of a Python loop: the same figure, many times faster
        split = min(max(bisect.bisect_left(self.ordered, centre, low, high), low), high)
        above = sum(self.ordered[split:high]) - centre * (high - split)
        below = centre * (split - low) - sum(self.ordered[low:split])
        return (above + below) / (high - low)

    def surprise(self, value: float) -> float:
        """How far `value` is from the window's median, in its robust spreads."""
        centre = self.median()
        if self.age >= REFRESH:  # the spread moves slowly: recompute it every few rows
            self.scale = self.spread(centre)
            self.age = 0
        spread = self.scale
        scale = spread if spread > 0 else (abs(centre) * 1e-3 or 1e-9)
        return abs(value - centre) / scale


class RunningStats:
    """Mean and standard deviation of the last `size` values, updated in constant time."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.values: deque[float] = deque()
        self.total = 0.0
        self.squares = 0.0

    def add(self, value: float) -> None:
        """Append a value, dropping the oldest when full."""
        self.values.append(value)
        self.total += value
        self.squares += value * value
        if len(self.values) > self.size:
            old = self.values.popleft()
            self.total -= old
            self.squares -= old * old

    def mean_and_deviation(self) -> tuple[float, float]:
        """The window's mean and standard deviation."""
        n = len(self.values)
        mean = self.total / n
        return mean, math.sqrt(max(self.squares / n - mean * mean, 0.0))


class RunningPeak:
    """The highest of the last `size` values, in amortised constant time (a monotone queue)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.rows = 0
        self.queue: deque[tuple[int, float]] = deque()

    def exceeded_by(self, value: float) -> bool:
        """Whether `value` is higher than every one of the last `size` values (then learn it)."""
        queue = self.queue
        while queue and queue[0][0] <= self.rows - self.size:
            queue.popleft()
        higher = not queue or value > queue[0][1]
        while queue and queue[-1][1] <= value:
            queue.pop()
        queue.append((self.rows, value))
        self.rows += 1
        return higher


class OnlineDetector:
    """Feed values in order; get an anomaly score in [0, 1] for each."""

    def __init__(
        self, settings: DetectorSettings | None = None, *, period: int | None = None
    ) -> None:
        self.s = settings or DetectorSettings()
        self.period = period if self.s.seasonal else None
        self.recent = RunningWindow(self.s.window)
        self.past: deque[float] = deque(maxlen=(self.period or 0) + 1)
        self.alarmed: deque[bool] = deque(maxlen=(self.period or 0) + 1)
        self.alarm_z = NormalDist().inv_cdf(min(max(self.s.alarm, 1e-9), 1 - 1e-9))
        self.season_diffs = RunningWindow(self.s.window)
        self.steps = RunningWindow(self.s.window)
        self.surprises = RunningStats(self.s.history)
        self.short: deque[float] = deque(maxlen=self.s.short)
        self.peak = RunningPeak(self.s.quiet)
        self.rows = 0
        self.last_alarm = -AFTERMATH

    def _raw(self, value: float) -> float:
        """The largest surprise of the views that can judge `value` yet (then learn it); the season
        view abstains when the value a day earlier was itself an alarm."""
        raw = self.recent.surprise(value) if len(self.recent.values) >= 10 else 0.0
        past = self.past
        if self.period and len(past) > self.period and not self.alarmed[0]:
            raw = max(raw, _learn(self.season_diffs, value - past[0]))
        if self.s.change and past:
            raw = max(raw, _learn(self.steps, value - past[-1]))
        past.append(value)
        self.recent.add(value)
        return raw

    def update(self, value: float) -> float:
        """Score `value` (then learn from it): the likelihood of its recent surprises."""
        self.rows += 1
        surprise = math.log1p(self._raw(value))
        if len(self.short) == self.s.short:  # the oldest leaves the average for the history
            self.surprises.add(self.short[0])
        self.short.append(surprise)
        z = self._standard(sum(self.short) / len(self.short))
        alarm = z is not None and z >= self.alarm_z
        self.alarmed.append(alarm)
        if z is None or (self.s.quiet and not self._kept(z, alarm)):
            return 0.0
        return 1.0 - _normal_tail(z)

    def _kept(self, z: float, alarm: bool) -> bool:
        """Whether a row keeps its score (one event, one alarm): it must be higher than every
        score of the `quiet` rows before it, and not in the few rows after a kept alarm."""
        if not self.peak.exceeded_by(z):
            return False
        if self.rows - self.last_alarm < min(AFTERMATH, self.s.quiet):
            return False
        if alarm:
            self.last_alarm = self.rows
        return True

    def _standard(self, recent: float) -> float | None:
        """How unusual the recent surprise is in the history's standard deviations (the
        likelihood's argument: unlike the likelihood it does not round to 1 for large events)."""
        if self.rows < self.s.warmup or len(self.surprises.values) < 50:
            return None
        mean, deviation = self.surprises.mean_and_deviation()
        return (recent - mean) / (deviation or 1e-9)


def _learn(window: RunningWindow, value: float) -> float:
    """`value`'s surprise in `window` (0 until the window holds 20 values), then add it."""
    surprise = window.surprise(value) if len(window.values) >= 20 else 0.0
    window.add(value)
    return surprise


def score_series(
    values: Iterable[float], *, period: int | None = None, settings: DetectorSettings | None = None
) -> list[float]:
    """Scores for a whole series, computed online, row by row."""
    detector = OnlineDetector(settings, period=period)
    return [detector.update(value) for value in values]
