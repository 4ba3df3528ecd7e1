"""One contract for the Directory port, run on memory, SQLite and DynamoDB (moto)."""

from __future__ import annotations

import boto3
import pytest
from moto import mock_aws

from shared.adapters.aws.dynamodb_directory import DynamoDbDirectory
from shared.audit.models import HeadMark
from shared.audit.ports import AuditDirectory
from shared.errors import ConflictError, NotFoundError
from shared.identity.models import (
    ChannelId,
    Org,
    OrgChannel,
    OrgId,
    OrgRole,
    Role,
    Team,
    Uninstall,
    UserId,
)
from tests.support import NOW, binding
from tests.support.aws import create_table

ORG = OrgId("T1")


def _team(name: str, **members: Role) -> Team:
    return Team(
        org=ORG,
        name=name,
        description="d",
        created_at=NOW,
        created_by=UserId("root"),
        members={UserId(k): v for k, v in members.items()},
    )


def test_a_new_team_is_stored_at_version_one_and_read_back(directory: AuditDirectory) -> None:
    saved = directory.save_team(_team("payments", ann=Role.ADMIN))
    assert saved.version == 1
    assert directory.get_team(ORG, "payments") == saved
    assert directory.get_team(ORG, "nope") is None


def test_creating_an_existing_team_is_a_conflict(directory: AuditDirectory) -> None:
    directory.save_team(_team("payments"))
    with pytest.raises(ConflictError):
        directory.save_team(_team("payments"))


def test_a_stale_version_is_refused_and_the_newer_write_kept(directory: AuditDirectory) -> None:
    first = directory.save_team(_team("payments"))
    mine = first.model_copy(update={"members": {UserId("a"): Role.VIEWER}})
    theirs = first.model_copy(update={"members": {UserId("b"): Role.ADMIN}})
    directory.save_team(theirs)
    with pytest.raises(ConflictError):
        directory.save_team(mine)
    stored = directory.get_team(ORG, "payments")
    assert stored is not None
    assert stored.version == 2
    assert stored.members == {UserId("b"): Role.ADMIN}


def test_teams_are_listed_by_name_within_their_org_only(directory: AuditDirectory) -> None:
    for name in ["search", "payments", "core"]:
        directory.save_team(_team(name))
    directory.save_team(_team("x").model_copy(update={"org": OrgId("T2")}))
    assert [t.name for t in directory.list_teams(ORG)] == ["core", "payments", "search"]
    assert [t.name for t in directory.list_teams(OrgId("T2"))] == ["x"]


def test_org_grants_are_versioned(directory: AuditDirectory) -> None:
    assert directory.get_org(ORG) is None
    saved = directory.save_org(Org(id=ORG, grants={UserId("aud"): frozenset({OrgRole.AUDITOR})}))
    assert directory.get_org(ORG) == saved
    with pytest.raises(ConflictError):
        directory.save_org(Org(id=ORG))


def test_a_channel_binds_to_one_team_until_unbound(directory: AuditDirectory) -> None:
    directory.bind(binding("C1", "payments", org=ORG))
    directory.bind(binding("C1", "payments", org=ORG))  # binding again to the same team is fine
    with pytest.raises(ConflictError, match="payments"):
        directory.bind(binding("C1", "search", org=ORG))
    assert directory.get_binding(ORG, ChannelId("C1")) == binding("C1", "payments", org=ORG)
    directory.bind(binding("C2", "search", org=ORG))
    assert [b.channel for b in directory.list_bindings(ORG)] == ["C1", "C2"]
    directory.unbind(ORG, ChannelId("C1"))
    assert directory.get_binding(ORG, ChannelId("C1")) is None
    with pytest.raises(NotFoundError):
        directory.unbind(ORG, ChannelId("C1"))
    directory.bind(binding("C1", "search", org=ORG))


def _mark(team: str, seq: int, org: str = ORG) -> HeadMark:
    return HeadMark(org=OrgId(org), team=team, seq=seq, hash=f"{seq:064x}")


def test_an_audit_head_mark_only_ever_grows(directory: AuditDirectory) -> None:
    # GIVEN a stream's head remembered at #7
    assert directory.head_marks(ORG) == []
    directory.mark_head(_mark("payments", 7))
    # WHEN a slower writer reports an older head, THEN the longer one stays
    directory.mark_head(_mark("payments", 5))
    assert directory.head_marks(ORG) == [_mark("payments", 7)]
    # AND a longer head replaces it, hash and all
    directory.mark_head(_mark("payments", 8))
    assert directory.head_marks(ORG) == [_mark("payments", 8)]


def test_audit_head_marks_are_listed_by_team_within_their_org_only(
    directory: AuditDirectory,
) -> None:
    for team, seq in [("search", 3), ("_org", 12), ("payments", 1)]:
        directory.mark_head(_mark(team, seq))
    directory.mark_head(_mark("payments", 40, org="T2"))
    assert [(m.team, m.seq) for m in directory.head_marks(ORG)] == [
        ("_org", 12),
        ("payments", 1),
        ("search", 3),
    ]
    assert directory.head_marks(OrgId("T2")) == [_mark("payments", 40, org="T2")]


