"""Events that explain: only a service's deploys, changes, canary steps and alert firings are
listed, most relevant first, never Auto SRE's own bookkeeping; the event a finding names is
always listed."""

from __future__ import annotations

from datetime import datetime, timedelta

from shared.audit.models import AuditRecord, Outcome
from shared.audit.scheduled import ScheduledAction, scheduled_action
from shared.bootstrap.features import COMMANDS
from shared.identity.models import Actor, OrgId, Platform, UserId
from shared.investigations.events import CANARY_BY_HAND, SERVICE_CHANGES, audited
from shared.telemetry.events import listed, ranked
from shared.telemetry.models import Event, Finding, ResourceKind, Signal
from tests.support import (
    NOW,
    service_of,
)

WEB = service_of(ResourceKind.AWS_LAMBDA, "web-fn", name="web")


def _record(command: str, at: datetime, *, target: str = "", **details: str) -> AuditRecord:
    scheduled = not command.startswith("sre ")
    user = "scheduler" if scheduled else "dana"
    platform = Platform.SCHEDULER if scheduled else Platform.SLACK
    return AuditRecord(
        id=command,
        time=at,
        org=OrgId("slack:T1"),
        team="payments",
        actor=Actor(platform=platform, org=OrgId("slack:T1"), user=UserId(user)),
        command=command,
        target=target,
        outcome=Outcome.SUCCEEDED,
        correlation_id="c",
        details=details,
        seq=1,
        prev_hash="0" * 64,
        hash="f" * 64,
    )


def _audited(*records: AuditRecord) -> list[str]:
    found = audited(records, WEB, start=NOW - timedelta(hours=5), end=NOW)
    return [e.summary for e in found]


def test_bookkeeping_is_never_an_event() -> None:
    # GIVEN a trail of the team's bookkeeping around the window
    bookkeeping = [
        'sre alert create slow --service web --when="p99_latency > 800ms"',
        "sre alert ack slow",
        "sre alert silence slow --duration=1h",
        "sre investigation open web --window=2h",
        "sre investigation join inv-1",
        "sre investigation comment inv-1 'looking'",
        "sre team bind C-pay --team=payments",
        "sre team member add rey --role=responder",
        "sre org grant rey auditor",
        "sre service share web --to=search --team=payments",
    ]
    # WHEN the investigation asks which of them are changes of web
    # THEN none is
    assert _audited(*(_record(text, NOW - timedelta(minutes=9)) for text in bookkeeping)) == []


def test_changes_of_the_service_are_events_and_other_services_are_not() -> None:
    at = NOW - timedelta(minutes=20)
    found = _audited(
        _record("sre service signal set web p99_latency --metric=Duration", at),
        _record("sre service signal set api p99_latency --metric=Duration", at),
        _record("sre service register web --aws-lambda=web-fn", at),
        _record("alert fired slow", at, target="web"),
        _record("alert fired other", at, target="api"),
        _record("alert resolved slow", at, target="web"),
        _record("canary advanced can-1", at, target="web-fn:live", weight="0.25"),
        _record("canary advanced can-2", at, target="api-fn:live", weight="0.25"),
        _record("canary rolled back can-1", at, target="web-fn:live", weight="0"),
        _record("sre canary start web --version=43", at),
        _record("sre canary promote can-1", at),
        _record("sre canary promote can-2", at),
    )
    assert found == [
        "`sre service signal set web p99_latency --metric=Duration` by @dana",
        "`sre service register web --aws-lambda=web-fn` by @dana",
        "alert slow fired",
        "canary can-1 advanced (25% of traffic)",
        "canary can-1 rolled back (0% of traffic)",
        "`sre canary start web --version=43` by @dana",
        "`sre canary promote can-1` by @dana",
    ]


def test_only_succeeded_changes_inside_the_window_count() -> None:
    inside = _record("sre service remove web", NOW - timedelta(hours=1))
    failed = inside.model_copy(update={"outcome": Outcome.FAILED})
    before = inside.model_copy(update={"time": NOW - timedelta(hours=6)})
    assert _audited(failed, before) == []
    assert _audited(inside) == ["`sre service remove web` by @dana"]


def _event(kind: str, minutes: int, summary: str = "") -> Event:
    return Event(time=NOW - timedelta(minutes=minutes), kind=kind, summary=summary or kind)


def test_events_are_ranked_deploys_changes_canaries_alerts_then_others() -> None:
    events = [
        _event("alert", 1),
        _event("event", 2, "cache flushed"),
        _event("canary", 3),
        _event("change", 4),
        _event("deploy", 50, "deploy v6"),
        _event("event", 5, "Deploy v7 of web"),  # a metrics file's free text naming a deploy
    ]
    assert [e.summary for e in ranked(events)] == [
        "Deploy v7 of web",
        "deploy v6",
        "change",
        "canary",
        "alert",
        "cache flushed",
    ]


def test_the_event_a_finding_names_is_listed_even_past_the_cap() -> None:
    deploys = [_event("deploy", m, f"deploy v{m}") for m in range(10)]
    old = _event("alert", 200, "alert slow fired")
    finding = Finding(
        signal=Signal.ERROR_RATE,
        onset=NOW - timedelta(minutes=190),
        baseline=0.1,
        current=4.0,
        confidence=1.0,
        evidence="error rate",
        near=old,
    )
    shown = listed([*deploys, old], [finding], limit=3)
    assert shown == [old, deploys[0], deploys[1]]
    assert listed([*deploys, old], [], limit=3) == deploys[:3]


def test_a_scheduler_entry_is_read_back_in_the_wording_it_was_written() -> None:
    for action in (
        ScheduledAction("alert", "fired", "p99-high"),
        ScheduledAction("alert", "escalated to databases", "p99-high"),
        ScheduledAction("canary", "rolled back", "can-1a2b"),
    ):
        assert scheduled_action(action.command()) == action
    assert scheduled_action("sre canary promote can-1a2b") is None


def test_the_typed_commands_read_as_events_are_the_canary_and_service_commands() -> None:
    # the words this feature matches in typed commands are the other features' own commands
    changing = {model.words for model in COMMANDS.models if model.mutates}
    matched: list[tuple[str, ...]] = [("canary", word) for word in CANARY_BY_HAND]
    matched += [("canary", "start"), *SERVICE_CHANGES]
    assert [words for words in matched if words not in changing] == []
