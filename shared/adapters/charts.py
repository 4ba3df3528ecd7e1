"""Charts of an investigation's golden signals and of a canary, drawn with matplotlib (imported
on first use)."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from itertools import pairwise
from typing import TYPE_CHECKING

from shared.adapters.plotting import (
    BASELINE,
    CHANGE,
    DEPLOY,
    DPI,
    FONT,
    INK,
    PANEL_INCHES,
    png,
    pyplot,
    time_locator,
)
from shared.investigations.marks import Marks, charted, marks_for
from shared.investigations.models import Investigation
from shared.telemetry.models import Signal
from shared.times import period, spans_days

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

CHAT_PIXELS = 1024
"""The largest side of a picture Teams shows in a message."""
LABEL_BAND = 0.2
"""The band kept for labels above (or below) the data, as a share of the data's height."""
SIDE_TITLE = 26
"""Characters that fit right of the signal's name in a panel's title."""


def _x(at: datetime) -> float:
    """A time where matplotlib plots it."""
    from matplotlib import dates

    return float(dates.date2num(at))  # type: ignore[no-untyped-call]


def _label(axis: Axes, at: datetime, text: str, color: str, *, top: bool) -> None:
    """A mark's name written beside it, inside the panel (no legend to look up); left of a mark
    near the panel's right edge."""
    from matplotlib import transforms

    low, high = axis.get_xlim()
    late = _x(at) > low + 0.75 * (high - low)

    where = transforms.blended_transform_factory(axis.transData, axis.transAxes)
    axis.text(
        _x(at),
        0.96 if top else 0.04,
        f" {text} ",
        transform=where,
        color=color,
        fontsize=FONT,
        va="top" if top else "bottom",
        ha="right" if late else "left",
        clip_on=True,
        bbox={"facecolor": "white", "alpha": 0.8, "linewidth": 0, "pad": 1},
    )


def _baseline(axis: Axes, marks: Marks) -> None:
    if marks.baseline_start and marks.baseline_end and marks.baseline_shown:
        low, high = max(marks.baseline_start, marks.start), min(marks.baseline_end, marks.end)
        axis.axvspan(_x(low), _x(high), color=BASELINE, alpha=0.18, linewidth=0)
        _label(axis, low, "baseline", BASELINE, top=True)
    elif marks.baseline_start and marks.baseline_end:
        days = spans_days(marks.baseline_start, marks.end)
        text = f"baseline {period(marks.baseline_start, marks.baseline_end, days=days)}"
        if len(text) <= SIDE_TITLE:
            axis.set_title(text, loc="right", fontsize=FONT, color=BASELINE)
        else:  # beside the signal's name it would overlap it
            axis.set_xlabel(text, fontsize=FONT, color=BASELINE)
    if marks.baseline_level is not None:
        axis.axhline(marks.baseline_level, color=BASELINE, linestyle=":", linewidth=1.5)


def _events(axis: Axes, marks: Marks) -> None:
    for deploy in marks.shown_deploys:
        axis.axvline(_x(deploy.time), color=DEPLOY, linewidth=1.8)
        _label(axis, deploy.time, "deploy", DEPLOY, top=True)
    if marks.change_start is None:
        return
    # a change that began before the window is named at the panel's left edge
    name = "change" if marks.change_start >= marks.start else f"changed {marks.change_start:%H:%M}"
    if marks.change_end:
        axis.axvspan(
            _x(marks.change_start), _x(marks.change_end), color=CHANGE, alpha=0.15, linewidth=0
        )
    elif marks.change_start >= marks.start:
        axis.axvline(_x(marks.change_start), color=CHANGE, linestyle="--", linewidth=1.5)
    _label(axis, max(marks.change_start, marks.start), name, CHANGE, top=False)


