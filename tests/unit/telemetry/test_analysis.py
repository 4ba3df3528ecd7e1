"""From signals to findings, on the bundled sample scenario and on plain series."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from shared.adapters.local.sample_metrics import SampleMetricsSource, deploy_time
from shared.telemetry.analysis import first_to_move, headline, onset, rank
from shared.telemetry.models import Event, Finding, ResourceKind, Service, Signal
from shared.telemetry.queries import UNITS, signal_series
from tests.support import service_of

END = datetime(2026, 11, 22, 14, 40, tzinfo=UTC)
START = END - timedelta(hours=2)


def _sample() -> Service:
    return service_of(ResourceKind.SAMPLE, "checkout", "checkout-api")


def _findings() -> list[Finding]:
    source = SampleMetricsSource()
    series = signal_series(source, _sample(), start=START - timedelta(hours=4), end=END, step=60)
    events = source.events(_sample(), start=START - timedelta(hours=4), end=END)
    return rank([f for s, p in series.items() if (f := onset(s, p, START, events, UNITS[s]))])


def test_the_sample_incident_is_found_signal_by_signal_with_its_onsets() -> None:
    deploy = deploy_time(END)
    found = {f.signal: f for f in _findings()}
    assert set(found) == {
        Signal.SATURATION,
        Signal.P99_LATENCY,
        Signal.P50_LATENCY,
        Signal.ERROR_RATE,
    }  # traffic did not change
    assert found[Signal.SATURATION].onset == deploy + timedelta(minutes=2)
    assert found[Signal.P99_LATENCY].onset == deploy + timedelta(minutes=3)
    assert found[Signal.ERROR_RATE].onset == deploy + timedelta(minutes=4)
    assert 3.8 < found[Signal.P99_LATENCY].ratio < 4.4


def test_the_first_signal_to_move_and_the_headline() -> None:
    findings = _findings()
    first = first_to_move(findings)
    assert first is not None
    assert first.signal is Signal.SATURATION
    p99 = next(f for f in findings if f.signal is Signal.P99_LATENCY)
    assert (
        headline(p99)
        == "p99 latency 4.1× baseline since 14:03 UTC, 3 min after deploy v42 of checkout-api"
    )


def test_a_steady_signal_has_no_finding() -> None:
    points = [
        (START - timedelta(hours=4) + timedelta(minutes=i), 100.0 + (i % 7)) for i in range(360)
    ]
    assert onset(Signal.TRAFFIC, points, START, []) is None


def test_a_drop_in_latency_is_not_a_finding_but_a_drop_in_traffic_is() -> None:
    base = START - timedelta(hours=4)
    points = [
        (base + timedelta(minutes=i), 500.0 + (i % 5) if i < 300 else 50.0) for i in range(360)
    ]
    assert onset(Signal.P99_LATENCY, points, START, []) is None
    dropped = onset(Signal.TRAFFIC, points, START, [])
    assert dropped is not None
    assert dropped.onset == base + timedelta(minutes=300)


def test_only_an_event_shortly_before_the_onset_is_lined_up() -> None:
    base = START - timedelta(hours=4)
    points = [
        (base + timedelta(minutes=i), 10.0 + (i % 3) if i < 300 else 90.0) for i in range(360)
    ]
    onset_at = base + timedelta(minutes=300)
    early = Event(time=onset_at - timedelta(hours=2), kind="deploy", summary="deploy v1")
    near = Event(time=onset_at - timedelta(minutes=7), kind="deploy", summary="deploy v2")
    later = Event(time=onset_at + timedelta(minutes=1), kind="deploy", summary="deploy v3")
    finding = onset(Signal.ERROR_RATE, points, START, [early, near, later])
    assert finding is not None
    assert finding.near == near
