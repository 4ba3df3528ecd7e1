"""The investigation's charts: one legible panel per signal, in UTC, with units, marking the
deploy, the baseline period and the change."""

from __future__ import annotations

import struct
import warnings
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import cast

import pytest
from matplotlib import dates
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.text import Text

from shared.adapters.charts import panel, render_panels, render_png
from shared.investigations.models import Investigation
from shared.telemetry.models import Event, Finding, Judgement, ResourceKind, Signal, Verdict
from shared.telemetry.queries import units_of
from tests.support import service_of

END = datetime(2026, 11, 29, 23, 18, tzinfo=UTC)
START = END - timedelta(hours=1)
DEPLOY = Event(time=START + timedelta(minutes=20), kind="deploy", summary="deploy v42 of web")
ONSET = DEPLOY.time + timedelta(minutes=3)
PHONE_PX = 350
"""How wide a phone (390 px viewport) shows a panel."""


def _series(start: datetime, end: datetime, step: timedelta) -> list[tuple[datetime, float]]:
    count = int((end - start) / step)
    return [(start + i * step, 380.0 if start + i * step < ONSET else 1560.0) for i in range(count)]


def _investigation(
    start: datetime = START, step: timedelta = timedelta(minutes=1), **update: object
) -> Investigation:
    return Investigation(
        id="inv-00000001",
        org="slack:T1",
        team="payments",
        service="web",
        opened_by="rey",
        opened_at=END,
        start=start,
        end=END,
        headline="web",
        series={s: _series(start, END, step) for s in Signal},
    ).model_copy(update=update)


def _before(signal: Signal) -> Verdict:
    """A changed signal's verdict, judged against the four hours before the window."""
    return Verdict(
        signal=signal,
        judgement=Judgement.CHANGED,
        baseline_start=START - timedelta(hours=4),
        baseline_end=START,
        baseline_points=240,
    )


def _png_size(png: bytes) -> tuple[int, int]:
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = struct.unpack(">II", png[16:24])
    return width, height


@pytest.fixture
def drawn() -> Iterator[list[Figure]]:
    """Figures a test drew, closed after it."""
    figures: list[Figure] = []
    yield figures
    from matplotlib import pyplot

    for figure in figures:
        pyplot.close(figure)


def _axis(drawn: list[Figure], investigation: Investigation, signal: Signal) -> Axes:
    figure = panel(investigation, signal)
    drawn.append(figure)
    figure.canvas.draw()
    return figure.axes[0]


def _texts(axis: Axes) -> list[str]:
    return [t.get_text().strip() for t in axis.texts]


def _vertical_lines(axis: Axes) -> set[float]:
    """Where the panel's vertical lines stand (the signal's own line has datetimes)."""
    xs = [list(cast("Sequence[object]", line.get_xdata())) for line in axis.lines]
    return {x[0] for x in xs if len(x) == 2 and x[0] == x[1] and isinstance(x[0], float)}


def _spans(axis: Axes) -> set[tuple[float, float]]:
    boxes = [p for p in axis.patches if isinstance(p, Rectangle)]
    return {(round(b.get_x(), 6), round(b.get_x() + b.get_width(), 6)) for b in boxes}


def _x(at: datetime) -> float:
    return float(dates.date2num(at))


def test_each_signal_gets_its_own_panel_legible_on_a_phone(drawn: list[Figure]) -> None:
    # Given an investigation with every signal, p99 latency judged against the hours before it
    investigation = _investigation(events=[DEPLOY], verdicts=[_before(Signal.P99_LATENCY)])

    # When its page panels are drawn
    panels = render_panels(investigation)

    # Then each signal has one panel, no taller than a screen's width
    assert list(panels) == list(Signal)
    for png in panels.values():
        width, height = _png_size(png)
        assert width <= 2 * PHONE_PX + 40  # a phone shrinks it at most about twice
        assert 1.4 <= width / height <= 2.2
    # and every word on it is at least 10 px high when a phone shows it 350 px wide
    axis = _axis(drawn, investigation, Signal.P99_LATENCY)
    figure_width = axis.figure.bbox.width
    words = [t for t in axis.figure.findobj(Text) if t.get_text() and t.get_visible()]
    assert {"p99 latency (ms)", "baseline 18:18\N{EN DASH}22:18 UTC", "22:30 UTC", "deploy"} <= {
        w.get_text().strip() for w in words
    }
    for word in words:
        if word.get_text():
            text_height = word.get_window_extent().height
            assert text_height * PHONE_PX / figure_width >= 10, word.get_text()


def test_the_time_axis_reads_in_utc_with_dates_across_days(drawn: list[Figure]) -> None:
    hour = _axis(drawn, _investigation(), Signal.TRAFFIC)
    days = _axis(
        drawn,
        _investigation(start=END - timedelta(days=3), step=timedelta(minutes=30)),
        Signal.TRAFFIC,
    )

    hours = [t.get_text() for t in hour.get_xticklabels()]
    assert hours == ["22:30 UTC", "23:00 UTC"]
    spanning = [t.get_text() for t in days.get_xticklabels()]
    assert len(spanning) >= 2
    assert all(t.endswith("UTC") and "Nov" in t for t in spanning)


