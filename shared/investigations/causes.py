"""What the cause of an investigation was: the choices offered at resolve (each finding's signal,
each event of the report, or the responders' own words) and the first finding as the default."""

from __future__ import annotations

import shlex

from shared.commands.free_text import FREE_TEXT_MAX
from shared.errors import closest
from shared.investigations.models import Investigation
from shared.replies import Button, Reply
from shared.telemetry.analysis import first_to_move
from shared.telemetry.models import Signal

MAX_OPTIONS = 6
"""The most causes offered as buttons (besides "Something else"): a message stays readable."""
LABEL_MAX = 60
"""A button's label is cut to this many characters (Slack allows 75)."""


def first_cause(investigation: Investigation) -> str:
    """The cause offered first: the signal that moved first (`p99 latency`), or nothing."""
    first = first_to_move(investigation.findings)
    return first.signal.label if first else ""


def cause_options(investigation: Investigation) -> list[str]:
    """The causes a responder may pick: the findings' signals (the first to move first), then
    the report's events (`deploy v43 of checkout-api`), each once, at most MAX_OPTIONS."""
    first = first_cause(investigation)
    signals = [f.signal.label for f in investigation.findings]
    events = [e.summary for e in investigation.events]
    unique = dict.fromkeys(o for o in ([first] if first else []) + signals + events if o)
    return list(unique)[:MAX_OPTIONS]


def with_causes(reply: Reply, investigation: Investigation) -> Reply:
    """The reply showing the recorded cause, with a button for each other choice and one that
    asks for the responders' own words."""
    scope = f"sre investigation cause {investigation.id} --team={investigation.team}"
    others = [o for o in cause_options(investigation) if o != investigation.cause]
    buttons = [
        Button(label=_label(option), command=f"{scope} {shlex.quote(option)}") for option in others
    ]
    buttons.append(
        Button(
            label="Something else",
            command=scope,
            prompt="What the cause was",
            answer_max=FREE_TEXT_MAX,
        )
    )
    fields = [*reply.fields, ("Cause", investigation.cause or "not said")]
    return reply.model_copy(update={"fields": fields, "buttons": [*reply.buttons, *buttons]})


def _label(option: str) -> str:
    return option if len(option) <= LABEL_MAX else option[: LABEL_MAX - 1] + "…"


def near_miss(cause: str, investigation: Investigation) -> str:
    """When `cause` is a few letters off a cause offered or a signal's name (`sauration`), the
    words that ask whether that was meant (the cause is recorded as written, being free text);
    else ``."""
    offered = [*cause_options(investigation), *(s.label for s in Signal)]
    meant = closest(cause, offered, cutoff=0.85)
    if meant is None or meant.lower() == cause.lower():
        return ""
    return (
        f"`{cause}` is recorded as written: did you mean `{meant}`? "
        f"`sre investigation cause {investigation.id} {meant}` changes it."
    )
