"""One unreadable entry or digest is named, and every other trail still read: on the local
folder with SQLite and on S3 with DynamoDB (moto). A seal never vouches for a broken chain."""

from __future__ import annotations

from datetime import timedelta

import pytest

from shared.adapters.memory import FixedClock, InMemoryAuditLog
from shared.audit.models import ORG_STREAM, Digest, Outcome, StreamKey
from shared.auditing import service as audit_service
from shared.bootstrap.wiring import Services, build
from shared.config import Settings
from shared.replies import Tone
from tests.contract.audit_stores import Stores, services_on
from tests.support import NOW, ORG, ask, memory_adapters, records, run, setup_teams


@pytest.fixture
def services(found: Stores, clock: FixedClock) -> Services:
    """Teams payments and search with members, every trail sealed."""
    services = services_on(found, clock)
    setup_teams(services)
    assert not run(services, "audit seal").failed
    return services


@pytest.mark.parametrize(
    "command",
    [
        "audit verify --all",
        "audit verify --state",
        "audit access-review",
        "audit show --org",
        "audit export --org",
    ],
)
def test_an_unreadable_entry_of_the_orgs_trail_is_named_not_a_crash(
    services: Services, found: Stores, command: str
) -> None:
    # GIVEN the org's entry #3 overwritten with bytes that are no audit entry
    found.garble("audit", "_org", 3)
    # WHEN an auditor reads the trails
    reply = ask(services, command)
    # THEN the answer names the entry (or its trail broken) and still covers the rest
    assert reply.title != "Internal error", reply
    shown = reply.title + (reply.text or "") + str(reply.fields)
    assert "org#3" in shown or "#3: is not a readable audit entry" in shown, reply


def test_a_garbage_digest_is_named_and_the_other_trails_verified(
    services: Services, found: Stores
) -> None:
    # GIVEN payments' digest #1 overwritten with bytes that are no digest
    found.garble("digests", "payments", 1)
    # WHEN every trail is verified
    reply = ask(services, "audit verify --all")
    # THEN payments is named broken by its digest, and the others verified
    assert reply.tone is Tone.ERROR
    shown = dict(reply.fields)
    assert "digest #1 is not a readable digest" in shown["team payments' trail"]
    assert shown["team search's trail"].startswith("✓")


def test_a_seal_refuses_a_trail_that_does_not_verify_from_its_last_digest(
    services: Services, found: Stores
) -> None:
    # GIVEN a member added to payments after its digest, then that entry made unreadable
    assert not run(services, "team member add zed --team payments").failed
    assert not run(services, "team member add zoe --team search").failed
    head = found.log.head(StreamKey(org=ORG, team="payments"))
    assert head is not None
    found.garble("audit", "payments", head.seq)
    # WHEN the trails are sealed
    reply = ask(services, "audit seal")
    # THEN payments is not sealed, and why is said; search is
    assert reply.tone is Tone.ERROR
    shown = dict(reply.fields)
    assert shown["team payments' trail"].startswith(
        f"not sealed: #{head.seq}: is not a readable audit entry"
    )
    assert shown["team search's trail"].startswith("digest #2 seals")
    digests = found.log.digests(StreamKey(org=ORG, team="payments"))
    assert [d.number for d in digests] == [1]
    # AND the seal's entry records which trail it sealed, with which digest, and which it refused
    entry = records(found.log, StreamKey(org=ORG, team=ORG_STREAM))[-1]
    # (a seal that refused a trail failed at its job: its entry says so)
    entry = records(found.log, StreamKey(org=ORG, team=ORG_STREAM))[-1]
    assert entry.command == "sre audit seal" and entry.outcome is Outcome.FAILED
    assert entry.details["not_sealed"] == "team payments' trail"
    assert "; team search's trail: digest #2 seals #" in entry.details["sealed"]


class _SealFailsOnce(InMemoryAuditLog):
    """A bucket that refuses one digest (503 Slow Down), then works again."""

    armed = False

    def put_digest(self, digest: Digest) -> None:
        if self.armed:
            self.armed = False
            raise OSError("503 Slow Down")
        super().put_digest(digest)


def test_a_seal_that_failed_is_said_as_possible_not_only_a_removal() -> None:
    # GIVEN digests every 10 entries, the automatic one at #10 of payments failing once
    log = _SealFailsOnce()
    adapters = memory_adapters(FixedClock(NOW), audit_log=log)
    services: Services = build(
        Settings(org_admins=("slack:T1:root",), audit_digest_every=10), adapters
    )
    setup_teams(services)
    log.armed = True
    for i in range(6):
        assert not run(services, f"team member add u{i} --team payments").failed
    # WHEN payments is verified
    reply = ask(services, "audit verify --team payments")
    # THEN it says no digest seals them, a failed seal first, not only that one was removed
    first = dict(reply.fields)["First broken link"]
    assert "no digest seals them (one is written every 10 entries, so one was due at #20)" in first
    assert "a seal that failed, or the newest digests removed" in first


def test_an_export_stops_at_its_bound_and_says_how_to_get_the_rest(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN an export bound of 3 entries, and a team trail longer than that
    monkeypatch.setattr(audit_service, "MAX_EXPORT", 3)
    # WHEN the auditor exports it
    reply = ask(services, "audit export --team payments")
    # THEN 3 are exported, and the reply says it stopped and how to narrow it
    assert reply.title == "Exported 3 entries of team payments' trail"
    assert dict(reply.fields)["Limit"].startswith("only the first 3 entries: export the rest")


def test_a_trail_quiet_past_its_retention_is_still_sealed(found: Stores, clock: FixedClock) -> None:
    # GIVEN every trail sealed, then a year with nothing in team payments' (on S3 the retention
    # of the entry its last digest sealed has ended; verify says so, as it says of any entry)
    services = services_on(found, clock)
    setup_teams(services)
    assert not run(services, "audit seal").failed
    clock.current += timedelta(days=400)
    # WHEN a member is added and the hourly seal runs
    assert not run(services, "team member add zed --team payments").failed
    sealed = ask(services, "audit seal")
    # THEN it seals: how an old entry is locked does not stop the chain from being sealed
    assert not sealed.failed, sealed
    assert "payments" in " ".join(k for k, _ in sealed.fields)


def test_an_access_review_uses_no_entry_changed_since_written(
    services: Services, found: Stores
) -> None:
    # GIVEN the entry that made vic a viewer of payments edited to make mallory its admin
    # (the hash left as it was: the edit shows as a change since written)
    trail = records(found.log, StreamKey(org=ORG, team="payments"))
    (granted,) = [
        e for e in trail if "member add vic" in e.command and e.outcome is Outcome.SUCCEEDED
    ]
    forged = "sre team member add mallory --role=admin --team=payments"
    found.write_entry(granted.model_copy(update={"command": forged}))
    # WHEN an auditor reviews access
    reply = ask(services, "audit access-review --team payments")
    # THEN mallory is not in it, and the edited entry is named as not used (it was trusted:
    # "@mallory · admin")
    shown = dict(reply.fields)
    assert "mallory" not in shown["Team payments (created " + _created(shown) + ")"]
    assert reply.tone is Tone.ERROR
    assert shown["Entries not read back or not used"] == (
        f"payments#{granted.seq}: changed since written, not used (`sre audit verify` says more)"
    )


def _created(fields: dict[str, str]) -> str:
    """The `created …` part of the team payments heading."""
    (heading,) = [k for k in fields if k.startswith("Team payments (created ")]
    return heading.removeprefix("Team payments (created ").removesuffix(")")