def test_each_panel_names_its_unit(drawn: list[Figure]) -> None:
    investigation = _investigation()

    def title(signal: Signal) -> str:
        return _axis(drawn, investigation, signal).get_title(loc="left")

    assert title(Signal.P99_LATENCY) == "p99 latency (ms)"
    assert title(Signal.ERROR_RATE) == "error rate (%)"
    assert title(Signal.TRAFFIC) == "traffic (req/min)"


def test_a_saturation_panel_names_its_resources_unit(drawn: list[Figure]) -> None:
    # GIVEN investigations of a Lambda function and of a load balancer
    for kind, resource, unit in (
        (ResourceKind.AWS_LAMBDA, "checkout", "concurrent"),
        (
            ResourceKind.AWS_ALB,
            "arn:aws:elasticloadbalancing:::loadbalancer/app/w/1",
            "connections",
        ),
    ):
        investigation = _investigation(units=units_of(service_of(kind, resource)))
        # THEN saturation's panel says what it counts
        title = _axis(drawn, investigation, Signal.SATURATION).get_title(loc="left")
        assert title == f"saturation ({unit})"


def test_the_deploy_the_baseline_and_a_transient_change_are_marked(drawn: list[Figure]) -> None:
    # Given traffic fell for 15 minutes after a deploy, judged against the window's first 10
    # minutes (the hours before it were missing), and the report listed the deploy first
    fell = Finding(
        signal=Signal.TRAFFIC,
        onset=ONSET,
        end=ONSET + timedelta(minutes=15),
        baseline=1200,
        current=240,
        confidence=1,
        evidence="fell to 0.2× baseline for 15 min",
    )
    investigation = _investigation(
        findings=[fell],
        events=[DEPLOY, Event(time=START + timedelta(minutes=30), kind="alert", summary="fired")],
        verdicts=[
            Verdict(
                signal=Signal.TRAFFIC,
                judgement=Judgement.CHANGED,
                baseline_start=START,
                baseline_end=START + timedelta(minutes=10),
                baseline_points=10,
            )
        ],
    )

    # When traffic's panel is drawn
    axis = _axis(drawn, investigation, Signal.TRAFFIC)

    # Then the deploy is a line, the baseline and the change are shaded spans, each named
    assert _vertical_lines(axis) == {_x(DEPLOY.time)}  # the alert is not a deploy
    assert _spans(axis) == {
        (round(_x(START), 6), round(_x(START + timedelta(minutes=10)), 6)),
        (round(_x(ONSET), 6), round(_x(ONSET + timedelta(minutes=15)), 6)),
    }
    assert sorted(_texts(axis)) == ["baseline", "change", "deploy"]


def test_a_baseline_before_the_window_is_named_in_the_panel(drawn: list[Figure]) -> None:
    # Given p99 latency rose after the deploy, judged against the four hours before the window
    rose = Finding(
        signal=Signal.P99_LATENCY,
        onset=ONSET,
        baseline=380,
        current=1560,
        confidence=1,
        evidence="380 → 1,560 ms",
        near=DEPLOY,
    )
    investigation = _investigation(findings=[rose], verdicts=[_before(Signal.P99_LATENCY)])

    # When its panel is drawn
    axis = _axis(drawn, investigation, Signal.P99_LATENCY)

    # Then the panel says what the baseline was, draws its level, and marks the deploy and onset
    assert axis.get_title(loc="right") == "baseline 18:18\N{EN DASH}22:18 UTC"
    assert _vertical_lines(axis) == {_x(DEPLOY.time), _x(ONSET)}
    assert any(list(line.get_ydata()) == [380, 380] for line in axis.lines)  # type: ignore[arg-type]
    assert sorted(_texts(axis)) == ["change", "deploy"]


def test_the_chat_reply_carries_every_signal_stacked_in_one_picture_teams_can_show() -> None:
    investigation = _investigation()

    width, height = _png_size(render_png(investigation))
    one_width, one_height = _png_size(render_panels(investigation)[Signal.TRAFFIC])

    # five panels one above the other, within Teams' 1024 × 1024 px for a picture
    assert height / width == pytest.approx(len(Signal) * one_height / one_width, rel=0.02)
    assert max(width, height) <= 1024
    assert width >= 350  # as wide as the page shows a panel on a phone


def test_a_change_that_began_before_the_window_is_named_at_its_edge(drawn: list[Figure]) -> None:
    # Given a 30-minute window opened after p99 latency rose at 22:38
    rose = Finding(
        signal=Signal.P99_LATENCY,
        onset=END - timedelta(minutes=40),
        baseline=380,
        current=1560,
        confidence=1,
        evidence="4.1× baseline since 22:38 UTC",
    )
    investigation = _investigation(start=END - timedelta(minutes=30), findings=[rose])

    # When its panel is drawn
    axis = _axis(drawn, investigation, Signal.P99_LATENCY)

    # Then the panel says when it changed, with no line outside the window
    assert _texts(axis) == ["changed 22:38"]
    assert _vertical_lines(axis) == set()


