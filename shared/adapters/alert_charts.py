"""The small chart of `alert test`, drawn with matplotlib (imported on first use): the signal's
last hour, the threshold, the periods judged shaded, the breaching points marked."""

from __future__ import annotations

from datetime import UTC

from shared.adapters.plotting import (
    BASELINE,
    CHANGE,
    FONT,
    INK,
    PANEL_INCHES,
    png,
    pyplot,
    time_locator,
)
from shared.alerts.ports import EvaluationChart
from shared.times import spans_days

BREACH = THRESHOLD = CHANGE
JUDGED = BASELINE


def render_evaluation_png(chart: EvaluationChart) -> bytes:
    """The chart as PNG bytes (720 × 405 px, legible on a phone)."""
    from matplotlib import dates

    figure = pyplot().figure(figsize=PANEL_INCHES, layout="constrained")
    axis = figure.add_subplot()
    axis.set_title(chart.title, loc="left", fontsize=FONT + 1, fontweight="bold")
    axis.set_ylabel(chart.signal, fontsize=FONT)
    if chart.points:
        times, values = zip(*chart.points, strict=True)
        axis.plot(times, values, linewidth=1.6, color=INK)
        marked = set(chart.breaching)
        breaching = [(t, v) for t, v in chart.points if t in marked]
        if breaching:
            axis.plot(*zip(*breaching, strict=True), "o", color=BREACH, markersize=4)
    else:
        axis.text(
            0.5,
            0.5,
            "no data",
            ha="center",
            va="center",
            fontsize=FONT + 2,
            transform=axis.transAxes,
        )
    if chart.threshold is not None:
        axis.axhline(chart.threshold, color=THRESHOLD, linestyle="--", linewidth=1.2)
        axis.text(
            0.01,
            chart.threshold,
            " threshold",
            color=THRESHOLD,
            fontsize=FONT - 1,
            va="bottom",
            transform=axis.get_yaxis_transform(),
        )
    axis.axvspan(chart.judged_from, chart.end, color=JUDGED, alpha=0.18, linewidth=0)
    start = chart.points[0][0] if chart.points else chart.judged_from
    axis.set_xlim(start, chart.end)
    shape = "%d %b\n%H:%M UTC" if spans_days(start, chart.end) else "%H:%M UTC"
    axis.xaxis.set_major_locator(time_locator())
    axis.xaxis.set_major_formatter(dates.DateFormatter(shape, tz=UTC))  # type: ignore[no-untyped-call]
    axis.tick_params(labelsize=FONT)
    axis.grid(axis="y", alpha=0.3)
    return png(figure)
