"""An alert of a service that is already under investigation joins the open investigation: the
investigation's people are told where they read its report, and the alert's thread points there."""

from __future__ import annotations

import logging

from shared.commands.context import Context
from shared.errors import ConflictError
from shared.identity.models import OrgId
from shared.investigations.collaboration import InvestigationWork, with_actions
from shared.investigations.models import Investigation, TimelineEntry
from shared.invocation import ReplyTarget
from shared.messages import channel_targets
from shared.replies import Reply, Tone, channel_ref

log = logging.getLogger("autosre.investigations")


def report_place(asked: ReplyTarget) -> ReplyTarget:
    """Where an investigation's report goes, kept to tell its people later: the channel (and
    thread) it was asked in, never the command's response URL (it expires in 30 minutes)."""
    return asked.model_copy(update={"response_url": None, "message": None})


class AlertJoins(InvestigationWork):
    """Adds a firing alert to an open investigation of its service, and tells both threads."""

    def join(self, alert: str, inv: Investigation, ctx: Context) -> Reply:
        """The alert on `inv`'s timeline; the investigation's thread told, and the answer for
        the alert's thread: a pointer to it (all of it there, if it could not be told)."""
        entry = TimelineEntry(
            time=ctx.now,
            actor=ctx.principal.actor.user,
            kind="alert",
            text=f"alert {alert} fired on {inv.service}",
        )
        try:
            saved = self._store.save(inv.model_copy(update={"timeline": [*inv.timeline, entry]}))
        except ConflictError as error:
            raise ConflictError(f"{inv.id} changed while the alert was added to it.") from error
        page = self._link(saved, ctx.now)
        places = self._places(saved, ctx.invocation.reply_to)
        told = [t for t in places if self._told(t, alert, saved, page)]
        if not told:  # all of it where the alert is read (the same thread, or it refused)
            notice = self._notice(alert, saved, page)
            if places:
                untold = f"\n{saved.id}'s thread could not be told."
                notice = notice.model_copy(update={"text": notice.text + untold})
            return with_actions(notice, saved)
        return with_actions(_pointer(alert, saved, page, told), saved)

    def _places(self, inv: Investigation, alerted: ReplyTarget) -> list[ReplyTarget]:
        """Where the investigation's people read it (its report's place; an older one, its
        team's channels), other than the alert's own thread."""
        places = [inv.reported_in] if inv.reported_in else []
        if not places:
            org = OrgId(inv.org)
            places = channel_targets(self._directory, org, inv.team, alerted.platform)
        same = (alerted.channel, alerted.thread)
        return [p for p in places if (p.channel, p.thread) != same]

    def _told(self, place: ReplyTarget, alert: str, inv: Investigation, page: str) -> bool:
        try:
            self._notifier.post(place, self._notice(alert, inv, page))
        except Exception as error:  # noqa: BLE001 (the alert's thread is told instead)
            log.warning("could not tell %s in %s: %s", inv.id, place.channel, error)
            return False
        return True

    @staticmethod
    def _notice(alert: str, inv: Investigation, page: str) -> Reply:
        """What the investigation's people are told: the alert joined, nothing new opened."""
        return Reply(
            tone=Tone.INFO,
            title=f"Alert {alert} joined {inv.id}: it fired on {inv.service}",
            text=f"{inv.headline}\nNo new investigation was opened: the alert is on {inv.id}'s "
            "timeline.",
            fields=[("Page", page)],
        )


def _pointer(alert: str, inv: Investigation, page: str, told: list[ReplyTarget]) -> Reply:
    """The alert's thread's answer: where the investigation's people were told (its thread in
    a channel, or the channel itself), and the page."""
    channels = sorted({t.channel for t in told if t.channel})
    named = ", ".join(f"#{c}" for c in channels)
    where = named or "its thread"
    if named and any(t.thread for t in told):
        where = f"its thread in {named}"
    return Reply(
        tone=Tone.INFO,
        title=f"Alert {alert} joined {inv.id}, see {where}",
        text=f"{inv.headline}\nNo new investigation was opened: {inv.id} is being worked.",
        fields=[("Page", page)],
        refs=tuple(channel_ref(c) for c in channels),
    )
