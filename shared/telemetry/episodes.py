"""Where a signal left its baseline and where it came back: every episode of a series, found
offline (the whole series is seen at once).

A point is *far* when it is beyond the baseline's margin. An episode holds at least RUN points far
on one side; it is entered at the margin, but left only where the signal is back: within half the
way to the episode's typical value, and within the margin at most and half of it at least
(hysteresis), so a level that hovers at the margin neither flickers in and out of a change nor
moves its onset with the window, while a change far beyond it ends where it drops within it. It
begins at the first of the points in a row not back that hold its first far point (a point a
little out by chance before it is not its onset), bridges fewer than BACK points back, and ends at
the first of BACK points in a row back (or lasts to the series' end).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from shared.telemetry.baseline import SMALLEST, Baseline

RUN = 3
"""Points beyond the margin that make a change (a lone outlier does not)."""
STOPPED = 2
"""Points in a row that make a change when each is at zero beyond the margin below its level (a
signal that stopped: traffic gone for two minutes is an outage, not noise) or EXTREME margins
from its level (every request failing for two minutes is no outlier)."""
EXTREME = 10
"""How many margins from the level two points in a row must be to make a change on their own."""
REACHED = 2
"""How many times as far as the baseline's own two points in a row went such points must go."""
BACK = 3
"""Consecutive points back within half the margin that end a change."""
FULL = 10
"""A change this many points long is strong evidence; a shorter one is reported as weak."""
DIP = 5
"""Points back, at most, between two long episodes at one level that are one change."""
SAME = 0.25
"""Two episodes' typical values this share of their distance from the level apart are at one
level."""
RARE = 0.25
"""A baseline at its level most of the time (an error rate mostly 0) whose points are off it at
most this share of the time: FULL points off it in a row are then a change however small each
is (an error every minute for an hour, where one came every quarter hour), since chance gives
such a run less than once in a million."""
LEAD = 1 / 3
"""How much of the most significant change's evidence one still under way must have to come
first (a slight, lasting rise of traffic does not hide a 40x error spike)."""
RATE = 3.0
"""How many times the baseline's mean a run off a baseline mostly at one value must average."""
DENSE = 0.8
"""The least share of a run's points off the level (a minute at it now and then, fewer than BACK
in a row, does not end an incident of an error every minute)."""
GAP = 15
"""Minutes, at most, between two drops or spikes of one recurring change (a crash loop restarts
every few minutes: Kubernetes' back-off waits 5 at most); as many points at a one-minute step."""
MANY = 4
"""Drops or spikes, at least, that make a recurring change."""
SPIKY = 2
"""How many margins from the level the points far off an episode at its level must be, as a
rule, for it to be spikes or drops now and then rather than a level that hovers at the margin."""
CHANCE = 1e-6
"""How unlikely a recurring change's drops or spikes must be at the rate the rest of the series
shows them (an exporter that misses a minute now and then, all along, is no change)."""


@dataclass(frozen=True)
class Stretch:
    """One episode: the index of its first point, of its first point back (None while it
    lasts), of its last point out, and its side (+1 up, -1 down)."""

    first: int
    back: int | None
    last: int
    side: int
    hits: tuple[int, ...] = ()
    """For a recurring change (a crash loop: traffic at 0 one minute in seven), the indices of
    its drops or spikes, each too short to count alone; empty for an episode."""

    @property
    def repeats(self) -> int:
        """How many drops or spikes a recurring change holds (points in a row are one)."""
        return _occurrences(self.hits)

    def stop(self, length: int) -> int:
        """The index after its last point: its first point back, or the series' length."""
        return self.back if self.back is not None else length

    def points(self, length: int) -> int:
        """How many points it holds, from its onset to its end."""
        return self.stop(length) - self.first


def stretches(
    values: Sequence[float], base: Baseline, allowed: set[int], gap: int = GAP
) -> list[Stretch]:
    """Every episode of `values` against `base` on an `allowed` side, oldest first; the
    series' last points beyond the margin on the rising side count though fewer than RUN
    (nothing after them confirms or clears them: they are weak, never steady). `gap`: the
    most points between two drops or spikes of one recurring change (GAP minutes' worth)."""
    far = [base.side(v) for v in values]
    out = [base.side(v, base.half) for v in values]
    found: list[Stretch] = []
    scattered: list[Stretch] = []
    i = 0
    while i < len(values):
        side = out[i]
        if side not in allowed:
            i += 1
            continue
        last, _ = _extent(out.__getitem__, i, len(values), side)  # every point out, bridged
        if side not in far[i : last + 1]:  # nothing beyond the margin: noise
            i = last + 1
            continue
        back = base.back(statistics.median(values[i : last + 1]))
        episode = _within(values, far, i, side, base, back)
        counts = _counts(episode, far, len(values)) or _short(values, far, episode, base)
        if counts:
            (scattered if _scattered(values, far, episode, base) else found).append(episode)
        i = episode.last + 1  # a few points far that do not count: the rest may still hold one
    found += _runs(values, base, allowed, found)
    recurring = _recurring(values, base, allowed, found, scattered, gap)
    found = [
        s for s in found if not (_brief(s, len(values)) and any(_inside(s, r) for r in recurring))
    ]
    return _joined(values, sorted([*found, *recurring], key=lambda s: s.first), base)


