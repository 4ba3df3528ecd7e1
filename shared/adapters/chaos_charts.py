"""An experiment's chart: faulted and unfaulted share per minute since the start, one panel a
signal of its steady state, its bound, its steps and its end marked; drawn with matplotlib
(imported on first use)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from shared.adapters.plotting import BASELINE, CHANGE, DEPLOY, INK, png, pyplot
from shared.chaos.chart import ChaosChart, ChaosPanel

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def render_chaos_png(chart: ChaosChart) -> bytes:
    """An experiment's chart as PNG bytes."""
    return png(chaos_figure(chart), dpi=90)


def chaos_figure(chart: ChaosChart) -> Figure:
    """The experiment's title and outcome on top, then a panel a signal of its steady state."""
    plt = pyplot()
    panels = chart.panels or [
        ChaosPanel(signal="no data", unit="", bound=0.0, minutes=[], faulted=[], unfaulted=[])
    ]
    figure, axes = plt.subplots(
        len(panels), 1, figsize=(6, 0.6 + 1.8 * len(panels)), squeeze=False, sharex=True
    )
    figure.suptitle(chart.title, fontsize=9, x=0.02, ha="left")
    from matplotlib.ticker import MaxNLocator

    last = max([2.0, *(m for p in panels for m in p.minutes), *(a for a, _ in chart.steps)])
    for axis, shown in zip(axes[:, 0], panels, strict=True):
        _panel(axis, shown, chart)
        axis.set_xlim(0, last + (chart.end is not None))
        axis.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes[-1, 0].set_xlabel("minutes since the experiment started", fontsize=8)
    figure.tight_layout()
    drawn: Figure = figure
    return drawn


def _panel(axis: Any, shown: ChaosPanel, chart: ChaosChart) -> None:
    """Both shares, the bound, each step's start and the end, in the signal's unit."""
    dots = {"marker": "o", "markersize": 3, "linewidth": 1.2}
    axis.plot(shown.minutes, shown.unfaulted, color=INK, label="unfaulted", **dots)
    axis.plot(shown.minutes, shown.faulted, color=CHANGE, label="faulted", **dots)
    axis.axhline(
        shown.bound,
        color=BASELINE,
        linestyle="--",
        linewidth=1,
        label=f"bound {shown.bound:g} {shown.unit}",
    )
    for minute, percent in chart.steps:
        axis.axvline(minute, color=DEPLOY, linewidth=1)
        axis.annotate(
            f"{percent}%",
            (minute, 1.0),
            xycoords=("data", "axes fraction"),
            xytext=(3, -3),
            textcoords="offset points",  # inside the axes, clear of the spine at minute 0
            fontsize=7,
            ha="left",
            va="top",
            color=DEPLOY,
        )
    if chart.end is not None:
        minute, outcome = chart.end
        axis.axvline(minute, color=CHANGE, linestyle=":", linewidth=1.5)
        axis.annotate(
            outcome,
            (minute, 0.0),
            xycoords=("data", "axes fraction"),
            xytext=(-3, 3),
            textcoords="offset points",
            fontsize=7,
            ha="right",
            va="bottom",
            color=CHANGE,
        )
    counted = ", pooled since each step began" if shown.unit == "%" else ""
    axis.set_title(
        f"{shown.signal} ({shown.unit}{counted})", loc="left", fontsize=8, fontweight="bold"
    )
    axis.tick_params(labelsize=7)
    axis.legend(fontsize=7, loc="best")
