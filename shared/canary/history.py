"""A canary's history (its steps, judgements and decisions) as people read it: a page at a time,
the latest first."""

from __future__ import annotations

from datetime import datetime

from shared.canary.commands import ShowCanary
from shared.canary.models import Canary, StepRecord
from shared.commands.usage import usage
from shared.errors import InvalidCommandError
from shared.replies import counted
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
    days = spans_days(canary.history[0].at, _latest(canary.history[-1]))
    lines = [
        f"{_when(r, days)} {r.weight:.0%} {r.what}"
        + (f" ×{r.repeats}" if r.repeats > 1 else "")
        + (f" (and {counted(r.failed_reads, 'failed read')})" if r.failed_reads else "")
        + f" by @{r.by}"
        + (f": {r.reason}" if r.reason else "")
        for r in shown_entries(canary, page)
    ]
    if end > PAGE:
        more = f"sre canary status {canary.id} --page {page + 1}"
        lines.insert(0, f"… {end - PAGE} earlier (`{more}`)")
    return lines


def _latest(record: StepRecord) -> datetime:
    """When the line last happened (a folded line: its latest judgement)."""
    return record.last_at or record.at


def _when(record: StepRecord, days: bool) -> str:
    """`12:05`, or `12:05–14:35` for a line that stands for judgements in a row."""
    first = clock(record.at, days=days)
    return first if record.last_at is None else f"{first}–{clock(record.last_at, days=days)}"
