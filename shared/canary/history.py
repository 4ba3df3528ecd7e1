"""A canary's history (its steps, judgements and decisions) as people read it: a page at a time,
the latest first."""

from __future__ import annotations

from shared.canary.commands import ShowCanary
from shared.canary.models import Canary, StepRecord
from shared.commands.usage import usage
from shared.errors import InvalidCommandError
from shared.times import clock, spans_days

PAGE = 10
"""History entries shown at a time, in the canary's message and its status."""


def shown_entries(canary: Canary, page: int = 1) -> list[StepRecord]:
    """The history entries page `page` shows (page 1: the latest `PAGE`), oldest first."""
    end = len(canary.history) - (page - 1) * PAGE
    return canary.history[max(0, end - PAGE) : max(0, end)]


def history_page(canary: Canary, page: int = 1) -> list[str]:
    """The canary's history entries, `PAGE` at a time (page 1: the latest), oldest first,
    after a line saying how many earlier ones there are and how to see them."""
    if not canary.history:
        return []
    end = len(canary.history) - (page - 1) * PAGE
    if end <= 0:
        pages = -(-len(canary.history) // PAGE)
        entries = f"{len(canary.history)} entr{'ies' if len(canary.history) > 1 else 'y'}"
        shown = "1 page" if pages == 1 else f"pages 1 to {pages}, the latest first"
        raise InvalidCommandError(
            f"{canary.id}'s history has {entries}: {shown}.", usage=usage(ShowCanary)
        )
    days = spans_days(canary.history[0].at, canary.history[-1].at)
    lines = [
        f"{clock(r.at, days=days)} {r.weight:.0%} {r.what} by @{r.by}"
        + (f": {r.reason}" if r.reason else "")
        for r in shown_entries(canary, page)
    ]
    if end > PAGE:
        more = f"sre canary status {canary.id} --page {page + 1}"
        lines.insert(0, f"… {end - PAGE} earlier (`{more}`)")
    return lines
