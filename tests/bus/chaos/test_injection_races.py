"""A halt that lands while a fault is being injected (between its record and the injector's
answer) never leaves the fault live: the start, the approval or the scheduler's step that made
it removes it at once, verified, says so in the experiment's message and answers honestly; and
a halt that finds an injection still being made keeps the experiment rolling back, so the
scheduler removes what lands even if the worker that made it never comes back."""

from __future__ import annotations

import re

import pytest

from shared.bootstrap.adapters import ChaosAdapters
from shared.bootstrap.wiring import Services
from shared.chaos.models import Experiment, ExperimentOutcome, ExperimentState
from shared.replies import Reply, Tone
from tests.support import NOW, ORG, MovingClock, notifier_of, run_deferred, run_scheduler
from tests.support.chaos import chaos_services, start_experiment, ticks
from tests.support.racing import WorkerDiedError, hooked_chaos, live_injections

ERRORS = 'checkout-api --fault error --expect "error_rate < 1%"'
HARMLESS = 'checkout-api --fault delay:100ms --expect "p99_latency < 2s"'


def _only(chaos: ChaosAdapters) -> Experiment:
    (experiment,) = chaos.store.list_for(ORG, "payments")
    return experiment


def _halt(services: Services, chaos: ChaosAdapters, text: str, user: str, into: list[Reply]):
    """What another worker does while the injection is being made: `text` (`halt {id}`)."""
    return lambda: into.append(
        run_deferred(services, text.format(id=_only(chaos).id), user=user, channel="C-pay")
    )


def _message(services: Services, experiment: str) -> Reply:
    """The experiment's one message, as it reads now."""
    notifier = notifier_of(services)
    said = [m for _, m in notifier.posted + notifier.updated if f"{experiment}:" in m.title]
    updated = [m for _, m in notifier.updated if f"{experiment}:" in m.title]
    return (updated or said)[-1]


def _removed_and_said(services: Services, chaos: ChaosAdapters, state: object) -> Experiment:
    """The experiment ended halted, every injection it made verified removed, its message
    saying so."""
    stored = _only(chaos)
    assert stored.state is ExperimentState.ENDED, stored.standing
    assert stored.outcome is ExperimentOutcome.HALTED
    assert not stored.pending(), stored.rollbacks
    assert all(i.handle for i in stored.injections)
    message = _message(services, stored.id)
    assert message.title.endswith("ended: halted"), message.title
    assert re.search(r"rolled back( by @\w+)?: every injection removed and verified", message.text)
    assert "nothing was injected" not in message.text, message.text
    return stored


def test_a_halt_while_a_start_injects_leaves_no_fault_and_the_start_says_so() -> None:
    clock = MovingClock(NOW)
    chaos, injector, state = hooked_chaos(clock)
    services = chaos_services(clock, chaos=chaos)
    # GIVEN a responder halts the experiment while its start is making the first injection
    halts: list[Reply] = []
    injector.during = _halt(services, chaos, "chaos halt {id}", "rey", halts)
    # WHEN the start goes on
    started = run_deferred(services, f"chaos start {ERRORS}", user="oli", channel="C-pay")
    # THEN the fault it made is removed at once, verified, and the message says so
    assert live_injections(state) == []
    experiment = _removed_and_said(services, chaos, state).id
    # AND the starter is told what happened, not a bare conflict
    assert started.failed, started
    assert f"Chaos {experiment} halted by @rey while it was starting: its fault was removed" in (
        started.text
    ), started
    # AND the halt was told the truth as it stood: asked, its removal still to verify
    (halted,) = halts
    assert halted.title == f"{experiment} halted by @rey: its fault is being removed", halted
    # AND no later tick finds anything left to do
    assert ticks(services, clock, 2) == []


