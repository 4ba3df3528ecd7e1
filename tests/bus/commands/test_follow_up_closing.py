"""The closing line a command ends with once all of its follow-ups were done (`Service web
removed from team demo.`), with commands made for it: said once, only when every follow-up was
done (none failed, none only queued), whether the command ran at once or in the worker."""

from __future__ import annotations

from bots.slack.render import blocks
from shared.adapters.memory import (
    FixedClock,
    InMemoryAuditLog,
    InMemoryDeliveryGuard,
    InMemoryDirectory,
    InMemoryTaskQueue,
)
from shared.commands.base import Command
from shared.commands.bus import CommandBus
from shared.commands.context import Context, Handled, Handlers
from shared.commands.follow_ups import FOLLOW_UPS_NOT_DONE
from shared.commands.registry import CommandSet
from shared.errors import ConflictError
from shared.identity.rbac import Permission
from shared.replies import Reply, Tone
from tests.support import NOW, invocation, trail_for

CLOSING = "Everything tidied."


class Step(Command):
    words = ("step",)
    positional = ("word",)
    permission = Permission.PUBLIC
    purpose = "Do one step (`bad` fails)."

    word: str


class SlowStep(Command):
    words = ("slow-step",)
    positional = ("word",)
    permission = Permission.PUBLIC
    purpose = "Do one step in the worker."
    deferred = True

    word: str


class Tidy(Command):
    words = ("tidy",)
    positional = ("steps",)
    permission = Permission.PUBLIC
    purpose = "Tidy up by steps (`step_a,slow-step_b`), each a follow-up; closes when all are done."

    steps: str


class SlowTidy(Tidy):
    words = ("slow-tidy",)
    purpose = "Tidy, in the worker."
    deferred = True


def _step(command: Step | SlowStep, _: Context) -> Reply:
    if command.word == "bad":
        raise ConflictError("that step cannot be done")
    return Reply(tone=Tone.OK, title=f"step {command.word} done")


def _tidy(command: Tidy, ctx: Context) -> Handled:
    follow_ups = tuple(
        ctx.invocation.model_copy(update={"text": step.replace("_", " "), "delivery_id": None})
        for step in command.steps.split(",")
    )
    return Handled(Reply(tone=Tone.OK, title="Tidying up"), follow_ups, then=CLOSING)


def _bus(tasks: InMemoryTaskQueue) -> CommandBus:
    handlers = (
        Handlers().add(Step, _step).add(SlowStep, _step).add(Tidy, _tidy).add(SlowTidy, _tidy)
    )
    return CommandBus(
        directory=InMemoryDirectory(),
        audit=trail_for(InMemoryAuditLog()),
        tasks=tasks,
        clock=FixedClock(NOW),
        commands=CommandSet((Step, SlowStep, Tidy, SlowTidy)),
        handlers=handlers,
        configured_admins=(),
        guard=InMemoryDeliveryGuard(),
    )


def _slack(reply: Reply) -> str:
    return str(blocks(reply))


def _now(text: str) -> Reply:
    """`text` through the bus, at once."""
    return _bus(InMemoryTaskQueue()).handle(invocation(text))


def _in_the_worker(text: str, *, deliveries: int = 1) -> list[Reply]:
    """`text`, deferred, then its task as the worker runs it, delivered `deliveries` times."""
    tasks = InMemoryTaskQueue()
    bus = _bus(tasks)
    assert bus.handle(invocation(text)).tone is Tone.ACCEPTED
    (task,) = tasks.drain()
    return [bus.resume(task) for _ in range(deliveries)]


def test_at_once_the_closing_line_is_said_once_when_every_step_was_done() -> None:
    # WHEN a command whose two follow-ups succeed runs at once
    reply = _now("tidy step_a,step_b")
    # THEN its answer ends with the closing line, once, and names nothing not done
    assert _slack(reply).count(CLOSING) == 1
    assert reply.text.endswith(CLOSING)
    assert FOLLOW_UPS_NOT_DONE not in dict(reply.fields)


def test_at_once_a_failed_step_is_named_and_the_closing_line_is_not_said() -> None:
    # WHEN one of its follow-ups fails
    reply = _now("tidy step_a,step_bad")
    # THEN the failure is named and nothing claims the whole was done
    assert CLOSING not in _slack(reply)
    assert "`step bad`: Conflict" in dict(reply.fields)[FOLLOW_UPS_NOT_DONE]


def test_a_step_only_queued_for_the_worker_is_not_claimed_done() -> None:
    # WHEN one of its follow-ups is deferred to the worker (accepted, not run yet)
    reply = _now("tidy step_a,slow-step_b")
    # THEN the answer does not claim the whole was done: that step's own answer follows
    assert CLOSING not in _slack(reply)
    assert FOLLOW_UPS_NOT_DONE not in dict(reply.fields)


def test_in_the_worker_the_closing_line_is_said_once_when_every_step_was_done() -> None:
    # WHEN a deferred command whose follow-ups succeed is run by the worker
    (reply,) = _in_the_worker("slow-tidy step_a,step_b")
    # THEN the worker's answer ends with the closing line, once
    assert reply.title == "Tidying up"
    assert _slack(reply).count(CLOSING) == 1
    assert reply.text.endswith(CLOSING)


def test_in_the_worker_a_failed_step_is_named_and_the_closing_line_is_not_said() -> None:
    # WHEN one of its follow-ups fails in the worker
    (reply,) = _in_the_worker("slow-tidy step_bad,step_b")
    # THEN the failure is named and nothing claims the whole was done
    assert CLOSING not in _slack(reply)
    assert "`step bad`: Conflict" in dict(reply.fields)[FOLLOW_UPS_NOT_DONE]


def test_a_redelivered_task_does_not_claim_steps_it_did_not_run() -> None:
    # GIVEN a deferred command one of whose follow-ups failed in the worker
    # WHEN its task is delivered again
    first, again = _in_the_worker("slow-tidy step_bad,step_b", deliveries=2)
    # THEN the second delivery reruns nothing and does not say the whole was done
    assert FOLLOW_UPS_NOT_DONE in dict(first.fields)
    assert CLOSING not in _slack(again)
