"""The monthly usage summary: on the first tick of a month (UTC), each team that used anything in
the month before is told that month in its channels, with the figures of `sre usage --month`
(the same view), once per org and month (a claim in the usage store, so racing ticks tell it
once), audited as the scheduler before anything is posted.

There is no org-wide channel in Auto SRE (an org's notices go to its teams' channels, and a
team's channel shows that team only): each team's summary goes to its own channels; a team bound
to no channel is told nowhere (`sre usage --month` still shows it)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from decimal import Decimal

from shared.audit.models import ORG_STREAM
from shared.audit.scheduled import ScheduledAction, scheduler_entry
from shared.audit.trail import AuditTrail
from shared.identity.models import OrgId, Platform
from shared.identity.ports import Directory
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


def summary_reply(lines: list[UsageLine], prices: dict[str, Decimal], *, team: str) -> Reply:
    """The team's month as `sre usage --month` shows it, with how to export it."""
    month = lines[0].month
    shown = usage_reply(lines, prices, month=month, whose=f"team {team}")
    hint = f"For chargeback: `sre usage --month {month} --csv --team {team}` exports it as CSV."
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
        uninstalled: Callable[[str], bool] | None = None,
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
            if uninstalled is not None and uninstalled(each):
                continue
            try:
                if self._told(each, month, at, trigger):
                    told.append(f"usage summary of {month} told ({each})")
            except Exception as error:
                log.exception("the usage summary of %s for %s could not be told", month, each)
                told.append(f"usage summary of {month} not told ({each}): {error}")
        return told

    def _told(self, org: OrgId, month: str, at: datetime, trigger: str) -> bool:
        """Read what to post, then claim, audit and post the org's month; False when there was
        nothing to do. A failure before posting leaves the month unclaimed."""
        used = [line for line in self._usage.month(org, month) if line.count]
        if not used:
            self._settled.add((org, month))
            return False
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
        if not self._usage.claim_summary(org, month):
            self._settled.add((org, month))
            return False
        try:
            self._audit(org, month, sorted(teams), at, trigger)
        except Exception:  # not audited, not told: the next tick tries again
            self._usage.release_summary(org, month)
            raise
        self._settled.add((org, month))
        for team, reply, channels in posts:
            told = post_or_update(self._notifier, reply, message=None, channels=channels)
            for target, error in told.failed:
                log.warning("usage summary of %s not posted to %s: %s", team, target.channel, error)
        return True

    def _audit(self, org: OrgId, month: str, teams: list[str], at: datetime, trigger: str) -> None:
        self._trail.append(
            scheduler_entry(
                org,
                ORG_STREAM,
                time=at,
                command=ScheduledAction("usage", "monthly summary told", month).command(),
                target=f"usage:{month}",
                trigger=trigger,
                details={"teams": ", ".join(teams)[:500]},
            )
        )
