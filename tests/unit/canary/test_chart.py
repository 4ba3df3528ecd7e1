"""A canary's chart says what it compares, where the canary stands, in which units and when."""

from __future__ import annotations

import numpy

from shared.adapters.canary_charts import comparison_figure, render_comparison_png
from shared.canary.chart import comparison
from shared.canary.models import Canary, CanaryState, StepRecord
from shared.judging.judge import MetricData
from tests.support import NOW
from tests.support.canaries import a_canary


def _held() -> Canary:
    return a_canary(
        metrics=["errors", "p99_latency"],
        state=CanaryState.HOLDING,
        history=[StepRecord(at=NOW, weight=0.05, what="held", reason="by hand", by="oli")],
    )


DATA = {
    "errors": MetricData(
        control=[10.0, 12.0, 9.0],
        experiment=[1.0, 0.0, 1.0],
        control_total=950,
        experiment_total=50,
    ),
    "p99_latency": MetricData(  # with each side's requests, as the adapters read it
        control=[380.0, 390.0, 385.0],
        experiment=[400.0, 410.0, 395.0],
        control_total=950,
        experiment_total=50,
    ),
}


def test_the_chart_names_both_releases_the_verdict_the_units_and_minutes_since_the_start() -> None:
    # WHEN a held canary of 43 against 41 is charted with three minutes of both metrics
    figure = comparison_figure(comparison(_held(), DATA))
    # THEN its title names the service and both releases, then where the canary stands
    assert figure.get_suptitle() == (
        "checkout-api: canary 43 vs stable 41\nheld at 5% (step 1/4) · last step: held"
    )
    errors, latency = figure.axes
    # AND each panel names its metric with its unit (error counts scaled to stable's traffic)
    assert errors.get_title(loc="left") == "errors (errors/min, canary ×19 to stable's traffic)"
    assert latency.get_title(loc="left") == "p99 latency (ms)"
    legend = latency.get_legend()
    assert legend is not None
    assert [t.get_text() for t in legend.get_texts()] == ["stable 41", "canary 43"]
    # AND the shared time axis is minutes since the canary started, each value at the minute
    # it was read
    assert latency.get_xlabel() == "minutes since the canary started"
    assert [float(x) for x, _ in numpy.asarray(latency.lines[1].get_xydata())] == [1, 2, 3]
    # AND a percentile is shown as it is, never scaled by the traffic (before: the canary's
    # p99 ×19, "31,000 ms", found by a newcomer's afternoon)
    assert [float(y) for _, y in numpy.asarray(latency.lines[1].get_xydata())] == [400, 410, 395]
    assert render_comparison_png(comparison(_held(), DATA)).startswith(b"\x89PNG")


def test_a_canary_judged_after_one_minute_has_a_chart_of_one_marked_point_per_release() -> None:
    # GIVEN a canary judged every minute, read once: one minute of each release
    one = {"p99_latency": MetricData(control=[375.5], experiment=[1658.0])}
    # WHEN it is charted
    chart = comparison(_held(), one)
    (latency,) = comparison_figure(chart).axes
    # THEN the panel is drawn, each release's one minute a visible marker
    assert [p.metric for p in chart.panels] == ["p99 latency"]
    stable, canary = latency.lines
    assert stable.get_marker() == "o" and canary.get_marker() == "o"
    assert [float(y) for _, y in numpy.asarray(canary.get_xydata())] == [1658.0]


def test_the_time_axis_of_a_canary_chart_ticks_whole_minutes() -> None:
    # WHEN three minutes of a canary are charted
    figure = comparison_figure(comparison(_held(), DATA))
    figure.canvas.draw()
    # THEN every tick of the time axis is a whole minute (no 0.2, 0.4 …)
    ticks = [float(t) for t in figure.axes[-1].get_xticks()]
    assert ticks and all(t == int(t) for t in ticks)


def test_one_minute_judged_sits_at_minute_one_on_an_axis_of_whole_minutes_from_the_start() -> None:
    # GIVEN a canary judged every minute, read once, one minute after its start
    one = {"p99_latency": MetricData(control=[375.5], experiment=[1658.0])}
    # WHEN it is charted and drawn
    figure = comparison_figure(comparison(_held(), one))
    figure.canvas.draw()
    (latency,) = figure.axes
    # THEN both releases' one value sits at minute 1, not at 0
    assert [[float(x) for x, _ in numpy.asarray(line.get_xydata())] for line in latency.lines] == [
        [1.0],
        [1.0],
    ]
    # AND the axis runs from the start over whole minutes (never -0.045 … 0.045)
    assert latency.get_xlim() == (0.0, 2.0)
    ticks = [float(t) for t in latency.get_xticks() if 0 <= t <= 2]
    assert ticks == [0.0, 1.0, 2.0]
