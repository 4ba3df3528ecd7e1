"""One scheduler tick: evaluate every due policy, claim each transition with a conditional write,
audit it as `scheduler`, then tell the channel (grouped by service), open investigations and
escalate pages nobody acknowledged.

Two overlapping or retried ticks read the same policy version; only one write of a transition
lands, and only the run whose write landed tells anyone, so a transition is told at most once."""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import datetime

from shared.alerts.escalation import Escalator, escalation_due
from shared.alerts.evaluator import AlertEvaluator, Evaluation
from shared.alerts.models import AlertPolicy
from shared.alerts.notices import group_notice
from shared.alerts.org_parts import OrgParts
from shared.alerts.ports import AlertStore
from shared.alerts.problems import problem_notice
from shared.alerts.states import State, transition
from shared.alerts.targets import alert_targets
from shared.alerts.ticks import TickReport, WantedInvestigation
from shared.alerts.updates import messages, update_group
from shared.alerts.views import muting
from shared.audit.owed import Owed
from shared.audit.scheduled import ScheduledAction, scheduler_entry
from shared.audit.trail import AuditTrail
from shared.errors import AuditUnavailableError, ConflictError
from shared.identity.models import OrgId
from shared.identity.ports import Directory
from shared.invocation import ReplyTarget
from shared.messages import post_or_update
from shared.ports import Notifier

Claimed = tuple[AlertPolicy, str]
"""A policy as this run saved it, and the transition it made (`fired`, `resolved`, `no data`,
`data back`)."""

ORG_SECONDS = 20.0
"""How long a tick waits for one org's claims, audit entries, notices and escalations from when
they began (its reads have their own bound; `shared.bounds.AT_ONCE` orgs run at a time): an
org past it finishes on its own while the tick goes on, and its next ticks are carried until it
has, so one org's slow notifier or store never holds back another's."""


def _never(_: str) -> bool:
    """No org is uninstalled."""
    return False


def _nowhere(policy: AlertPolicy, channels: list[ReplyTarget], report: TickReport) -> None:
    """A notice with no channel to go to is a problem of the tick, as one refused is: it is
    posted again each tick, once a channel is bound."""
    if not channels:
        report.problems.append(
            f"{policy.service}: could not post: team {policy.team} has no channel bound "
            f"(`sre team bind CHANNEL --team {policy.team}`)"
        )


