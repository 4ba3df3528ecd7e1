"""Two registrations of the bundled sample are two services: an experiment on each is judged on
its own fault. Before, the simulation kept faults per sample (`checkout`), so a second
experiment was judged on the first one's fault, held, and recorded verified resilience."""

from __future__ import annotations

from shared.chaos.models import ExperimentOutcome
from tests.support import NOW, ORG, MovingClock, run
from tests.support.chaos import chaos_of, chaos_services, start_experiment, ticks


def test_an_experiment_on_another_registration_of_the_sample_is_judged_on_its_own_fault() -> None:
    clock = MovingClock(NOW)
    services = chaos_services(clock)
    register = "service register prod2 --sample checkout --team payments"
    assert not run(services, register, user="oli").failed
    # GIVEN a small delay on checkout-api, then every faulted request failing on prod2
    start_experiment(services, 'checkout-api --fault delay:100ms --expect "p99_latency < 2s"')
    failing = start_experiment(
        services, 'prod2 --fault error --percent 50 --duration 2m --expect "error_rate < 60%"'
    )
    # WHEN the scheduler judges them
    ticks(services, clock, 10)
    # THEN prod2's is judged on its own failures: deviated, never held on the other's delay
    ended = chaos_of(services).store.get(ORG, failing)
    assert ended is not None and ended.outcome is ExperimentOutcome.DEVIATED, ended
    verified = run(services, "chaos list --verified", user="oli", channel="C-pay")
    assert "prod2" not in verified.title + verified.text + str(verified.fields)
