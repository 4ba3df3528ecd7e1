"""The report's account of what happened."""

from __future__ import annotations

from datetime import timedelta

from shared.investigations.models import Investigation
from shared.investigations.narrative import NarrativeSummariser
from shared.telemetry.models import Event, Finding, Judgement, LogEvidence, Signal, Verdict
from tests.support import NOW


def _investigation(findings: list[Finding], logs: list[LogEvidence] | None = None) -> Investigation:
    return Investigation(
        id="inv-000001",
        org="T1",
        team="payments",
        service="api",
        opened_by="rey",
        opened_at=NOW,
        start=NOW - timedelta(hours=2),
        end=NOW,
        headline="h",
        findings=findings,
        logs=logs or [],
    )


def _finding(signal: Signal, minute: int, baseline: float, current: float) -> Finding:
    return Finding(
        signal=signal,
        onset=NOW.replace(minute=minute),
        baseline=baseline,
        current=current,
        confidence=0.9,
        evidence="e",
    )


def test_the_narrative_orders_changes_by_onset_whatever_their_rank() -> None:
    deploy = Event(time=NOW.replace(minute=0), kind="deploy", summary="deploy v7")
    errors = _finding(Signal.ERROR_RATE, 5, 0.1, 3.0)
    traffic = _finding(Signal.TRAFFIC, 3, 1000.0, 250.0).model_copy(update={"near": deploy})
    log = LogEvidence(source="error logs", text="pool timeout", window=40, baseline=0)
    text = NarrativeSummariser().summarise(_investigation([errors, traffic], [log])).text
    assert text == (
        "Traffic moved first, at 09:03 UTC, 3 min after deploy v7. "
        "Then error rate at 09:05 (30.0×). "
        "Most frequent in the logs: pool timeout (40 in the window)."
    )


def test_a_quiet_investigation_says_nothing_moved() -> None:
    assert NarrativeSummariser().summarise(_investigation([])).text == (
        "Nothing in api's golden signals moved beyond its baseline."
    )


def test_a_narrative_never_says_nothing_moved_of_signals_it_could_not_judge() -> None:
    # GIVEN an investigation that judged latency steady, but had no data for errors and traffic
    verdicts = [
        Verdict(signal=Signal.P99_LATENCY, judgement=Judgement.STEADY),
        Verdict(signal=Signal.ERROR_RATE, judgement=Judgement.NO_DATA),
        Verdict(signal=Signal.TRAFFIC, judgement=Judgement.NO_DATA),
    ]
    quiet = _investigation([]).model_copy(update={"verdicts": verdicts})
    # THEN its account says what it could not judge, and no all-clear
    text = NarrativeSummariser().summarise(quiet).text
    assert "moved beyond" not in text
    assert text == (
        "No change in p99 latency. Could not judge error rate (no data), traffic (no data)."
    )
    blind = quiet.model_copy(update={"verdicts": verdicts[1:]})
    assert NarrativeSummariser().summarise(blind).text == (
        "Nothing in api's golden signals could be judged: error rate (no data), traffic (no data)."
    )


def test_a_transient_change_is_told_with_its_duration() -> None:
    dip = _finding(Signal.TRAFFIC, 38, 1000.0, 200.0).model_copy(
        update={"end": NOW.replace(minute=58)}
    )
    errors = _finding(Signal.ERROR_RATE, 40, 0.1, 3.0).model_copy(
        update={"end": NOW.replace(minute=50)}
    )
    assert NarrativeSummariser().summarise(_investigation([errors, dip])).text == (
        "Traffic moved first, at 09:38 UTC for 20 min. Then error rate at 09:40 (30.0× for 10 min)."
    )
