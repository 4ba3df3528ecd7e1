"""`sre audit access-review`: who holds which role, granted when and by whom, from the trail."""

from __future__ import annotations

from datetime import timedelta

import pytest

from shared.adapters.memory import FixedClock, InMemoryDirectory
from shared.audit.models import StreamKey
from shared.bootstrap.wiring import Services
from shared.identity.models import Role, UserId
from shared.replies import Tone
from tests.support import NOW, ORG, ask, run, setup_teams

WHEN = "Sun 22 Nov 09:30 UTC"
LATER = NOW + timedelta(hours=1)


@pytest.fixture
def reviewed(services: Services, clock: FixedClock) -> Services:
    """The usual teams, then a role changed an hour later and a member removed."""
    setup_teams(services)
    clock.current = LATER
    for text in [
        "team role set vic operator --team payments",
        "team member rm rey --team payments",
    ]:
        assert not run(services, text, user="ann").failed, text
    return services


def test_the_review_lists_every_role_with_when_and_by_whom_it_was_granted(
    reviewed: Services,
) -> None:
    reply = ask(reviewed, "audit access-review")
    assert reply.tone is Tone.INFO
    assert reply.title == "Access review of the org"
    later = "Sun 22 Nov 10:30 UTC"
    assert dict(reply.fields) == {
        "Org roles": "@root · org-admin: from configuration (AUTOSRE_ORG_ADMINS), not the trail\n"
        f"@aud · auditor: granted {WHEN} by @root, org#6",
        f"Team payments (created {WHEN} by @root, org#2)": (
            f"@ann · admin: since {WHEN} by @root, payments#2\n"
            f"@oli · operator: since {WHEN} by @root, payments#4\n"
            f"@vic · operator: since {later} by @ann, payments#12"
        ),
        f"Team search (created {WHEN} by @root, org#4)": (
            f"@sam · admin: since {WHEN} by @root, search#2"
        ),
        "Channels": f"#C-pay → payments: bound {WHEN} by @root, payments#10",
        "Source": "the trail as stored; `sre audit verify --all` proves it whole",
    }


def test_the_review_of_one_team_leaves_the_others_out(reviewed: Services) -> None:
    reply = ask(reviewed, "audit access-review --team search")
    assert reply.title == "Access review of team search"
    assert [name for name, _ in reply.fields] == [
        "Org roles",
        f"Team search (created {WHEN} by @root, org#4)",
        "Channels",
        "Source",
    ]
    assert dict(reply.fields)["Channels"] == "none bound"


def test_a_review_of_a_team_nobody_knows_says_so_at_once_and_guesses(reviewed: Services) -> None:
    # WHEN an auditor asks for a team no trail or state knows of
    reply = run(reviewed, "audit access-review --team serch", user="aud")
    # THEN the answer comes at once, not after "Working on…", with the team they meant
    assert reply.failed and reply.tone is not Tone.ACCEPTED
    assert "No team `serch`" in reply.title + reply.text
    assert "Did you mean `search`?" in reply.title + reply.text
    assert reviewed.tasks.drain() == []  # type: ignore[attr-defined]


def test_a_team_gone_from_the_state_store_is_still_reviewed_from_its_trail(
    reviewed: Services,
) -> None:
    # GIVEN team search gone from the state store (its trail is kept) and no head remembered
    directory = reviewed.directory
    assert isinstance(directory, InMemoryDirectory)
    del directory._teams[(ORG, "search")]
    directory._heads.clear()
    # WHEN an auditor reviews it, THEN it is reviewed from what its trail holds
    reply = ask(reviewed, "audit access-review --team search")
    assert reply.title == "Access review of team search"


def test_only_an_auditor_may_review_access(reviewed: Services) -> None:
    reply = run(reviewed, "audit access-review", user="ann")
    assert reply.tone is Tone.DENIED
    assert "needs the auditor role" in reply.text


def test_verify_all_or_state_with_a_team_is_a_usage_error(reviewed: Services) -> None:
    reply = run(reviewed, "audit verify --state --team payments", user="aud")
    assert reply.tone is Tone.USAGE
    assert "leave out --team" in reply.title


def test_an_action_still_happens_when_the_head_cannot_be_remembered(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a state store that refuses to remember heads (its entry is still written first)
    directory = services.directory
    assert isinstance(directory, InMemoryDirectory)

    def unreachable(*_: object) -> None:
        raise OSError("state store unreachable")

    monkeypatch.setattr(directory, "mark_head", unreachable)
    # WHEN a team is created, THEN it is, with its receipt, and no head is remembered
    reply = run(services, "team create payments")
    assert reply.tone is Tone.OK and reply.receipt
    assert directory.get_team(ORG, "payments") is not None
    assert directory.head_marks(ORG) == []
    head = services.audit_log.head(StreamKey(org=ORG, team="_org"))
    assert head is not None and reply.receipt == head.receipt


def test_a_long_list_fits_a_chat_field_and_says_how_many_more(reviewed: Services) -> None:
    # GIVEN 200 roles written straight into the state store, none of them in the trail
    directory = reviewed.directory
    team = directory.get_team(ORG, "search")
    assert team is not None
    intruders = {UserId(f"intruder-{n:03d}"): Role.ADMIN for n in range(200)}
    directory.save_team(team.model_copy(update={"members": {**team.members, **intruders}}))
    # WHEN the auditor checks the state, THEN the list stops within a chat field and counts the rest
    reply = ask(reviewed, "audit verify --state")
    listed = dict(reply.fields)["In the state store, not explained by the trail"]
    assert len(listed) <= 2000
    shown = listed.splitlines()
    assert shown[0] == "@intruder-000 · admin in search: the trail never granted it"
    assert shown[-1] == f"… and {200 - (len(shown) - 1)} more"
