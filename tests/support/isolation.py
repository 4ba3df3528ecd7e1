"""Three orgs on one in-memory deployment for the isolation property test: two Slack
workspaces and a Teams tenant, three teams each, a member of each role per team, a service, an
investigation with a planted comment and an alert policy per team, and a canary in the first
org. Every team's data carries markers (`mk-o2t3`, `svc-o2t3`, `al-o2t3`, its investigation's
id) that no one outside the team (and its org's admins and auditors) may ever be shown."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import timedelta

from bots.slack.render import message
from shared.adapters.memory import InMemoryAuditLog, InMemoryExportStore, InMemoryTaskQueue
from shared.audit.chain import decode
from shared.audit.models import Outcome
from shared.bootstrap.adapters import Adapters
from shared.bootstrap.wiring import Services, build
from shared.config import Settings
from shared.identity.models import Actor, OrgId, Platform, UserId
from shared.invocation import Invocation, ReplyTarget
from shared.quotas.usage import UsageKind
from shared.replies import Reply, Tone
from shared.scheduling.triggers import run_tick
from tests.support import NOW, MovingClock, memory_adapters, notifier_of

ORGS = {
    OrgId("slack:T1"): Platform.SLACK,
    OrgId("slack:T2"): Platform.SLACK,
    OrgId("teams:tenant-c"): Platform.TEAMS,
}
ROLES = {"a": "admin", "o": "operator", "r": "responder", "v": "viewer"}
WIDE = ("root", "aud")
"""The org admin (from configuration) and the auditor: they see every team of their org."""
OUTSIDER = "zed"
LAST_MONTH = NOW - timedelta(days=30)
"""In October: the month whose summary the world's first scheduler tick tells."""
LINK = re.compile(r"(/(?:investigations|chaos)/[\w-]+)\?token=([^\s>|)\"']+)")


@dataclass(frozen=True)
class Person:
    """Someone of one org: the teams of it whose data they may see."""

    org: OrgId
    user: str
    sees: frozenset[str]


@dataclass(repr=False)
class World:
    """The deployment, what each team owns (its markers) and who may see what."""

    services: Services
    adapters: Adapters
    owner: dict[str, OrgId] = field(default_factory=dict)
    """Each team's org."""
    markers: dict[str, set[str]] = field(default_factory=dict)
    """Each team's strings that only those who see the team may be shown."""
    investigations: list[str] = field(default_factory=list)
    inv_team: dict[str, str] = field(default_factory=dict)
    """Each investigation's team."""
    granted: dict[str, set[str]] = field(default_factory=dict)
    """Markers of another team of its org a team was let see (an investigation escalated to
    it, a service shared with it)."""
    canaries: list[str] = field(default_factory=list)
    said: int = 0
    typed: dict[tuple[OrgId, str], str] = field(default_factory=dict)
    """Everything each person typed (an id they named may come back to them: "no such
    investigation", and to their org's auditors in its audit trail)."""

    def teams_of(self, org: OrgId) -> list[str]:
        """The teams of `org`."""
        return [team for team, owner in self.owner.items() if owner == org]

    def people(self) -> list[Person]:
        """Everyone: each org's admin, auditor, outsider and each team's members."""
        out: list[Person] = []
        for org in ORGS:
            teams = self.teams_of(org)
            out += [Person(org, user, frozenset(teams)) for user in WIDE]
            out.append(Person(org, OUTSIDER, frozenset()))
            for j, team in enumerate(teams, 1):
                out += [Person(org, f"u{j}{r}", frozenset({team})) for r in ROLES]
        return out

    def channels(self, org: OrgId) -> list[str]:
        """`org`'s channels: one bound to each of its teams and an unbound one."""
        return [f"C-{team}" for team in self.teams_of(org)] + [f"C-{_index(org)}-general"]

    def say(self, org: OrgId, user: str, text: str, channel: str) -> list[Reply]:
        """`text` from `user` of `org` in `channel`: the reply, or the worker's when deferred."""
        self.said += 1
        self.typed[org, user] = f"{self.typed.get((org, user), '')} {text} {channel}"
        platform = ORGS[org]
        reply = self.services.bus.handle(
            Invocation(
                actor=Actor(platform=platform, org=org, user=UserId(user)),
                channel=channel,
                text=text,
                correlation_id=f"iso-{self.said}",
                delivery_id=f"iso-{self.said}",
                received_at=NOW + timedelta(seconds=self.said),
                reply_to=ReplyTarget(platform=platform, channel=channel),
            )
        )
        if reply.tone is not Tone.ACCEPTED:
            return [reply]
        assert isinstance(self.services.tasks, InMemoryTaskQueue)
        return [self.services.run_task(task) for task in self.services.tasks.drain()]

    def tick(self) -> None:
        """One scheduler tick of every org at the world's time, then the work it asked for
        (the investigations its alerts opened), as the worker runs it."""
        self.said += 1
        run_tick(
            self.services.bus, trigger=f"tick-{self.said}", now=NOW + timedelta(seconds=self.said)
        )
        assert isinstance(self.services.tasks, InMemoryTaskQueue)
        for task in self.services.tasks.drain():
            self.services.run_task(task)

    def grant(self, text: str, replies: list[Reply]) -> None:
        """What a successful `investigation escalate` or `service share` let the other team
        see: the investigation (its service, comment, team), or the service and its team."""
        words = text.split()
        if not (replies and replies[-1].tone is Tone.OK and "--to" in words):
            return
        to = words[words.index("--to") + 1]
        if words[:2] == ["investigation", "escalate"] and words[2] in self.inv_team:
            owner = self.inv_team[words[2]]
            seen = {words[2], f"svc-{owner}", f"mk-{owner}", owner}
        elif words[:2] == ["service", "share"] and words[2].startswith("svc-"):
            owner = words[2].removeprefix("svc-")
            seen = {words[2], owner}
        else:
            return
        self.granted.setdefault(to, set()).update(seen)

    def updated(self) -> list[tuple[ReplyTarget, Reply]]:
        """Every message updated in place so far (a canary's, an alert's), and where."""
        return list(notifier_of(self.services).updated)

    def denials(self) -> dict[OrgId, int]:
        """How many denied entries each org's trail holds."""
        log = self.adapters.audit_log
        assert isinstance(log, InMemoryAuditLog)
        return {
            org: sum(
                decode(entry.body).outcome is Outcome.DENIED
                for stream in log.streams(org)
                for entry in log.scan(stream)
            )
            for org in ORGS
        }

    def exports(self) -> dict[str, bytes]:
        """Every export written so far, by file name."""
        assert isinstance(self.adapters.exports, InMemoryExportStore)
        return dict(self.adapters.exports.files)

    def posted(self) -> list[tuple[ReplyTarget, Reply]]:
        """Every message posted so far, and where."""
        return list(notifier_of(self.services).posted)

    def typed_by(self, org: OrgId, user: str | None = None) -> str:
        """What `user` of `org` typed so far (everyone of `org` when None)."""
        return " ".join(v for (o, u), v in self.typed.items() if o == org and user in (None, u))

    def leaks(self, shown: str, *, org: OrgId, sees: frozenset[str], typed: str) -> list[str]:
        """The markers in `shown` of teams other than `sees` (another org's teams are never
        seen), leaving out what was `typed` (an id echoed back) and what another team of the
        org let them see."""
        let = {
            m for team in sees if self.owner.get(team) == org for m in self.granted.get(team, ())
        }
        return sorted(
            marker
            for team, markers in self.markers.items()
            if team not in sees or self.owner[team] != org
            for marker in markers
            if marker in shown and marker not in typed and marker not in let
        )


