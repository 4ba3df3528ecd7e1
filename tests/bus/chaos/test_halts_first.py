"""A tick halts first, then judges and steps: an experiment whose stop condition fired is halted
and its fault removed before another experiment's step is written (a slow audit write of a step
never holds back a halt in the same tick)."""

from __future__ import annotations

from shared.adapters.memory import InMemoryAuditLog
from shared.audit.models import AuditRecord
from tests.support import NOW, ORG, MovingClock, run, run_scheduler
from tests.support.chaos import chaos_of, chaos_services, injector_of, start_experiment, ticks

HARMLESS = '--fault delay:100ms --expect "p99_latency < 2s"'


class InOrder(InMemoryAuditLog):
    """An audit log that keeps the order its entries were written in."""

    def __init__(self) -> None:
        super().__init__()
        self.written: list[str] = []

    def put(self, record: AuditRecord) -> None:
        """Kept, its command remembered."""
        self.written.append(record.command)
        super().put(record)


def test_a_tick_halts_a_tripped_experiment_before_it_steps_another() -> None:
    clock, log = MovingClock(NOW), InOrder()
    services = chaos_services(clock, audit_log=log)
    run(services, "service register search-api --sample checkout --team payments", user="oli")
    # GIVEN an experiment whose step is due at the next tick, started first
    stepping = start_experiment(services, f"checkout-api {HARMLESS}")
    ticks(services, clock, 1)
    # AND a second one, started a minute later, whose stop condition has just fired
    tripped = start_experiment(services, f"search-api {HARMLESS}")
    ticks(services, clock, 9)
    stored = chaos_of(services).store.get(ORG, tripped)
    assert stored is not None
    injector_of(services).trip(stored.injections[-1].handle, "search-api-5xx in ALARM")
    written = len(log.written)
    # WHEN the tick runs
    said = dict(run_scheduler(services, clock, 1).fields)["Chaos"].splitlines()
    # THEN the tripped one is halted and rolled back before the other's step is written
    assert log.written[written:] == [
        f"chaos halted {tripped}",
        f"chaos rolled back {tripped}",
        f"chaos advanced {stepping}",
    ]
    assert said == [f"{tripped} ended: halted", f"{stepping} advanced to 5%"]
