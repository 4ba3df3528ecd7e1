"""The alert commands: policies, acknowledgements and tests (silences: `silences.py`)."""

from __future__ import annotations

import base64
import logging
from collections.abc import Sequence
from datetime import datetime, timedelta

from shared.alerts import commands as c
from shared.alerts import trial, views
from shared.alerts.evaluator import AlertEvaluator, Evaluation
from shared.alerts.metrics_file import file_note
from shared.alerts.models import AlertPolicy, Severity, Silence
from shared.alerts.notices import deleted_notice
from shared.alerts.ports import AlertStore, ChartRenderer
from shared.alerts.references import References
from shared.alerts.silences import Silences
from shared.alerts.states import State
from shared.alerts.targets import alert_targets
from shared.alerts.updates import siblings, update_group, update_message
from shared.commands.context import Context, Handlers, NothingToChange, Said
from shared.commands.usage import usage
from shared.errors import ConflictError, InvalidCommandError, SreError
from shared.identity.models import OrgId
from shared.identity.ports import Directory
from shared.judging.condition import duration, parse
from shared.ports import Notifier
from shared.quotas.models import Limit
from shared.quotas.service import QuotaService
from shared.replies import Image, Ref, Reply, Tone, channel_ref, user_ref
from shared.telemetry.metrics_files import MetricsFiles
from shared.telemetry.models import Signal
from shared.times import length, moment

log = logging.getLogger("autosre.alerts")
CHARTED = timedelta(hours=1)
"""How far back `alert test` charts the signal."""


