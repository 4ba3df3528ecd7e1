"""Every trail of an org at once: `sre audit verify --all|--state` and `sre audit access-review`."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import datetime

from shared.audit.models import ORG_STREAM, AuditRecord, StreamKey, entry_name
from shared.audit.ports import AuditDirectory
from shared.audit.trail import AuditTrail
from shared.audit.verify import Verification
from shared.auditing import commands as c
from shared.auditing.access import AccessHistory, configured_admins, is_change, replay
from shared.auditing.reconcile import Reconciliation, StateSnapshot, reconcile
from shared.commands.context import Context
from shared.errors import NotFoundError, did_you_mean
from shared.identity.admins import ConfiguredAdmin, configured_by
from shared.identity.models import OrgId
from shared.identity.teams import teams_own
from shared.replies import Ref, Reply, Tone, channel_ref, counted, user_ref

Check = Callable[[StreamKey, datetime, datetime | None], Verification]
"""Verify one stream at a time, from the last digest before a date (if given)."""
FIELD_CHARS = 1800
"""How much of a list one reply field shows (a chat field holds 2,000 characters)."""


def label(stream: StreamKey) -> str:
    """How a reply names a stream."""
    return "the org-wide trail" if stream.team == ORG_STREAM else f"{teams_own(stream.team)} trail"


class OrgAudit:
    """Verifies every stream of an org, replays them against the state store, reviews access."""

    def __init__(
        self,
        *,
        trail: AuditTrail,
        directory: AuditDirectory,
        check: Check,
        configured: Iterable[ConfiguredAdmin],
    ) -> None:
        self._trail = trail
        self._directory = directory
        self._check = check
        self._configured = tuple(configured)

    def streams(self, org: OrgId) -> list[StreamKey]:
        """The org's trail and every team's that the storage, the org's trail (teams created) or
        the state store (teams, remembered heads) knows of: a deleted stream is still named."""
        created = replay(self._trail.records(StreamKey(org=org, team=ORG_STREAM))).teams
        teams = ({*self._stored_teams(org), *created}) - {ORG_STREAM}
        return [StreamKey(org=org, team=t) for t in [ORG_STREAM, *sorted(teams)]]

    def _stored_teams(self, org: OrgId) -> set[str]:
        """The teams the storage and the state store know of, without reading the org's trail."""
        return {
            *(s.team for s in self._trail.log.streams(org)),
            *(team.name for team in self._directory.list_teams(org)),
            *(mark.team for mark in self._directory.head_marks(org)),
        }

    def can_review(self, command: c.ReviewAccess, ctx: Context) -> None:
        """Before it is queued: a review of a team no storage or state knows of is refused at
        once (a deleted team's trail is still known: its entries are kept)."""
        if command.team is None:
            return
        known = self._stored_teams(ctx.principal.actor.org) - {ORG_STREAM}
        if command.team not in known:
            raise NotFoundError(unknown_team(command.team, sorted(known)))

    def verify_all(self, command: c.VerifyAudit, ctx: Context) -> Reply:
        """`sre audit verify --all`: every stream, each whole and as long as the state saw."""
        org = ctx.principal.actor.org
        reports = [self._check(s, ctx.now, command.since) for s in self.streams(org)]
        self._expect_members(org, reports)
        return all_reply(reports)

    def _expect_members(self, org: OrgId, reports: list[Verification]) -> None:
        """A team with members in the state store was changed in its own trail: an empty one was
        deleted, even where the state store's remembered head went with it."""
        staffed = {team.name for team in self._directory.list_teams(org) if team.members}
        for report in reports:
            if report.stream.team in staffed and report.head == 0 and report.ok:
                report.fail(
                    "#1: missing: the state store has members in this team but its trail has "
                    "no entries (the stream was deleted)"
                )

    def verify_state(self, command: c.VerifyAudit, ctx: Context) -> Reply:
        """`sre audit verify --state`: every stream verified, then replayed against the state."""
        org = ctx.principal.actor.org
        streams = self.streams(org)
        reports = [self._check(s, ctx.now, command.since) for s in streams]
        self._expect_members(org, reports)
        history = self._history(streams)
        state = StateSnapshot(
            org=self._directory.get_org(org),
            teams=self._directory.list_teams(org),
            bindings=self._directory.list_bindings(org),
        )
        found = reconcile(history, state)
        admins = configured_admins(org, self._configured)
        return state_reply(found, reports, history, admins, by=configured_by(org))

    def review(self, command: c.ReviewAccess, ctx: Context) -> Reply:
        """`sre audit access-review`: who holds which role, granted when and by whom."""
        org = ctx.principal.actor.org
        known = self.streams(org)
        if command.team is not None and command.team not in {s.team for s in known}:
            raise NotFoundError(unknown_team(command.team, [s.team for s in known[1:]]))
        wanted = {command.team, ORG_STREAM}
        streams = [s for s in known if command.team is None or s.team in wanted]
        history = self._history(streams)
        admins = configured_admins(org, self._configured)
        return review_reply(history, admins, team=command.team, by=configured_by(org))

    def _history(self, streams: Iterable[StreamKey]) -> AccessHistory:
        """The access the streams' changes explain; an entry that cannot be read is named, and
        so is one that cannot be trusted (changed since written, or not chained to those beside
        it): neither is used, as a grant in it may be forged."""
        unreadable: list[str] = []
        untrusted: list[str] = []
        history = replay(self._changes(streams, unreadable, untrusted))
        history.unreadable += [f"{name}: not a readable entry" for name in unreadable]
        history.unreadable += untrusted
        return history

    def _changes(
        self, streams: Iterable[StreamKey], unreadable: list[str], untrusted: list[str]
    ) -> Iterator[AuditRecord]:
        for stream in streams:
            modified: list[int] = []
            unlinked: list[int] = []
            read = self._trail.records(
                stream, unreadable=unreadable, modified=modified, unlinked=unlinked
            )
            changes = list(filter(is_change, read))  # read whole: an entry is unlinked by the next
            distrusted = {*modified, *unlinked}
            for seq in sorted(distrusted):
                why = (
                    "changed since written" if seq in modified else "not chained to its neighbours"
                )
                name = entry_name(stream.team, seq)
                untrusted.append(f"{name}: {why}, not used (`sre audit verify` says more)")
            yield from (r for r in changes if r.seq not in distrusted)


