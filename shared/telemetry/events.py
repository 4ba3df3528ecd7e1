"""Events (deploys, changes, canary steps, alerts) in the order a report lists them: what a change
most often follows comes first."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from shared.telemetry.models import Event, Finding

KINDS = ("deploy", "change", "canary", "alert", "chaos", "event")
"""Event kinds, most relevant first: what a change most often follows."""
LISTED = 8
"""Events a report lists (the ones the findings line up with are always among them)."""
_DEPLOY_WORDS = ("deploy", "release", "rollout", "roll out", "rollback", "roll back")


def kind_of(event: Event) -> str:
    """The event's kind for ranking: a provider's free-text event that names a deploy is one."""
    if event.kind in KINDS[:-1]:
        return event.kind
    text = event.summary.lower()
    return "deploy" if any(word in text for word in _DEPLOY_WORDS) else "event"


def ranked(events: Iterable[Event]) -> list[Event]:
    """Most relevant first: by kind (deploys, changes, canary steps, alerts, chaos, other),
    the latest first within a kind."""
    newest_first = sorted(events, key=lambda e: e.time, reverse=True)
    return sorted(newest_first, key=lambda e: KINDS.index(kind_of(e)))


def listed(
    events: Sequence[Event], findings: Sequence[Finding], *, limit: int = LISTED
) -> list[Event]:
    """What a report lists: every event a finding lines up with, then the most relevant others,
    at most `limit` (more when the findings line up with more)."""
    named = [f.near for f in findings if f.near is not None]
    chosen = list(dict.fromkeys([*ranked(named), *ranked(events)]))
    return chosen[: max(limit, len(set(named)))]