class AlertService:
    """Runs the alert and silence commands."""

    def __init__(
        self,
        *,
        store: AlertStore,
        directory: Directory,
        evaluator: AlertEvaluator,
        notifier: Notifier,
        chart: ChartRenderer | None = None,
        quotas: QuotaService,
        files: MetricsFiles | None,
    ) -> None:
        """`files`: the deployment's metrics files (None: it reads none), checked for a policy's
        column and step when it is made or changed."""
        self._files = files
        self._quotas = quotas
        self._store = store
        self._directory = directory
        self._evaluator = evaluator
        self._notifier = notifier
        self._chart = chart
        self._refs = References(store=store, directory=directory)
        self._silences = Silences(store=store, refs=self._refs)

    def handlers(self) -> Handlers:
        """The commands this service runs."""
        return (
            Handlers()
            .add(c.CreateAlert, self.create)
            .add(c.EditAlert, self.edit, unchanged=self.unchanged_edit)
            .add(c.ListAlerts, self.list_for_team)
            .add(c.ShowAlert, self.show)
            .add(c.DeleteAlert, self.delete)
            .add(c.TestAlert, self.test)
            .add(c.AcknowledgeAlert, self.acknowledge, unchanged=self.acknowledged_already)
            .include(self._silences.handlers())
        )

    def _org(self, ctx: Context) -> OrgId:
        return ctx.principal.actor.org

    def create(self, command: c.CreateAlert, ctx: Context) -> Reply:
        """Add a policy; it is evaluated from the next minute."""
        service = self._refs.check(ctx, command.service, command.escalate_to)
        self._refs.check_channel(ctx, command.channel)
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
        policy = _with_options(policy, command)
        note = file_note(self._files, service, policy)
        org, team, limit = self._org(ctx), ctx.team or "", Limit.ALERT_POLICIES
        self._quotas.require(org, team, limit, at=ctx.now)  # a counter: exact under races
        try:
            saved = self._store.save(policy)
        except Exception:
            self._quotas.give_back(org, team, limit, at=ctx.now)
            raise
        return Reply(
            tone=Tone.OK,
            title=f"Alert {saved.name} created on {saved.service}",
            text=f"`{saved.condition.text()}` · {saved.severity.value} · evaluated every minute. "
            f"`sre alert test {saved.name}` shows what it would do now."
            + (f"\n{note}." if note else "")
            + _ratio_note(command.when, saved)
            + self._refs.unreachable(ctx, command.escalate_to)
            + self._told_nowhere(saved),
        )

    def _told_nowhere(self, policy: AlertPolicy) -> str:
        """The warning when the policy's team has no channel to tell."""
        if alert_targets(self._directory, policy):
            return ""
        return (
            f"\nWarning: team {policy.team} has no channel bound, so {policy.name} would be told "
            f"nowhere: bind one with `sre team bind CHANNEL --team {policy.team}`."
        )

    def edit(self, command: c.EditAlert, ctx: Context) -> Reply:
        """Change the options given; the alert's state is kept."""
        policy = self._refs.policy(command.name, ctx)
        service = self._refs.check(ctx, policy.service, command.escalate_to)
        self._refs.check_channel(ctx, command.channel)
        edited = _edited(policy, command)
        if command.when or command.keep_firing_for:
            file_note(self._files, service, edited)
        saved = self._store.save(edited)
        silences = self._store.silences(self._org(ctx), saved.team)
        return Reply(
            tone=Tone.OK,
            title=f"Alert {saved.name} changed",
            text=views.describe(saved, silences, ctx.now)
            + self._refs.unreachable(ctx, command.escalate_to),
            refs=_named(saved, silences, ctx.now),
        )

    def unchanged_edit(self, command: c.EditAlert, ctx: Context) -> str | None:
        """`alert edit` with no option, or only options the policy already has: nothing to do
        (nothing is audited). None when it would change something, or cannot tell (then the
        edit runs and says what is wrong)."""
        try:
            policy = self._refs.policy(command.name, ctx)
        except SreError:
            return None
        if _edited(policy, command) != policy:
            return None
        other = Severity.TICKET if policy.severity is Severity.PAGE else Severity.PAGE
        example = f"e.g. `sre alert edit {policy.name} --severity {other.value}`"
        if not _options_given(command):
            return f"no option given for {policy.name}; give at least one, {example}"
        return f"{policy.name} already has these options; give the ones to change, {example}"

    def list_for_team(self, _: c.ListAlerts, ctx: Context) -> Reply:
        """The team's policies with their state, acknowledgement and silence."""
        found = self._store.list_for(self._org(ctx), ctx.team or "")
        if not found:
            return Reply(tone=Tone.INFO, title=f"Team {ctx.team} has no alerts yet")
        silences = self._store.silences(self._org(ctx), ctx.team or "")
        fields = [views.list_field(p, silences, ctx.now) for p in found]
        refs = tuple(dict.fromkeys(r for p in found for r in _people(p, silences, ctx.now)))
        title = f"Alerts of {ctx.team} ({len(found)})"
        return Reply(tone=Tone.INFO, title=title, fields=fields, refs=refs)

    def show(self, command: c.ShowAlert, ctx: Context) -> Reply:
        """One policy and its alert's state."""
        policy = self._refs.policy(command.name, ctx)
        silences = self._store.silences(self._org(ctx), policy.team)
        return Reply(
            tone=Tone.INFO,
            title=f"Alert {policy.name}",
            text=views.describe(policy, silences, ctx.now),
            refs=_named(policy, silences, ctx.now),
        )

    def delete(self, command: c.DeleteAlert, ctx: Context) -> Reply:
        """Remove a policy."""
        policy = self._refs.policy(command.name, ctx)  # an unknown name gets "did you mean"
        others = [p for p in siblings(self._store, policy) if p.name != policy.name]
        self._store.delete(self._org(ctx), ctx.team or "", command.name)
        self._quotas.give_back(self._org(ctx), ctx.team or "", Limit.ALERT_POLICIES, at=ctx.now)
        ended = self._end_silences(policy, ctx.now, by=ctx.principal.actor.user)
        posted = policy.status.posted()
        if posted:  # its message must not go on saying FIRING
            said = deleted_notice(policy, others, ctx.principal.actor.user)
            update_message(self._notifier, policy, said)
        return Reply(
            tone=Tone.OK,
            title=f"Alert {command.name} deleted",
            text="\n".join(
                ([_was_firing(policy, ctx.now)] if policy.status.state is State.FIRING else [])
                + ([f"Its {_which_message(policy)} now says it is deleted."] if posted else [])
                + ([f"Its silences ended: {', '.join(ended)}."] if ended else [])
            ),
        )

    def _end_silences(self, policy: AlertPolicy, now: datetime, *, by: str) -> list[str]:
        """End the active silences made for `policy` alone (by its name), so they do not mute
        another policy given its name later (`by`: who deleted it); their ids."""
        ended = []
        for silence in self._store.silences(OrgId(policy.org), policy.team):
            if silence.matchers.get("alert") == policy.name and silence.ends_at > now:
                update = {"ends_at": now, "ended_by": by}
                self._store.save_silence(silence.model_copy(update=update))
                ended.append(silence.id)
        return ended

    def test(self, command: c.TestAlert, ctx: Context) -> Reply:
        """Evaluate now over recent data; say what would happen, in words and a chart; change
        and tell nothing. A person's read on demand: refused, before any call, once the team's
        provider calls of the hour are spent (the scheduled evaluation never is)."""
        policy = self._refs.policy(command.name, ctx)
        self._refs.check(ctx, policy.service, None)  # one another org holds is not read
        with self._quotas.call_held(OrgId(policy.org), policy.team, at=ctx.now):
            (ev,) = self._evaluator.evaluate([policy], ctx.now, history=CHARTED)
        outcome = trial.outcome_text(ev)
        holds = {True: "holds", False: "does not hold", None: "is undecided"}[ev.active]
        lines = [
            f"{trial.points_text(ev)}: the condition {holds}",
            trial.value_text(ev),
            trial.hold_text(ev),
            ev.problem,
        ]
        return Reply(
            tone=Tone.INFO,
            title=f"Test of {policy.name}: {outcome}",
            text="\n".join(f"{line[0].upper()}{line[1:]}." for line in lines if line),
            fields=[("Nobody was told", "a test changes nothing and notifies no one")],
            images=self._test_chart(ev),
        )

    def _test_chart(self, ev: Evaluation) -> list[Image]:
        """The test's chart, or none if there is nothing to draw or drawing failed (a test's
        answer must not depend on its picture)."""
        if self._chart is None or not ev.points:
            return []
        chart = trial.chart_of(ev)
        try:
            png = self._chart(chart)
        except Exception:
            log.exception("could not chart the test of alert %s", ev.policy.name)
            return []
        encoded = base64.b64encode(png).decode()
        name = f"alert-{ev.policy.name}-{ev.at:%Y%m%dT%H%M}.png"
        title = f"{chart.title}: {chart.signal}, last {length(CHARTED)}"
        return [Image(name=name, title=title, png_base64=encoded, inline=True)]

    def acknowledge(self, command: c.AcknowledgeAlert, ctx: Context) -> Reply:
        """Mark a firing alert as being handled (its escalation stops); update its message."""
        policy = self._refs.policy(command.name, ctx)
        if policy.status.state is not State.FIRING:
            raise ConflictError(f"Alert {policy.name} is not firing ({policy.shown_state()}).")
        user = ctx.principal.actor.user
        status = policy.status.model_copy(
            update={"acknowledged_by": user, "acknowledged_at": ctx.now}
        )
        saved = self._store.save(policy.model_copy(update={"status": status}))
        if saved.status.posted():  # with the alerts that fired with it, as the scheduler does
            update_group(self._store, self._notifier, saved, ctx.now)
        return Reply(
            tone=Tone.OK, title=f"@{user} acknowledged {policy.name}", refs=(user_ref(user),)
        )

    def acknowledged_already(self, command: c.AcknowledgeAlert, ctx: Context) -> Said:
        """Acknowledging a firing alert someone already acknowledged: nothing to change."""
        try:
            policy = self._refs.policy(command.name, ctx)
        except SreError:
            return None
        status = policy.status
        if status.state is not State.FIRING or not status.acknowledged_by:
            return None
        when = (
            f" at {moment(status.acknowledged_at, today=ctx.now)}" if status.acknowledged_at else ""
        )
        return NothingToChange(
            f"{policy.name} is already acknowledged by @{status.acknowledged_by}{when}",
            refs=(user_ref(status.acknowledged_by),),
        )


