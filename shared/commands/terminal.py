"""The terminal's own commands (run by `sre` itself, not by the bus): listed in help, and
answered with their own usage when named anywhere else, like every other command."""

from __future__ import annotations

import difflib

from shared.commands.free_text import shown
from shared.errors import InvalidCommandError

TERMINAL_ONLY = {
    "serve": (
        "sre serve [--host HOST] [--port PORT]",
        "Serve the Slack and Teams endpoints, the investigation pages and the schedule on this "
        "machine (terminal only).",
        "sre serve --port 3000",
    ),
    "analyze": (
        "sre analyze anomalies FILE.csv [--column COLUMN]",
        "Score a timestamp,value CSV (or one column of a metrics file) with the anomaly "
        "detector, as CSV on stdout (terminal only).",
        "sre analyze anomalies examples/metrics/web-incident.csv --column error_rate > scores.csv",
    ),
}
"""Each terminal command's usage line, purpose and example, by its first word."""


def terminal_help(topic: str) -> str:
    """One terminal command in detail: its usage line, purpose and example."""
    line, purpose, example = TERMINAL_ONLY[topic]
    return f"{line}\n    {purpose}\n    e.g. {example}"


def terminal_summaries() -> list[str]:
    """The terminal commands as the full help lists them: usage line and purpose."""
    return [f"• {line}\n    {purpose}" for line, purpose, _ in TERMINAL_ONLY.values()]


TERMINAL_VERBS = {"analyze": "anomalies"}
"""The one word each terminal command takes after its own (`serve` takes options only)."""


def terminal_typo(words: list[str], nouns: set[str]) -> InvalidCommandError | None:
    """The answer to a mistyped terminal command (`analyse anomalies`, `serv`, `analyze
    anomaly`): its usage and the line meant; None when the words are no such typo (the first
    word is closer to a bus noun, or is a terminal command typed right)."""
    lowered = [word.lower() for word in words]
    typed, rest = lowered[0], words[1:]  # (the arguments as typed: a file's name keeps its case)
    if typed in TERMINAL_ONLY:
        verb = TERMINAL_VERBS.get(typed)
        if verb is None or not rest or rest[0].lower() == verb:
            return None  # `sre analyze`, `/sre serve …`: its own usage, as help
        command = typed
    else:
        closest = difflib.get_close_matches(typed, [*nouns, *TERMINAL_ONLY], n=1, cutoff=0.6)
        if not closest or closest[0] not in TERMINAL_ONLY:
            return None
        command = closest[0]
    verb = TERMINAL_VERBS.get(command)
    if verb and rest and difflib.get_close_matches(rest[0].lower(), [verb], cutoff=0.6):
        rest = rest[1:]  # `anomaly`, `anomalys`: the verb mistyped, not an argument
    line = " ".join([command, *([verb] if verb else []), *rest])
    return InvalidCommandError(
        f"`{shown(' '.join(words))}` is not a command. Did you mean `sre {shown(line)}`?",
        usage=TERMINAL_ONLY[command][0],
        suggestion=f"sre {line}",
    )
