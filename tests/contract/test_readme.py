"""The README documents every environment variable and every command."""

from __future__ import annotations

from pathlib import Path

from shared.bootstrap.features import COMMANDS
from shared.commands.registry import usage
from shared.config import ENVIRONMENT

README = (Path(__file__).resolve().parents[2] / "README.md").read_text()


def test_every_environment_variable_is_documented() -> None:
    missing = [name for name in ENVIRONMENT.values() if f"`{name}`" not in README]
    assert missing == []


def test_every_command_is_in_the_reference() -> None:
    table = README.replace("\\|", "|")
    missing = [usage(model) for model in COMMANDS.models if f"`{usage(model)}`" not in table]
    assert missing == []