def _edited(policy: AlertPolicy, command: c.EditAlert) -> AlertPolicy:
    """`policy` with the edit's options applied."""
    if command.when:
        policy = policy.model_copy(update={"condition": parse(command.when)})
    if command.no_investigate:
        policy = policy.model_copy(update={"investigate": False})
    if command.no_escalation:
        policy = policy.model_copy(update={"escalate_after": None, "escalate_to": None})
    if bool(command.escalate_after) != bool(command.escalate_to):  # one changed, one kept
        if policy.escalate_after is None or policy.escalate_to is None:
            raise InvalidCommandError(
                f"{policy.name} does not escalate yet: give --escalate-after and --escalate-to "
                "together.",
                usage=usage(c.EditAlert),
            )
        if command.escalate_after:
            policy = policy.model_copy(update={"escalate_after": duration(command.escalate_after)})
        else:
            policy = policy.model_copy(update={"escalate_to": command.escalate_to})
    return _with_options(policy, command)


def _options_given(command: c.EditAlert) -> bool:
    """Whether `alert edit` was given any option to change."""
    given = command.model_dump(exclude={"name", "team"}, exclude_defaults=True)
    return bool(given)


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


def _named(policy: AlertPolicy, silences: Sequence[Silence], now: datetime) -> tuple[Ref, ...]:
    """The channel and the people `views.describe` names, as references."""
    channel = [channel_ref(policy.channel)] if policy.channel else []
    return (*channel, *_people(policy, silences, now))