def test_a_baseline_kept_with_the_series_is_plotted_and_shaded(drawn: list[Figure]) -> None:
    # Given an investigation that kept an hour of baseline points before its window
    baseline_start = START - timedelta(hours=1)
    investigation = _investigation(
        series={Signal.P99_LATENCY: _series(baseline_start, END, timedelta(minutes=1))},
        verdicts=[
            Verdict(
                signal=Signal.P99_LATENCY,
                judgement=Judgement.STEADY,
                baseline_start=baseline_start,
                baseline_end=START,
            )
        ],
    )

    # When its panel is drawn
    axis = _axis(drawn, investigation, Signal.P99_LATENCY)

    # Then the chart starts with the baseline, shaded and named
    assert axis.get_xlim()[0] == pytest.approx(_x(baseline_start))
    assert _spans(axis) == {(round(_x(baseline_start), 6), round(_x(START), 6))}
    assert "baseline" in _texts(axis)


@pytest.mark.parametrize("minutes", [85, 105, 119, 2020, 2820])
def test_a_window_of_any_length_gets_its_time_axis_without_a_warning(minutes: int) -> None:
    # GIVEN a window matplotlib's date locator found no interval for at 2 to 4 ticks (1h50m,
    # 33h40m: it warned on the terminal, between the answers)
    start = END - timedelta(minutes=minutes)
    investigation = _investigation(start=start, step=timedelta(minutes=5))
    # WHEN its panels are drawn, warnings turned into errors
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        drawn = render_panels(investigation)
    # THEN every signal has its panel
    assert set(drawn) == set(Signal)


def test_a_deploy_written_in_a_metrics_files_event_column_is_marked(drawn: list[Figure]) -> None:
    # GIVEN a CSV service's events, whose kind is `event`, one of them naming a deploy
    typed = Event(time=DEPLOY.time, kind="event", summary="deploy v5 of web")
    other = Event(time=START + timedelta(minutes=30), kind="event", summary="cache flushed")
    investigation = _investigation(events=[other, typed])
    # WHEN a panel is drawn; THEN the deploy is a line, and the other event is not
    axis = _axis(drawn, investigation, Signal.TRAFFIC)
    assert _vertical_lines(axis) == {_x(DEPLOY.time)}
    assert "deploy" in _texts(axis)


def _signal_line(axis: Axes) -> tuple[list[object], list[float]]:
    """The signal's own line (the one with datetimes), its x and y."""
    xs = [list(cast("Sequence[object]", line.get_xdata())) for line in axis.lines]
    ys = [list(cast("Sequence[float]", line.get_ydata())) for line in axis.lines]
    return next(
        (x, [float(v) for v in y])
        for x, y in zip(xs, ys, strict=True)
        if isinstance(x[0], datetime)
    )


def test_minutes_with_no_data_break_the_line(drawn: list[Figure]) -> None:
    # GIVEN error rate read each minute, with no point for 20 minutes in the middle
    gap = (START + timedelta(minutes=30), START + timedelta(minutes=50))
    points = [
        (t, v) for t, v in _series(START, END, timedelta(minutes=1)) if not gap[0] < t < gap[1]
    ]
    investigation = _investigation(series={Signal.ERROR_RATE: points})
    # WHEN its panel is drawn
    times, values = _signal_line(_axis(drawn, investigation, Signal.ERROR_RATE))
    # THEN the line breaks once, inside the gap (it was drawn straight across it)
    breaks = [t for t, v in zip(times, values, strict=True) if v != v]  # NaN
    assert breaks == [gap[0] + timedelta(minutes=1)]
    assert len(values) == len(points) + 1


def test_no_label_covers_a_point_of_the_line(drawn: list[Figure]) -> None:
    # GIVEN an error rate at its highest right after a deploy near the window's start, changed
    # from there (the labels at the top and the bottom both stand where the line is)
    start = END - timedelta(minutes=15)
    series = [(start + timedelta(minutes=i), 2.0 if i < 2 else 60.0) for i in range(15)]
    deploy = Event(time=start + timedelta(minutes=1), kind="deploy", summary="deploy v42")
    rose = Finding(
        signal=Signal.ERROR_RATE,
        onset=start + timedelta(minutes=2),
        baseline=2,
        current=60,
        confidence=1,
        evidence="rose to 30× baseline",
    )
    investigation = _investigation(
        start=start, series={Signal.ERROR_RATE: series}, events=[deploy], findings=[rose]
    )
    # WHEN its panel is drawn
    axis = _axis(drawn, investigation, Signal.ERROR_RATE)
    # THEN no point of the line lies inside a label's box (the deploy's hid the whole 60% stretch)
    renderer = axis.figure.canvas.get_renderer()  # type: ignore[attr-defined]
    boxes = [t.get_window_extent(renderer) for t in axis.texts]
    assert sorted(_texts(axis)) == ["change", "deploy"]
    times, values = _signal_line(axis)
    shown = axis.transData.transform([(_x(t), v) for t, v in zip(times, values, strict=True)])  # type: ignore[arg-type]
    for x, y in shown:
        assert not any(box.contains(x, y) for box in boxes), (x, y)
