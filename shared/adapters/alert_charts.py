"""The small chart of `alert test`, drawn with matplotlib (imported on first use): the signal's
last hour, the threshold, the periods judged shaded, the breaching points marked."""

from __future__ import annotations

import io
from datetime import UTC

from shared.alerts.ports import EvaluationChart
from shared.times import spans_days

INCHES = (4.8, 2.7)
DPI = 150
FONT = 11.0
INK, BREACH, THRESHOLD, JUDGED = "#1d3557", "#e63946", "#e63946", "#6c757d"


def render_evaluation_png(chart: EvaluationChart) -> bytes:
    """The chart as PNG bytes (720 × 405 px, legible on a phone)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import dates, pyplot

    figure = pyplot.figure(figsize=INCHES, layout="constrained")
    axis = figure.add_subplot()
    axis.set_title(chart.title, loc="left", fontsize=FONT + 1, fontweight="bold")
    axis.set_ylabel(chart.signal, fontsize=FONT)
    if chart.points:
        times, values = zip(*chart.points, strict=True)
        axis.plot(times, values, linewidth=1.6, color=INK)
        breaching = [(t, v) for t, v in chart.points if t in set(chart.breaching)]
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
    axis.axvspan(chart.judged_from, chart.end, color=JUDGED, alpha=0.18, linewidth=0)  # type: ignore[arg-type]
    start = chart.points[0][0] if chart.points else chart.judged_from
    axis.set_xlim(start, chart.end)  # type: ignore[arg-type]
    shape = "%d %b\n%H:%M UTC" if spans_days(start, chart.end) else "%H:%M UTC"
    axis.xaxis.set_major_locator(dates.AutoDateLocator(minticks=2, maxticks=4, tz=UTC))  # type: ignore[no-untyped-call]
    axis.xaxis.set_major_formatter(dates.DateFormatter(shape, tz=UTC))  # type: ignore[no-untyped-call]
    axis.tick_params(labelsize=FONT)
    axis.grid(axis="y", alpha=0.3)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    pyplot.close(figure)
    return buffer.getvalue()
