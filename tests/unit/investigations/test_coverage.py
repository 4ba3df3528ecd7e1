"""The report's words for what an investigation could and could not judge."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from shared.investigations.service import report
from shared.replies import Tone
from shared.telemetry.models import Finding, Gap, Judgement, ResourceKind, Signal, Verdict
from tests.support import service_of

START = datetime(2026, 11, 22, 17, 32, tzinfo=UTC)
END = START + timedelta(hours=6)


def _verdict(signal: Signal, judgement: Judgement, **counts: int) -> Verdict:
    return Verdict(signal=signal, judgement=judgement, needed_points=20).model_copy(update=counts)


def _report(findings: list[Finding], verdicts: list[Verdict]) -> tuple[Tone, str, str]:
    service = service_of(ResourceKind.SAMPLE, "checkout", "web")
    # read the next day: the window, of another day, carries its date
    later = END + timedelta(days=1)
    reply = report(service, findings, start=START, end=END, events=[], verdicts=verdicts, now=later)
    return reply.tone, reply.title, reply.text


def test_only_every_signal_judged_steady_is_an_all_clear() -> None:
    steady = [_verdict(s, Judgement.STEADY) for s in (Signal.P99_LATENCY, Signal.ERROR_RATE)]
    tone, title, text = _report([], steady)
    assert tone is Tone.OK
    assert title == "web: no significant change in Sun 22 Nov 17:32–23:32 UTC"
    assert text == "P99 latency and error rate stayed within their baseline."


def test_a_report_where_nothing_could_be_judged_says_so_first_with_each_reason() -> None:
    verdicts = [
        _verdict(Signal.ERROR_RATE, Judgement.NO_DATA),
        _verdict(Signal.P99_LATENCY, Judgement.NO_DATA),
        _verdict(Signal.TRAFFIC, Judgement.SHORT_BASELINE, baseline_points=0, window_points=12),
        _verdict(Signal.SATURATION, Judgement.PARTIAL, window_points=50, expected_points=360),
    ]
    tone, title, text = _report([], verdicts)
    assert tone is Tone.INFO
    assert title == (
        "Cannot judge web: no data for error rate, p99 latency; not enough baseline for traffic; "
        "partial data for saturation in Sun 22 Nov 17:32–23:32 UTC"
    )
    assert text.splitlines() == [
        "error rate: no data in Sun 22 Nov 17:32–23:32 UTC",
        "p99 latency: no data in Sun 22 Nov 17:32–23:32 UTC",
        "traffic: not enough baseline: 0 points before the window and 12 in it; "
        "a baseline needs 20",
        "saturation: partial data: 50 of 360 expected points in the window, "
        "no change in those there are",
    ]


def test_findings_come_first_then_what_could_not_be_judged() -> None:
    spike = Finding(
        signal=Signal.ERROR_RATE,
        onset=START + timedelta(minutes=330),
        baseline=1.0,
        current=13.0,
        confidence=1.0,
        evidence="13.0× baseline since 23:02 UTC (1% → 13%)",
    )
    verdicts = [
        _verdict(Signal.ERROR_RATE, Judgement.CHANGED),
        _verdict(Signal.TRAFFIC, Judgement.NO_DATA),
    ]
    _, title, text = _report([spike], verdicts)
    assert title == "web: error rate 13.0× baseline since Sun 22 Nov 23:02 UTC"
    assert text.splitlines() == [  # worded for the reader, dated as the title is
        "1. error rate 13.0× baseline since Sun 22 Nov 23:02 UTC (1% → 13%)",
        "Could not judge:",
        "traffic: no data in Sun 22 Nov 17:32–23:32 UTC",
    ]


def test_data_that_stopped_says_since_when_in_the_title_and_its_line() -> None:
    # GIVEN every point of the window but its last 80 minutes: 78% of them, none since 22:12
    stopped = Gap(start=START + timedelta(minutes=280))
    verdicts = [
        _verdict(Signal.ERROR_RATE, Judgement.PARTIAL, window_points=280, expected_points=360)
    ]
    verdicts = [v.model_copy(update={"missing": [stopped]}) for v in verdicts]
    tone, title, text = _report([], verdicts)
    # THEN the title says there is no data after 22:12, and no all-clear
    assert tone is Tone.INFO
    assert title == (
        "Cannot judge web: partial data (no data after Sun 22 Nov 22:12 UTC) for error rate "
        "in Sun 22 Nov 17:32–23:32 UTC"
    )
    assert text == (
        "error rate: partial data: 280 of 360 expected points in the window (no data after "
        "Sun 22 Nov 22:12 UTC), no change in those there are"
    )


def _moved(signal: Signal, minute: int) -> Finding:
    return Finding(
        signal=signal,
        onset=START + timedelta(minutes=minute),
        baseline=1.0,
        current=4.0,
        confidence=1.0,
        evidence="4.0× baseline",
    )


def test_signals_that_moved_in_the_same_minute_are_first_to_move_together() -> None:
    # GIVEN errors, p99 latency and saturation that moved at 23:02, traffic two minutes later
    found = [_moved(s, 330) for s in (Signal.SATURATION, Signal.ERROR_RATE, Signal.P99_LATENCY)]
    service = service_of(ResourceKind.SAMPLE, "checkout", "web")
    reply = report(service, [*found, _moved(Signal.TRAFFIC, 332)], start=START, end=END, events=[])
    # THEN the report says they moved together, not that one of them moved first
    assert dict(reply.fields)["First to move"] == (
        "error rate, p99 latency and saturation together at 23:02 UTC"
    )


def test_a_change_with_a_span_of_no_data_says_so_beside_its_finding() -> None:
    # GIVEN errors that changed, with no data between 20:00 and 20:25
    hole = Gap(start=START + timedelta(minutes=148), end=START + timedelta(minutes=173))
    verdicts = [
        _verdict(Signal.ERROR_RATE, Judgement.CHANGED).model_copy(update={"missing": [hole]})
    ]
    service = service_of(ResourceKind.SAMPLE, "checkout", "web")
    reply = report(
        service,
        [_moved(Signal.ERROR_RATE, 330)],
        start=START,
        end=END,
        events=[],
        verdicts=verdicts,
    )
    assert dict(reply.fields)["Missing data"] == "error rate: no data between 20:00 and 20:25 UTC"
