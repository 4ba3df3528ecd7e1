"""A property: whatever the order of starts (a person's, a second operator's approval on a
production service, a game day's by the scheduler's tick), halts, the lever, pages and scheduler
ticks, no experiment starts while the org's safety lever is engaged or a page of its team is
firing, and none keeps running past the next tick once either holds."""

from __future__ import annotations

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from shared.adapters.memory import InMemoryTaskQueue
from shared.bootstrap.outages import StoredOutages
from shared.bootstrap.wiring import Services
from shared.chaos.models import ExperimentState
from shared.replies import Reply, Tone
from tests.support import NOW, ORG, MovingClock, invocation, run, run_deferred, run_scheduler
from tests.support.chaos import adapters_of, chaos_of, chaos_services

ACTIONS = st.lists(
    st.sampled_from(
        [
            *("start", "start", "approve", "approve", "game-day"),
            *("halt-all", "unhalt", "page", "calm", "tick", "tick"),
        ]
    ),
    min_size=1,
    max_size=14,
)
COMMANDS = {
    "halt-all": ("chaos halt --all", "root"),
    "unhalt": ("chaos unhalt", "root"),
    "page": ('alert create slow --service checkout-api --when "p99_latency > 800ms"', "oli"),
    "calm": ("alert delete slow", "oli"),
}
"""The other actions: each a command and who sends it."""


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

    def __init__(self, *, production: bool) -> None:
        self.clock = MovingClock(NOW)
        self.services = chaos_services(self.clock, production=production)
        adapters = chaos_of(self.services)
        self.lever = adapters.lever
        self.store = adapters.store
        self.sent = 0

    def blocked(self) -> bool:
        """Whether the lever is engaged or a page of payments fires (investigations aside)."""
        return self.lever.state(ORG).engaged or any(
            "page" in reason for reason in self._outages().firing(ORG, "payments")
        )

    def injected(self) -> set[str]:
        """The experiments that ever had a fault injected."""
        return {x.id for x in self.store.list_for(ORG, "payments") if x.injections}

    def _outages(self) -> StoredOutages:
        adapters = adapters_of(self.services)
        return StoredOutages(
            alerts=adapters.alerts, investigations=adapters.investigations, clock=adapters.clock
        )

    def act(self, action: str) -> None:
        """Do `action`, checking the property around it."""
        self.sent += 1
        spec = f'--fault error --duration {self.sent + 1}m --expect "error_rate < 1%"'
        if action == "start":
            self._start(f"chaos start checkout-api {spec}")
        elif action == "approve":
            self._approve()
        elif action == "game-day":
            text = f'chaos start checkout-api {spec} --every 7d --window "Sun 09:00-12:00"'
            send(self.services, text, "oli", self.sent)
        elif action in COMMANDS:
            text, user = COMMANDS[action]
            send(self.services, text, user, self.sent)
        else:
            self._tick()

    def _start(self, text: str) -> None:
        """A person's start: refused, nothing kept, while blocked."""
        before = {x.id for x in self.store.list_for(ORG, "payments")}
        blocked = self.blocked()
        reply = send(self.services, text, "oli", self.sent)
        new = [x for x in self.store.list_for(ORG, "payments") if x.id not in before]
        if blocked:
            assert reply.failed and new == [], reply

    def _tick(self) -> None:
        """A tick: nothing injected anew (game days included) while the lever is engaged (it
        holds through the tick; a page may fire or resolve inside it), nothing running after
        it while blocked."""
        engaged, before = self.lever.state(ORG).engaged, self.injected()
        run_scheduler(self.services, self.clock, 1)
        if engaged:
            assert self.injected() <= before
        if self.blocked():
            running = [x for x in self.store.every() if x.state is ExperimentState.RUNNING]
            assert running == [], running

    def _approve(self) -> None:
        """A second operator approves the newest run waiting (a person's or a game day's)."""
        waiting = [
            x
            for x in self.store.list_for(ORG, "payments")
            if x.state is ExperimentState.AWAITING_APPROVAL
        ]
        if not waiting:
            return
        blocked, before = self.blocked(), self.injected()
        reply = send(self.services, f"chaos approve {waiting[0].id}", "opal", self.sent)
        if blocked:
            assert reply.failed and self.injected() == before, reply


@settings(
    max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
@given(st.booleans(), ACTIONS)
# the interleavings of the two other ways to start, always tried besides the random ones
@example(True, ["start", "page", "tick", "approve"])
@example(True, ["game-day", "page", "tick", "approve", "tick"])
@example(False, ["halt-all", "game-day", "tick"])
@example(False, ["page", "tick", "game-day", "tick"])
def test_no_experiment_starts_while_the_lever_is_engaged_or_a_page_fires(
    production: bool, actions: list[str]
) -> None:
    world = World(production=production)
    for action in actions:
        world.act(action)


def test_a_team_with_no_channel_is_told_to_bind_one_before_any_chaos() -> None:
    # GIVEN team search, with its own sample service and no channel bound
    services = chaos_services(MovingClock(NOW))
    register = "service register checkout-api --sample checkout --team search"
    assert not run(services, register, user="sam").failed
    start = 'chaos start checkout-api --fault delay:100ms --expect "p99_latency < 2s" --team search'
    # WHEN sam starts chaos from a direct message
    reply = run_deferred(services, start, user="sam")
    # THEN nothing starts: the experiment's progress, Halt button and alarms would go nowhere
    assert reply.tone is Tone.ERROR and reply.title == "Conflict", reply
    assert "team search has no channel for the experiment's progress, its Halt button" in (
        reply.text + reply.title
    )
    assert chaos_of(services).store.every() == []
