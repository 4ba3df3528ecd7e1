"""The README's quick start and command list are what the terminal does: its commands replayed on
a fresh AUTOSRE_HOME print what their comments quote, `make run` runs the first of them, and every
command (the terminal's own included) is in `sre help` and in the README's table."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from bots.cli import main
from shared.bootstrap.features import COMMANDS
from shared.commands.terminal import TERMINAL_ONLY
from tests.support.terminal import ROOT

README = (ROOT / "README.md").read_text()
STEP = re.compile(r"^(sre .+?)\s{2,}#\s(.*)$")


def _section(title: str) -> str:
    return README.split(f"\n## {title}\n", 1)[1].split("\n## ", 1)[0]


def _blocks(section: str) -> list[list[tuple[str, list[str]]]]:
    """Each shell block's `sre` commands, with the phrases their comments quote."""
    blocks = re.findall(r"```sh\n(.*?)```", section, flags=re.DOTALL)
    return [
        [(m.group(1), re.findall(r'"([^"]+)"', m.group(2))) for m in map(STEP.match, lines) if m]
        for lines in (block.splitlines() for block in blocks)
    ]


def test_the_quick_start_does_what_it_says(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    steps = [step for block in _blocks(_section("Quick start")) for step in block]
    assert len(steps) >= 8
    for command, phrases in steps:
        # WHEN each command of the quick start runs, in order, on a fresh home
        status = main(shlex.split(command)[1:])
        out = capsys.readouterr().out
        # THEN it prints every phrase its comment quotes, and fails only where it says so
        assert phrases, f"{command}: its comment quotes nothing to check"
        for phrase in phrases:
            assert phrase in out, f"{command}: {phrase!r} not in\n{out}"
        assert (status != 0) == phrases[0].startswith("✗"), f"{command}: status {status}"


def test_make_run_runs_the_quick_starts_first_commands() -> None:
    run = (ROOT / "Makefile").read_text().split("\nrun:", 1)[1].split("\n\n", 1)[0]
    made = [line.strip().replace("$(BIN)/", "") for line in run.splitlines()[1:]]
    first = [command for command, _ in _blocks(_section("Quick start"))[1]]
    assert [line for line in made if line.startswith("sre ")] == first


def test_every_command_is_in_help_and_in_the_readme(capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN every command the bus runs, and the terminal's own
    commands = [" ".join(("sre", *model.words)) for model in COMMANDS.models]
    commands += [line.split(" [")[0].split(" FILE")[0] for line, _, _ in TERMINAL_ONLY.values()]
    # WHEN help is asked for in the terminal
    main(["help"])
    listed = capsys.readouterr().out
    table = _section("Commands")
    # THEN each is listed in help and has its row in the README's table
    for command in commands:
        assert re.search(rf"^• {re.escape(command)}\b", listed, flags=re.MULTILINE), command
        assert re.search(rf"^\| `{re.escape(command)}\b", table, flags=re.MULTILINE), command
