"""Which events can explain a change of one service, and in what order a report lists them.

An event is a deploy, a configuration change, a canary step, an alert firing of *that* service (its
chaos runs come from the `ServiceActivity` port, not from here). What the audit trail records of
Auto SRE's own bookkeeping (creating an alert, opening or joining an investigation, binding a
channel, granting a role, sharing a service) changes nothing the service does, so it is never an
event: a change must not be reported as lining up with someone typing `sre alert create`. The rules
read the canonical command text the audit trail keeps: a typed command (`sre service signal set web
p99_latency --metric=x`, `sre canary promote …`), or a scheduler entry (`alert fired p99-high`,
`canary advanced can-1a2b`) in the one wording that `shared.audit.scheduled` gives the features that
write them; so this feature needs no other feature's code (a test checks the typed canary words
against the canary's commands)."""

from __future__ import annotations

import shlex
from collections.abc import Iterable, Sequence
from datetime import datetime

from shared.audit.models import AuditRecord, Outcome
from shared.audit.scheduled import scheduled_action
from shared.telemetry.models import Event, Service

SERVICE_CHANGES = {
    ("service", "register"): 2,
    ("service", "remove"): 2,
    ("service", "signal", "set"): 3,
    ("service", "signal", "reset"): 3,
}
"""Configuration commands of a service, and the index of the service's name in their words."""
CANARY_BY_HAND = ("promote", "rollback", "hold", "resume")


def _words(command: str) -> list[str]:
    """A canonical command's words (options dropped); [] if it does not split."""
    try:
        words = shlex.split(command)
    except ValueError:
        return []
    return [w for w in words if not w.startswith("--")]


def _canaries(records: Sequence[AuditRecord], service: Service) -> set[str]:
    """Ids of the canaries the scheduler stepped on `service`'s resource (`FUNCTION:ALIAS`)."""
    return {
        action.subject
        for r in records
        if (action := scheduled_action(r.command)) is not None
        and action.feature == "canary"
        and r.target.rpartition(":")[0] == service.resource
    }


def _typed(words: list[str], service: Service, canaries: set[str]) -> str | None:
    """The kind of event a person's command (after `sre`) is for `service`, or None."""
    at = next((i for k, i in SERVICE_CHANGES.items() if tuple(words[: len(k)]) == k), None)
    if at is not None and words[at : at + 1] == [service.name]:
        return "change"
    if words[:3] == ["canary", "start", service.name]:
        return "canary"
    if words[:1] == ["canary"] and words[1:2] in ([w] for w in CANARY_BY_HAND):
        return "canary" if words[2:3] and words[2] in canaries else None
    return None


def _scheduled(record: AuditRecord, service: Service, canaries: set[str]) -> str:
    """What the scheduler did to `service` (an alert fired, a canary stepped), or ""."""
    action = scheduled_action(record.command)
    if action is None:
        return ""
    if action[:2] == ("alert", "fired") and record.target == service.name:
        return f"alert {action.subject} fired"
    if action.feature == "canary" and action.subject in canaries:
        weight = record.details.get("weight", "")
        share = f" ({float(weight):.0%} of traffic)" if weight else ""
        return f"canary {action.subject} {action.what}{share}"
    return ""


def _change(record: AuditRecord, service: Service, canaries: set[str]) -> Event | None:
    """The event `record` is for `service`, or None (another service's, or bookkeeping)."""
    words = _words(record.command)
    if words[:1] == ["sre"]:
        kind = _typed(words[1:], service, canaries)
        summary = f"`{record.command}` by @{record.actor.user}"
        by = record.actor.user
        return Event(time=record.time, kind=kind, summary=summary, by=by) if kind else None
    summary = _scheduled(record, service, canaries)
    if not summary:
        return None
    return Event(time=record.time, kind=summary.split()[0], summary=summary)


def audited(
    records: Iterable[AuditRecord], service: Service, *, start: datetime, end: datetime
) -> list[Event]:
    """The changes of `service` a team's audit trail recorded in [start, end]: its configuration,
    its canaries' steps, its alerts firing; never Auto SRE's own bookkeeping."""
    done = [r for r in records if r.outcome is Outcome.SUCCEEDED]
    canaries = _canaries(done, service)
    return [
        event
        for r in done
        if start <= r.time <= end and (event := _change(r, service, canaries)) is not None
    ]
