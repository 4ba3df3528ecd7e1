"""Closing an investigation and opening it again: resolve (with its summary and cause), say the
cause, reopen."""

from __future__ import annotations

from shared.commands.context import Context, Handlers
from shared.errors import ForbiddenError, InvalidCommandError
from shared.investigations import commands as c
from shared.investigations.causes import first_cause, near_miss, with_causes
from shared.investigations.collaboration import InvestigationWork, with_actions
from shared.investigations.models import Investigation, InvestigationStatus, TimelineEntry
from shared.replies import Reply, Tone, user_ref


class Resolution(InvestigationWork):
    """The commands the owning team uses to close an investigation, name its cause, reopen it."""

    def handlers(self) -> Handlers:
        """The commands this service runs."""
        return (
            Handlers()
            .add(c.ResolveInvestigation, self.resolve, unchanged=self.summarised_already)
            .add(c.ReopenInvestigation, self.reopen, unchanged=self.open_already)
            .add(c.CauseInvestigation, self.cause, unchanged=self.caused_already)
        )

    def open_already(self, command: c.ReopenInvestigation, ctx: Context) -> str | None:
        """What reopening an open investigation is told."""
        inv = self._found(command.id, ctx)
        if inv is None or inv.status is not InvestigationStatus.OPEN:
            return None
        return f"{inv.id} is open already"

    def summarised_already(self, command: c.ResolveInvestigation, ctx: Context) -> str | None:
        """What resolving a resolved investigation with the summary it has is told."""
        inv = self._found(command.id, ctx)
        if inv is None or inv.status is not InvestigationStatus.RESOLVED:
            return None
        if not command.summary or command.summary != inv.summary:
            return None
        if command.cause is not None and command.cause != inv.cause:
            return None
        return f"{inv.id} is resolved with that summary already"

    def caused_already(self, command: c.CauseInvestigation, ctx: Context) -> str | None:
        """What saying the cause an investigation has already is told."""
        inv = self._found(command.id, ctx)
        if inv is None or inv.cause != command.cause:
            return None
        return f"the cause of {inv.id} is {inv.cause} already"

    def resolve(self, command: c.ResolveInvestigation, ctx: Context) -> Reply:
        """Close the investigation with a summary and its cause (default: the first finding)."""
        inv = self._get(command.id, ctx)
        if ctx.team != inv.team:
            raise ForbiddenError(
                f"Only team {inv.team}, which owns {inv.id}, can resolve it.",
                needed=f"a role in team {inv.team}",
            )
        user = ctx.principal.actor.user
        if inv.status is InvestigationStatus.RESOLVED:
            if command.cause is not None and not command.summary:
                return self._caused(inv, command.cause, ctx)
            return self._summarised(inv, command.summary, ctx)
        cause = command.cause or inv.cause or first_cause(inv)
        entry = TimelineEntry(
            time=ctx.now, actor=user, kind="resolved", text=command.summary or "resolved"
        )
        saved = self._append(
            inv,
            entry,
            status=InvestigationStatus.RESOLVED,
            summary=command.summary or inv.summary,  # reopened, resolved again: it is kept
            cause=cause,
            cause_by=user if cause != inv.cause else inv.cause_by,
        )
        kept = f"Summary kept: {inv.summary}" if inv.summary and not command.summary else ""
        asked = near_miss(command.cause, saved) if command.cause else ""
        text = "\n".join(line for line in (command.summary or kept, asked) if line)
        reply = Reply(tone=Tone.OK, title=f"{inv.id} resolved", text=text)
        return with_causes(reply, saved)

    def cause(self, command: c.CauseInvestigation, ctx: Context) -> Reply:
        """Say (or change) what the cause was."""
        inv = self._get(command.id, ctx)
        if ctx.team != inv.team:
            raise ForbiddenError(
                f"Only team {inv.team}, which owns {inv.id}, can say its cause.",
                needed=f"a role in team {inv.team}",
            )
        return self._caused(inv, command.cause, ctx)

    def _caused(self, inv: Investigation, cause: str, ctx: Context) -> Reply:
        """The cause recorded on the timeline, the one it replaces said."""
        user = ctx.principal.actor.user
        entry = TimelineEntry(time=ctx.now, actor=user, kind="cause", text=cause)
        saved = self._append(inv, entry, cause=cause, cause_by=user)
        was = f"(was: {inv.cause})" if inv.cause and inv.cause != cause else ""
        text = "\n".join(line for line in (was, near_miss(cause, saved)) if line)
        reply = Reply(tone=Tone.OK, title=f"Cause of {inv.id}: {cause}", text=text)
        return with_causes(reply, saved)

    def _summarised(self, inv: Investigation, summary: str, ctx: Context) -> Reply:
        """A resolved investigation's summary written (or rewritten) after the fact."""
        if not summary:  # nothing is wrong: the person needs the form that writes a summary
            raise InvalidCommandError(
                f"{inv.id} is resolved already. To add or change its summary, write it after the "
                "id:",
                usage=f"sre investigation resolve {inv.id} WHAT IT WAS",
            )
        user = ctx.principal.actor.user
        entry = TimelineEntry(time=ctx.now, actor=user, kind="summary", text=summary)
        self._append(inv, entry, summary=summary)
        was = f"\n(was: {inv.summary})" if inv.summary else ""
        return Reply(tone=Tone.OK, title=f"Summary of {inv.id} updated", text=summary + was)

    def reopen(self, command: c.ReopenInvestigation, ctx: Context) -> Reply:
        """Open a resolved investigation again (its summary kept until it is resolved again)."""
        inv = self._get(command.id, ctx)
        if ctx.team != inv.team:
            raise ForbiddenError(
                f"Only team {inv.team}, which owns {inv.id}, can reopen it.",
                needed=f"a role in team {inv.team}",
            )
        user = ctx.principal.actor.user
        entry = TimelineEntry(time=ctx.now, actor=user, kind="reopened", text="reopened")
        saved = self._append(inv, entry, status=InvestigationStatus.OPEN)
        reply = Reply(
            tone=Tone.OK,
            title=f"{inv.id} reopened by @{user}",
            text=inv.headline,
            fields=[("Page", self._link(saved, ctx.now))],
            refs=(user_ref(user, ctx.principal.actor.name),),
        )
        return with_actions(reply, saved)