def _index(org: OrgId) -> str:
    """`o1`, `o2`, `o3`: the org's place in `ORGS`, in its channels' and teams' names."""
    return f"o{list(ORGS).index(org) + 1}"


def shown(reply: Reply) -> str:
    """Everything a reply shows in Slack (title, text, fields, buttons, context) and its images'
    names and titles."""
    rendered = json.dumps(message(reply), ensure_ascii=False)
    return " ".join([rendered, *(f"{i.name} {i.title}" for i in reply.images)])


def links(text: str) -> list[tuple[str, str]]:
    """The page links (path and token) in a shown reply."""
    return LINK.findall(text)


def _must(world: World, org: OrgId, user: str, text: str, channel: str) -> Reply:
    (reply,) = world.say(org, user, text, channel)
    assert not reply.failed, (org, user, text, reply)
    return reply


def _team(world: World, org: OrgId, j: int) -> None:
    """Team `o<i>t<j>` of `org`: its members, bound channel, service, investigation with a
    planted comment, and alert policy."""
    team = f"{_index(org)}t{j}"
    channel = f"C-{team}"
    world.owner[team] = org
    _must(world, org, "root", f"team create {team}", "C-setup")
    for r, role in ROLES.items():
        _must(world, org, "root", f"team member add u{j}{r} --role {role} --team {team}", channel)
    _must(world, org, "root", f"team bind --team {team}", channel)
    _must(world, org, f"u{j}o", f"service register svc-{team} --sample checkout", channel)
    report = _must(world, org, f"u{j}o", f"investigate svc-{team}", channel)
    (investigation,) = re.findall(r"inv-[0-9a-f]+", shown(report))[:1]
    world.investigations.append(investigation)
    world.inv_team[investigation] = team
    _must(world, org, f"u{j}r", f"investigation comment {investigation} mk-{team}", channel)
    when = '--when "p99_latency > 800ms"'
    _must(world, org, f"u{j}o", f"alert create al-{team} --service svc-{team} {when}", channel)
    # last month's usage, planted as counted: a figure only the team (and its org's admins and
    # auditors) may see, in its monthly summary and `sre usage --month 2026-10`
    investigations = 7_300_000 + 1000 * int(_index(org)[1:]) + j
    world.adapters.usage.add(org, team, UsageKind.INVESTIGATIONS, investigations, at=LAST_MONTH)
    world.markers[team] = {f"mk-{team}", f"svc-{team}", f"al-{team}", investigation, team}
    world.markers[team] |= {f"{investigations:,}", str(investigations)}  # a reply's, a CSV's


def three_orgs() -> World:
    """The three orgs, each with three teams; org 1's first team runs a canary."""
    admins = tuple(f"{org}:root" for org in ORGS)
    adapters = memory_adapters(MovingClock(NOW))
    world = World(services=build(Settings(org_admins=admins), adapters), adapters=adapters)
    for org in ORGS:
        _must(world, org, "root", "org grant aud auditor", "C-setup")
        for j in (1, 2, 3):
            _team(world, org, j)
    first = next(iter(ORGS))
    started = _must(world, first, "u1o", "canary start svc-o1t1 --version 43", "C-o1t1")
    world.canaries += re.findall(r"can-[0-9a-f]+", shown(started))[:1]
    world.markers["o1t1"].update(world.canaries)
    return world