def test_the_orgs_consent_to_a_model_round_trips_and_is_off_by_default(
    directory: AuditDirectory,
) -> None:
    saved = directory.save_org(Org(id=ORG))
    assert directory.get_org(ORG) == saved and not saved.model_allowed
    directory.save_org(saved.model_copy(update={"model_allowed": True}))
    stored = directory.get_org(ORG)
    assert stored is not None and stored.model_allowed


def test_the_orgs_channel_round_trips_with_its_teams_conversation(
    directory: AuditDirectory,
) -> None:
    # GIVEN an org with no channel of its own
    saved = directory.save_org(Org(id=ORG))
    assert saved.channel is None
    # WHEN an org admin binds one from inside it, on Teams
    bound = OrgChannel(
        channel=ChannelId("19:org@thread.tacv2"),
        bound_by=UserId("root"),
        bound_at=NOW,
        conversation={"conversation": {"id": "19:org@thread.tacv2"}, "serviceUrl": "https://x"},
    )
    directory.save_org(saved.model_copy(update={"channel": bound}))
    # THEN the store gives back the channel, who bound it and when, and how to post into it
    stored = directory.get_org(ORG)
    assert stored is not None and stored.channel == bound


def test_an_uninstall_is_kept_on_the_org_and_cleared_by_a_new_install(
    directory: AuditDirectory,
) -> None:
    # GIVEN an org with an org admin
    saved = directory.save_org(Org(id=ORG, grants={UserId("root"): frozenset({OrgRole.ORG_ADMIN})}))
    assert saved.uninstalled is None
    # WHEN the app is uninstalled from it
    gone = Uninstall(at=NOW, told="app uninstall")
    directory.save_org(saved.model_copy(update={"uninstalled": gone}))
    # THEN the store keeps when and what Slack told, and the org's grants
    stored = directory.get_org(ORG)
    assert stored is not None and stored.uninstalled == gone and stored.grants == saved.grants
    # AND a new install clears it
    directory.save_org(stored.model_copy(update={"uninstalled": None}))
    again = directory.get_org(ORG)
    assert again is not None and again.uninstalled is None


def test_a_cloud_resource_is_held_by_one_org_of_the_deployment(directory: AuditDirectory) -> None:
    other = OrgId("T2")
    # GIVEN nothing held, WHEN T1 claims a function, THEN T1 holds it, and a claim by T2 is
    # answered with the holder, T1, and changes nothing
    assert directory.resource_holder("aws-lambda:checkout-fn") is None
    assert directory.claim_resource("aws-lambda:checkout-fn", ORG) == ORG
    assert directory.claim_resource("aws-lambda:checkout-fn", other) == ORG
    assert directory.claim_resource("aws-lambda:checkout-fn", ORG) == ORG  # again: still T1's
    assert directory.resource_holder("aws-lambda:checkout-fn") == ORG
    # AND another resource is T2's to claim
    assert directory.claim_resource("aws-lambda:other-fn", other) == other


def test_the_claims_of_earlier_registrations_are_recorded_once_over_every_team(
    directory: AuditDirectory,
) -> None:
    # GIVEN teams in two orgs
    directory.save_team(_team("payments"))
    directory.save_team(_team("search").model_copy(update={"org": OrgId("T2")}))
    # THEN every team of every org is read, and the claims are not yet recorded, until they are
    assert sorted((t.org, t.name) for t in directory.every_team()) == [
        ("T1", "payments"),
        ("T2", "search"),
    ]
    assert not directory.claims_recorded()
    directory.mark_claims_recorded()
    assert directory.claims_recorded()


@mock_aws
def test_a_dynamodb_claim_deleted_meanwhile_is_claimed_not_assumed() -> None:
    # GIVEN T2 holds a function, and the operator deletes its claim (handing it over) just after
    # T1's conditional put was refused (between the refused put and the read of the holder)
    client = boto3.client("dynamodb", region_name="us-east-1")
    table = create_table()
    directory = DynamoDbDirectory(table=table, client=client)
    assert directory.claim_resource("aws-lambda:fn", OrgId("T2")) == OrgId("T2")
    released: list[bool] = []

    def release_once(**_: object) -> None:
        if not released:
            released.append(True)
            claim = {"pk": {"S": "RESOURCE#aws-lambda:fn"}, "sk": {"S": "HOLDER"}}
            client.delete_item(TableName=table, Key=claim)

    client.meta.events.register("before-call.dynamodb.GetItem", release_once)
    # WHEN T1 claims it, THEN T1 holds it, stored: never "held" with nothing written
    assert directory.claim_resource("aws-lambda:fn", ORG) == ORG
    assert released and directory.resource_holder("aws-lambda:fn") == ORG
