"""The report's account of what happened, and the seam where a summariser plugs in."""

from __future__ import annotations

from datetime import timedelta

from shared.adapters.memory import FixedClock, InMemoryTaskQueue
from shared.bootstrap.wiring import Services, build
from shared.config import Settings
from shared.investigations.models import Investigation
from shared.investigations.narrative import NarrativeSummariser
from shared.replies import Reply
from shared.telemetry.models import Event, Finding, Judgement, LogEvidence, Signal, Verdict
from tests.support import NOW, memory_adapters, run, setup_teams


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
    text = NarrativeSummariser().summarise(_investigation([errors, traffic], [log]))
    assert text == (
        "Traffic moved first, at 09:03 UTC, 3 min after deploy v7. "
        "Then error rate at 09:05 (30.0×). "
        "Most frequent in the logs: pool timeout (40 in the window)."
    )


def test_a_quiet_investigation_says_nothing_moved() -> None:
    assert NarrativeSummariser().summarise(_investigation([])) == (
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
    text = NarrativeSummariser().summarise(quiet)
    assert "moved beyond" not in text
    assert text == (
        "No change in p99 latency. Could not judge error rate (no data), traffic (no data)."
    )
    blind = quiet.model_copy(update={"verdicts": verdicts[1:]})
    assert NarrativeSummariser().summarise(blind) == (
        "Nothing in api's golden signals could be judged: error rate (no data), traffic (no data)."
    )


def test_a_transient_change_is_told_with_its_duration() -> None:
    dip = _finding(Signal.TRAFFIC, 38, 1000.0, 200.0).model_copy(
        update={"end": NOW.replace(minute=58)}
    )
    errors = _finding(Signal.ERROR_RATE, 40, 0.1, 3.0).model_copy(
        update={"end": NOW.replace(minute=50)}
    )
    assert NarrativeSummariser().summarise(_investigation([errors, dip])) == (
        "Traffic moved first, at 09:38 UTC for 20 min. Then error rate at 09:40 (30.0× for 10 min)."
    )


class _Broken:
    def summarise(self, investigation: Investigation) -> str:
        raise TimeoutError("the model did not answer")


class _Terse:
    def summarise(self, investigation: Investigation) -> str:
        return f"{len(investigation.findings)} signals moved."


def _report(summariser: object) -> Reply:
    clock = FixedClock(NOW)
    services: Services = build(
        Settings(org_admins=("slack:T1:root",)), memory_adapters(clock, summariser=summariser)
    )
    setup_teams(services)
    run(services, "service register api --sample checkout", user="oli", channel="C-pay")
    run(services, "investigate api", user="rey", channel="C-pay")
    tasks = services.tasks
    assert isinstance(tasks, InMemoryTaskQueue)
    (task,) = tasks.drain()
    return services.bus.resume(task)


def test_a_summariser_given_to_the_composition_root_tells_the_report() -> None:
    assert _report(_Terse()).text.splitlines()[0] == "4 signals moved."


def test_a_failing_summariser_falls_back_to_the_narrative() -> None:
    report = _report(_Broken())
    assert not report.failed
    assert report.text.startswith("Saturation moved first, at 08:52 UTC")