class AlertScheduler:
    """Runs ticks over the alert store."""

    def __init__(
        self,
        *,
        store: AlertStore,
        evaluator: AlertEvaluator,
        directory: Directory,
        audit: AuditTrail,
        notifier: Notifier,
        org_seconds: float = ORG_SECONDS,
    ) -> None:
        self._store = store
        self._evaluator = evaluator
        self._directory = directory
        self._audit = audit
        self._notifier = notifier
        self._parts = OrgParts(org_seconds)

    def tick(
        self,
        now: datetime,
        *,
        trigger: str,
        org: OrgId | None = None,
        uninstalled: Callable[[str], bool] | None = None,
    ) -> TickReport:
        """Evaluate, claim, audit, tell; `trigger` (the schedule event's id) goes in the audit.
        With `org`, only that org's policies (a person's run-once); without, every org's, each
        org's part waited on for at most `org_seconds`. An org `uninstalled` says the app was
        removed from is not evaluated at all (no provider call, no notice)."""
        report = TickReport()
        gone = uninstalled or _never
        policies = [p for p in self._store.every() if org in (None, p.org) and not gone(p.org)]
        reserved = self._parts.reserve({p.org for p in policies}, report)
        policies = [p for p in policies if p.org in reserved]
        report.not_due = sum(not p.due(now) for p in policies)
        orgs: set[str] = set()
        try:
            judged: dict[str, list[Evaluation]] = {}
            for evaluation in self._evaluator.evaluate([p for p in policies if p.due(now)], now):
                judged.setdefault(evaluation.policy.org, []).append(evaluation)
            orgs = set(judged) | {p.org for p in policies if escalation_due(p, now)}
        finally:  # those with nothing to do are free again; each part frees its own org
            self._parts.release(reserved - orgs)
        parts = {
            name: functools.partial(
                self._org_tick, name, judged.get(name, []), policies, now, trigger
            )
            for name in sorted(orgs)
        }
        self._parts.run(parts, report, org)
        report.sort()
        return report

    def _org_tick(
        self,
        org: str,
        evaluations: list[Evaluation],
        policies: list[AlertPolicy],
        now: datetime,
        trigger: str,
    ) -> TickReport:
        """One org's claims, notices and escalations."""
        report = TickReport()
        try:
            told: dict[tuple[str, str, str], list[Claimed]] = {}
            for evaluation in evaluations:
                report.evaluated += 1
                if evaluation.problem:
                    report.problems.append(f"{evaluation.policy.name}: {evaluation.problem}")
                claimed = self._claim(evaluation, report, trigger)
                if claimed is not None:
                    policy = claimed[0]
                    key = (policy.org, policy.team, policy.service)
                    told.setdefault(key, []).append(claimed)
            for group in told.values():
                self._tell(sorted(group, key=lambda c: c[0].name), report, now)
            moved = {c[0].name for group in told.values() for c in group}
            ours = [p for p in policies if p.org == org]
            self._retell([p for p in ours if p.name not in moved], report, now)
            self._escalate(now, report, trigger, ours)
        finally:
            self._parts.end(org, report)  # its investigations: to this tick, or a later one
        return report

    def _claim(self, ev: Evaluation, report: TickReport, trigger: str) -> Claimed | None:
        """Store the new state (conditional write) and audit a transition; the policy to tell
        about and its transition, if this run made one."""
        before = ev.policy.status
        change = transition(
            ev.before, ev.after, had_data=not before.no_data, has_data=ev.value is not None
        )
        told = before.problem
        first = before.evaluated_at is None  # written once, so it no longer reads "not evaluated"
        moved = first or ev.after != ev.before or (ev.value is None) != before.no_data
        # a firing alert's value (an anomaly's signal too) is kept current: an escalation or an
        # ack says it as "now"
        current = (ev.value, ev.level) != (before.value, before.level)
        moved = moved or (ev.after.state is State.FIRING and current)
        if not moved and ev.problem == told:
            return None  # nothing moved: no write (a store write per policy per minute costs)
        status = before.moved_to(ev.after, ev.at, ev.value, ev.level)
        status = status.model_copy(update={"problem": ev.problem})
        if change == "fired":  # a new firing: a new notice, acknowledged by no one yet
            reset = {
                "message": None,
                "messages": (),
                "investigation": None,
                "acknowledged_by": None,
                "acknowledged_at": None,
                "escalated": False,
                "escalated_at": None,
                "escalation_problem": "",
            }
            status = status.model_copy(update=reset)
        try:
            saved = self._store.save(ev.policy.model_copy(update={"status": status}))
        except ConflictError:
            return None
        if ev.problem != told:  # only the run whose write landed tells the team, once
            self._tell_problem(saved, told, report)
        if change is None:
            return None
        try:
            self._record(saved, change, trigger, ev)
        except AuditUnavailableError:  # neither written nor owed: the state store is down too
            report.problems.append(f"{saved.name}: not told, the audit trail is unavailable")
            return None
        report.told(change).append(saved.name)
        return saved, change

    def _tell_problem(self, policy: AlertPolicy, before: str, report: TickReport) -> None:
        """Tell the policy's team why it cannot be judged (or that it can be again)."""
        told = post_or_update(
            self._notifier,
            problem_notice(policy, before),
            message=None,
            channels=self._targets(policy),
        )
        for _, error in told.failed:
            report.problems.append(f"{policy.name}: could not tell its problem ({error})")

    def _record(
        self,
        policy: AlertPolicy,
        what: str,
        trigger: str,
        ev: Evaluation | None,
        *,
        at: datetime | None = None,
    ) -> None:
        """Audit a transition already saved (fired, resolved, escalated) at its evaluation's
        minute, or `at` (an escalation: the tick that made it, not the alert's last change of
        state, so the trail's times never run backwards): appended, or, while the trail is down,
        owed (written when it is back), so what the state says is told and audited, never told
        unaudited by a later tick nor never told; AuditUnavailableError when it could not even
        be owed."""
        details = {"condition": policy.condition.text()}
        if ev is not None and ev.value is not None:
            details["value"] = f"{ev.value:g}"
        kept = self._audit.append_or_owe(
            scheduler_entry(
                policy.org,
                policy.team,
                time=ev.at if ev else at or policy.status.evaluated_at or policy.created_at,
                command=ScheduledAction("alert", what, policy.name).command(),
                target=policy.service,
                trigger=trigger,
                details=details,
            )
        )
        if isinstance(kept, Owed) and not kept.saved:
            raise AuditUnavailableError(f"alert {policy.name} {what}: not audited nor owed")

    def _targets(self, policy: AlertPolicy, team: str | None = None) -> list[ReplyTarget]:
        """Where `policy`'s notices go (see `alert_targets`)."""
        return alert_targets(self._directory, policy, team)

    def _tell(self, group: list[Claimed], report: TickReport, now: datetime) -> None:
        """One message per service for what fired together; the others (resolved, data stopped
        or back) update theirs. A silence is judged at `now`, when the notice would be sent (as
        Alertmanager does), not at the evaluated minute: a silence made earlier in that minute
        mutes it too."""
        silences = self._store.silences(OrgId(group[0][0].org), group[0][0].team)
        # a silence mutes new notices, not the update of a message already posted
        loud = [
            (p, change)
            for p, change in group
            if muting(p, silences, now) is None or (change != "fired" and p.status.posted())
        ]
        report.silenced += [
            p.name for p, change in group if (p, change) not in loud and change == "fired"
        ]
        fired = [p for p, change in loud if change == "fired"]
        by_message: dict[str, list[AlertPolicy]] = {}
        for policy in [p for p, change in loud if change != "fired"]:
            posted = messages(policy)  # a message without an id (the terminal's) is its own
            key = posted[0].model_dump_json() if posted else policy.name
            by_message.setdefault(key, []).append(policy)
        for changed in by_message.values():
            self._update(changed[0], report)
        if not fired:
            return
        channels = self._targets(fired[0])
        told = post_or_update(self._notifier, group_notice(fired), message=None, channels=channels)
        _nowhere(fired[0], channels, report)
        for _, error in told.failed:  # one channel failing must not stop the tick
            report.problems.append(f"{fired[0].service}: could not post ({error})")
        for where in told.where:
            for policy in fired:
                self._remember(policy, where)
            self._open_investigation(fired, where, report)

    def _retell(self, policies: list[AlertPolicy], report: TickReport, now: datetime) -> None:
        """Post again, each tick, the firing alerts whose notice reached no channel (the bot
        not in it, Slack down): a page told nowhere is a page lost. Acknowledged or silenced
        ones are left alone; one that posts is remembered, as a first post would be."""
        lost: dict[tuple[str, str], list[AlertPolicy]] = {}
        for policy in policies:
            status = policy.status
            if status.state is not State.FIRING or status.posted() or status.acknowledged_by:
                continue
            if self._silenced(policy, now):
                continue
            lost.setdefault((policy.team, policy.service), []).append(policy)
        for group in lost.values():
            fired = sorted(group, key=lambda p: p.name)
            channels = self._targets(fired[0])
            told = post_or_update(
                self._notifier, group_notice(fired), message=None, channels=channels
            )
            _nowhere(fired[0], channels, report)
            for _, error in told.failed:
                report.problems.append(f"{fired[0].service}: still not told ({error})")
            for posted in told.where:
                for policy in fired:
                    self._remember(policy, posted)
                self._open_investigation(
                    [p for p in fired if not p.status.investigation], posted, report
                )

    def _open_investigation(
        self, fired: list[AlertPolicy], posted: ReplyTarget, report: TickReport
    ) -> None:
        """One investigation per service that fired with `--investigate`, in the notice's thread."""
        wanted = [p for p in fired if p.investigate]
        if not wanted:
            return
        policy = wanted[0]
        thread = posted.model_copy(update={"thread": posted.message or posted.thread})
        key = f"{policy.team}:{policy.name}:{policy.status.fired_at}"  # names are per team
        report.investigations.append(WantedInvestigation(policy=policy, thread=thread, key=key))
        for each in wanted:
            self._remember(each, None, investigation="requested")

    def _remember(
        self, policy: AlertPolicy, message: ReplyTarget | None, *, investigation: str | None = None
    ) -> AlertPolicy:
        """Keep where the notice went (to update it when resolved), retrying a lost race."""
        current = policy  # as this run last wrote it: usually still the stored version
        for _ in range(3):
            status = current.status if message is None else current.status.with_post(message)
            if investigation is not None:
                status = status.model_copy(update={"investigation": investigation})
            try:
                return self._store.save(current.model_copy(update={"status": status}))
            except ConflictError:
                current = self._store.get(OrgId(policy.org), policy.team, policy.name) or policy
        return policy

    def _update(self, policy: AlertPolicy, report: TickReport) -> None:
        """Update every copy of the firing message in place (resolved, its data stopped or
        back), with every alert it names as it stands now; post a new one if there is none."""
        today = policy.status.evaluated_at
        channels = self._targets(policy)
        for error in update_group(self._store, self._notifier, policy, today, channels=channels):
            report.problems.append(f"{policy.name}: could not update its message ({error})")

    def _silenced(self, policy: AlertPolicy, now: datetime) -> bool:
        """Whether a silence mutes `policy`'s notices now."""
        silences = self._store.silences(OrgId(policy.org), policy.team)
        return muting(policy, silences, now) is not None

    def _escalate(
        self, now: datetime, report: TickReport, trigger: str, policies: list[AlertPolicy]
    ) -> None:
        """Pages (not tickets or info) still firing, unacknowledged after `escalate_after`: tell
        the escalation team, once; a silenced page escalates once its silence is over."""
        escalator = Escalator(
            store=self._store,
            directory=self._directory,
            notifier=self._notifier,
            record=lambda policy, what: self._record(policy, what, trigger, None, at=now),
            own_channels=self._targets,
        )
        for read in policies:
            # read before this tick's claims: a page it just resolved is read again
            due = escalation_due(read, now)
            policy = self._store.get(OrgId(read.org), read.team, read.name) if due else None
            if policy is None or not escalation_due(policy, now):
                continue
            if self._silenced(policy, now):
                continue
            if escalator.escalate(policy, now, report.problems):
                report.escalated.append(policy.name)
