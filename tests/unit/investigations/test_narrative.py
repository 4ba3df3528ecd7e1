"""The report's account of what happened."""

from __future__ import annotations

from shared.investigations.narrative import NarrativeSummariser
from shared.telemetry.models import Event, Judgement, LogEvidence, Signal, Verdict
from tests.support import NOW
from tests.support.incidents import finding_at, investigation_of


def test_the_narrative_orders_changes_by_onset_whatever_their_rank() -> None:
    deploy = Event(time=NOW.replace(minute=0), kind="deploy", summary="deploy v7")
    errors = finding_at(Signal.ERROR_RATE, 5, 0.1, 3.0)
    traffic = finding_at(Signal.TRAFFIC, 3, 1000.0, 250.0).model_copy(update={"near": deploy})
    log = LogEvidence(source="error logs", text="pool timeout", window=40, baseline=0)
    text = NarrativeSummariser().summarise(investigation_of([errors, traffic], logs=[log])).text
    assert text == (
        "Traffic moved first, at 09:03 UTC, 3 min after deploy v7. "
        "Then error rate at 09:05 (30.0×). "
        "Most frequent in the logs: pool timeout (40 in the window)."
    )


def test_a_quiet_investigation_says_nothing_moved() -> None:
    assert NarrativeSummariser().summarise(investigation_of([])).text == (
        "Nothing in api's golden signals moved beyond its baseline."
    )


def test_a_narrative_never_says_nothing_moved_of_signals_it_could_not_judge() -> None:
    # GIVEN an investigation that judged latency steady, but had no data for errors and traffic
    verdicts = [
        Verdict(signal=Signal.P99_LATENCY, judgement=Judgement.STEADY),
        Verdict(signal=Signal.ERROR_RATE, judgement=Judgement.NO_DATA),
        Verdict(signal=Signal.TRAFFIC, judgement=Judgement.NO_DATA),
    ]
    quiet = investigation_of([]).model_copy(update={"verdicts": verdicts})
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
    dip = finding_at(Signal.TRAFFIC, 38, 1000.0, 200.0).model_copy(
        update={"end": NOW.replace(minute=58)}
    )
    errors = finding_at(Signal.ERROR_RATE, 40, 0.1, 3.0).model_copy(
        update={"end": NOW.replace(minute=50)}
    )
    assert NarrativeSummariser().summarise(investigation_of([errors, dip])).text == (
        "Traffic moved first, at 09:38 UTC for 20 min. Then error rate at 09:40 (30.0× for 10 min)."
    )


def test_signals_that_moved_in_the_same_minute_moved_together() -> None:
    # GIVEN saturation, errors and p99 latency that all moved at 09:30, traffic at 09:34
    found = [
        finding_at(s, 30, 1.0, 4.0)
        for s in (Signal.SATURATION, Signal.ERROR_RATE, Signal.P99_LATENCY)
    ]
    traffic = finding_at(Signal.TRAFFIC, 34, 1000.0, 250.0)
    # THEN the account says they moved together, then what followed
    assert NarrativeSummariser().summarise(investigation_of([*found, traffic])).text == (
        "Error rate, p99 latency and saturation moved together, at 09:30 UTC. "
        "Then traffic at 09:34 (down to 25%)."
    )


def test_a_weak_blip_before_a_strong_change_does_not_move_first() -> None:
    # GIVEN a 3-point saturation blip at 09:10 and errors 30× from 09:40 (strong evidence)
    blip = finding_at(Signal.SATURATION, 10, 40.0, 80.0).model_copy(
        update={"confidence": 0.3, "end": NOW.replace(minute=13)}
    )
    errors = finding_at(Signal.ERROR_RATE, 40, 0.1, 3.0).model_copy(update={"confidence": 1.0})
    # THEN the errors moved first; the blip is told after, as weaker
    assert NarrativeSummariser().summarise(investigation_of([blip, errors])).text == (
        "Error rate moved first, at 09:40 UTC. "
        "Before it, weaker: saturation at 09:10 (2.0× for 3 min)."
    )
