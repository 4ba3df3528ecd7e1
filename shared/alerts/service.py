"""The alert commands: policies, acknowledgements, tests and silences."""

from __future__ import annotations

import uuid
from datetime import datetime

from shared.alerts import commands as c
from shared.alerts.condition import duration, parse
from shared.alerts.evaluator import AlertEvaluator
from shared.alerts.models import AlertPolicy, Severity, Silence
from shared.alerts.notices import group_notice, value_text
from shared.alerts.ports import AlertStore
from shared.alerts.states import State, transition
from shared.commands.context import Context, Handlers
from shared.errors import ConflictError, ForbiddenError, NotFoundError
from shared.identity.models import ChannelId, OrgId
from shared.identity.ports import Directory
from shared.messages import post_or_update
from shared.ports import Notifier
from shared.replies import Ref, Reply, Tone, channel_ref, user_ref


class AlertService:
    """Runs the alert and silence commands."""

    def __init__(
        self,
        *,
        store: AlertStore,
        directory: Directory,
        evaluator: AlertEvaluator,
        notifier: Notifier,
    ) -> None:
        self._store = store
        self._directory = directory
        self._evaluator = evaluator
        self._notifier = notifier

    def handlers(self) -> Handlers:
        """The commands this service runs."""
        return (
            Handlers()
            .add(c.CreateAlert, self.create)
            .add(c.EditAlert, self.edit)
            .add(c.ListAlerts, self.list_for_team)
            .add(c.ShowAlert, self.show)
            .add(c.DeleteAlert, self.delete)
            .add(c.TestAlert, self.test)
            .add(c.AcknowledgeAlert, self.acknowledge)
            .add(c.SilenceAlert, self.silence)
            .add(c.ListSilences, self.silences)
            .add(c.ExpireSilence, self.expire)
        )

    def _org(self, ctx: Context) -> OrgId:
        return ctx.principal.actor.org

    def _get(self, name: str, ctx: Context) -> AlertPolicy:
        found = self._store.get(self._org(ctx), ctx.team or "", name)
        if found is None:
            known = ", ".join(p.name for p in self._store.list_for(self._org(ctx), ctx.team or ""))
            raise NotFoundError(
                f"Team {ctx.team} has no alert `{name}` (its alerts: {known or 'none yet'})."
            )
        return found

    def _check_refs(self, ctx: Context, service: str, escalate_to: str | None) -> None:
        team = self._directory.get_team(self._org(ctx), ctx.team or "")
        if team is None or service not in team.services:
            known = ", ".join(sorted(team.services)) if team else ""
            raise NotFoundError(
                f"Team {ctx.team} has no service `{service}` (its services: {known or 'none'}); "
                "`sre service register` adds one."
            )
        if escalate_to and self._directory.get_team(self._org(ctx), escalate_to) is None:
            raise NotFoundError(f"There is no team {escalate_to} to escalate to.")

    def _check_channel(self, ctx: Context, channel: str | None) -> None:
        """A team's alerts post only to channels bound to that team."""
        if not channel:
            return
        name = ChannelId(channel.removeprefix("#"))
        binding = self._directory.get_binding(self._org(ctx), name)
        if binding is not None and binding.team == ctx.team:
            return
        whose = f"is bound to team {binding.team}" if binding else "is not bound to any team"
        raise ForbiddenError(
            f"Channel #{name} {whose}: team {ctx.team}'s alerts post only to its own channels. "
            f"Leave out --channel to post to them, or have a team admin bind the channel "
            f"(`sre team bind {name} --team {ctx.team}`) if it is free.",
            needed=f"a channel bound to team {ctx.team}",
            channels=[name],
        )

    def create(self, command: c.CreateAlert, ctx: Context) -> Reply:
        """Add a policy; it is evaluated from the next minute."""
        self._check_refs(ctx, command.service, command.escalate_to)
        self._check_channel(ctx, command.channel)
        if self._store.get(self._org(ctx), ctx.team or "", command.name):
            raise ConflictError(f"Team {ctx.team} already has an alert `{command.name}`.")
        policy = AlertPolicy(
            org=self._org(ctx),
            team=ctx.team or "",
            name=command.name,
            service=command.service,
            condition=parse(command.when),
            created_by=ctx.principal.actor.user,
            created_at=ctx.now,
            platform=ctx.principal.actor.platform,
        )
        saved = self._store.save(_with_options(policy, command))
        return Reply(
            tone=Tone.OK,
            title=f"Alert {saved.name} created on {saved.service}",
            text=f"`{saved.condition.text()}` · {saved.severity.value} · evaluated every minute. "
            f"`sre alert test {saved.name}` shows what it would do now.",
        )

    def edit(self, command: c.EditAlert, ctx: Context) -> Reply:
        """Change the options given; the alert's state is kept."""
        policy = self._get(command.name, ctx)
        self._check_refs(ctx, policy.service, command.escalate_to)
        self._check_channel(ctx, command.channel)
        if command.when:
            policy = policy.model_copy(update={"condition": parse(command.when)})
        saved = self._store.save(_with_options(policy, command))
        return Reply(
            tone=Tone.OK,
            title=f"Alert {saved.name} changed",
            text=_describe(saved),
            refs=_named(saved),
        )

    def list_for_team(self, _: c.ListAlerts, ctx: Context) -> Reply:
        """The team's policies with their state."""
        found = self._store.list_for(self._org(ctx), ctx.team or "")
        if not found:
            return Reply(tone=Tone.INFO, title=f"Team {ctx.team} has no alerts yet")
        fields = [
            (p.name, f"{p.shown_state()} · {p.service}: `{p.condition.text()}`") for p in found
        ]
        return Reply(tone=Tone.INFO, title=f"Alerts of {ctx.team} ({len(found)})", fields=fields)

    def show(self, command: c.ShowAlert, ctx: Context) -> Reply:
        """One policy and its alert's state."""
        policy = self._get(command.name, ctx)
        return Reply(
            tone=Tone.INFO,
            title=f"Alert {policy.name}",
            text=_describe(policy),
            refs=_named(policy),
        )

    def delete(self, command: c.DeleteAlert, ctx: Context) -> Reply:
        """Remove a policy."""
        self._store.delete(self._org(ctx), ctx.team or "", command.name)
        return Reply(tone=Tone.OK, title=f"Alert {command.name} deleted")

    def test(self, command: c.TestAlert, ctx: Context) -> Reply:
        """Evaluate now over recent data; say what would happen; change and tell nothing."""
        policy = self._get(command.name, ctx)
        (ev,) = self._evaluator.evaluate([policy], ctx.now)
        change = transition(ev.before, ev.after)
        status = policy.status.moved_to(ev.after, ev.at, ev.value)
        tested = policy.model_copy(update={"status": status})
        shown = tested.shown_state()
        outcome = {
            "fired": "it would FIRE and the channel would be told",
            "resolved": "it would RESOLVE and the firing message would be updated",
            None: f"it would show {shown}" if status.no_data else f"it would stay {shown}",
        }[change]
        if ev.after.state is State.PENDING and change is None:
            outcome += (
                f" (firing once it has held for {policy.condition.text().split(' for ')[-1]})"
            )
        seen = "no data" if ev.value is None else value_text(tested)
        return Reply(
            tone=Tone.INFO,
            title=f"Test of {policy.name}: {outcome}",
            text=f"`{policy.condition.text()}` · latest value {seen} · condition "
            f"{'holds' if ev.active else 'does not hold' if ev.active is False else 'undecided'}"
            + (f" · {ev.problem}" if ev.problem else ""),
            fields=[("Nobody was told", "a test changes nothing and notifies no one")],
        )

    def acknowledge(self, command: c.AcknowledgeAlert, ctx: Context) -> Reply:
        """Mark a firing alert as being handled (its escalation stops); update its message."""
        policy = self._get(command.name, ctx)
        if policy.status.state is not State.FIRING:
            raise ConflictError(f"Alert {policy.name} is not firing ({policy.shown_state()}).")
        user = ctx.principal.actor.user
        status = policy.status.model_copy(update={"acknowledged_by": user})
        saved = self._store.save(policy.model_copy(update={"status": status}))
        post_or_update(
            self._notifier, group_notice([saved]), message=saved.status.message, channels=[]
        )
        return Reply(
            tone=Tone.OK, title=f"@{user} acknowledged {policy.name}", refs=(user_ref(user),)
        )

    def silence(self, command: c.SilenceAlert, ctx: Context) -> Reply:
        """Stop telling about an alert for a while (it is still evaluated)."""
        policy = self._get(command.name, ctx)
        ends = ctx.now + duration(command.duration)
        silence = Silence(
            id=f"sil-{uuid.uuid4().hex[:8]}",
            org=self._org(ctx),
            team=policy.team,
            matchers={"alert": policy.name},
            created_by=ctx.principal.actor.user,
            comment=command.comment or "silenced from chat",
            starts_at=ctx.now,
            ends_at=ends,
        )
        self._store.save_silence(silence)
        return Reply(
            tone=Tone.OK,
            title=f"{policy.name} silenced until {ends:%H:%M} UTC ({silence.id})",
            text=f"`sre silence expire {silence.id}` ends it sooner.",
        )

    def silences(self, _: c.ListSilences, ctx: Context) -> Reply:
        """The team's silences."""
        found = self._store.silences(self._org(ctx), ctx.team or "")
        if not found:
            return Reply(tone=Tone.INFO, title=f"Team {ctx.team} has no silences")
        fields = [(s.id, _silence_line(s, ctx.now)) for s in found[:30]]
        refs = tuple(user_ref(by) for by in sorted({s.created_by for s in found[:30]}))
        return Reply(tone=Tone.INFO, title=f"Silences of {ctx.team}", fields=fields, refs=refs)

    def expire(self, command: c.ExpireSilence, ctx: Context) -> Reply:
        """End a silence now."""
        found = [
            s for s in self._store.silences(self._org(ctx), ctx.team or "") if s.id == command.id
        ]
        if not found:
            raise NotFoundError(f"Team {ctx.team} has no silence {command.id}.")
        if found[0].ends_at <= ctx.now:
            raise ConflictError(f"{command.id} has already ended.")
        self._store.save_silence(found[0].model_copy(update={"ends_at": ctx.now}))
        return Reply(tone=Tone.OK, title=f"Silence {command.id} expired")


