"""`sre audit show` reads a trail from its head down: the latest entries of a long trail never
cost a read of the whole stream (on S3, one GET an entry), and what it did not look at is said."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from shared.adapters.memory import InMemoryAuditLog
from shared.audit.models import StoredEntry, StreamKey
from shared.auditing import service as auditing
from shared.bootstrap.memory import for_memory
from shared.bootstrap.wiring import Services
from shared.config import Settings
from shared.identity.models import OrgId
from tests.support import ORG, audit_draft, run_deferred, setup_teams, trail_for

PAYMENTS = StreamKey(org=OrgId("T1"), team="payments")


class CountingLog(InMemoryAuditLog):
    """The memory log, counting the entries its scans hand out."""

    def __init__(self) -> None:
        super().__init__()
        self.read = 0

    def scan(self, stream: StreamKey, *, after: int = 0) -> Iterator[StoredEntry]:
        for entry in super().scan(stream, after=after):
            self.read += 1
            yield entry


def _auditor_over(log: CountingLog, entries: int) -> Services:
    services = for_memory(Settings(org_admins=("slack:T1:root",)), audit_log=log)
    setup_teams(services)
    trail = trail_for(log)
    for n in range(entries):
        trail.append(audit_draft(f"sre service show svc-{n}").model_copy(update={"org": ORG}))
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
    # AND reading on goes down the whole trail, in order, each entry read once (and one past
    # each later window: a scan knows no end but the stream's)
    rest = list(newest)
    assert [r.seq for r in first + rest] == list(range(2_000, 0, -1))
    assert 2_000 < log.read < 2_010


def test_show_reads_only_as_far_as_the_latest_matches() -> None:
    # GIVEN payments' trail with 3,000 entries of `service show` after the team was set up
    log = CountingLog()
    services = _auditor_over(log, 3_000)
    # WHEN an auditor asks for the latest 5
    shown = run_deferred(services, "audit show --team payments --limit 5", user="aud")
    # THEN they are the newest five, oldest first, and far fewer than the trail were read
    assert "5 entries of team payments" in shown.title
    lines = shown.text.splitlines()
    assert [line.split("`")[1] for line in lines] == [
        f"sre service show svc-{n}" for n in range(2_995, 3_000)
    ]
    assert log.read < 50
    assert not shown.fields


def test_show_says_what_it_did_not_look_at(monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN show reads at most 100 entries, and a trail whose only `team member add` entries
    # are older than its newest 100
    monkeypatch.setattr(auditing, "SHOW_READ", 100)
    log = CountingLog()
    services = _auditor_over(log, 300)
    # WHEN an auditor looks for them
    shown = run_deferred(
        services, 'audit show --team payments --action "team member add"', user="aud"
    )
    # THEN it says none are among the newest 100, not that there are none, and how to see older
    assert shown.title == "No matching entries in team payments' trail (its newest 100)"
    ((name, value),) = shown.fields
    assert name == "Older entries"
    assert "reads the newest 100" in value
    assert "`sre audit export --until " in value
    assert log.read < 150  # the windows it read (of 300 and more)
    # AND the export it names is a command that runs
    export = value.split("`")[3].removeprefix("sre ")
    exported = run_deferred(services, f"{export} --team payments", user="aud")
    assert not exported.failed, exported
