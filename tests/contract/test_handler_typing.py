"""Handler registration is typed: mypy refuses a handler registered for another command."""

from __future__ import annotations

from pathlib import Path

from mypy import api

WIRING = """
from shared.commands.context import Context, Handlers
from shared.replies import Reply
from shared.teams.commands import CreateTeam, ListTeams


def create(command: CreateTeam, ctx: Context) -> Reply:
    raise NotImplementedError


Handlers().add(CreateTeam, create)
Handlers().add(ListTeams, create)
"""


def test_mypy_refuses_a_handler_that_takes_another_command(tmp_path: Path) -> None:
    # GIVEN wiring that registers one handler for its own command and for another one
    module = tmp_path / "wiring.py"
    module.write_text(WIRING)
    # WHEN mypy checks it as the project does (strict)
    out, _, status = api.run(["--strict", "--no-error-summary", str(module)])
    # THEN only the mismatched registration is an error, naming both commands
    errors = [line for line in out.splitlines() if ": error:" in line]
    assert status == 1 and len(errors) == 1, out
    assert "wiring.py:12:" in errors[0] and "ListTeams" in errors[0] and "CreateTeam" in errors[0]
