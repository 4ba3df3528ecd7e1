"""From golden-signal series to ranked findings: what changed, when, by how much, after what."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from datetime import datetime, timedelta

from shared.investigations.detector import DetectorSettings, score_series
from shared.investigations.models import Event, Finding, Signal

ALARM = 0.99
NEAR = timedelta(minutes=30)
"""An event this long before a change is reported as what the change lines up with."""
RISING = {Signal.P50_LATENCY, Signal.P99_LATENCY, Signal.ERROR_RATE, Signal.SATURATION}
"""Signals whose fall is good news; traffic is anomalous either way."""


def _settings(baseline_rows: int) -> DetectorSettings:
    rows = max(baseline_rows, 20)
    return DetectorSettings(
        window=rows, history=rows, warmup=max(rows // 2, 10), short=2, quiet=0, seasonal=False
    )


def _fmt(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.2f}".rstrip("0").rstrip(".")


def onset(
    signal: Signal,
    points: Sequence[tuple[datetime, float]],
    window_start: datetime,
    events: Sequence[Event],
    unit: str = "",
) -> Finding | None:
    """The change in one signal inside the window, if there is one."""
    values = [v for _, v in points]
    base = [v for t, v in points if t < window_start]
    if len(base) < 10 or len(values) - len(base) < 3:
        return None
    scores = score_series(values, settings=_settings(len(base)))
    middle = statistics.median(base)
    for i in range(len(base), len(values) - 2):
        rising = values[i] > middle
        if signal in RISING and not rising:
            continue
        if scores[i] >= ALARM and sum(scores[i + k] >= ALARM for k in range(3)) >= 2:
            return _finding(signal, points, i, middle, scores, events, unit)
    return None


def _finding(
    signal: Signal,
    points: Sequence[tuple[datetime, float]],
    i: int,
    middle: float,
    scores: list[float],
    events: Sequence[Event],
    unit: str,
) -> Finding:
    at = points[i][0]
    current = statistics.median(v for _, v in points[i:])
    confidence = min(1.0, statistics.fmean(scores[i : i + 5]))
    near = max(
        (e for e in events if timedelta(0) <= at - e.time <= NEAR),
        key=lambda e: e.time,
        default=None,
    )
    ratio = current / middle if middle else math.inf
    evidence = (
        f"{signal.label} {_fmt(middle)} → {_fmt(current)}{unit} ({ratio:.1f}× baseline) "
        f"from {at:%H:%M} UTC; anomaly score {max(scores[i : i + 3]):.3f}"
    )
    return Finding(
        signal=signal,
        onset=at,
        baseline=middle,
        current=current,
        confidence=round(confidence, 3),
        evidence=evidence,
        near=near,
    )


def rank(findings: Sequence[Finding]) -> list[Finding]:
    """Most telling first: confident, large changes."""

    def weight(f: Finding) -> float:
        ratio = f.ratio if math.isfinite(f.ratio) and f.ratio > 0 else 10.0
        return f.confidence * math.log2(max(ratio, 1 / ratio) + 1)

    return sorted(findings, key=weight, reverse=True)


def headline(finding: Finding) -> str:
    """One line an on-call engineer reads first."""
    text = f"{finding.signal.label} {finding.ratio:.1f}× baseline since {finding.onset:%H:%M} UTC"
    if finding.near:
        minutes = round((finding.onset - finding.near.time).total_seconds() / 60)
        text += f", {minutes} min after {finding.near.summary}"
    return text


def first_to_move(findings: Sequence[Finding]) -> Finding | None:
    """The signal whose change began earliest."""
    return min(findings, key=lambda f: (f.onset, f.signal.value), default=None)