def _summary(report: Verification) -> str:
    if not report.ok:
        return "✗ " + "\n".join(report.problems)
    if not report.head:
        return "✓ no entries yet"
    sealed = f", sealed to #{report.last_digest.last_seq}" if report.last_digest else ""
    seen = f", the state store saw #{report.mark.seq}" if report.mark else ""
    entries = counted(report.entries, "entry", "entries")
    return f"✓ {entries} (#{report.first}..#{report.head}){sealed}{seen}"


def all_reply(reports: list[Verification]) -> Reply:
    """What `sre audit verify --all` answers: one line per trail, broken ones first."""
    broken = [r for r in reports if not r.ok]
    fields = [(label(r.stream), _summary(r)) for r in sorted(reports, key=lambda r: r.ok)]
    if broken:
        title = f"Audit trails BROKEN: {len(broken)} of {len(reports)}"
        return Reply(tone=Tone.ERROR, title=title, fields=fields)
    teams = len(reports) - 1
    title = f"Audit trails intact: the org's and {teams} team" + ("'s" if teams == 1 else "s'")
    return Reply(tone=Tone.OK, title=title, fields=fields)


def state_reply(
    found: Reconciliation,
    reports: list[Verification],
    history: AccessHistory,
    admins: list[str],
    *,
    by: str,
) -> Reply:
    """What `sre audit verify --state` answers; `by`: where the configured admins come from."""
    broken = [r for r in reports if not r.ok]
    fields = [(label(r.stream), _summary(r)) for r in broken]
    if found.unexplained:
        fields.append(("In the state store, not explained by the trail", _lines(found.unexplained)))
    if found.unrecorded:
        fields.append(("In the trail, missing from the state store", _lines(found.unrecorded)))
    if history.unreadable:
        fields.append(("Entries not read back", _lines(history.unreadable)))
    fields.append(("Configured org admins", _configured(admins, by)))
    if broken or not found.ok or history.unreadable:
        return Reply(
            tone=Tone.ERROR,
            title="State NOT explained by the trail",
            fields=fields,
            refs=_refs(history, admins),
        )
    fields.insert(0, ("Trails", f"✓ {len(reports)} verified (the org's and every team's)"))
    return Reply(
        tone=Tone.OK,
        title="State explained by the trail: every team, role and binding",
        fields=fields,
        refs=_refs(history, admins),
    )