def _recurring(
    values: Sequence[float],
    base: Baseline,
    allowed: set[int],
    found: Sequence[Stretch],
    scattered: Sequence[Stretch],
    gap: int,
) -> list[Stretch]:
    """The recurring changes outside the episodes already `found` (but for `_brief` ones, a
    restart that lost two minutes: they are part of it): MANY drops or spikes or more
    (`_strong`), `gap` points apart at most, that chance would give less than CHANCE of the
    time at the rate the rest of the series shows them (a crash loop: traffic at 0 one minute
    in seven, each minute too short to count alone); and each `scattered` episode outside
    them (drops close together that counted as an episode). Drops or spikes since the series'
    first points are the signal's way, not a change (a job every ten minutes that stopped in
    the window). One still recurring within `gap` of the series' end lasts; one that stopped
    ends at its last drop's next point."""
    length = len(values)
    taken = {k for s in found if not _brief(s, length) for k in range(s.first, s.stop(length))}
    usable = length - len(taken)
    result: list[Stretch] = []
    for side in sorted(allowed):
        hits = [k for k, v in enumerate(values) if k not in taken and _strong(v, base, side)]
        clusters = _clusters(hits, gap)
        usual = clusters[0] if clusters and clusters[0][0] < gap else []
        for cluster in clusters:
            if (
                cluster is not usual
                and _occurrences(cluster) >= MANY
                and _between(values, cluster, base)
                and _unlikely(cluster, hits, usable)
            ):
                back = cluster[-1] + 1 if length - 1 - cluster[-1] >= gap else None
                result.append(Stretch(cluster[0], back, cluster[-1], side, tuple(cluster)))
        for episode in (s for s in scattered if s.side == side):
            if not any(_inside(episode, s) for s in result) and not (
                usual and episode.first <= usual[-1]
            ):
                inside = range(episode.first, episode.last + 1)
                drops = tuple(k for k in inside if base.side(values[k]) == side)
                result.append(Stretch(episode.first, episode.back, episode.last, side, drops))
    return result


def _brief(stretch: Stretch, length: int) -> bool:
    """Whether an episode is STOPPED points long at most (a restart that lost two minutes)."""
    return not stretch.hits and stretch.stop(length) - stretch.first <= STOPPED


def _inside(stretch: Stretch, recurring: Stretch) -> bool:
    """Whether `stretch` lies within a recurring change's first and last drop or spike."""
    return recurring.first <= stretch.first and stretch.last <= recurring.last


def _scattered(values: Sequence[float], far: list[int], episode: Stretch, base: Baseline) -> bool:
    """Whether an episode is drops or spikes now and then, the signal at its level between
    them (traffic at 0 one minute in three, p99 at 3x one minute in three): its typical value
    within the margin, and every point of it far off a drop or spike (`_strong`), or its points
    far off SPIKY margins from the level or more (their median) with the others back within
    half the margin (not a level that hovers at the margin). It is then no change of level
    ("1.0× baseline since …"), but may be a recurring change."""
    inside = range(episode.first, episode.last + 1)
    if base.side(statistics.median(values[k] for k in inside)) != 0:
        return False
    off = [k for k in inside if far[k] == episode.side]
    if all(_strong(values[k], base, episode.side) for k in off):
        return True
    rest = [values[k] for k in inside if far[k] != episode.side]
    spikes = statistics.median(episode.side * (values[k] - base.level) for k in off)
    at_level = bool(rest) and base.side(statistics.median(rest), base.half) == 0
    return at_level and spikes >= SPIKY * base.margin


def _strong(value: float, base: Baseline, side: int) -> bool:
    """Whether a point is a drop or spike a recurring change is made of: beyond the margin on
    `side`, and to a tenth of a level above zero or less (traffic gone for a minute), or
    EXTREME margins from the level."""
    if base.side(value) != side:
        return False
    if side < 0 and base.level > 0 and value <= base.level / EXTREME:
        return True
    return side * (value - base.level) >= EXTREME * base.margin


