"""Isolation, proven by a property: random commands of the real grammar, from random people of
three orgs (two Slack workspaces, a Teams tenant) with three teams each, naming ids any org
made, never show another org's or a foreign team's data in a reply, a posted message, a page
or an export, and every denial is audited in the acting person's org's trail only.

Checked on 2026-11-30: with the within-org canary leak of 389bb21 put back, it fails at its seed
(`canary start svc-o1t3` by o1t3 shown org 1's o1t1 canary `can-…`, `svc-o1t1`, `o1t1`)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from shared.bootstrap.wiring import build
from shared.config import Settings
from shared.quotas.usage import UsageKind
from shared.replies import Reply, Tone
from tests.support import NOW, MovingClock, memory_adapters
from tests.support.isolation import (
    LAST_MONTH,
    ORGS,
    Person,
    World,
    links,
    shown,
    three_orgs,
)

TEMPLATES = (
    "investigation show {inv}",
    "investigation show {inv} --team {team}",
    "investigation list",
    "investigation list --team {team}",
    "investigation join {inv}",
    "investigation comment {inv} looked at it {n}",
    "investigation comment {inv} looked at it {n} --team {team}",
    "investigation cause {inv} dns",
    "investigation resolve {inv} pool size {n}",
    "alert list",
    "alert list --team {team}",
    "alert show al-{team}",
    "alert show al-{team} --team {team}",
    'alert create new-{n} --service svc-{team} --when "p99_latency > 900ms"',
    'alert create new-{n} --service svc-{team} --when "p99_latency > 900ms" --team {team}',
    "canary list",
    "canary list --team {team}",
    "canary status {canary}",
    "canary status {canary} --team {team}",
    "canary hold {canary}",
    "canary start svc-{team} --version {n}",
    "canary start svc-{team} --version {n} --team {team}",
    "chaos list",
    "chaos list --team {team}",
    "audit show",
    "audit show --team {team}",
    "audit show --org",
    "audit export --format csv --team {team}",
    "audit export --org",
    "service list",
    "service list --team {team}",
    "service show svc-{team}",
    "service show svc-{team} --team {team}",
    "team show",
    "team show {team}",
    "team list",
    "quota show",
    "quota show --team {team}",
    "usage",
    "usage --team {team}",
    "usage --month 2026-10",
    "usage --month 2026-10 --team {team}",
    "usage --all --month 2026-10",
    "usage --all --csv",
    "usage --csv --month 2026-10 --team {team}",
    "investigation escalate {inv} --to {to}",
    "service share svc-{team} --to {to}",
    'chaos start svc-{team} --fault error --expect "error_rate < 1%"',
    'chaos start svc-{team} --fault delay:1500ms --expect "p99_latency < 2s" --team {team}',
    "chaos status chx-{n:06d}",
    "chaos halt chx-{n:06d}",
    "chaos halt --all",
    "prompt variant list",
    "prompt variant list --team {team}",
    "whoami",
)
"""Commands of the real registry, filled with ids any org made: `{team}` is any org's team,
`{inv}` any org's investigation, `{canary}` the canary (org 1's), `{n}` a number, `{to}` any
org's team to share with or escalate to."""
CONTESTED = (
    "canary start svc-{team} --version {n}",
    "investigation comment {inv} looked at it {n}",
    'alert create new-{n} --service svc-{team} --when "p99_latency > 900ms"',
    "investigation escalate {inv} --to {to}",
)
"""Writes whose refusals may name what holds the thing (one canary per resource), drawn as
often as all the others (and an escalation, which lets another team see what it may)."""
EXPORTING = (
    "usage --csv --month 2026-10 --team {team}",
    "usage --all --csv --month 2026-10",
    "audit export --format csv --team {team}",
    "audit export --org",
)
"""Exports whose links are re-checked after every later step (a later export of the same name
would change what an earlier link serves), drawn as often as all the others."""
ALL_OCTOBER = "usage --csv --month 2026-10 --team all"
"""The export of a team named `all`, whose name an org-wide export once shared."""
TICK = "scheduler tick"
"""A step of the scheduler, not a person: every org's alerts, canaries, chaos experiments and
the monthly usage summary (the world's first tick tells October's)."""


