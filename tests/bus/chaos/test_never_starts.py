"""A property: whatever the order of starts, halts, the lever, pages and scheduler ticks, no
experiment starts while the org's safety lever is engaged or a page of its team is firing, and
none keeps running past the next tick once either holds."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shared.adapters.memory import InMemoryTaskQueue
from shared.bootstrap.outages import StoredOutages
from shared.bootstrap.wiring import Services
from shared.chaos.models import ExperimentState
from shared.replies import Reply, Tone
from tests.support import NOW, ORG, MovingClock, invocation, run_scheduler
from tests.support.chaos import adapters_of, chaos_of, chaos_services

ACTIONS = st.lists(
    st.sampled_from(["start", "start", "halt-all", "unhalt", "page", "calm", "tick", "tick"]),
    min_size=1,
    max_size=14,
)


def send(services: Services, text: str, user: str, n: int) -> Reply:
    """One command as its own delivery (`n`), run by the worker if it is deferred."""
    asked = invocation(text, user=user, channel="C-pay").model_copy(
        update={"correlation_id": f"ref-prop-{n}"}
    )
    reply = services.bus.handle(asked)
    if reply.tone is not Tone.ACCEPTED:
        return reply
    assert isinstance(services.tasks, InMemoryTaskQueue)
    (task,) = services.tasks.drain()
    return services.run_task(task)


class World:
    """The deployment, and what is true of its org now."""

    def __init__(self) -> None:
        self.clock = MovingClock(NOW)
        self.services = chaos_services(self.clock)
        adapters = chaos_of(self.services)
        self.lever = adapters.lever
        self.store = adapters.store
        self.sent = 0

    def blocked(self) -> bool:
        """Whether the lever is engaged or a page of payments fires (investigations aside)."""
        return self.lever.state(ORG).engaged or any(
            "page" in reason for reason in self._outages().firing(ORG, "payments")
        )

    def _outages(self) -> StoredOutages:
        adapters = adapters_of(self.services)
        return StoredOutages(alerts=adapters.alerts, investigations=adapters.investigations)

    def act(self, action: str) -> None:
        """Do `action`, checking the property around it."""
        self.sent += 1
        if action == "start":
            before = {x.id for x in self.store.list_for(ORG, "payments")}
            blocked = self.blocked()
            spec = f'--fault error --duration {self.sent + 1}m --expect "error_rate < 1%"'
            text = f"chaos start checkout-api {spec}"
            reply = send(self.services, text, "oli", self.sent)
            new = [x for x in self.store.list_for(ORG, "payments") if x.id not in before]
            if blocked:
                assert reply.failed and new == [], reply
        elif action == "halt-all":
            send(self.services, "chaos halt --all", "root", self.sent)
        elif action == "unhalt":
            send(self.services, "chaos unhalt", "root", self.sent)
        elif action == "page":
            text = 'alert create slow --service checkout-api --when "p99_latency > 800ms"'
            send(self.services, text, "oli", self.sent)
        elif action == "calm":
            send(self.services, "alert delete slow", "oli", self.sent)
        else:
            run_scheduler(self.services, self.clock, 1)
            if self.blocked():
                running = [x for x in self.store.every() if x.state is ExperimentState.RUNNING]
                assert running == [], running


@settings(
    max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
@given(ACTIONS)
def test_no_experiment_starts_while_the_lever_is_engaged_or_a_page_fires(
    actions: list[str],
) -> None:
    world = World()
    for action in actions:
        world.act(action)