def _people(policy: AlertPolicy, silences: Sequence[Silence], now: datetime) -> tuple[Ref, ...]:
    """Who acknowledged `policy`'s alert and who silenced it, as `views` names them."""
    silence = views.muting(policy, silences, now)
    firing = policy.status.state is State.FIRING
    by = [
        policy.status.acknowledged_by if firing else None,
        silence.created_by if silence else None,
    ]
    return tuple(user_ref(user) for user in dict.fromkeys(by) if user)


def _ratio_note(typed: str, policy: AlertPolicy) -> str:
    """A note when an error rate's threshold, typed without `%`, reads like a ratio (`> 0.02`
    is 0.02%, which a 0.3% baseline always crosses, not 2%)."""
    condition, threshold = policy.condition, policy.condition.threshold
    if condition.signal is not Signal.ERROR_RATE or threshold is None or "%" in typed:
        return ""
    if not 0 < threshold < 1:
        return ""
    meant = f"{condition.signal.value} {condition.comparison} {threshold * 100:g}%"
    return (
        f"\nNote: the error rate is in percent: `{threshold:g}` is {threshold:g}%, not "
        f"{threshold * 100:g}% (write `{meant}` for that)."
    )


def _was_firing(policy: AlertPolicy, now: datetime) -> str:
    """What a deleted alert was doing: firing, since when, no longer watched."""
    fired = policy.status.fired_at
    since = f" since {moment(fired, today=now)}" if fired else ""
    rule = policy.condition.text()
    return f"It was firing{since}: nothing watches `{rule}` on {policy.service} now."


def _which_message(policy: AlertPolicy) -> str:
    """The message a deleted alert's post is: its firing one while it fires, else its last."""
    return "firing message" if policy.status.state is State.FIRING else "last message"