def test_a_halt_while_an_approval_injects_leaves_no_fault() -> None:
    clock = MovingClock(NOW)
    chaos, injector, state = hooked_chaos(clock)
    services = chaos_services(clock, production=True, chaos=chaos)
    waiting = run_deferred(services, f"chaos start {ERRORS}", user="oli", channel="C-pay")
    experiment = waiting.title.split()[1]
    # GIVEN a responder halts it while the second operator's approval injects its fault
    halts: list[Reply] = []
    injector.during = _halt(services, chaos, "chaos halt {id}", "rey", halts)
    # WHEN the approval goes on
    approved = run_deferred(services, f"chaos approve {experiment}", user="opal", channel="C-pay")
    # THEN nothing stays injected, the message says so, and the approver is told
    assert live_injections(state) == []
    _removed_and_said(services, chaos, state)
    assert f"Chaos {experiment} halted by @rey while it was starting: its fault was removed" in (
        approved.text
    ), approved


def test_a_halt_while_the_tick_injects_the_next_step_leaves_no_fault() -> None:
    clock = MovingClock(NOW)
    chaos, injector, state = hooked_chaos(clock)
    services = chaos_services(clock, chaos=chaos)
    experiment = start_experiment(services, HARMLESS)
    # GIVEN a responder halts it while the scheduler's tick injects its 5% step
    halts: list[Reply] = []
    injector.during = _halt(services, chaos, "chaos halt {id}", "rey", halts)
    # WHEN the ticks run past the first step's end
    said = ticks(services, clock, 14)
    # THEN the halt landed during the step's injection, and that injection is removed at once
    assert halts and injector.during is None
    assert [i.percent for i in _only(chaos).injections] == [1, 5]
    assert live_injections(state) == []
    _removed_and_said(services, chaos, state)
    # AND the tick says what it did instead of dropping the experiment as a conflict
    assert f"{experiment} rolled back" in said, said


def test_halt_all_while_a_start_injects_leaves_no_fault() -> None:
    clock = MovingClock(NOW)
    chaos, injector, state = hooked_chaos(clock)
    services = chaos_services(clock, chaos=chaos)
    # GIVEN an org admin pulls the kill switch while a start makes its first injection
    halts: list[Reply] = []
    injector.during = _halt(services, chaos, "chaos halt --all", "root", halts)
    # WHEN the start goes on
    started = run_deferred(services, f"chaos start {ERRORS}", user="oli", channel="C-pay")
    # THEN its fault is removed at once and the starter is told why
    assert live_injections(state) == []
    experiment = _removed_and_said(services, chaos, state).id
    assert (
        f"Chaos {experiment} halted while it was starting (safety lever engaged by @root): its "
        "fault was removed" in started.text
    ), started
    (halted,) = halts
    assert halted.title == "Safety lever engaged by @root: 1 experiment halted", halted


def test_a_halt_while_a_start_injects_keeps_watching_if_the_starter_never_comes_back() -> None:
    clock = MovingClock(NOW)
    chaos, injector, state = hooked_chaos(clock)
    services = chaos_services(clock, chaos=chaos)
    # GIVEN a halt lands while the start injects, and the start's worker dies right after the
    # injection is made (nothing of it saved)
    halts: list[Reply] = []
    injector.during = _halt(services, chaos, "chaos halt {id}", "rey", halts)
    injector.dies = True
    with pytest.raises(WorkerDiedError):
        run_deferred(services, f"chaos start {ERRORS}", user="oli", channel="C-pay")
    assert len(live_injections(state)) == 1
    # THEN the halt did not call it ended: it is still rolling back for the scheduler
    halted = _only(chaos)
    assert halted.state is ExperimentState.ROLLING_BACK, halted.standing
    # WHEN the scheduler's ticks run
    ticks(services, clock, 4)
    # THEN the injection that landed is removed and verified, and the message says so
    assert live_injections(state) == []
    stored = _only(chaos)
    assert stored.state is ExperimentState.ENDED and not stored.pending()
    message = _message(services, stored.id)
    assert "rolled back: every injection removed and verified" in message.text, message.text
    assert message.tone is Tone.INFO


