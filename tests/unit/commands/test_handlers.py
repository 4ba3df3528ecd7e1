"""The typed handler registry: one handler per command, and features built at first use."""

from __future__ import annotations

import pytest

from shared.commands.context import Context, Handlers
from shared.identity.models import Actor, OrgId, Platform, Principal, UserId
from shared.invocation import Invocation, ReplyTarget
from shared.replies import Reply, Tone
from shared.teams.commands import CreateTeam, ListTeams
from tests.support import NOW


def _ctx() -> Context:
    actor = Actor(platform=Platform.LOCAL, org=OrgId("local"), user=UserId("ann"), name="ann")
    invocation = Invocation(
        actor=actor,
        channel=None,
        text="sre team list",
        correlation_id="c1",
        received_at=NOW,
        reply_to=ReplyTarget(platform=Platform.LOCAL),
    )
    return Context(principal=Principal(actor=actor), invocation=invocation, team=None, now=NOW)


def _listed(_: ListTeams, __: Context) -> Reply:
    return Reply(tone=Tone.INFO, title="teams")


def _created(command: CreateTeam, __: Context) -> Reply:
    return Reply(tone=Tone.OK, title=f"created {command.name}")


def test_a_command_registered_twice_is_a_wiring_mistake() -> None:
    with pytest.raises(ValueError, match="ListTeams has two handlers"):
        Handlers().add(ListTeams, _listed).include(Handlers().add(ListTeams, _listed))


def test_a_lazy_feature_is_built_at_its_first_command_and_only_once() -> None:
    # GIVEN a feature registered lazily, whose construction is counted
    built: list[int] = []

    def load() -> Handlers:
        built.append(1)
        return Handlers().add(ListTeams, _listed).add(CreateTeam, _created)

    handlers = Handlers().lazy((ListTeams, CreateTeam), load)
    # THEN its commands are known before anything is built
    assert handlers.models() == (ListTeams, CreateTeam) and built == []
    # WHEN two of its commands run
    first = handlers.run(ListTeams(), _ctx())
    second = handlers.run(CreateTeam(name="payments"), _ctx())
    # THEN it was built once, and each command reached its own handler
    assert built == [1]
    assert (first.reply.title, second.reply.title) == ("teams", "created payments")


def test_a_lazy_feature_that_registers_other_commands_than_it_declared_is_refused() -> None:
    handlers = Handlers().lazy((ListTeams, CreateTeam), lambda: Handlers().add(ListTeams, _listed))
    with pytest.raises(ValueError, match="registers other commands"):
        handlers.run(ListTeams(), _ctx())


class _CreateOnce(CreateTeam):
    """A create whose feature tells when it would change nothing."""

    may_change_nothing = True


def _created_once(command: _CreateOnce, __: Context) -> Reply:
    return Reply(tone=Tone.OK, title=f"created {command.name}")


def test_a_lazy_features_nothing_to_change_check_is_asked_through_the_registry() -> None:
    # GIVEN a feature, registered lazily and included, whose create says when it changes nothing
    def unchanged(command: _CreateOnce, __: Context) -> str | None:
        return "team ops exists already" if command.name == "ops" else None

    built: list[int] = []

    def load() -> Handlers:
        built.append(1)
        return (
            Handlers().add(ListTeams, _listed).add(_CreateOnce, _created_once, unchanged=unchanged)
        )

    handlers = Handlers().include(Handlers().lazy((ListTeams, _CreateOnce), load))
    # THEN a command without a check is answered "none" without building the feature
    assert handlers.unchanged(ListTeams(), _ctx()) is None
    assert built == []
    # AND the registry asks the feature's check for the one that has it
    assert handlers.unchanged(_CreateOnce(name="ops"), _ctx()) == "team ops exists already"
    assert handlers.unchanged(_CreateOnce(name="payments"), _ctx()) is None
    assert built == [1]


def test_a_check_is_registered_exactly_for_the_commands_that_declare_one() -> None:
    def never(_: CreateTeam, __: Context) -> str | None:
        return None

    with pytest.raises(ValueError, match="may change nothing"):
        Handlers().add(CreateTeam, _created, unchanged=never)
    with pytest.raises(ValueError, match="may change nothing"):
        Handlers().add(_CreateOnce, _created_once)
