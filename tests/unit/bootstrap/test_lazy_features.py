"""Each feature is built at its first command: every loader must register exactly the commands
it declared, checked here for the whole deployment rather than at a command's first use."""

from __future__ import annotations

import pytest

from shared.adapters.memory import FixedClock
from shared.bootstrap.features import COMMANDS
from shared.bootstrap.memory import for_memory
from shared.commands.context import Handlers
from shared.commands.help import HelpDesk, ShowHelp
from shared.config import Settings
from shared.doctor.commands import RunDoctor
from tests.support import NOW, invocation


def test_every_feature_of_the_memory_deployment_builds_with_the_commands_it_declared() -> None:
    # GIVEN the memory deployment, none of its features built yet
    services = for_memory(Settings(org_admins=("slack:T1:root",)), clock=FixedClock(NOW))
    # WHEN every lazy loader is forced THEN none fails, and every command has its handler
    assert set(services.handlers.load_all().models()) == set(COMMANDS.models)
    # AND the commands still run on the features built that way
    assert not services.bus.handle(invocation("team create payments")).failed


def test_a_loader_that_forgets_a_command_fails_when_loaded_not_when_used() -> None:
    # GIVEN a feature that declares help and doctor but whose loader builds only help's handler
    forgetful = Handlers().lazy((ShowHelp, RunDoctor), HelpDesk(COMMANDS).handlers)
    # WHEN every loader is forced (no command run yet) THEN the mismatch is reported
    with pytest.raises(ValueError, match="other commands than it declared"):
        forgetful.load_all()


def test_a_nested_lazy_loader_is_forced_too() -> None:
    # GIVEN a loader whose handlers are themselves lazy and wrong inside
    inner = Handlers().lazy((RunDoctor,), Handlers)
    outer = Handlers().lazy((RunDoctor,), lambda: inner)
    # WHEN every loader is forced THEN the inner mismatch is found as well
    with pytest.raises(ValueError, match="other commands than it declared"):
        outer.load_all()
