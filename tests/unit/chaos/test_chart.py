"""An experiment's chart says how it ended, compares the faulted with the unfaulted share per
minute in each signal's unit against its bound, and marks where each step began and where it
ended."""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy

from shared.adapters.chaos_charts import chaos_figure, render_chaos_png
from shared.chaos.chart import MOST_POINTS, chaos_chart
from shared.chaos.models import ChaosStep, Experiment, ExperimentOutcome, ExperimentState, Injection
from shared.judging.judge import MetricData
from tests.support import NOW
from tests.support.chaos import an_experiment

READ: list[tuple[datetime, datetime]] = []


def _minute(start: datetime, end: datetime) -> dict[str, MetricData]:
    """Each minute: 2 errors in 990 unfaulted requests, 5 in 10 faulted ones; p99 300 vs 1700."""
    READ.append((start, end))
    return {
        "error_rate": MetricData(
            control=[2.0], experiment=[5.0], control_total=990, experiment_total=10
        ),
        "p99_latency": MetricData(control=[300.0], experiment=[1700.0]),
    }


def _halted(minutes: int = 14) -> Experiment:
    """Error on 1% then 5% of checkout-api (from minute 10), halted at `minutes`."""
    return an_experiment(
        expectations=["error_rate < 1%", "p99_latency < 2s"],
        state=ExperimentState.ENDED,
        outcome=ExperimentOutcome.HALTED,
        ended_at=NOW + timedelta(minutes=minutes),
        injections=[
            Injection(key="chx-0a1b2c-0", percent=1, at=NOW),
            Injection(key="chx-0a1b2c-1", percent=5, at=NOW + timedelta(minutes=10)),
        ],
        history=[
            ChaosStep(at=NOW + timedelta(minutes=minutes), percent=5, what="halted", by="rey")
        ],
    )


def test_the_chart_shows_the_outcome_both_shares_in_the_unit_the_bound_steps_and_the_halt() -> None:
    # WHEN an experiment halted at minute 14 is charted
    figure = chaos_figure(chaos_chart(_halted(), _minute))
    # THEN its title says what was injected where and how it ended
    assert figure.get_suptitle() == "Chaos chx-0a1b2c: error on checkout-api: halted"
    errors, latency = figure.axes
    # AND each signal of the steady state is a panel in its unit, faulted against unfaulted
    assert errors.get_title(loc="left") == "error rate (%, pooled since each step began)"
    assert latency.get_title(loc="left") == "p99 latency (ms)"
    unfaulted, faulted, bound = errors.lines[:3]
    assert [float(y) for _, y in numpy.asarray(faulted.get_xydata())] == [50.0] * 14
    assert [round(float(y), 2) for _, y in numpy.asarray(unfaulted.get_xydata())] == [0.2] * 14
    # AND each value sits at the end of its minute since the start
    assert [float(x) for x, _ in numpy.asarray(faulted.get_xydata())] == list(range(1, 15))
    assert latency.get_xlabel() == "minutes since the experiment started"
    # AND the expectation's bound is drawn in the same unit
    assert [float(y) for _, y in numpy.asarray(bound.get_xydata())] == [1.0, 1.0]
    assert max(float(y) for _, y in numpy.asarray(latency.lines[2].get_xydata())) == 2000.0
    # AND each step's percent is marked where it began, and the halt where it happened
    marks = {t.get_text(): t.xy[0] for t in errors.texts}  # type: ignore[attr-defined]
    assert marks == {"1%": 0.0, "5%": 10.0, "halted": 14.0}
    assert render_chaos_png(chaos_chart(_halted(), _minute)).startswith(b"\x89PNG")


def test_a_long_run_is_read_in_buckets_so_its_chart_stays_readable() -> None:
    # GIVEN a run of three hours
    READ.clear()
    chart = chaos_chart(_halted(minutes=180), _minute)
    # THEN it is read and drawn in at most MOST_POINTS buckets of whole minutes
    assert len(READ) == len(chart.panels[0].minutes) <= MOST_POINTS
    assert chart.panels[0].minutes[:2] == [3.0, 6.0]


def _thin(start: datetime, end: datetime) -> dict[str, MetricData]:
    """60 requests a minute in each share; the faulted share's one error at minute 4."""
    minute = int((start - NOW).total_seconds() // 60)
    return {
        "error_rate": MetricData(
            control=[0.0],
            experiment=[1.0 if minute == 3 else 0.0],
            control_total=60,
            experiment_total=60,
        ),
        "p99_latency": MetricData(control=[300.0], experiment=[320.0]),
    }


def test_one_error_among_few_requests_is_not_drawn_as_a_breach() -> None:
    # WHEN a harmless fault's share of 60 requests a minute has one error in minute 4
    chart = chaos_chart(_halted(), _thin)
    (errors, _) = chart.panels
    # THEN its error rate is pooled since the step began (1 in 240, not 1 in 60 = 1.7%)
    assert round(errors.faulted[3], 2) == 0.42
    assert max(errors.faulted) < errors.bound
    # AND the next step starts its own pool
    assert errors.faulted[10:] == [0.0] * 4


def test_the_step_labels_are_drawn_inside_the_axes() -> None:
    figure = chaos_figure(chaos_chart(_halted(), _minute))
    figure.canvas.draw()
    renderer = figure.canvas.get_renderer()  # type: ignore[attr-defined]
    for axis in figure.axes:
        inside = axis.get_window_extent(renderer)
        for text in axis.texts:
            box = text.get_window_extent(renderer)
            assert inside.x0 < box.x0 and box.x1 < inside.x1, text.get_text()
            assert inside.y0 < box.y0 and box.y1 < inside.y1, text.get_text()
