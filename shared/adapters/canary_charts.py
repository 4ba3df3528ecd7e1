"""A canary's chart: stable and canary per minute since the start, one panel a metric, drawn
with matplotlib (imported on first use)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from shared.adapters.plotting import CHANGE, INK, png, pyplot
from shared.canary.chart import ChartPanel, ComparisonChart

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def render_comparison_png(chart: ComparisonChart) -> bytes:
    """A canary's chart as PNG bytes."""
    return png(comparison_figure(chart), dpi=90)


def _minutes(values: list[float]) -> list[int]:
    """Where a canary's values a minute go: each at the minute since the start when it was
    read (the first minute's at 1, the end of that minute)."""
    return list(range(1, len(values) + 1))


def comparison_figure(chart: ComparisonChart) -> Figure:
    """A canary's chart: its title (both releases) and verdict on top, one panel a metric with
    its unit, stable and canary per minute since the start."""
    plt = pyplot()
    panels = chart.panels or [ChartPanel(metric="no data", unit="", stable=[], canary=[])]
    figure, axes = plt.subplots(
        len(panels), 1, figsize=(6, 0.6 + 1.6 * len(panels)), squeeze=False, sharex=True
    )
    figure.suptitle(f"{chart.title}\n{chart.verdict}", fontsize=9, x=0.02, ha="left")
    from matplotlib.ticker import MaxNLocator

    last = max(max(len(p.stable), len(p.canary)) for p in panels)
    for axis, shown in zip(axes[:, 0], panels, strict=True):
        # a minute alone draws no line: each minute is also a marker, so one point shows
        dots = {"marker": "o", "markersize": 3, "linewidth": 1.2}
        axis.plot(
            _minutes(shown.stable), shown.stable, color=INK, label=f"stable {chart.stable}", **dots
        )
        axis.plot(
            _minutes(shown.canary),
            shown.canary,
            color=CHANGE,
            label=f"canary {chart.canary}",
            **dots,
        )
        axis.set_xlim(0, max(2, last))  # from the start, whole minutes even for one point
        axis.xaxis.set_major_locator(MaxNLocator(integer=True))
        axis.set_title(
            f"{shown.metric} ({shown.unit})" if shown.unit else shown.metric,
            loc="left",
            fontsize=8,
            fontweight="bold",
        )
        axis.tick_params(labelsize=7)
        axis.legend(fontsize=7, loc="upper left")
    axes[-1, 0].set_xlabel("minutes since the canary started", fontsize=8)
    figure.tight_layout()
    drawn: Figure = figure
    return drawn
