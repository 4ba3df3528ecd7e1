"""`sre help`: the commands a deployment understands, generated from their models."""

from __future__ import annotations

from pydantic import Field

from shared.commands.base import Command
from shared.commands.context import Context, Handlers
from shared.commands.registry import CommandSet
from shared.identity.rbac import Permission
from shared.replies import Reply, Tone


class ShowHelp(Command):
    words = ("help",)
    positional = ("topic",)
    permission = Permission.PUBLIC
    target_kind = "org"
    purpose = "Show the commands, or the commands of one topic."
    examples = ("sre help", "sre help team")
    needs_caller = False
    topic: str | None = Field(default=None, pattern=r"^[a-z][a-z-]{0,30}$")


class HelpDesk:
    """Answers `sre help` from the command set it was given."""

    def __init__(self, commands: CommandSet) -> None:
        self._commands = commands

    def handlers(self) -> Handlers:
        """The command this service runs."""
        return Handlers().add(ShowHelp, self.help)

    def help(self, command: ShowHelp, _: Context) -> Reply:
        """All topics, or one topic in detail (titled by it: `Team commands`); only the caller
        sees it."""
        text = self._commands.render_help(command.topic)
        title = f"{command.topic.capitalize()} commands" if command.topic else "Auto SRE commands"
        return Reply(tone=Tone.INFO, title=title, text=text, ephemeral=True)
