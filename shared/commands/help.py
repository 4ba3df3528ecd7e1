"""`sre help`: the commands a deployment understands, generated from their models."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated

from pydantic import BeforeValidator, Field, model_validator

from shared.commands.base import Command
from shared.commands.context import Context, Handlers
from shared.commands.registry import CommandSet
from shared.identity.models import Platform
from shared.identity.rbac import Permission
from shared.replies import Reply, Tone


def _lowered(value: object) -> object:
    """A topic as commands are read, whatever its case (`sre help ALERT` as `sre ALERT`)."""
    return value.lower() if isinstance(value, str) else value


class ShowHelp(Command):
    words = ("help",)
    positional = ("topic", "command")
    rest = "command"
    permission = Permission.PUBLIC
    target_kind = "org"
    purpose = "Show the commands, the commands of one topic, or one command in detail."
    examples = ("sre help", "sre help team", "sre help alert create")
    needs_caller = False
    topic: (
        Annotated[str, BeforeValidator(_lowered), Field(pattern=r"^[a-z][a-z-]{0,30}$")] | None
    ) = None
    command: str | None = Field(
        default=None,
        pattern=r"^[A-Za-z][A-Za-z -]{0,60}$",
        json_schema_extra={"metavar": "COMMAND"},
    )

    @model_validator(mode="after")
    def _of_a_topic(self) -> ShowHelp:
        """A command is named within its topic (`sre help alert create`)."""
        if self.command and not self.topic:
            raise ValueError("name the command's topic first, as in `sre help alert create`")
        return self


class HelpDesk:
    """Answers `sre help` from the command set it was given, and tells the terminal, alone, the
    facts of this machine a topic needs (where metrics files are read from): chat is never
    shown a server's paths."""

    def __init__(self, commands: CommandSet, *, terminal: Mapping[str, str] | None = None) -> None:
        self._commands = commands
        self._terminal = dict(terminal or {})
        self._answers: dict[tuple[str | None, str | None, bool], Reply] = {}
        """Each answer given, by what was asked and whether on the terminal: help is the
        same every time (a Reply is immutable), and the most asked command of all."""

    def handlers(self) -> Handlers:
        """The command this service runs."""
        return Handlers().add(ShowHelp, self.help)

    def help(self, command: ShowHelp, ctx: Context) -> Reply:
        """All topics, one topic in detail (titled by it: `Team commands`), or one command
        (titled by its words: `sre alert create`); only the caller sees it."""
        local = ctx.invocation.actor.platform is Platform.LOCAL
        key = (command.topic, command.command, local)
        if key not in self._answers:
            self._answers[key] = self._answer(command, local=local)
        return self._answers[key]

    def _answer(self, command: ShowHelp, *, local: bool) -> Reply:
        """`help`'s answer, made (`local`: on the terminal, which is told this machine's facts)."""
        if command.topic and command.command:
            title, text = self._commands.command_help(command.topic, command.command)
        else:
            text = self._commands.render_help(command.topic)
            topic = command.topic
            title = f"{topic.capitalize()} commands" if topic else "Auto SRE commands"
            if topic and topic not in self._commands.topics():  # a command's own word
                title = f"sre {topic}"
        note = self._terminal.get(
            " ".join(word for word in (command.topic, command.command) if word)
        )
        if note and local:
            text = f"{text}\n{note}"
        return Reply(tone=Tone.INFO, title=title, text=text, ephemeral=True)
