"""A realistic investigation to show a model or check a narrative against: a deploy, then p99
latency, then errors; error-rate data missing for a while; a log line."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from shared.investigations.models import Investigation, InvestigationStatus
from shared.telemetry.models import Event, Finding, Judgement, LogEvidence, Signal, Verdict
from tests.support import NOW

OPENED = datetime(2026, 1, 5, 15, 0, tzinfo=UTC)
DEPLOY = Event(time=datetime(2026, 1, 5, 14, 2, tzinfo=UTC), kind="deploy", summary="deploy v43")


def incident(
    *, logs: list[LogEvidence] | None = None, events: list[Event] | None = None
) -> Investigation:
    """checkout-api after deploy v43: p99 latency 4.23× at 14:05 for 30 min, traffic down to 62%."""
    latency = Finding(
        signal=Signal.P99_LATENCY,
        onset=datetime(2026, 1, 5, 14, 5, tzinfo=UTC),
        baseline=120.0,
        current=507.6,
        confidence=0.95,
        evidence="p99 latency 4.2× baseline",
        near=DEPLOY,
        end=datetime(2026, 1, 5, 14, 35, tzinfo=UTC),
    )
    traffic = Finding(
        signal=Signal.TRAFFIC,
        onset=datetime(2026, 1, 5, 14, 9, tzinfo=UTC),
        baseline=1000.0,
        current=620.0,
        confidence=0.8,
        evidence="traffic down to 62%",
    )
    return Investigation(
        id="inv-000042",
        org="slack:T1",
        team="payments",
        service="checkout-api",
        opened_by="rey",
        opened_at=OPENED,
        start=OPENED - timedelta(hours=2),
        end=OPENED,
        headline="p99 latency 4.2× baseline",
        findings=[latency, traffic],
        verdicts=[
            Verdict(signal=Signal.P99_LATENCY, judgement=Judgement.CHANGED),
            Verdict(signal=Signal.TRAFFIC, judgement=Judgement.CHANGED),
            Verdict(signal=Signal.ERROR_RATE, judgement=Judgement.NO_DATA),
        ],
        events=[DEPLOY] if events is None else events,
        logs=logs or [],
    )


def finding_at(signal: Signal, minute: int, baseline: float, current: float) -> Finding:
    """`signal` moved from `baseline` to `current` at `minute` past NOW's hour."""
    return Finding(
        signal=signal,
        onset=NOW.replace(minute=minute),
        baseline=baseline,
        current=current,
        confidence=0.9,
        evidence="e",
    )


def investigation_of(
    findings: list[Finding],
    *,
    logs: list[LogEvidence] | None = None,
    events: list[Event] | None = None,
) -> Investigation:
    """api of payments over the two hours before NOW, with these findings, logs and events."""
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
        events=events or [],
    )


def past_investigation(n: int, *, days_ago: int, cause: str = "") -> Investigation:
    """Payments' `n`th past investigation of checkout-api, `n` hours after `days_ago` days before
    NOW: resolved, but the oldest (`n` 0) still open."""
    at = NOW - timedelta(days=days_ago) + timedelta(hours=n)
    return Investigation(
        id=f"inv-{n:06x}",
        org="slack:T1",
        team="payments",
        service="checkout-api",
        opened_by="ann",
        opened_at=at,
        start=at - timedelta(hours=2),
        end=at,
        headline="checkout-api errors",
        status=InvestigationStatus.OPEN if n == 0 else InvestigationStatus.RESOLVED,
        cause=cause,
    )
