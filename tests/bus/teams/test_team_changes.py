"""Team, role and binding commands as people get them wrong: a typo in a team's name, a change
that changes nothing, taking a team's last admin away. Each answer as Slack shows it."""

from __future__ import annotations

import pytest

from bots.slack.render import blocks
from shared.audit.models import ORG_STREAM, Outcome, StreamKey
from shared.bootstrap.wiring import Services
from shared.identity.models import ChannelId, Platform, Role, UserId
from shared.invocation import ReplyTarget
from shared.replies import Reply, Tone
from tests.support import ORG, invocation, records, run, setup_teams


def _slack(reply: Reply) -> str:
    """What Slack shows of a reply (its Block Kit, as text)."""
    return str(blocks(reply))


def _entries(services: Services, team: str) -> int:
    return len(records(services.audit_log, StreamKey(org=ORG, team=team)))


def _streams(services: Services) -> set[str]:
    return {stream.team for stream in services.audit_log.streams(ORG)}


def test_a_typo_in_team_is_refused_with_a_suggestion_and_starts_no_trail(
    services: Services,
) -> None:
    # GIVEN teams payments and search
    setup_teams(services)
    org_before = _entries(services, ORG_STREAM)
    # WHEN the org admin types --team paymnets
    reply = run(services, "service register web --sample checkout --team paymnets")
    # THEN it is refused, suggesting payments
    assert reply.tone is Tone.ERROR
    assert "There is no team `paymnets`. Did you mean `payments`?" in _slack(reply)
    # AND no trail was started for paymnets: the refusal is in the org's trail, as failed (the
    # caller was told "Not found", not "Not allowed")
    assert "paymnets" not in _streams(services)
    org = records(services.audit_log, StreamKey(org=ORG, team=ORG_STREAM))
    assert len(org) == org_before + 1
    assert org[-1].outcome is Outcome.FAILED
    assert org[-1].details["team"] == "paymnets"
    # AND sealing the trails seals none for it
    assert not run(services, "audit seal").failed
    assert "paymnets" not in _streams(services)
    # AND a team created later with that name starts its own trail, inheriting nothing
    assert not run(services, "team create paymnets").failed
    assert not run(services, "team member add ann --role admin --team paymnets").failed
    (first,) = records(services.audit_log, StreamKey(org=ORG, team="paymnets"))[:1]
    assert first.seq == 1
    assert first.command.startswith("sre team member add ann")


def test_the_suggestion_names_only_teams_the_caller_may_see(services: Services) -> None:
    setup_teams(services)
    # a member of payments is pointed at payments
    mine = run(services, "team show paymnets", user="vic", channel="C-pay")
    assert "Did you mean `payments`?" in _slack(mine)
    # the admin of search, who has no role in payments, is not told it exists
    theirs = run(services, "team show paymnets", user="sam")
    assert "There is no team `paymnets`." in _slack(theirs)
    assert "payments" not in _slack(theirs).replace("paymnets", "")
    assert "paymnets" not in _streams(services)


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("team bind C-pay --team payments", "#C-pay is already bound to team payments"),
        ("team member add vic --role viewer --team payments", "@vic is already viewer in payments"),
        ("team role set oli operator --team payments", "@oli is already operator in payments"),
        ("org grant aud auditor", "@aud already has auditor"),
        ("org revoke vic auditor", "@vic does not hold auditor"),
    ],
)
def test_a_change_that_changes_nothing_says_so_and_is_not_audited(
    services: Services, text: str, said: str
) -> None:
    # GIVEN the teams as set up (C-pay bound to payments, vic a viewer, oli an operator, aud
    # auditor)
    setup_teams(services)
    before = {team: _entries(services, team) for team in ("payments", ORG_STREAM)}
    # WHEN the org admin asks for what is already so
    reply = run(services, text)
    # THEN they are told there is nothing to change, and nothing is audited
    assert reply.tone is Tone.INFO
    assert f"Nothing to change: {said}." in _slack(reply)
    assert reply.receipt is None
    assert {team: _entries(services, team) for team in before} == before


