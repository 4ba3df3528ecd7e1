"""The pure hash chain: linking, and finding the first broken link."""

from __future__ import annotations

from shared.audit.chain import decode, encode, link_hash, next_record
from shared.audit.models import (
    GENESIS_HASH,
    ORG_STREAM,
    AuditRecord,
    StoredEntry,
    StreamKey,
)
from shared.audit.seal import SigningKey, seal
from shared.audit.verify import verify_stream
from shared.identity.models import OrgId
from tests.support import NOW, audit_draft

KEY = SigningKey(secret=b"chain-test")


def first_broken(records: list[AuditRecord], *, after: AuditRecord | None = None) -> str | None:
    """The first problem the verifier finds walking these records as stored (None: intact)."""
    entries = [StoredEntry(position=r.seq, body=encode(r)) for r in records]
    anchor = seal(after, None, KEY, NOW) if after else None
    report = verify_stream(
        StreamKey(org=OrgId("T1"), team="payments"),
        entries,
        [],
        KEY,
        now=NOW,
        every=10**9,
        anchor=anchor,
    )
    return report.problems[0] if report.problems else None


def _chain(n: int) -> list[AuditRecord]:
    records: list[AuditRecord] = []
    for i in range(n):
        records.append(
            next_record(records[-1] if records else None, audit_draft(f"sre team list #{i}"))
        )
    return records


def test_a_chain_starts_at_one_from_the_genesis_hash_and_links_each_entry() -> None:
    records = _chain(3)
    assert [r.seq for r in records] == [1, 2, 3]
    assert records[0].prev_hash == GENESIS_HASH
    assert records[1].prev_hash == records[0].hash
    assert records[2].hash == link_hash(records[1].hash, 3, records[2])
    assert first_broken(records) is None


def test_a_modified_entry_is_named() -> None:
    records = _chain(4)
    records[2] = records[2].model_copy(update={"command": "sre team create evil"})
    assert first_broken(records) == "#3: its content does not match its hash (modified)"


def test_a_removed_entry_is_named() -> None:
    records = _chain(4)
    del records[1]
    assert first_broken(records) == "#2: is missing (deleted)"


def test_a_rehashed_forgery_breaks_the_next_link() -> None:
    records = _chain(4)
    forged = records[1].model_copy(update={"command": "sre org grant mallory org-admin"})
    records[1] = forged.model_copy(update={"hash": link_hash(forged.prev_hash, 2, forged)})
    assert (
        first_broken(records) == "#3: does not link to the entry before it (inserted or replaced)"
    )


def test_a_run_can_be_checked_from_a_known_entry() -> None:
    records = _chain(5)
    # a walk from a digest reads the entry that digest sealed first, then the rest
    assert first_broken(records[2:], after=records[2]) is None
    assert first_broken(records[3:], after=records[2]) == "#3: is missing (deleted)"
    assert first_broken(records[3:]) == "#1: is missing (deleted)"


def test_the_stored_form_reads_back_as_the_record() -> None:
    record = _chain(2)[1]
    assert decode(encode(record)) == record


def test_the_receipt_names_its_trail_the_sequence_number_and_a_hash_prefix() -> None:
    record = _chain(1)[0]
    assert record.receipt == f"audit payments#1 · {record.hash[:6]}"
    org_wide = record.model_copy(update={"team": ORG_STREAM})
    assert org_wide.receipt == f"audit org#1 · {record.hash[:6]}"


def _trail_of(team: str, org: str, n: int) -> list[AuditRecord]:
    """`n` entries of `team` of `org`, chained (a whole trail, as another team keeps it)."""
    records: list[AuditRecord] = []
    for i in range(n):
        draft = audit_draft(f"sre team list #{i}").model_copy(
            update={"team": team, "org": OrgId(org), "details": {"team": "payments", "org": "T1"}}
        )
        records.append(next_record(records[-1] if records else None, draft))
    return records


def test_another_trail_copied_whole_in_place_of_this_one_is_named() -> None:
    # GIVEN team demo's trail (and its digest), and org T2's payments, each intact as a chain,
    # their entries' details naming payments of T1 (text inside an entry is not its trail)
    for team, org in (("demo", "T1"), ("payments", "T2")):
        records = _trail_of(team, org, 3)
        digest = seal(records[-1], None, KEY, NOW)
        # WHEN one is stored, entries and digest, as team payments' trail of org T1
        report = verify_stream(
            StreamKey(org=OrgId("T1"), team="payments"),
            [StoredEntry(position=r.seq, body=encode(r)) for r in records],
            [digest],
            KEY,
            now=NOW,
            every=10**9,
        )
        # THEN every entry and the digest are named as another trail's
        assert report.problems[0] == "digest #1 seals another trail (copied from it)"
        assert report.problems[1:] == [
            f"#{n}: is an entry of another trail (copied from it)" for n in (1, 2, 3)
        ]
