"""What the report's Helpful / Wrong buttons run: a responder's verdict on an investigation's
narrative, once per person (the first is final), kept with the variant that wrote it."""

from __future__ import annotations

from shared.commands.context import Context, Handlers
from shared.errors import ForbiddenError, InvalidCommandError, NotFoundError
from shared.investigations.listing import SUGGESTED_FROM, unknown_investigation
from shared.investigations.models import Investigation
from shared.investigations.ports import InvestigationStore
from shared.prompts import commands as c
from shared.prompts.models import Feedback, Verdict
from shared.prompts.ports import FeedbackStore
from shared.replies import Reply, Tone


def _already(earlier: Feedback) -> str:
    return f"you already said this narrative was {earlier.verdict.value}"


class NarrativeFeedback:
    """Verdicts on narratives over their store and the investigations they judge."""

    def __init__(self, *, store: FeedbackStore, investigations: InvestigationStore) -> None:
        self._store = store
        self._investigations = investigations

    def handlers(self) -> Handlers:
        """The feedback command and its handler."""
        return Handlers().add(c.GiveFeedback, self.give, unchanged=self.given_already)

    def _judged(self, command: c.GiveFeedback, ctx: Context) -> Investigation:
        """The investigation of the team acted for (NotFoundError otherwise), with a narrative."""
        found = self._investigations.get(ctx.principal.actor.org, command.id)
        if found is not None and ctx.team in found.shared_with:  # asked to help: it knows it
            raise ForbiddenError(
                f"Only team {found.team}, which owns {found.id}, judges its narrative: its "
                "report's Helpful and Wrong buttons are theirs. Say what you found with "
                f"`sre investigation comment {found.id}`.",
                needed=f"a role in team {found.team}",
            )
        if found is None or found.team != ctx.team:  # said as every investigation verb says it
            team = ctx.team or ""
            newest = self._investigations.recent(
                ctx.principal.actor.org, team, newest=SUGGESTED_FROM + 1
            )
            raise NotFoundError(unknown_investigation(command.id, team, newest))
        if not found.narrative:
            raise InvalidCommandError(f"{command.id} has no narrative to judge")
        return found

    def given_already(self, command: c.GiveFeedback, ctx: Context) -> str | None:
        """What a second verdict by the same person is told (the first stands)."""
        earlier = self._store.for_investigation(ctx.principal.actor.org, command.id)
        mine = [f for f in earlier if f.by == ctx.principal.actor.user]
        return _already(mine[0]) if mine else None

    def give(self, command: c.GiveFeedback, ctx: Context) -> Reply:
        """Keep the person's verdict with the variant that wrote the narrative."""
        judged = self._judged(command, ctx)
        feedback = Feedback(
            org=judged.org,
            team=judged.team,
            investigation_id=judged.id,
            by=ctx.principal.actor.user,
            verdict=Verdict(command.verdict),
            narrated_by=judged.narrated_by or "rule-based",
            at=ctx.now,
            comment=command.comment,
        )
        earlier = self._store.add(feedback)
        if earlier is not None:  # a second click that raced the first
            said = _already(earlier)
            return Reply(tone=Tone.INFO, title=said[0].upper() + said[1:], ephemeral=True)
        return Reply(
            tone=Tone.OK,
            title=f"Thanks: the narrative of {judged.id} was {command.verdict}",
            text=f"Recorded for {feedback.narrated_by}.",
            ephemeral=True,
        )