@pytest.fixture(scope="module")
def world() -> World:
    """The three orgs, built once: each example goes on from what the earlier ones left."""
    return three_orgs()


@pytest.fixture(scope="module")
def handed() -> list[tuple[Person, str, str]]:
    """Each export link handed out: to whom, for what, and the export's name."""
    return []


@st.composite
def steps(draw: st.DrawFn, world: World) -> tuple[Person, str, str]:
    """A person, a channel of their org, and a command naming any org's ids (some steps,
    a scheduler tick instead)."""
    person = draw(st.sampled_from(world.people()))
    if draw(st.integers(0, 5)) == 0:
        return person, "", TICK
    # half the time at home (a team of theirs, in its channel), so that commands get past the
    # role check; otherwise any channel of their org and any org's team
    at_home: bool = draw(st.booleans())
    home = draw(st.sampled_from(sorted(person.sees))) if person.sees and at_home else ""
    channel = f"C-{home}" if home else draw(st.sampled_from(world.channels(person.org)))
    drawn = st.sampled_from(TEMPLATES) | st.sampled_from(CONTESTED) | st.sampled_from(EXPORTING)
    text = draw(drawn).format(
        inv=draw(st.sampled_from(world.investigations)),
        team=home or draw(st.sampled_from(sorted(world.owner))),
        canary=draw(st.sampled_from(world.canaries)),
        n=draw(st.integers(0, 99)),
        to=draw(st.sampled_from(sorted(world.owner))),
    )
    return person, channel, text


def _check_pages(world: World, person: Person, said: str, typed: str) -> None:
    """Each page link opens on its own page only, showing nothing the person may not see."""
    for path, token in links(said):
        status, page = world.services.serve_page(path, token, NOW)
        assert status == 200, (path, status)
        assert not world.leaks(page, org=person.org, sees=person.sees, typed=typed), path
        for other in world.investigations:
            if other not in path:
                assert world.services.serve_page(f"/investigations/{other}", token, NOW)[0] == 403


def _check_posts(world: World, posted_before: int, person: Person, typed: str) -> None:
    """Each message posted by the step went to a channel of the acting person's org and shows
    nothing of another org or, in a team's channel, of another team."""
    for where, reply in world.posted()[posted_before:]:
        channel = where.channel or ""
        assert channel in world.channels(person.org), (channel, person)
        team = channel.removeprefix("C-")
        sees = frozenset({team}) if team in world.owner else person.sees
        leaks = world.leaks(shown(reply), org=person.org, sees=sees, typed=typed)
        assert not leaks, (channel, leaks, reply)


def _check_tick(world: World) -> None:
    """A scheduler tick: each message it posted or updated is in a team's channel and shows
    nothing of another team (but what that team let it see), nor anything anyone typed."""
    posted_before, updated_before = len(world.posted()), len(world.updated())
    world.tick()
    told = world.posted()[posted_before:] + world.updated()[updated_before:]
    for where, reply in told:
        team = (where.channel or "").removeprefix("C-")
        assert team in world.owner, (where, reply)
        leaks = world.leaks(shown(reply), org=world.owner[team], sees=frozenset({team}), typed="")
        assert not leaks, (where.channel, leaks, reply)


def _exported(reply: Reply) -> str:
    """The name of the export the reply links to ("" if none)."""
    return dict(reply.fields).get("Where", "").removeprefix("memory://")


def _check_exports(world: World, handed: list[tuple[Person, str, str]]) -> None:
    """Every export link handed out so far serves, as it is now (a later export may have
    written the same name), nothing its requester may not see."""
    files = world.exports()
    for person, text, name in handed:
        audit = text.startswith("audit")
        typed = world.typed_by(person.org, None if audit else person.user)
        leaks = world.leaks(files[name].decode(), org=person.org, sees=person.sees, typed=typed)
        assert not leaks, (person, text, name, leaks)


