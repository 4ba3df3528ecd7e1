"""The monthly usage summary: on the first tick of a month (UTC), each team that used anything in
the month before is told that month in its channels, with the figures of `sre usage --month`
(the same view), and the org's channel (`sre org bind`) is told every team's figures and the
org's total, as `sre usage --all --month` shows them; once per org and month (a claim in the
usage store, so racing ticks tell it once), audited as the scheduler before anything is posted.

A team's channel shows that team only: the org-wide figures go to the org's channel alone, and
only while it is bound to no team. An org with no channel of its own is told nowhere org-wide:
the tick's line says how to bind one (`sre usage --all --month` still shows it); a team bound to
no channel is told nowhere (`sre usage --month` still shows it)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from decimal import Decimal

from shared.audit.models import ORG_STREAM
from shared.audit.scheduled import ScheduledAction, scheduler_entry
from shared.audit.trail import AuditTrail
from shared.identity.models import ChannelId, OrgId, Platform
from shared.identity.ports import Directory
from shared.invocation import ReplyTarget
from shared.messages import channel_targets, post_or_update
from shared.ports import Notifier
from shared.quotas.ports import Quotas, UsageLedger
from shared.quotas.usage import UsageLine, month_of
from shared.quotas.usage_views import by_team, usage_reply
from shared.replies import Reply

log = logging.getLogger("autosre.quotas")


def month_before(at: datetime) -> str:
    """The month before the one `at` falls in (UTC), as `2026-10`."""
    first = datetime.fromisoformat(f"{month_of(at)}-01T00:00:00+00:00")
    return month_of(first - timedelta(days=1))


def _platform(org: OrgId) -> Platform:
    """The platform an org id is keyed with (`slack:T1` → Slack; `local` → the terminal)."""
    prefix = org.split(":", 1)[0]
    return Platform(prefix) if prefix in {p.value for p in Platform} else Platform.LOCAL


NO_ORG_CHANNEL = "no org channel for every team's figures: an org admin binds one, `sre org bind`"
"""What the tick says of an org with no channel of its own (or one now bound to a team)."""


def summary_reply(lines: list[UsageLine], prices: dict[str, Decimal], *, team: str | None) -> Reply:
    """The team's month as `sre usage --month` shows it (every team's and the org's total, as
    `sre usage --all --month` does, when `team` is None), with how to export it."""
    month = lines[0].month
    whose = f"team {team}" if team else "every team"
    shown = usage_reply(lines, prices, month=month, whose=whose)
    which = f"--team {team}" if team else "--all"
    hint = f"For chargeback: `sre usage --month {month} --csv {which}` exports it as CSV."
    return shown.model_copy(
        update={"title": f"Monthly summary: {shown.title}", "text": f"{shown.text}\n{hint}"}
    )


class MonthlySummary:
    """Tells each org's teams their last month's usage, once per org and month."""

    def __init__(
        self,
        *,
        usage: UsageLedger,
        quotas: Quotas,
        directory: Directory,
        notifier: Notifier,
        trail: AuditTrail,
        orgs: Callable[[], Sequence[OrgId]],
    ) -> None:
        """`orgs`: every org of the deployment (those with an audit trail)."""
        self._usage = usage
        self._quotas = quotas
        self._directory = directory
        self._notifier = notifier
        self._trail = trail
        self._orgs = orgs
        self._settled: set[tuple[OrgId, str]] = set()
        """Orgs and months this process already told or found nothing to tell (no store read
        for them on every tick)."""
        self._listed: dict[str, list[OrgId]] = {}
        """The orgs listed for each month's summary: once per month and process (an org made
        since had no usage the month before)."""

    def tell(
        self,
        at: datetime,
        *,
        trigger: str,
        org: OrgId | None = None,
        uninstalled: Callable[[str], bool],
    ) -> list[str]:
        """Tell last month's summary of every org (of `org` only, when given) not yet told;
        a line for each told, and for each that could not be (logged; its month left unclaimed,
        so the next tick tells it), never stopping the orgs after it. An org `uninstalled`
        says the app was removed from is not told (its month left unclaimed)."""
        month = month_before(at)
        told = []
        if org is None and month not in self._listed:
            self._listed = {month: list(self._orgs())}
        for each in [org] if org is not None else self._listed[month]:
            if (each, month) in self._settled:
                continue
            if uninstalled(each):
                continue
            try:
                said = self._told(each, month, at, trigger)
                if said is not None:
                    told.append(f"usage summary of {month} told ({each}){said}")
            except Exception as error:
                log.exception("the usage summary of %s for %s could not be told", month, each)
                told.append(f"usage summary of {month} not told ({each}): {error}")
        return told

    def _told(self, org: OrgId, month: str, at: datetime, trigger: str) -> str | None:
        """Read what to post, then claim, audit and post the org's month; None when there was
        nothing to do, else what the tick adds (that the org has no channel of its own). A
        failure before posting leaves the month unclaimed."""
        used = [line for line in self._usage.month(org, month) if line.count]
        if not used:
            self._settled.add((org, month))
            return None
        teams = by_team(used)
        prices = self._quotas.book(org).prices
        posts = [
            (
                team,
                summary_reply(lines, prices, team=team),
                channel_targets(self._directory, org, team, _platform(org)),
            )
            for team, lines in teams.items()
        ]
        own = self._org_channel(org)
        if own:
            posts.append(("the org", summary_reply(used, prices, team=None), own))
        if not self._usage.claim_summary(org, month):
            self._settled.add((org, month))
            return None
        try:
            channel = own[0].channel if own else None
            self._audit(org, month, sorted(teams), at, trigger, org_channel=channel)
        except Exception:  # not audited, not told: the next tick tries again
            self._usage.release_summary(org, month)
            raise
        self._settled.add((org, month))
        for team, reply, channels in posts:
            told = post_or_update(self._notifier, reply, message=None, channels=channels)
            for target, error in told.failed:
                log.warning("usage summary of %s not posted to %s: %s", team, target.channel, error)
        return "" if own else f"; {NO_ORG_CHANNEL}"

    def _org_channel(self, org: OrgId) -> list[ReplyTarget]:
        """Where the org-wide summary goes: the org's channel, unless none is bound or it has
        since been bound to a team (whose channel shows that team only)."""
        record = self._directory.get_org(org)
        bound = record.channel if record else None
        if bound is None or self._directory.get_binding(org, ChannelId(bound.channel)):
            return []
        platform = _platform(org)
        conversation = bound.conversation
        return [
            ReplyTarget(
                platform=platform, channel=bound.channel, conversation=conversation, org=org
            )
        ]

    def _audit(
        self,
        org: OrgId,
        month: str,
        teams: list[str],
        at: datetime,
        trigger: str,
        *,
        org_channel: str | None,
    ) -> None:
        self._trail.append(
            scheduler_entry(
                org,
                ORG_STREAM,
                time=at,
                command=ScheduledAction("usage", "monthly summary told", month).command(),
                target=f"usage:{month}",
                trigger=trigger,
                details={"teams": ", ".join(teams)[:500], "org_channel": org_channel or "none"},
            )
        )