def test_a_team_always_keeps_an_admin(services: Services) -> None:
    # GIVEN payments, whose only admin is ann
    setup_teams(services)
    # WHEN someone demotes or removes her
    for text in (
        "team role set ann operator --team payments",
        "team member remove ann --team payments",
    ):
        reply = run(services, text)
        # THEN it is refused, saying what to do first
        assert reply.tone is Tone.ERROR, text
        assert "always keeps an admin: make someone else admin first" in _slack(reply)
    team = services.directory.get_team(ORG, "payments")
    assert team is not None and team.members[UserId("ann")] is Role.ADMIN
    # AND once oli is admin too, ann may step down
    assert not run(services, "team role set oli admin --team payments").failed
    assert run(services, "team role set ann operator --team payments").tone is Tone.OK


def test_binding_a_channel_slack_does_not_know_is_refused(services: Services) -> None:
    # GIVEN payments; WHEN its admin binds `#payments-alerts` typed as text (Slack sends a
    # channel it knows as its id, so this is none it knows)
    setup_teams(services)
    reply = run(services, "team bind #payments-alerts", user="ann", channel="C-pay")
    # THEN it is refused, saying how to name the channel, and nothing is bound
    assert reply.tone is Tone.ERROR
    assert "Slack knows no channel #payments-alerts" in _slack(reply)
    bound = {b.channel for b in services.directory.list_bindings(ORG)}
    assert "payments-alerts" not in bound
    # AND a channel Slack sent by its id is bound
    assert run(services, "team bind C024BE91L", user="ann", channel="C-pay").tone is Tone.OK


def test_binding_again_from_inside_to_keep_the_conversation_is_a_change(
    services: Services,
) -> None:
    # GIVEN a Teams channel bound from elsewhere: the bot does not know how to post there
    setup_teams(services)
    teams_channel = "19:Ql86tXNM2lTBXNKJdqKdwIF9ltGZwpvluLvnJdA0tmg1@thread.v2"
    bind = f"team bind {teams_channel} --team payments"
    assert not run(services, bind, platform=Platform.TEAMS).failed
    # WHEN its admin binds it again from inside it (a Teams message carries the conversation)
    inside = invocation(
        "team bind", user="ann", channel=teams_channel, platform=Platform.TEAMS
    ).model_copy(
        update={
            "reply_to": ReplyTarget(
                platform=Platform.TEAMS, channel=teams_channel, conversation={"id": teams_channel}
            )
        }
    )
    reply = services.bus.handle(inside)
    # THEN it is a change, audited, and the conversation is kept; binding it again is not
    assert reply.tone is Tone.OK and reply.receipt
    bound = services.directory.get_binding(ORG, ChannelId(teams_channel))
    assert bound is not None and bound.conversation == {"id": teams_channel}
    assert services.bus.handle(inside).tone is Tone.INFO


def test_unbinding_a_channel_twice_says_there_is_nothing_to_change(services: Services) -> None:
    # GIVEN C-pay bound to payments, unbound once by its admin
    setup_teams(services)
    assert run(services, "team unbind", user="ann", channel="C-pay").tone is Tone.OK
    before = {team: _entries(services, team) for team in ("payments", ORG_STREAM)}
    # WHEN it is unbound again, from inside it and by its id with --team
    for text in ("team unbind", "team unbind C-pay --team payments"):
        reply = run(services, text, user="ann", channel="C-pay")
        # THEN nothing to change, no usage error, and nothing is audited
        assert reply.tone is Tone.INFO, (text, reply)
        assert "Nothing to change: #C-pay is not bound to a team." in _slack(reply), text
        assert reply.receipt is None
    assert {team: _entries(services, team) for team in before} == before


def test_unbinding_with_another_team_says_not_that_team_and_the_whole_usage(
    services: Services,
) -> None:
    setup_teams(services)
    reply = run(services, "team unbind C-pay --team search", user="sam")
    assert reply.tone is Tone.USAGE
    assert "#C-pay is not bound to team search" in reply.title
    assert "payments" not in reply.title  # sam is search's admin: payments is not named
    assert "sre team unbind [CHANNEL] [--team TEAM]" in reply.text


