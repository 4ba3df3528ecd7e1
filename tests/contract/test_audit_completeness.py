"""Verification sees what is missing: a deleted stream, a cut or re-chained unsealed tail, on the
local folder with SQLite and on S3 with DynamoDB (moto). Refused requests create no stream."""

from __future__ import annotations

from datetime import timedelta

import pytest

from shared.adapters.memory import FixedClock
from shared.audit.chain import next_record
from shared.audit.models import AuditDraft, Outcome, StreamKey
from shared.bootstrap.wiring import Services
from shared.identity.models import OrgId
from shared.replies import Tone
from tests.contract.audit_stores import AwsStores, Stores, services_on
from tests.support import ORG, ask, invocation, records, run, setup_teams


@pytest.fixture
def services(found: Stores, clock: FixedClock) -> Services:
    """Teams payments and search with members, as in every test; no digest written yet."""
    services = services_on(found, clock)
    setup_teams(services)
    return services


def _head(found: Stores, team: str) -> int:
    head = found.log.head(StreamKey(org=ORG, team=team))
    return head.seq if head else 0


def test_every_trail_of_a_clean_history_verifies_and_says_how_long_it_is(
    services: Services, found: Stores
) -> None:
    # GIVEN a team created but never used yet
    assert not run(services, "team create idle").failed
    # WHEN the auditor verifies every trail at once
    reply = ask(services, "audit verify --all")
    # THEN the org's trail and each team's are intact, each as long as the state store saw
    assert reply.tone is Tone.OK, reply
    assert reply.title == "Audit trails intact: the org's and 3 teams'"
    shown = dict(reply.fields)
    assert list(shown) == [
        "the org-wide trail",
        "team idle's trail",
        "team payments' trail",
        "team search's trail",
    ]
    payments = _head(found, "payments")
    assert shown["team payments' trail"] == (
        f"✓ {payments} entries (#1..#{payments}), the state store saw #{payments}"
    )
    assert shown["team idle's trail"] == "✓ no entries yet"


def test_a_whole_team_stream_deleted_is_named(services: Services, found: Stores) -> None:
    # GIVEN someone with write access deletes team search's stream (entries and digests)
    seen = _head(found, "search")
    found.delete_stream("search")
    # WHEN the auditor verifies every trail
    reply = ask(services, "audit verify --all")
    # THEN it is broken, and the missing stream is named, however empty storage says it is
    assert reply.tone is Tone.ERROR
    assert reply.title == "Audit trails BROKEN: 1 of 3"
    assert reply.fields[0] == (
        "team search's trail",
        f"✗ #1..#{seen}: missing: the state store saw the stream reach #{seen} but none of its "
        "entries are there (the stream was deleted)",
    )
    # AND verifying that team's trail alone says so too
    alone = ask(services, "audit verify --team search")
    assert alone.title == "Audit trail BROKEN: team search's trail"


def test_a_team_stream_deleted_with_the_heads_the_state_store_kept_is_still_named(
    services: Services, found: Stores
) -> None:
    # GIVEN an insider deletes search's stream and every remembered head in the state store
    found.delete_stream("search")
    found.forget_heads()
    # WHEN every trail is verified, THEN search still has a member, so its empty trail is named
    reply = ask(services, "audit verify --all")
    assert reply.tone is Tone.ERROR
    assert reply.fields[0] == (
        "team search's trail",
        "✗ #1: missing: the state store has members in this team but its trail has no entries "
        "(the stream was deleted)",
    )


def test_an_unsealed_tail_cut_off_is_named(services: Services, found: Stores) -> None:
    # GIVEN the last two entries of payments, after any digest, are deleted
    seen = _head(found, "payments")
    found.delete_entry("payments", seen)
    found.delete_entry("payments", seen - 1)
    # WHEN the trail is verified, THEN the cut is named against the head the state store saw
    reply = ask(services, "audit verify --team payments")
    assert reply.tone is Tone.ERROR
    assert dict(reply.fields)["First broken link"] == (
        f"#{seen - 1}..#{seen}: missing: the state store saw #{seen} but the stream ends at "
        f"#{seen - 2} (cut)"
    )


def test_a_trail_cut_or_rolled_back_takes_no_more_entries_so_the_cut_stays_named(
    services: Services, found: Stores, clock: FixedClock
) -> None:
    # GIVEN the trail is sealed, more happens, and then the newest digest and the entries
    # after the one before are removed: an older consistent prefix, rolled back
    assert not run(services, "audit seal").failed
    sealed = _head(found, "payments")
    assert not run(services, "team member add mallory --role admin --team payments").failed
    assert not run(services, "audit seal").failed
    seen = _head(found, "payments")
    for seq in range(sealed + 1, seen + 1):
        found.delete_entry("payments", seq)
    found.delete_digest("payments", 2)
    # WHEN people go on working, in a new process
    later = services_on(found, clock, log=found.restarted())
    reply = run(later, "team member add bob --role viewer --team payments")
    # THEN nothing is chained after the cut: the command is not done, and says why and what to do
    assert reply.failed
    assert reply.title == "Not done: the audit trail is shorter than recorded"
    assert f"the trail ends at #{sealed} but the state store saw #{seen}" in reply.text
    assert "Run `sre audit verify`" in reply.text
    assert "bob" not in later.directory.get_team(ORG, "payments").members  # type: ignore[union-attr]
    # AND the trail still ends where it was cut, and verify still names the cut
    head = found.restarted().head(StreamKey(org=ORG, team="payments"))
    assert head is not None
    assert head.seq == sealed
    verified = ask(later, "audit verify --team payments")
    assert verified.tone is Tone.ERROR
    assert dict(verified.fields)["First broken link"].startswith(
        f"#{sealed + 1}..#{seen}: missing: the state store saw #{seen}"
    )


