"""`sre scheduler run-once`: one tick of everything the scheduled trigger does each minute, the
alert policies and the canaries' steps, judged at the scheduled event's own minute."""

from __future__ import annotations

import logging
from datetime import datetime

from shared.alerts.scheduler import AlertScheduler
from shared.alerts.ticks import TickReport, WantedInvestigation
from shared.audit.trail import AuditTrail, settle_said
from shared.canary.service import CanaryService
from shared.chaos.service import ChaosService
from shared.commands.context import Context, Handled, Handlers
from shared.identity.models import OrgId, Platform
from shared.identity.ports import Directory
from shared.invocation import Invocation
from shared.quotas.usage_summary import MonthlySummary
from shared.replies import Reply, Tone
from shared.scheduling.commands import RunScheduler
from shared.scheduling.triggers import scheduled
from shared.services.ownership import record_claims
from shared.teams.installs import Uninstalled

log = logging.getLogger("autosre.scheduler")


class ScheduledWork:
    """Runs the scheduler's tick: alerts first, then canaries."""

    def __init__(
        self,
        *,
        alerts: AlertScheduler,
        canaries: CanaryService,
        chaos: ChaosService | None,
        directory: Directory,
        audit: AuditTrail,
        summary: MonthlySummary | None = None,
    ) -> None:
        """`chaos`: None where the deployment runs no chaos experiments; `summary`: the monthly
        usage summary (None: not told); `directory`: which orgs the app was uninstalled from
        (their work stops: nothing evaluated, started or told; running canaries rolled back,
        experiments halted)."""
        self._directory = directory
        self._audit = audit
        self._alerts = alerts
        self._canaries = canaries
        self._chaos = chaos
        self._summary = summary

    def handlers(self) -> Handlers:
        """The command this service runs."""
        return Handlers().add(RunScheduler, self.run_once)

    def run_once(self, _: RunScheduler, ctx: Context) -> Handled:
        """One tick, now (or at the minute the scheduled event was for): of every org for the
        scheduler, of the caller's own org for an org admin; the investigations alerts asked for
        follow it, each its own `sre investigate` by the scheduler."""
        # the scheduled event's own time: a late or retried delivery judges the minute it was for
        at, trigger = ctx.invocation.received_at, ctx.invocation.correlation_id
        actor = ctx.invocation.actor
        org = None if actor.platform is Platform.SCHEDULER else actor.org
        if org is None:
            self._claims_recorded()
        gone = Uninstalled(self._directory)
        report = self._alerts.tick(at, trigger=trigger, org=org, uninstalled=gone)
        stepped = self._canaries.advance(at, trigger=trigger, org=org, uninstalled=gone)
        # after the alerts: a page that fired in this tick halts the team's experiments now
        chaos = self._chaos_lines(at, trigger, org, gone)
        fields = [
            ("Fired", ", ".join(_fired(report)) or "none"),
            ("Resolved", ", ".join(report.resolved) or "none"),
            *_data_fields(report),
            ("Escalated", ", ".join(report.escalated) or "none"),
            ("Canaries", "\n".join(stepped) or "none due"),
            ("Chaos", "\n".join(chaos) or "no step due"),
        ]
        summaries = self._summary_lines(at, trigger, org, gone)
        if summaries:
            fields.append(("Usage", "\n".join(summaries)))
        # after every feature's work (the chaos guards never wait behind a backlog)
        settled = settle_said(self._audit, org)
        if settled:  # alerts', canaries' and experiments' entries owed while the trail was down
            fields.append(("Audit", "\n".join(settled)))
        if report.problems:
            fields.append(("Problems", "\n".join(report.problems[:10])))
        reply = Reply(
            tone=Tone.OK,
            title=f"Scheduler: {report.evaluated} alert "
            f"{'policy' if report.evaluated == 1 else 'policies'} evaluated"
            + (f" ({report.not_due} not due yet this minute)" if report.not_due else ""),
            fields=fields,
        )
        return Handled(reply, tuple(_investigation(w, ctx.now) for w in report.investigations))

    def _claims_recorded(self) -> None:
        """Once per deployment, the first tick after an upgrade claims the cloud resources
        registered before claims existed (a read of every team), so no person's command waits
        on it; a failure is logged and tried again at the next tick."""
        try:
            record_claims(self._directory)
        except Exception:
            log.exception("could not claim the resources of earlier services")

    def _chaos_lines(
        self, at: datetime, trigger: str, org: OrgId | None, gone: Uninstalled
    ) -> list[str]:
        """The experiments' tick; an error of the chaos store said, never the alerts' tick lost."""
        if self._chaos is None:
            return []
        try:
            return self._chaos.advance(at, trigger=trigger, org=org, uninstalled=gone)
        except Exception as error:  # the alerts' investigations still follow
            log.exception("the chaos experiments could not be advanced")
            return [f"not advanced: {error}"]

    def _summary_lines(
        self, at: datetime, trigger: str, org: OrgId | None, gone: Uninstalled
    ) -> list[str]:
        """Last month's usage summaries told this tick; an error said, never the tick lost."""
        if self._summary is None:
            return []
        try:
            return self._summary.tell(at, trigger=trigger, org=org, uninstalled=gone)
        except Exception as error:  # orgs not listed: nothing claimed, retried next tick
            log.exception("the monthly usage summary could not be told")
            return [f"usage summary not told: {error}"]


def _fired(report: TickReport) -> list[str]:
    """The alerts that fired, each silenced one said so: `slow (silenced: nobody told)`."""
    muted = set(report.silenced)
    return [f"{name} (silenced: nobody told)" if name in muted else name for name in report.fired]


def _data_fields(report: TickReport) -> list[tuple[str, str]]:
    """Firing alerts whose data stopped (not resolved) or came back (not fired anew), as the
    audit trail and their messages say it; none when none did."""
    return [
        (label, ", ".join(names))
        for label, names in (("No data", report.no_data), ("Data back", report.data_back))
        if names
    ]


def _investigation(wanted: WantedInvestigation, now: datetime) -> Invocation:
    """`sre investigate` of the policy's service as the scheduler, answered in the alert's
    thread; the key makes a retried tick open it once."""
    policy = wanted.policy
    # --alert: an open investigation of the service is joined, not opened twice
    text = f"sre investigate {policy.service} --team {policy.team} --alert {policy.name}"
    invocation = scheduled(OrgId(policy.org), text, trigger=wanted.key, now=now)
    return invocation.model_copy(update={"reply_to": wanted.thread})
