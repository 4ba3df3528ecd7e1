"""The silence commands: silence an alert for a while, list a team's silences, end one sooner."""

from __future__ import annotations

import uuid

from shared.alerts import commands as c
from shared.alerts import views
from shared.alerts.models import Silence
from shared.alerts.ports import AlertStore
from shared.alerts.references import References
from shared.commands.context import Context, Handlers, Said
from shared.errors import ConflictError, NotFoundError, SreError, missing_record
from shared.identity.models import OrgId
from shared.judging.condition import duration
from shared.replies import Reply, Tone, user_ref
from shared.times import length, moment


class Silences:
    """Runs the silence commands (Alertmanager's silences, matched on an alert's name)."""

    def __init__(self, *, store: AlertStore, refs: References) -> None:
        self._store = store
        self._refs = refs

    def handlers(self) -> Handlers:
        """The commands this runs."""
        return (
            Handlers()
            .add(c.SilenceAlert, self.silence, unchanged=self.silenced_longer)
            .add(c.ListSilences, self.silences)
            .add(c.ExpireSilence, self.expire, unchanged=self.ended_already)
        )

    def _org(self, ctx: Context) -> OrgId:
        return ctx.principal.actor.org

    def silenced_longer(self, command: c.SilenceAlert, ctx: Context) -> Said:
        """Silencing an alert an active silence already mutes for longer: nothing to change."""
        try:
            policy = self._refs.policy(command.name, ctx)
        except SreError:
            return None  # the command runs and says what is wrong
        muting = views.muting(policy, self._store.silences(self._org(ctx), policy.team), ctx.now)
        if muting is None or muting.ends_at < ctx.now + duration(command.duration):
            return None
        until = moment(muting.ends_at, today=ctx.now)
        return f"{policy.name} is already silenced until {until} ({muting.id})"

    def silence(self, command: c.SilenceAlert, ctx: Context) -> Reply:
        """Stop telling about an alert for a while (it is still evaluated)."""
        policy = self._refs.policy(command.name, ctx)
        ends = ctx.now + duration(command.duration)
        shorter = views.muting(policy, self._store.silences(self._org(ctx), policy.team), ctx.now)
        silence = Silence(
            id=f"sil-{uuid.uuid4().hex[:8]}",
            org=self._org(ctx),
            team=policy.team,
            matchers={"alert": policy.name},
            created_by=ctx.principal.actor.user,
            comment=command.comment,
            starts_at=ctx.now,
            ends_at=ends,
        )
        self._store.save_silence(silence)
        return Reply(
            tone=Tone.OK,
            title=f"{policy.name} silenced for {length(ends - ctx.now)}, "
            f"until {moment(ends, today=ctx.now)} ({silence.id})",
            text=f"`sre silence expire {silence.id}` ends it sooner.{_outlasts(shorter, ctx)}",
        )

    def silences(self, _: c.ListSilences, ctx: Context) -> Reply:
        """The team's silences."""
        found = self._store.silences(self._org(ctx), ctx.team or "")
        if not found:
            return Reply(tone=Tone.INFO, title=f"Team {ctx.team} has no silences yet")
        fields = [(s.id, views.silence_line(s, ctx.now)) for s in found[:30]]
        refs = tuple(user_ref(by) for by in sorted({s.created_by for s in found[:30]}))
        return Reply(tone=Tone.INFO, title=f"Silences of {ctx.team}", fields=fields, refs=refs)

    def ended_already(self, command: c.ExpireSilence, ctx: Context) -> Said:
        """Expiring a silence that has ended: nothing to change."""
        silence = self._silence(command.id, ctx)
        if silence is None or silence.ends_at > ctx.now:
            return None
        ended = moment(silence.ends_at, today=ctx.now)
        return f"{silence.id} already ended at {ended}"

    def _silence(self, id_: str, ctx: Context) -> Silence | None:
        found = self._store.silences(self._org(ctx), ctx.team or "")
        return next((s for s in found if s.id == id_), None)

    def expire(self, command: c.ExpireSilence, ctx: Context) -> Reply:
        """End a silence now."""
        silence = self._silence(command.id, ctx)
        if silence is None:
            raise NotFoundError(self._missing_silence(command.id, ctx))
        if silence.ends_at <= ctx.now:
            raise ConflictError(f"{command.id} has already ended.")  # ended since it was asked
        ended = {"ends_at": ctx.now, "ended_by": ctx.principal.actor.user}
        self._store.save_silence(silence.model_copy(update=ended))
        return Reply(tone=Tone.OK, title=f"Silence {command.id} expired")

    def _missing_silence(self, id_: str, ctx: Context) -> str:
        """Team has no silence `id_`: the close id, else its latest silences."""
        found = sorted(
            self._store.silences(self._org(ctx), ctx.team or ""),
            key=lambda s: s.starts_at,
            reverse=True,
        )
        known = [(s.id, views.silence_summary(s, ctx.now)) for s in found]
        return missing_record(
            f"Team {ctx.team} has no silence `{id_}`",
            id_,
            known,
            none="`sre alert silence NAME --duration 1h` makes one",
            more="`sre silence list`",
        )


def _outlasts(shorter: Silence | None, ctx: Context) -> str:
    """What a longer silence does to the one that muted the alert until now: it replaces nothing."""
    if shorter is None:
        return ""
    until = moment(shorter.ends_at, today=ctx.now)
    return f" It replaces nothing: {shorter.id} (until {until}) stays as it is."