def test_an_injection_landing_after_the_scheduler_gave_its_start_up_is_removed_at_once() -> None:
    clock = MovingClock(NOW)
    chaos, injector, state = hooked_chaos(clock)
    services = chaos_services(clock, chaos=chaos)
    # GIVEN a start whose call to the injector outlasts what any worker may run: meanwhile the
    # scheduler ends it failed (left unfinished), its removal by key verified (nothing there yet)
    said: list[str] = []
    injector.during = lambda: said.extend(ticks(services, clock, 3))
    # WHEN the injection lands after all
    started = run_deferred(services, f"chaos start {ERRORS}", user="oli", channel="C-pay")
    assert said and said[-1].endswith("ended: failed"), said
    # THEN it is removed at once and verified, and the starter told
    assert live_injections(state) == []
    stored = _only(chaos)
    assert stored.state is ExperimentState.ENDED and not stored.pending(), stored.rollbacks
    assert [r.verified for r in stored.rollbacks] == [True, True]
    assert (
        f"Chaos {stored.id} failed while it was starting (its start was left unfinished): its "
        "fault was removed" in started.text
    ), started
    message = _message(services, stored.id)
    assert "landed as it ended (failed): removed at once" in message.text, message.text
    assert "after failed tries" not in message.text


def test_a_halt_while_a_start_is_refused_says_nothing_was_injected() -> None:
    clock = MovingClock(NOW)
    chaos, injector, state = hooked_chaos(clock)
    services = chaos_services(clock, chaos=chaos)
    # GIVEN a responder halts the experiment while its start asks for the first injection,
    # which the injector then refuses
    halts: list[Reply] = []
    injector.during = _halt(services, chaos, "chaos halt {id}", "rey", halts)
    injector.refuses = True
    # WHEN the start goes on
    started = run_deferred(services, f"chaos start {ERRORS}", user="oli", channel="C-pay")
    # THEN the starter is told it was halted and nothing was injected, not a bare conflict
    assert started.failed, started
    stored = _only(chaos)
    assert (
        f"Chaos {stored.id} halted by @rey while it was starting: nothing was injected (the "
        "injector refused the fault)" in started.text
    ), started
    # AND it ended at once (nothing left to wait for), its message saying nothing was injected
    assert stored.state is ExperimentState.ENDED and live_injections(state) == []
    message = _message(services, stored.id)
    assert "halted before it started by @rey: nothing was injected" in message.text, message.text
    assert "rolled back" not in message.text


def test_an_approval_after_a_wait_is_not_failed_by_a_tick_during_its_injection() -> None:
    clock = MovingClock(NOW)
    chaos, injector, state = hooked_chaos(clock)
    services = chaos_services(clock, production=True, chaos=chaos)
    waiting = run_deferred(services, f"chaos start {ERRORS}", user="oli", channel="C-pay")
    experiment = waiting.title.split()[1]
    # GIVEN its approval comes five minutes later, and a tick runs while its fault is injected
    ticks(services, clock, 5)
    ran: list[Reply] = []
    injector.during = lambda: ran.append(run_scheduler(services, clock, 0))
    approved = run_deferred(services, f"chaos approve {experiment}", user="opal", channel="C-pay")
    # THEN it runs: the tick did not take the start under way for one left unfinished
    assert len(ran) == 1
    assert approved.tone is Tone.OK, approved
    assert _only(chaos).state is ExperimentState.RUNNING, _only(chaos).reason
    assert live_injections(state) == [f"{experiment}-0"]


def test_a_start_checked_before_halt_all_engaged_the_lever_injects_nothing() -> None:
    clock = MovingClock(NOW)
    chaos, _, state = hooked_chaos(clock)
    services = chaos_services(clock, chaos=chaos)
    read = chaos.metrics.compare
    halted: list[Reply] = []

    def halt_all_meanwhile(*args: object, **kwargs: object) -> object:
        """`halt --all` by another worker while the start reads its steady state."""
        if not halted:
            halted.append(run_deferred(services, "chaos halt --all", user="root", channel="C-pay"))
        return read(*args, **kwargs)  # type: ignore[arg-type]

    chaos.metrics.compare = halt_all_meanwhile  # type: ignore[method-assign,assignment]
    started = run_deferred(services, f"chaos start {ERRORS}", user="oli", channel="C-pay")
    # THEN the start, recorded after its checks, sees the lever before injecting: nothing live
    assert "Safety lever engaged" in halted[0].title
    assert started.failed and "did not start: the org's safety lever is engaged" in started.text
    assert "Nothing was injected" in started.text
    assert live_injections(state) == []
    assert _only(chaos).state is ExperimentState.ENDED