def test_an_unsealed_last_entry_replaced_and_rechained_is_named(
    services: Services, found: Stores
) -> None:
    # GIVEN the last entry of payments replaced by one properly chained on the entry before it
    seen = _head(found, "payments")
    before = found.read_entry("payments", seen - 1)
    original = found.read_entry("payments", seen)
    forged = original.model_copy(update={"command": "sre team member add mallory --role=admin"})
    draft = AuditDraft.model_validate(forged.model_dump(include=set(AuditDraft.model_fields)))
    found.write_entry(next_record(before, draft))
    # WHEN every trail is verified, THEN the hashes hold but the state store's head does not
    # (and on S3, where the write was a new version of the key, the overwrite is named first)
    reply = ask(services, "audit verify --all")
    assert reply.tone is Tone.ERROR
    overwritten = [f"#{seen}: was overwritten (2 versions)"] if isinstance(found, AwsStores) else []
    assert reply.fields[0] == (
        "team payments' trail",
        "✗ "
        + "\n".join(
            [
                *overwritten,
                f"#{seen}: differs from the entry the state store saw there "
                "(re-chained after it was written)",
            ]
        ),
    )


def test_a_refused_request_for_a_team_that_does_not_exist_creates_no_stream(
    services: Services, found: Stores
) -> None:
    # WHEN a user with no role names a team that does not exist
    reply = run(services, "team member add mallory --role admin --team paymnets", user="eve")
    # THEN it is refused, and audited in the org's trail, not in a new stream
    assert reply.tone is Tone.DENIED
    assert [s.team for s in found.log.streams(ORG)] == ["_org", "payments", "search"]
    last = records(found.log, StreamKey(org=ORG, team="_org"))[-1]
    assert (last.outcome, last.actor.user, last.details["team"]) == (
        Outcome.DENIED,
        "eve",
        "paymnets",
    )
    # AND every trail still verifies
    assert ask(services, "audit verify --all").tone is Tone.OK


def test_a_refused_request_from_an_org_that_does_not_exist_creates_no_stream(
    services: Services, found: Stores
) -> None:
    # WHEN a user of an org nobody set up tries to create a team there
    typed = invocation("team create payments", user="eve")
    elsewhere = typed.actor.model_copy(update={"org": OrgId("T-nobody")})
    reply = services.bus.handle(typed.model_copy(update={"actor": elsewhere}))
    # THEN it is refused, and no trail of that org appears
    assert reply.tone is Tone.DENIED
    assert OrgId("T-nobody") not in found.log.orgs()
    assert found.log.orgs() == [ORG]


def test_a_walk_from_the_last_digest_with_nothing_after_it_is_intact(
    services: Services, clock: FixedClock
) -> None:
    # GIVEN the org's trail sealed at its head, and nothing written since
    assert services.audit.seal(StreamKey(org=ORG, team="_org")) is not None
    clock.current = clock.current + timedelta(minutes=5)
    # WHEN the org's trail is verified from the last digest on (as `sre doctor` does)
    reply = ask(services, f"audit verify --org --since {clock.current:%Y-%m-%dT%H:%M}")
    # THEN it is intact up to the sealed head the state store saw, not "truncated" or "deleted"
    assert reply.tone is Tone.OK, reply
    assert dict(reply.fields)["Head"].startswith("#")


def test_a_walk_from_the_last_digest_reads_the_entry_it_sealed(
    services: Services, found: Stores, clock: FixedClock
) -> None:
    # GIVEN payments sealed at its head, then every one of its entries deleted
    assert services.audit.seal(StreamKey(org=ORG, team="payments")) is not None
    seen = _head(found, "payments")
    for seq in range(1, seen + 1):
        found.delete_entry("payments", seq)
    clock.current = clock.current + timedelta(minutes=5)
    # WHEN it is verified from the last digest on
    since = f"{clock.current:%Y-%m-%dT%H:%M}"
    reply = ask(services, f"audit verify --team payments --since {since}")
    # THEN the entry the digest sealed is found missing, and the stream named truncated
    assert reply.tone is Tone.ERROR
    problems = [dict(reply.fields)["First broken link"], *dict(reply.fields)["Also"].split("\n")]
    assert (
        f"#1..#{seen}: missing: digest #1 sealed #{seen} but the stream ends at #0 (truncated)"
        in problems
    )


def test_a_walk_from_the_last_digest_names_the_entry_it_sealed_modified(
    services: Services, found: Stores, clock: FixedClock
) -> None:
    # GIVEN payments sealed at its head, then that last entry's command changed in place
    assert services.audit.seal(StreamKey(org=ORG, team="payments")) is not None
    seen = _head(found, "payments")
    original = found.read_entry("payments", seen)
    found.write_entry(original.model_copy(update={"command": "sre team member add mallory"}))
    clock.current = clock.current + timedelta(minutes=5)
    # WHEN it is verified from the last digest on
    reply = ask(services, f"audit verify --team payments --since {clock.current:%Y-%m-%dT%H:%M}")
    # THEN the change is named
    assert reply.tone is Tone.ERROR
    assert dict(reply.fields)["First broken link"] == (
        f"#{seen}: its content does not match its hash (modified)"
    )
