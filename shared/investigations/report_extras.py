"""What a report adds under its findings: the team's similar past incidents, another open
investigation of the same service, the buttons that judge its narrative, and why the AI did not
write it when the team's model-token quota refused."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from shared.commands.free_text import FREE_TEXT_MAX
from shared.identity.models import OrgId
from shared.investigations.memory import MAX_READ, SHOWN, PastIncident, incident, nearest, told
from shared.investigations.models import Investigation, Narrative
from shared.investigations.ports import InvestigationStore
from shared.quotas.refusal import refusal
from shared.quotas.service import QuotaService
from shared.replies import Button, Reply, user_ref
from shared.times import moment

log = logging.getLogger(__name__)


class SimilarIncidents:
    """The team's own resolved investigations most like a new one, each linked to its page."""

    def __init__(
        self, *, store: InvestigationStore, link: Callable[[Investigation, datetime], str]
    ) -> None:
        self._store = store
        self._link = link

    def similar(self, investigation: Investigation, *, limit: int = 5) -> list[PastIncident]:
        """The team's own resolved investigations most like this one, with their causes (same
        org and team only; only the team's newest memory.MAX_READ are read from the store and
        compared: the read and the profiles are bounded)."""
        return [incident(i) for i in self._nearest(investigation, limit)]

    def _nearest(self, investigation: Investigation, limit: int) -> list[Investigation]:
        past = self._store.recent(OrgId(investigation.org), investigation.team, newest=MAX_READ)
        return nearest(investigation, past, limit=limit)

    def added(self, reply: Reply, investigation: Investigation, now: datetime) -> Reply:
        """The report with "Similar past incidents" (nothing when there are none)."""
        lines = [
            told(incident(past), self._link(past, now), now=now)
            for past in self._nearest(investigation, SHOWN)
        ]
        if not lines:
            return reply
        fields = [*reply.fields, ("Similar past incidents", "\n".join(lines))]
        return reply.model_copy(update={"fields": fields})


def also_open(reply: Reply, other: Investigation, *, now: datetime) -> Reply:
    """A person's new investigation of a service that has an open one already: opened (they may
    want a new window), the report naming the open one, with a button to join it instead."""
    note = (
        f"{other.service} already has an open investigation {other.id} (opened "
        f"{moment(other.opened_at, today=now)} by @{other.opened_by}): "
        f"`sre investigation join {other.id}`"
    )
    join = Button(
        label=f"Join {other.id}", command=f"sre investigation join {other.id} --team={other.team}"
    )
    return reply.model_copy(
        update={
            "fields": [*reply.fields, ("Already open", note)],
            "buttons": [*reply.buttons, join],
            "refs": (*reply.refs, user_ref(other.opened_by)),
        }
    )


def judging(investigation: Investigation) -> list[Button]:
    """Helpful and Wrong (asking what was wrong, optionally) for a report with a narrative: the
    prompt variants' online quality (`sre investigation feedback`, once per person)."""
    if not investigation.narrative:
        return []
    command = f"sre investigation feedback {investigation.id} --team={investigation.team}"
    return [
        Button(label="Helpful", command=f"{command} helpful"),
        Button(
            label="Wrong",
            command=f"{command} wrong",
            prompt="What was wrong? (optional)",
            optional=True,
            answer_max=FREE_TEXT_MAX,
        ),
    ]


def unwritten(
    narrated: Narrative, quotas: QuotaService, org: OrgId, team: str, *, alert: bool, now: datetime
) -> str:
    """The line saying the AI narrative was not written because of the team's model-token quota
    (what was used, the limit, when it resets, who can raise it), or nothing; an alert's
    investigation says it once per quota window."""
    if narrated.refused is None:
        return ""
    refused = refusal(narrated.refused, team, now=now)
    if alert:
        try:
            quotas.said_once(refused, org, team, at=now)
        except Exception:  # the report is posted all the same: said again rather than lost
            log.exception("could not mark the model-token refusal of %s/%s told", org, team)
    return "" if refused.already_told else f"AI narrative not written: {refused}"