def _with_options(policy: AlertPolicy, command: c.CreateAlert | c.EditAlert) -> AlertPolicy:
    update: dict[str, object] = {}
    if command.severity:
        update["severity"] = command.severity
    if command.channel:
        update["channel"] = command.channel.removeprefix("#")
    if command.investigate:
        update["investigate"] = True
    if command.escalate_after and command.escalate_to:
        update["escalate_after"] = duration(command.escalate_after)
        update["escalate_to"] = command.escalate_to
    if command.missing:
        update["missing"] = command.missing
    if command.keep_firing_for:
        update["keep_firing_for"] = duration(command.keep_firing_for)
    return policy.model_copy(update=update)


def _describe(policy: AlertPolicy) -> str:
    status = policy.status
    lines = [
        f"Service {policy.service} · `{policy.condition.text()}` · {policy.severity.value}",
        f"Missing data: {policy.missing.value} · keep firing for {policy.keep_firing_for}",
        f"Posts to #{policy.channel}" if policy.channel else "Posts to the team's channel",
        f"State: {policy.shown_state()}"
        + (f" since {status.fired_at:%Y-%m-%d %H:%M} UTC" if status.fired_at else "")
        + (f", acknowledged by @{status.acknowledged_by}" if status.acknowledged_by else ""),
    ]
    if policy.investigate:
        lines.append("Opens an investigation when it fires")
    if policy.escalate_to and policy.severity is Severity.PAGE:
        lines.append(
            f"Escalates to {policy.escalate_to} if unacknowledged after {policy.escalate_after}"
        )
    elif policy.escalate_to:
        lines.append(f"Only pages escalate: this {policy.severity.value} stays in its channel")
    return "\n".join(lines)


def _named(policy: AlertPolicy) -> tuple[Ref, ...]:
    """The channel and the person `_describe` names, as references."""
    by = policy.status.acknowledged_by
    return (
        *([channel_ref(policy.channel)] if policy.channel else []),
        *([user_ref(by)] if by else []),
    )


def _silence_line(silence: Silence, now: datetime) -> str:
    state = "active" if silence.starts_at <= now < silence.ends_at else "expired"
    matchers = ", ".join(f"{k}={v}" for k, v in silence.matchers.items())
    return (
        f"{state} · {matchers} · until {silence.ends_at:%Y-%m-%d %H:%M} UTC · "
        f"@{silence.created_by}: {silence.comment}"
    )
