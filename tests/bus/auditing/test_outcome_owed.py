"""A command done while the audit trail went down after its `requested` entry: its outcome entry
is owed (written when the trail is back, and said in the answer), never lost unsaid; a task
resumed in the worker too."""

from __future__ import annotations

from shared.adapters.memory import FixedClock, InMemoryAuditLog
from shared.audit.models import AuditRecord, Outcome, StreamKey
from shared.bootstrap.wiring import build
from shared.config import Settings
from tests.support import NOW, ORG, memory_adapters, records, run, run_worker, setup_teams

OWED = "Its audit entry will be written when the audit trail is back."


class _PutsRefused(InMemoryAuditLog):
    """A bucket that is read, but refuses writes while `refusing` (S3 PutObject failing)."""

    refusing = False

    def put(self, record: AuditRecord) -> None:
        """Refuse it while refusing; else store it."""
        if self.refusing:
            raise ConnectionError("s3: could not connect to the endpoint URL")
        super().put(record)


def test_a_tasks_outcome_the_trail_could_not_take_is_owed_said_and_written_later() -> None:
    # GIVEN an investigation queued (its `requested` entry written), then the trail down
    log = _PutsRefused()
    services = build(
        Settings(org_admins=("slack:T1:root",)), memory_adapters(FixedClock(NOW), audit_log=log)
    )
    setup_teams(services)
    register = "service register checkout-api --sample checkout --team payments"
    assert not run(services, register, user="oli").failed
    assert not run(services, "investigate checkout-api", user="rey", channel="C-pay").failed
    log.refusing = True
    # WHEN the worker runs it
    (reply,) = run_worker(services)
    # THEN it is done and says its outcome is owed (it said nothing: a success with no receipt)
    assert reply.title.startswith("checkout-api"), reply
    assert OWED in reply.text
    # AND once the trail is back, the outcome is written after its request
    log.refusing = False
    assert services.audit.settle()
    trail = records(log, StreamKey(org=ORG, team="payments"))
    opened = [e.outcome for e in trail if e.command.startswith("sre investigation open")]
    assert opened == [Outcome.REQUESTED, Outcome.SUCCEEDED]