def _between(values: Sequence[float], cluster: Sequence[int], base: Baseline) -> bool:
    """Whether the signal is at its baseline between a cluster's drops or spikes (a service
    that restarts and serves as before; not an error rate at 0 with a failed request now and
    then, traffic too low for a ratio, nor a signal already off its level)."""
    hit = set(cluster)
    rest = [values[k] for k in range(cluster[0], cluster[-1] + 1) if k not in hit]
    return bool(rest) and base.side(statistics.median(rest)) == 0


def _clusters(hits: Sequence[int], gap: int) -> list[list[int]]:
    """`hits` in groups, each next one `gap` points at most after the one before it."""
    groups: list[list[int]] = []
    for k in hits:
        if groups and k - groups[-1][-1] <= gap:
            groups[-1].append(k)
        else:
            groups.append([k])
    return groups


def _occurrences(hits: Sequence[int]) -> int:
    """How many runs of consecutive indices `hits` (ascending) holds."""
    return sum(1 for i, k in enumerate(hits) if i == 0 or hits[i - 1] != k - 1)


def _unlikely(cluster: Sequence[int], hits: Sequence[int], usable: int) -> bool:
    """Whether `cluster`'s drops or spikes are more than chance gives with less than CHANCE,
    at the rate of the others of `hits` over the rest of the `usable` points (one more of them
    assumed: a rest without any says their rate is low, not nil). Its first drop only opens
    it, so the rest are counted."""
    span = cluster[-1] - cluster[0] + 1
    inside = set(range(cluster[0], cluster[-1] + 1))
    rest = _occurrences([k for k in hits if k not in inside])
    expected = span * (rest + 1) / (max(usable - span, 0) + 1)
    return _poisson_tail(_occurrences(cluster) - 1, expected) < CHANCE


def _poisson_tail(count: int, expected: float) -> float:
    """The chance of `count` events or more where `expected` are expected."""
    term, below = math.exp(-expected), 0.0
    for i in range(count):
        below += term
        term *= expected / (i + 1)
    return max(0.0, 1.0 - below)


def _runs(
    values: Sequence[float], base: Baseline, allowed: set[int], found: Sequence[Stretch]
) -> list[Stretch]:
    """The runs off a baseline that is at its level most of the time (RARE), each of FULL
    points or more off it on one side (DENSE of them), none beyond its margin: a change the
    margin of its lone points cannot see, outside the episodes already `found`."""
    if base.off_share is None or base.off_share > RARE:
        return []
    taken = {k for s in found for k in range(s.first, s.stop(len(values)))}
    runs: list[Stretch] = []
    for side in sorted(allowed):
        off = [0 if k in taken else base.side(v, 0.0) for k, v in enumerate(values)]
        k = 0
        while k < len(values):
            if off[k] != side:
                k += 1
                continue
            last, back = _extent(off.__getitem__, k, len(values), side)
            while k < last and off[k + 1] != side:  # a lone point off before it: no onset
                k = next(j for j in range(k + 1, last + 1) if off[j] == side)
            count = off[k : last + 1].count(side)
            if (
                count >= FULL
                and count >= DENSE * (last + 1 - k)
                and _sized(values[k : last + 1], base, side)
            ):
                runs.append(Stretch(k, back, last, side))
            k = last + 1
    return runs


def _joined(values: Sequence[float], found: list[Stretch], base: Baseline) -> list[Stretch]:
    """`found`, two long episodes at one level on one side with a dip of at most DIP points
    between them made one (an incident that dipped for a few minutes is one change)."""
    joined: list[Stretch] = []
    for episode in found:
        before = joined[-1] if joined else None
        if before is not None and _one(values, before, episode, base):
            joined[-1] = Stretch(before.first, episode.back, episode.last, episode.side)
        else:
            joined.append(episode)
    return joined


def _one(values: Sequence[float], a: Stretch, b: Stretch, base: Baseline) -> bool:
    """Whether `b` goes on `a`: same side, both FULL points long, a dip of DIP points at most
    between them, and their typical values within SAME of their distance from the level."""
    length = len(values)
    if a.side != b.side or a.back is None or b.first - a.back > DIP or a.hits or b.hits:
        return False
    if min(a.points(length), b.points(length)) < FULL:
        return False
    typical = [statistics.median(values[s.first : s.stop(length)]) - base.level for s in (a, b)]
    return abs(typical[0] - typical[1]) <= SAME * max(abs(t) for t in typical)


