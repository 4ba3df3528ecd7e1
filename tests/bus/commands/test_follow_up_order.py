"""The bus's follow-ups, with a command made for it: run after their command in order (their
own after the rest), never in another org than their command's, and never without end."""

from __future__ import annotations

from shared.adapters.memory import (
    FixedClock,
    InMemoryAuditLog,
    InMemoryDirectory,
    InMemoryTaskQueue,
)
from shared.commands.base import Command
from shared.commands.bus import CommandBus, run_now
from shared.commands.context import Context, Handled, Handlers
from shared.commands.follow_ups import FOLLOW_UPS_NOT_DONE, MAX_FOLLOW_UPS
from shared.commands.registry import CommandSet
from shared.identity.models import OrgId
from shared.identity.rbac import Permission
from shared.invocation import Invocation
from shared.replies import Reply, Tone
from tests.support import NOW, invocation, trail_for


class Echo(Command):
    words = ("echo",)
    positional = ("word",)
    permission = Permission.PUBLIC
    purpose = "Say a word (and what it leads to)."

    word: str


class Echoes:
    """Says each word and returns the words it leads to as follow-ups."""

    def __init__(self, leads: dict[str, list[Invocation]]) -> None:
        self.leads = leads
        self.said: list[str] = []

    def echo(self, command: Echo, _: Context) -> Handled:
        self.said.append(command.word)
        reply = Reply(tone=Tone.OK, title=command.word)
        return Handled(reply, tuple(self.leads.get(command.word, [])))


def _bus(echoes: Echoes) -> CommandBus:
    return CommandBus(
        directory=InMemoryDirectory(),
        audit=trail_for(InMemoryAuditLog()),
        tasks=InMemoryTaskQueue(),
        clock=FixedClock(NOW),
        commands=CommandSet((Echo,)),
        handlers=Handlers().add(Echo, echoes.echo),
        configured_admins=(),
        guard=run_now,
    )


def _say(word: str) -> Invocation:
    return invocation(f"echo {word}")


def test_follow_ups_run_after_their_command_in_order() -> None:
    # GIVEN a word that leads to two, the first of which leads to one more
    echoes = Echoes({"a": [_say("b"), _say("c")], "b": [_say("d")]})
    # WHEN it is said
    reply = _bus(echoes).handle(_say("a"))
    # THEN the command answers, and its follow-ups ran after it, theirs after the rest
    assert reply.title == "a"
    assert echoes.said == ["a", "b", "c", "d"]
    assert FOLLOW_UPS_NOT_DONE not in dict(reply.fields)


def test_a_follow_up_in_another_org_is_not_run_and_the_others_are() -> None:
    # GIVEN a word whose first follow-up would act in another org
    elsewhere = _say("x").model_copy(
        update={"actor": _say("x").actor.model_copy(update={"org": OrgId("slack:T2")})}
    )
    echoes = Echoes({"a": [elsewhere, _say("c")]})
    # WHEN it is said
    reply = _bus(echoes).handle(_say("a"))
    # THEN the foreign one is named as not run, and the other still ran
    assert echoes.said == ["a", "c"]
    assert dict(reply.fields)[FOLLOW_UPS_NOT_DONE] == (
        "`echo x`: not run, it would act in another org"
    )


def test_follow_ups_without_end_are_stopped_and_reported() -> None:
    # GIVEN a word that leads to itself
    echoes = Echoes({"again": [_say("again")]})
    # WHEN it is said
    reply = _bus(echoes).handle(_say("again"))
    # THEN it stops after the allowed number of follow-ups, and says so
    assert len(echoes.said) == 1 + MAX_FOLLOW_UPS
    assert "too many follow-ups" in dict(reply.fields)[FOLLOW_UPS_NOT_DONE]
