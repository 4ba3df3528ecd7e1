"""The terminal's own commands (run by `sre` itself, not by the bus): listed in help, and
answered with their own usage when named anywhere else, like every other command."""

from __future__ import annotations

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