def _within(
    values: Sequence[float], far: list[int], first: int, side: int, base: Baseline, back: float
) -> Stretch:
    """The episode from `first` on `side`, its points out beyond `back` from the level."""

    def at(k: int) -> int:
        return base.side(values[k], back)

    onset = _onset(far, at, first, side)
    last, end = _extent(at, onset, len(values), side)
    return Stretch(onset, end, last, side)


def _counts(episode: Stretch, far: list[int], length: int) -> bool:
    """Whether an episode is a change: RUN points far, or a rise at the series' end."""
    count = sum(1 for k in range(episode.first, episode.last + 1) if far[k] == episode.side)
    tail_rise = episode.last == length - 1 and episode.side > 0 and count > 0
    return count >= RUN or tail_rise


def _sized(run: Sequence[float], base: Baseline, side: int) -> bool:
    """Whether a run off a baseline mostly at one value is a change of size: its mean RATE
    times the baseline's mean at least (an error every minute where one came every quarter
    hour; not a rate that holds while traffic grows, making its errors come every minute), and
    SMALLEST of a level above zero from it (not an integer saturation a half unit up)."""
    away = side * (statistics.fmean(run) - base.mean)
    level = abs(base.level)
    return away >= (RATE - 1) * abs(base.mean) and away >= SMALLEST * level


def _short(values: Sequence[float], far: list[int], episode: Stretch, base: Baseline) -> bool:
    """Whether an episode too short to count is still a change: STOPPED points in a row, each
    at zero beyond the margin below its level (the signal stopped; zero is then far from its
    level, never a quiet series' usual minute) or EXTREME margins from its level; and further
    than REACHED times the baseline's own two points in a row went (a burst every hour, a GC
    pause, a dip of an exporter: the baseline already shows them)."""
    reach = base.reach_up if episode.side > 0 else base.reach_down
    run = 0
    for k in range(episode.first, episode.last + 1):
        distance = episode.side * (values[k] - base.level)
        stopped = episode.side < 0 and values[k] == 0 and far[k] < 0
        extreme = distance >= EXTREME * base.margin
        run = run + 1 if (stopped or extreme) and distance > REACHED * reach else 0
        if run >= STOPPED:
            return True
    return False


def _extent(
    out: Callable[[int], int], first: int, length: int, side: int
) -> tuple[int, int | None]:
    """The last point out on `side` (as `out` says of each index) of the stretch from `first`,
    and its first point back (the first of BACK in a row not out on that side; None when fewer
    than BACK follow it)."""
    last = first
    for k in range(first + 1, length):
        if out(k) == side:
            last = k
        elif k - last >= BACK:
            return last, last + 1
    return last, None


def _onset(far: list[int], out: Callable[[int], int], first: int, side: int) -> int:
    """Where the stretch from `first` began: the first of the points out in a row that hold its
    first point far (a point out by chance a little before the change is not its onset)."""
    k = next((k for k in range(first, len(far)) if far[k] == side), first)
    while k > first and out(k - 1) == side:
        k -= 1
    return k


def significance(values: Sequence[float], stretch: Stretch, base: Baseline) -> float:
    """How much an episode says: how many margins its typical value is from the baseline's
    level (on a log scale), times the square root of its points (evidence grows with length);
    for a recurring change, its drops' or spikes' typical value, times the square root of how
    many there were."""
    if stretch.hits:
        drops = [values[k] for k in stretch.hits]
        distance = abs(statistics.median(drops) - base.level) / base.margin
        return math.log2(1 + distance) * math.sqrt(stretch.repeats)
    inside = values[stretch.first : stretch.stop(len(values))]
    distance = abs(statistics.median(inside) - base.level) / base.margin
    return math.log2(1 + distance) * math.sqrt(len(inside))


def most_significant(
    values: Sequence[float], found: Sequence[Stretch], base: Baseline
) -> Stretch | None:
    """The episode that says most (the latest of equals: what is happening now); one of FULL
    points or more before any shorter one, however far the short one went (a 3-point blip of
    10× is weak evidence next to a change of 16 points still under way); one still under way
    before one that came back when it says at least LEAD as much (an on-call engineer reads the
    first line: an incident that goes on is not told as an earlier one that "recovered")."""

    def full(stretch: Stretch) -> bool:
        return stretch.stop(len(values)) - stretch.first >= FULL

    ranked = sorted(
        enumerate(found),
        key=lambda pair: (
            full(pair[1]),
            round(significance(values, pair[1], base), 6),
            pair[0],
        ),
    )
    if not ranked:
        return None
    best = ranked[-1][1]
    going = [s for _, s in ranked if full(s) and s.back is None]
    said = significance(values, best, base)
    if best.back is not None and going and significance(values, going[-1], base) >= LEAD * said:
        return going[-1]  # the most significant still under way, if it says enough
    return best
