"""Working an investigation together: show, list, join, comment, resolve; one timeline."""

from __future__ import annotations

from shared.commands.base import Command
from shared.commands.context import Context, Handler
from shared.errors import ConflictError, NotFoundError
from shared.investigations import commands as c
from shared.investigations.models import Investigation, InvestigationStatus, TimelineEntry
from shared.ports import InvestigationStore
from shared.replies import Button, Reply, Tone


def with_actions(reply: Reply, investigation: Investigation) -> Reply:
    """The reply with the investigation's id and its buttons (join, show)."""
    scope = f"--team={investigation.team}"
    buttons = [
        Button(
            label="Join",
            command=f"sre investigation join {investigation.id} {scope}",
            style="primary",
        ),
        Button(label="Show timeline", command=f"sre investigation show {investigation.id} {scope}"),
    ]
    fields = [*reply.fields, ("Investigation", f"{investigation.id} (team {investigation.team})")]
    return reply.model_copy(update={"buttons": buttons, "fields": fields})


class Collaboration:
    """The commands people use on an open investigation."""

    def __init__(self, *, store: InvestigationStore) -> None:
        self._store = store

    def handlers(self) -> dict[type[Command], Handler]:
        """The commands this service runs."""
        return {
            c.ShowInvestigation: self.show,
            c.ListInvestigations: self.list_for_team,
            c.JoinInvestigation: self.join,
            c.CommentInvestigation: self.comment,
            c.ResolveInvestigation: self.resolve,
        }

    def _get(self, investigation_id: str, ctx: Context) -> Investigation:
        found = self._store.get(ctx.principal.actor.org, investigation_id)
        if found is None or found.team != ctx.team:
            # another team's investigation is reported exactly like one that does not exist
            raise NotFoundError(f"There is no investigation {investigation_id} in team {ctx.team}.")
        return found

    def _append(
        self, investigation: Investigation, entry: TimelineEntry, **changes: object
    ) -> Investigation:
        try:
            return self._store.save(
                investigation.model_copy(
                    update={"timeline": [*investigation.timeline, entry], **changes}
                )
            )
        except ConflictError as error:
            raise ConflictError(
                f"{investigation.id} changed while you were updating it; run the command again."
            ) from error

    def show(self, command: c.ShowInvestigation, ctx: Context) -> Reply:
        """Findings, participants and the timeline."""
        inv = self._get(command.id, ctx)
        lines = [f"{e.time:%H:%M} @{e.actor} {e.kind}: {e.text}" for e in inv.timeline]
        fields = [
            ("Status", inv.status.value),
            ("Service", inv.service),
            ("Participants", ", ".join(f"@{p}" for p in inv.participants)),
            ("Findings", "\n".join(f.evidence for f in inv.findings) or "none"),
        ]
        if inv.summary:
            fields.append(("Summary", inv.summary))
        return Reply(
            tone=Tone.INFO, title=f"{inv.id}: {inv.headline}", text="\n".join(lines), fields=fields
        )

    def list_for_team(self, _: c.ListInvestigations, ctx: Context) -> Reply:
        """The team's investigations, newest first."""
        found = self._store.list_for(ctx.principal.actor.org, ctx.team or "")
        if not found:
            return Reply(tone=Tone.INFO, title=f"Team {ctx.team} has no investigations yet")
        fields = [
            (i.id, f"{i.status.value} · {i.opened_at:%Y-%m-%d %H:%M} · {i.headline}")
            for i in found[:20]
        ]
        return Reply(
            tone=Tone.INFO, title=f"Investigations of {ctx.team} ({len(found)})", fields=fields
        )

    def join(self, command: c.JoinInvestigation, ctx: Context) -> Reply:
        """Add the caller to the participants."""
        inv = self._get(command.id, ctx)
        user = ctx.principal.actor.user
        if user in inv.participants:
            return Reply(tone=Tone.INFO, title=f"You are already on {inv.id}", ephemeral=True)
        entry = TimelineEntry(time=ctx.now, actor=user, kind="joined", text="joined")
        self._append(inv, entry, participants=[*inv.participants, user])
        return Reply(tone=Tone.OK, title=f"@{user} joined {inv.id}")

    def comment(self, command: c.CommentInvestigation, ctx: Context) -> Reply:
        """Add a comment to the timeline."""
        inv = self._get(command.id, ctx)
        user = ctx.principal.actor.user
        self._append(
            inv, TimelineEntry(time=ctx.now, actor=user, kind="comment", text=command.text)
        )
        return Reply(tone=Tone.OK, title=f"Comment added to {inv.id}", text=command.text)

    def resolve(self, command: c.ResolveInvestigation, ctx: Context) -> Reply:
        """Close the investigation with a summary."""
        inv = self._get(command.id, ctx)
        if inv.status is InvestigationStatus.RESOLVED:
            raise ConflictError(f"{inv.id} is already resolved.")
        user = ctx.principal.actor.user
        entry = TimelineEntry(
            time=ctx.now, actor=user, kind="resolved", text=command.summary or "resolved"
        )
        self._append(inv, entry, status=InvestigationStatus.RESOLVED, summary=command.summary)
        return Reply(tone=Tone.OK, title=f"{inv.id} resolved", text=command.summary)
