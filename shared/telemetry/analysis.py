"""From golden-signal series to ranked findings: what changed, when, by how much, after what."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime

from shared.telemetry.judgement import NEAR, RISING, judge, summary
from shared.telemetry.models import Event, Finding, Signal

__all__ = ["NEAR", "RISING", "first_to_move", "headline", "onset", "rank"]


def onset(
    signal: Signal,
    points: Sequence[tuple[datetime, float]],
    window_start: datetime,
    events: Sequence[Event],
    unit: str = "",
) -> Finding | None:
    """The change in one signal inside the window that runs from `window_start` to the last
    point, if there is one (`judge` says why there is none)."""
    if not points:
        return None
    return judge(
        signal, points, start=window_start, end=points[-1][0], step=60, events=events, unit=unit
    )[1]


def rank(findings: Sequence[Finding]) -> list[Finding]:
    """Most telling first: confident, large changes."""

    def weight(f: Finding) -> float:
        ratio = f.ratio if math.isfinite(f.ratio) and f.ratio > 0 else 10.0
        return f.confidence * math.log2(max(ratio, 1 / ratio) + 1)

    return sorted(findings, key=weight, reverse=True)


def headline(finding: Finding) -> str:
    """One line an on-call engineer reads first."""
    text = f"{finding.signal.label} {summary(finding)}"
    if finding.near:
        minutes = round((finding.onset - finding.near.time).total_seconds() / 60)
        text += f", {minutes} min after {finding.near.summary}"
    return text


def first_to_move(findings: Sequence[Finding]) -> Finding | None:
    """The signal whose change began earliest."""
    return min(findings, key=lambda f: (f.onset, f.signal.value), default=None)