def unknown_team(team: str, teams: list[str]) -> str:
    """Why a review of `team` cannot be given: no trail or state knows it (with a guess)."""
    return f"No team `{team}` in this org's trails or state.{did_you_mean(team, teams)}"


def review_reply(history: AccessHistory, admins: list[str], *, team: str | None, by: str) -> Reply:
    """What `sre audit access-review` answers: org roles, each team's members, the channels;
    `by`: where the configured admins come from."""
    org_lines = [f"@{user} · org-admin: from {by}, not the trail" for user in admins]
    org_lines += [
        f"@{user} · {role.value}: granted {change.said()}"
        for (user, role), change in sorted(history.org_roles.items())
    ]
    fields = [("Org roles", _lines(org_lines) or "none")]
    for name in sorted(set(history.teams) | set(history.members)):
        if team not in (None, name):
            continue
        members = history.members.get(name, {})
        created = history.teams.get(name)
        heading = f"Team {name}" + (f" (created {created.said()})" if created else "")
        lines = [f"@{u} · {ch.value}: since {ch.said()}" for u, ch in sorted(members.items())]
        fields.append((heading, _lines(lines) or "no members"))
    channels = [
        f"#{channel} → {ch.value}: bound {ch.said()}"
        for channel, ch in sorted(history.bindings.items())
        if team in (None, ch.value)
    ]
    fields.append(("Channels", _lines(channels) or "none bound"))
    if history.unreadable:
        fields.append(("Entries not read back or not used", _lines(history.unreadable)))
    fields.append(("Source", "the trail as stored; `sre audit verify --all` proves it whole"))
    scope = f"team {team}" if team else "the org"
    return Reply(
        tone=Tone.ERROR if history.unreadable else Tone.INFO,
        title=f"Access review of {scope}",
        fields=fields,
        refs=_refs(history, admins),
    )


def _refs(history: AccessHistory, admins: list[str]) -> tuple[Ref, ...]:
    """The people and channels a review names: admins, members, who changed what, channels."""
    changes = [
        *history.teams.values(),
        *history.org_roles.values(),
        *history.bindings.values(),
        *(change for members in history.members.values() for change in members.values()),
    ]
    users = {*admins, *(user for user, _ in history.org_roles), *(c.by for c in changes)}
    users |= {user for members in history.members.values() for user in members}
    return (*map(user_ref, sorted(users)), *map(channel_ref, sorted(history.bindings)))


def _configured(admins: list[str], by: str) -> str:
    if not admins:
        return "none"
    return f"{', '.join('@' + a for a in admins)}: from {by}, not the trail"


def _lines(lines: list[str]) -> str:
    """The lines, as many as a chat field holds (Slack's is 2,000 characters), then a count."""
    shown: list[str] = []
    size = 0
    for number, line in enumerate(lines):
        size += len(line) + 1
        if size > FIELD_CHARS:
            shown.append(f"… and {len(lines) - number} more")
            break
        shown.append(line)
    return "\n".join(shown)