def _time_axis(axis: Axes, marks: Marks) -> None:
    """Ticks in UTC, saying so, with dates when the window crosses midnight."""
    from matplotlib import dates
    from matplotlib.ticker import MaxNLocator

    shape = "%d %b\n%H:%M UTC" if spans_days(marks.start, marks.end) else "%H:%M UTC"
    axis.set_xlim(_x(marks.start), _x(marks.end))
    axis.xaxis.set_major_locator(time_locator())
    axis.xaxis.set_major_formatter(dates.DateFormatter(shape, tz=UTC))  # type: ignore[no-untyped-call]
    axis.yaxis.set_major_locator(MaxNLocator(nbins=4))
    axis.tick_params(labelsize=FONT)


def broken_at_gaps(points: list[tuple[datetime, float]]) -> list[tuple[datetime, float]]:
    """The points with a NaN (where matplotlib breaks a line) in each gap over twice their usual
    step, so minutes with no data are not drawn as a straight line across them."""
    steps = sorted(b[0] - a[0] for a, b in pairwise(points))
    if not steps:
        return points
    usual = steps[len(steps) // 2]
    broken = points[:1]
    for before, point in pairwise(points):
        if point[0] - before[0] > 2 * usual:
            broken.append((before[0] + usual, math.nan))
        broken.append(point)
    return broken


def _headroom(axis: Axes, marks: Marks) -> None:
    """A band above the data for the labels written at the top (deploy, baseline) and below it
    for the one at the bottom (change), so no label covers a point; ticks only over the data."""
    top = bool(marks.shown_deploys) or marks.baseline_shown
    bottom = marks.change_start is not None
    if not (top or bottom):
        return
    ticks = [float(t) for t in axis.get_yticks()]
    low, high = axis.get_ylim()
    band = LABEL_BAND * ((high - low) or 1.0)
    axis.set_ylim(low - band * bottom, high + band * top)
    axis.set_yticks([t for t in ticks if low <= t <= high])


def _panel(axis: Axes, marks: Marks) -> None:
    """One signal: its line, title with unit, the baseline, the deploys and the change."""
    times, values = zip(*broken_at_gaps(marks.points), strict=True)
    axis.plot(times, values, linewidth=1.6, color=INK)
    title = f"{marks.signal.label} ({marks.unit})" if marks.unit else marks.signal.label
    axis.set_title(title, loc="left", fontsize=FONT + 1, fontweight="bold")
    _time_axis(axis, marks)
    _baseline(axis, marks)
    _events(axis, marks)
    _headroom(axis, marks)
    axis.grid(axis="y", alpha=0.3)


def panel(investigation: Investigation, signal: Signal) -> Figure:
    """One signal's chart, sized to stay legible on a phone (close it, or save it with `_png`)."""
    figure: Figure = pyplot().figure(figsize=PANEL_INCHES, layout="constrained")
    _panel(figure.add_subplot(), marks_for(investigation, signal))
    return figure


def panel_png(investigation: Investigation, signal: Signal) -> bytes:
    """One signal's chart as PNG bytes."""
    return png(panel(investigation, signal))


def render_panels(investigation: Investigation) -> dict[Signal, bytes]:
    """A chart per signal that has points, for the page; PNG bytes each."""
    return {s: panel_png(investigation, s) for s in charted(investigation)}


def render_png(investigation: Investigation) -> bytes:
    """The signals' panels stacked in one picture (for the chat reply); PNG bytes."""
    signals = charted(investigation)
    width, height = PANEL_INCHES
    figure = pyplot().figure(figsize=(width, height * max(len(signals), 1)), layout="constrained")
    axes = figure.subplots(max(len(signals), 1), 1, squeeze=False)[:, 0]
    for axis, signal in zip(axes, signals, strict=False):
        _panel(axis, marks_for(investigation, signal))
    if not signals:
        axes[0].text(0.5, 0.5, "no data", ha="center", va="center", fontsize=FONT + 2)
        axes[0].set_axis_off()
    # Teams shows pictures up to 1024 × 1024 px: a taller stack is drawn at a lower resolution
    return png(figure, dpi=min(DPI, int(CHAT_PIXELS / figure.get_figheight())))