def _check_step(
    world: World, handed: list[tuple[Person, str, str]], person: Person, channel: str, text: str
) -> None:
    """One step, and everything it showed, posted, exported (and every link handed out before)
    and audited."""
    if text == TICK:
        _check_tick(world)
        _check_exports(world, handed)
        return
    denied_before, posted_before = world.denials(), len(world.posted())
    replies = world.say(person.org, person.user, text, channel)
    world.grant(text, replies)
    # the audit trail shows what anyone of the org typed; anything else, what they typed
    typed = world.typed_by(person.org, None if text.startswith("audit") else person.user)
    for reply in replies:
        said = shown(reply)
        leaks = world.leaks(said, org=person.org, sees=person.sees, typed=typed)
        assert not leaks, (person, channel, text, leaks, reply)
        _check_pages(world, person, said, typed)
    handed += [(person, text, name) for reply in replies if (name := _exported(reply))]
    _check_exports(world, handed)
    _check_posts(world, posted_before, person, typed)
    denied = sum(reply.tone is Tone.DENIED for reply in replies)
    after = world.denials()
    for org in ORGS:
        grown = after[org] - denied_before[org]
        # a team of the org that does not exist is refused as not found, audited as denied
        assert grown >= denied if org == person.org else not grown, (org, person, text, replies)


@settings(
    max_examples=30,
    derandomize=True,
    deadline=None,
    database=None,
    # the world goes on from example to example, so a failure is reported as found, unshrunk
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_no_step_of_anyone_shows_or_posts_another_orgs_or_teams_data(
    world: World, handed: list[tuple[Person, str, str]], data: st.DataObject
) -> None:
    # GIVEN three orgs, three teams each, each team's data marked
    # WHEN random people of any org send random commands naming any org's ids
    for person, channel, text in data.draw(st.lists(steps(world), min_size=5, max_size=10)):
        # THEN nothing shown, posted, linked or exported belongs to a team they may not see,
        # and each denial is in their org's trail only
        _check_step(world, handed, person, channel, text)


def test_the_world_plants_every_teams_markers_where_its_own_people_see_them(world: World) -> None:
    # GIVEN the three orgs
    # WHEN a member of org 2's third team lists its investigations
    (reply,) = world.say(next(o for o in ORGS if "T2" in o), "u3v", "investigation list", "C-o2t3")
    # THEN the team's own marked data is shown (so the property's markers can be found)
    assert "svc-o2t3" in shown(reply), reply


def test_a_teams_export_link_serves_its_team_only_after_the_org_wide_export() -> None:
    # GIVEN a fourth team of org 3, named `all`, with last month's usage; bob is its viewer
    world = three_orgs()
    org = next(o for o in ORGS if o.startswith("teams:"))
    for text in ("team create all", "team member add bob --role viewer --team all"):
        assert not world.say(org, "root", text, "C-setup")[0].failed, text
    world.adapters.usage.add(org, "all", UsageKind.INVESTIGATIONS, 5, at=LAST_MONTH)
    bob = Person(org=org, user="bob", sees=frozenset({"all"}))
    handed = [(bob, "usage", _exported(r)) for r in world.say(org, "bob", ALL_OCTOBER, "C-x")]
    # WHEN the org admin exports every team's usage of the same month
    (every,) = world.say(org, "root", "usage --all --csv --month 2026-10", "C-setup")
    assert _exported(every), every
    # THEN bob's link still serves only team `all`'s usage: no other team's figures
    assert handed[0][2], handed
    _check_exports(world, handed)


def test_a_page_address_without_its_token_is_said_so_not_expired() -> None:
    services = build(Settings(org_admins=("slack:T1:root",)), memory_adapters(MovingClock(NOW)))
    for path in ("/investigations/inv-3f9c2a", "/chaos/chx-3f9c2a"):
        status, page = services.serve_page(path, "", NOW)
        assert status == 403, path
        assert "This link has no token" in page and "expired" not in page
    # AND a wrong token is still said as not valid or expired, whatever the page
    assert "has expired" in services.serve_page("/investigations/inv-3f9c2a", "x.1.y", NOW)[1]
