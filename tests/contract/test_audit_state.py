"""State the trail cannot explain: roles, bindings and teams written straight into the state
store (SQLite with sqlite3; DynamoDB on moto with plain PutItem) are named by
`sre audit verify --state`, and so is what the trail explains but the store lost."""

from __future__ import annotations

import pytest

from shared.adapters.memory import FixedClock
from shared.bootstrap.wiring import Services
from shared.identity.models import Role, Team, UserId
from shared.replies import Reply, Tone
from shared.times import clock
from tests.contract.audit_stores import Body, Stores, services_on
from tests.support import NOW, ORG, ask, run, setup_teams

UNEXPLAINED = "In the state store, not explained by the trail"
UNRECORDED = "In the trail, missing from the state store"


@pytest.fixture
def services(found: Stores, clock: FixedClock) -> Services:
    """Teams payments and search, members of each role, an auditor, a bound channel; then a
    member removed, a role changed, a channel bound and unbound, a role granted and revoked."""
    services = services_on(found, clock)
    setup_teams(services)
    for text in [
        "team member remove rey --team payments",
        "team role set vic responder --team payments",
        "team bind C-tmp --team search",
        "team unbind C-tmp",
        "org grant oli org-admin",
        "org revoke oli org-admin",
    ]:
        assert not run(services, text).failed, text
    return services


def _team(services: Services, name: str) -> Team:
    team = services.directory.get_team(ORG, name)
    assert team is not None
    return team


def _lines(reply: Reply, field: str) -> list[str]:
    return dict(reply.fields).get(field, "").splitlines()


def test_a_clean_history_leaves_nothing_unexplained(services: Services) -> None:
    reply = ask(services, "audit verify --state")
    assert reply.tone is Tone.OK, reply
    assert reply.title == "State explained by the trail: every team, role and binding"
    assert dict(reply.fields) == {
        "Trails": "✓ 3 verified (the org's and every team's)",
        "Configured org admins": "@root: from configuration (AUTOSRE_ORG_ADMINS), not the trail",
    }


def test_the_orgs_channel_and_an_unbind_without_a_channel_leave_nothing_unexplained(
    services: Services,
) -> None:
    # GIVEN a team's channel unbound where it was typed (`sre team unbind`, no channel named),
    # then the org's channel bound (`sre org bind`: no access change)
    assert run(services, "team unbind", user="root", channel="C-pay").tone is Tone.OK
    assert run(services, "org bind", user="root", channel="C-org").tone is Tone.OK
    # WHEN the auditor checks the state against the trail
    reply = ask(services, "audit verify --state")
    # THEN all is explained (before: `sre org bind` was an entry "not read back")
    assert reply.tone is Tone.OK, reply
    assert "Entries not read back or not used" not in dict(reply.fields), reply


def test_a_role_written_straight_into_the_state_store_is_named(
    services: Services, found: Stores
) -> None:
    # GIVEN someone with access to the database makes mallory an admin of payments
    def grant(team: Body) -> None:
        team["members"]["mallory"] = "admin"

    found.edit_team("payments", grant)
    assert _team(services, "payments").members[UserId("mallory")] is Role.ADMIN
    # WHEN the auditor checks the state against the trail, THEN that grant is named
    reply = ask(services, "audit verify --state")
    assert reply.tone is Tone.ERROR
    assert reply.title == "State NOT explained by the trail"
    assert _lines(reply, UNEXPLAINED) == [
        "@mallory · admin in payments: the trail never granted it"
    ]


def test_a_role_raised_an_org_role_a_binding_and_a_team_added_directly_are_each_named(
    services: Services, found: Stores
) -> None:
    # GIVEN a viewer raised to admin, an org-admin grant, a binding and a whole team, all direct
    def raise_vic(team: Body) -> None:
        team["members"]["vic"] = "admin"

    def grant_eve(org: Body) -> None:
        org["grants"]["eve"] = ["org-admin"]

    found.edit_team("payments", raise_vic)
    found.edit_org(grant_eve)
    found.put_binding("C-evil", "search")
    shadow = {"name": "shadow", "version": 0, "members": {}}
    services.directory.save_team(_team(services, "payments").model_copy(update=shadow))
    # WHEN the auditor checks the state against the trail
    reply = ask(services, "audit verify --state")
    # THEN each is named, with what the trail says instead where it says anything
    assert _lines(reply, UNEXPLAINED) == [
        "team shadow: in the state store, but the trail never created it",
        "@vic · admin in payments: the trail says responder"
        f" ({clock(NOW, days=True)} UTC by @root, payments#14)",
        "@eve · org-admin (org-wide): the trail never granted it",
        "#C-evil → search: the trail never bound it",
    ]


def test_a_grant_the_trail_explains_but_the_state_store_lost_is_named(
    services: Services, found: Stores
) -> None:
    # GIVEN ann's admin role removed from payments straight in the database
    def drop_ann(team: Body) -> None:
        del team["members"]["ann"]

    found.edit_team("payments", drop_ann)
    reply = ask(services, "audit verify --state")
    assert reply.tone is Tone.ERROR
    assert _lines(reply, UNRECORDED) == [
        f"@ann · admin in payments: granted {clock(NOW, days=True)} UTC by @root, payments#2;"
        " missing from the state store"
    ]
    assert _lines(reply, UNEXPLAINED) == []