def test_a_configured_admin_cannot_be_revoked_by_a_command_and_is_told_where_to_change_it(
    services: Services,
) -> None:
    # GIVEN root, org admin by configuration (AUTOSRE_ORG_ADMINS), as `whoami` shows
    setup_teams(services)
    assert "org-admin" in _slack(run(services, "whoami"))
    before = _entries(services, ORG_STREAM)
    # WHEN an org admin revokes root's org-admin
    reply = run(services, "org revoke root org-admin")
    # THEN it is refused (exit 1), saying where it is changed, and audited as the refused
    # changes are: requested, then failed (it was not audited at all)
    assert reply.tone is Tone.ERROR
    assert "is org admin by configuration (AUTOSRE_ORG_ADMINS): change it there." in _slack(reply)
    assert "Nothing to change" not in _slack(reply)
    trail = records(services.audit_log, StreamKey(org=ORG, team=ORG_STREAM))[before:]
    assert [(e.command, e.outcome) for e in trail] == [
        ("sre org revoke root org-admin", Outcome.REQUESTED),
        ("sre org revoke root org-admin", Outcome.FAILED),
    ]
    # AND root is still org admin
    assert "org-admin" in _slack(run(services, "whoami"))


@pytest.mark.parametrize(
    "text",
    [
        "team member add @S0614TZR7 --role responder --team payments",
        "org grant @S0614TZR7 auditor",
    ],
)
def test_a_slack_user_group_is_given_no_role(services: Services, text: str) -> None:
    # GIVEN payments; WHEN a role is given to `@oncall`, a Slack user group (Slack sends
    # `<!subteam^S0614TZR7|@oncall>`, read as `@S0614TZR7`)
    setup_teams(services)
    reply = run(services, text)
    # THEN it is refused, saying roles go to people one at a time, and nobody holds one for it
    assert reply.tone is Tone.USAGE
    assert "@S0614TZR7 is a Slack user group, not a person" in _slack(reply)
    team = services.directory.get_team(ORG, "payments")
    assert team is not None and UserId("S0614TZR7") not in team.members
    org = services.directory.get_org(ORG)
    assert org is None or UserId("S0614TZR7") not in org.grants


@pytest.mark.parametrize(
    ("platform", "admin", "person", "said"),
    [
        (
            Platform.SLACK,
            "W0A1B2C3D",
            "U0456",
            "`bob` is not a Slack member: type @ and pick the person",
        ),
        (
            Platform.TEAMS,
            "0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0",
            "9a8b7c6d-5e4f-3a2b-1c0d-e9f8a7b6c5d4",
            "`bob` is not a Teams person: @mention them",
        ),
    ],
)
def test_a_plain_name_is_given_no_role_where_people_are_known_by_ids(
    services: Services, platform: Platform, admin: str, person: str, said: str
) -> None:
    # GIVEN an org admin known by their platform's id (a Slack member id, an Entra object id)
    setup_teams(services)
    assert not run(services, f"org grant {admin} org-admin", platform=platform).failed
    # WHEN they give roles to `bob`, typed without picking a person (Slack sends the text)
    for text in ("team member add bob --role admin --team payments", "org grant bob org-admin"):
        reply = run(services, text, user=admin, platform=platform)
        # THEN it is refused, saying how to name a person, and nobody holds a role as `bob`
        assert reply.tone is Tone.USAGE, reply.title
        assert said in _slack(reply)
    team = services.directory.get_team(ORG, "payments")
    assert team is not None and UserId("bob") not in team.members
    # BUT a person picked from the list (their id) is added
    added = run(
        services, f"team member add @{person} --team payments", user=admin, platform=platform
    )
    assert added.tone is Tone.OK, added.title


def test_an_empty_teams_hint_names_the_team_it_is_for(services: Services) -> None:
    # GIVEN a new team with nobody in it, listed from a channel of another team
    assert not run(services, "team create ops").failed
    listed = run(services, "team member list --team ops", channel="C-pay")
    # THEN the hint to paste names it (pasted as it was, it added @USER to payments)
    assert listed.text == "Nobody yet: `sre team member add @USER --role admin --team ops`."


def test_a_team_may_not_be_named_org(services: Services) -> None:
    # WHEN an org admin creates a team named `org`
    reply = run(services, "team create org")
    # THEN refused: its receipts (`audit org#4`) would read as the org-wide trail's
    assert reply.tone is Tone.USAGE
    assert reply.title.startswith("`org` names the org-wide audit trail: choose another team name")
    assert services.directory.get_team(ORG, "org") is None
