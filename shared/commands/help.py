"""`sre help`: the commands a deployment understands, generated from their models."""

from __future__ import annotations

from pydantic import Field

from shared.commands.base import Command
from shared.commands.context import Context, Handlers
from shared.commands.registry import CommandSet
from shared.identity.rbac import Permission
from shared.replies import Reply, Tone

TERMINAL_ONLY = {
    "serve": (
        "sre serve [--host HOST] [--port PORT]",
        "Serve the Slack and Teams endpoints, the investigation pages and the schedule on this "
        "machine (terminal only).",
        "sre serve --port 3000",
    ),
    "analyze": (
        "sre analyze anomalies FILE.csv",
        "Score a timestamp,value CSV with the anomaly detector, as CSV on stdout (terminal only).",
        "sre analyze anomalies p99.csv > scores.csv",
    ),
}
"""The terminal's own commands (not run by the bus): listed in help like every other."""


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
        """All topics, or one topic in detail; only the caller sees it."""
        if command.topic in TERMINAL_ONLY:
            line, purpose, example = TERMINAL_ONLY[command.topic]
            text = f"{line}\n    {purpose}\n    e.g. {example}"
        else:
            text = self._commands.render_help(command.topic)
        if command.topic is None:  # the terminal's own commands, before the line on topics
            *listed, topics = text.split("\n")
            extra = [f"• {line}\n    {purpose}" for line, purpose, _ in TERMINAL_ONLY.values()]
            topics = topics.removesuffix(".") + ", " + ", ".join(TERMINAL_ONLY) + "."
            text = "\n".join([*listed, *extra, topics])
        return Reply(tone=Tone.INFO, title="Auto SRE commands", text=text, ephemeral=True)
