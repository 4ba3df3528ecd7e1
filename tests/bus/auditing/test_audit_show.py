"""`sre audit show` reads a trail from its head down: the latest entries of a long trail never
cost a read of the whole stream (on S3, one GET an entry), and what it did not look at is said."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from datetime import timedelta

import pytest

from shared.adapters.memory import FixedClock, InMemoryAuditLog, InMemoryExportStore
from shared.audit.models import StoredEntry, StreamKey
from shared.auditing import service as auditing
from shared.bootstrap.memory import for_memory
from shared.bootstrap.wiring import Services
from shared.config import Settings
from shared.identity.models import OrgId
from tests.support import NOW, ORG, audit_draft, run_deferred, setup_teams, trail_for

PAYMENTS = StreamKey(org=OrgId("T1"), team="payments")
PAYMENTS_OF_ORG = StreamKey(org=ORG, team="payments")


class CountingLog(InMemoryAuditLog):
    """The memory log, counting the entries its scans hand out."""

    def __init__(self) -> None:
        super().__init__()
        self.read = 0

    def scan(
        self, stream: StreamKey, *, after: int = 0, upto: int | None = None
    ) -> Iterator[StoredEntry]:
        for entry in super().scan(stream, after=after, upto=upto):
            self.read += 1
            yield entry


def _auditor_over(
    log: CountingLog,
    entries: int,
    *,
    exports: InMemoryExportStore | None = None,
    late: Iterable[int] = (),
) -> Services:
    """Payments' trail over `log`: the teams set up, then `entries` of `service show`, the
    ones numbered in `late` owed entries written late (timed an hour before the rest)."""
    services = for_memory(
        Settings(org_admins=("slack:T1:root",)),
        audit_log=log,
        exports=exports or InMemoryExportStore(),
        clock=FixedClock(NOW),
    )
    setup_teams(services)
    trail = trail_for(log)
    owed = set(late)
    for n in range(entries):
        time = NOW - timedelta(hours=1) if n in owed else NOW + timedelta(seconds=n)
        draft = audit_draft(f"sre service show svc-{n}")
        trail.append(draft.model_copy(update={"org": ORG, "time": time}))
    log.read = 0
    return services


def test_the_newest_entries_are_read_from_the_head_down() -> None:
    # GIVEN a trail of 2,000 entries
    log = CountingLog()
    trail = trail_for(log)
    for n in range(2_000):
        trail.append(audit_draft(f"sre service show svc-{n}"))
    # WHEN the newest 20 are read
    newest = trail.newest_first(PAYMENTS, first=20)
    first = [next(newest) for _ in range(20)]
    # THEN they are the newest, newest first, and only they were read
    assert [r.seq for r in first] == list(range(2_000, 1_980, -1))
    assert log.read == 20
    # AND reading on goes down the whole trail, in order, each entry read once
    rest = list(newest)
    assert [r.seq for r in first + rest] == list(range(2_000, 0, -1))
    assert log.read == 2_000


def test_show_reads_only_as_far_as_the_latest_matches() -> None:
    # GIVEN payments' trail with 3,000 entries of `service show` after the team was set up
    log = CountingLog()
    services = _auditor_over(log, 3_000)
    # WHEN an auditor asks for the latest 5
    shown = run_deferred(services, "audit show --team payments --limit 5", user="aud")
    # THEN they are the newest five, oldest first, and far fewer than the trail were read
    assert shown.title == "5 entries of team payments' trail (times in UTC)"
    lines = shown.text.splitlines()
    assert [line.split("`")[1] for line in lines] == [
        f"sre service show svc-{n}" for n in range(2_995, 3_000)
    ]
    assert log.read < 50
    assert not shown.fields


def test_show_says_what_it_did_not_look_at_and_the_export_of_exactly_those(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # GIVEN show reads at most 100 entries, and a trail whose only `team member add` entries
    # are older than its newest 100, some of them (owed, written late) timed after older ones
    monkeypatch.setattr(auditing, "SHOW_READ", 100)
    log = CountingLog()
    exports = InMemoryExportStore()
    services = _auditor_over(log, 300, exports=exports, late=range(150, 300, 7))
    head = log.head(PAYMENTS_OF_ORG)
    assert head is not None
    # WHEN an auditor looks for them
    shown = run_deferred(
        services, 'audit show --team payments --action "team member add"', user="aud"
    )
    # THEN it says none are among the newest 100, not that there are none, and which it left
    assert shown.title == "No matching entries in team payments' trail (its newest 100)"
    ((name, value),) = shown.fields
    oldest_read = head.seq - 99
    assert name == "Older entries"
    assert value.startswith(f"#{oldest_read - 1} and below, not looked at")
    assert log.read < 150  # the windows it read (of 300 and more)
    # AND the export it names holds exactly the entries it did not look at
    export = value.split("`")[3].removeprefix("sre ")
    assert export == f"audit export --team payments --before-seq {oldest_read}"
    assert not run_deferred(services, export, user="aud").failed
    (content,) = exports.files.values()
    exported = [json.loads(line)["seq"] for line in content.decode().splitlines()]
    assert exported == list(range(1, oldest_read))


def test_a_trail_read_to_its_first_entry_has_nothing_older(monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN show reads at most as many entries as payments' trail holds
    log = CountingLog()
    services = _auditor_over(log, 0)
    head = log.head(PAYMENTS_OF_ORG)
    assert head is not None
    monkeypatch.setattr(auditing, "SHOW_READ", head.seq)
    # WHEN an auditor looks for what is not there
    shown = run_deferred(services, 'audit show --team payments --action "alert"', user="aud")
    # THEN it read the whole trail and says so: nothing older to export
    assert shown.title == "No matching entries in team payments' trail"
    assert not shown.fields


def test_a_trail_with_no_entries_says_so_not_that_none_matched() -> None:
    # GIVEN a team just created, whose own trail has nothing yet
    services = for_memory(Settings(org_admins=("slack:T1:root",)))
    setup_teams(services)
    assert not run_deferred(services, "team create infra").failed
    # WHEN an auditor shows it, with no filter and with one
    plain = run_deferred(services, "audit show --team infra", user="aud")
    filtered = run_deferred(services, "audit show --team infra --actor ann", user="aud")
    # THEN the first says the trail is empty, the second that nothing matched
    assert plain.title == "No entries in team infra's trail"
    assert filtered.title == "No matching entries in team infra's trail"
