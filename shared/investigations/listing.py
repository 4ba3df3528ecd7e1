"""A team's investigations as people look for them: filtered, newest first, a page at a time;
and what an unknown id is answered with."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from shared.errors import missing_record
from shared.investigations import commands as c
from shared.investigations.models import Investigation
from shared.replies import Reply, Tone
from shared.times import moment

SUGGESTED_FROM = 20
"""An unknown id is answered from the team's newest this many investigations (a bounded read)."""


def listing(
    team: str,
    command: c.ListInvestigations,
    found: Sequence[Investigation],
    now: datetime,
    *,
    bound: int | None = None,
    resolved: bool = False,
) -> Reply:
    """`investigation list`: the team's investigations that match (its own, and those another
    team asked it to help with, saying so), the newest `--limit`, and how many more there are,
    after them (each opened today by its time, else with its date). With `bound`, `found` is
    the team's newest `bound` of more: the counts are only of those, said as "at least", and
    the older ones as not listed. `resolved`: the team has resolved ones (said when none of
    those asked for is open)."""
    matching = [
        i
        for i in found
        if (command.status is None or i.status is command.status)
        and (command.service is None or i.service == command.service)
    ]
    which = " ".join(
        part
        for part in (
            command.status.value if command.status else "",
            "investigations",
            f"of {command.service}" if command.service else "",
        )
        if part
    )
    if not matching:
        among = f" among its newest {bound}" if bound is not None else " yet"
        if resolved:  # none open, after all were resolved: not "yet"
            service = f" --service {command.service}" if command.service else ""
            among = f" (resolved ones: `sre investigation list --status resolved{service}`)"
        return Reply(tone=Tone.INFO, title=f"Team {team} has no {which}{among}")
    shown = matching[: command.limit]
    fields = [
        (
            i.id,
            f"{i.status.value} · {i.service}{_asked(i, team)} · {moment(i.opened_at, today=now)}"
            f" · {i.headline}",
        )
        for i in shown
    ]
    more = len(matching) - len(shown)
    wider = f"`{_wider(command, len(matching))}`"
    # after the list, as its last line (a reply's text comes before its fields)
    if bound is None and more:
        fields.append((f"{more} more", wider))
    elif bound is not None:
        older = f"older ones are not listed (a list reads the newest {bound})"
        fields.append((f"{more} more, and older", wider) if more else ("More", older))
    count = f"at least {len(matching)}" if bound is not None else str(len(matching))
    return Reply(
        tone=Tone.INFO,
        title=f"{which[0].upper()}{which[1:]} of team {team}, newest first ({count})",
        fields=fields,
    )


def _asked(investigation: Investigation, team: str) -> str:
    """How another team's investigation is marked in `team`'s list."""
    return "" if investigation.team == team else f" of team {investigation.team}, asked to help"


def _wider(command: c.ListInvestigations, count: int) -> str:
    """The same listing with room for `count` (at most the largest limit)."""
    limit = min(count, c.MAX_LISTED)
    status = f" --status {command.status.value}" if command.status else ""
    service = f" --service {command.service}" if command.service else ""
    return f"sre investigation list{status}{service} --limit {limit}"


def unknown_investigation(investigation_id: str, team: str, known: Sequence[Investigation]) -> str:
    """Why `investigation_id` is not found: the id it may be a typo of among the team's newest
    (`known`: the newest SUGGESTED_FROM, and one more when the team has more), or the latest."""
    return missing_record(
        f"Team {team} has no investigation `{investigation_id}`",
        investigation_id,
        [(i.id, f"{i.service}, {i.status.value}") for i in known[:SUGGESTED_FROM]],
        none="`sre investigate SERVICE` opens one",
        more="`sre investigation list`",
        counted=len(known) <= SUGGESTED_FROM,
    )
