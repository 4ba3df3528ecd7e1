"""How `sre quota` answers: a team's limits as a table of fields, a value as typed, a change."""

from __future__ import annotations

import re
from datetime import datetime

from shared.errors import InvalidCommandError
from shared.quotas.commands import SET_USAGE
from shared.quotas.models import DEFAULTS, MAX_CAP, Cap, Limit, QuotaBook
from shared.replies import Reply, Tone
from shared.times import moment

UNLIMITED = "unlimited"
DEFAULT = "default"
"""`sre quota set LIMIT default`: the team's own cap removed (the org's default removed, without
--team)."""
_GROUPED = re.compile(r"[0-9]+|[0-9]{1,3}(,[0-9]{3})+")
"""A whole number as typed: plain digits, or thousands grouped by commas (`1,000`)."""


def written(cap: Cap) -> str:
    """A limit's value as a reply writes it: `1,000` or `unlimited`."""
    return UNLIMITED if cap is None else f"{cap:,}"


def parsed_cap(typed: str) -> Cap:
    """The value `sre quota set` was given: a whole number from 0 to a billion, commas only
    between groups of three digits (`1,000`), or `unlimited` (None); InvalidCommandError with
    the usage for anything else (`1,0` is refused, never read as 10)."""
    if typed.lower() == UNLIMITED:
        return None
    grouped = _GROUPED.fullmatch(typed) is not None
    if not grouped or int(typed.replace(",", "")) > MAX_CAP:
        raise InvalidCommandError(
            f"`{typed}` is not a quota: give a whole number from 0 to {MAX_CAP:,} (commas only "
            f"between groups of three digits, as in 1,000), `{UNLIMITED}`, or `default` (the "
            "team's own removed, or the org's).",
            usage=SET_USAGE,
        )
    return int(typed.replace(",", ""))


def limits_reply(book: QuotaBook, team: str, used: dict[Limit, int], *, now: datetime) -> Reply:
    """Team `team`'s quotas: per limit, what is used of it, where it is set, when it resets."""
    fields = []
    for limit in Limit:
        cap = book.cap(team, limit)
        resets = limit.window.resets(now)
        when = f"; resets {moment(resets, today=now)}" if resets else ""
        fields.append(
            (
                limit.value,
                f"{used[limit]:,} of {written(cap)} {limit.unit} "
                f"({_source(book.source(team, limit))}{when})",
            )
        )
    return Reply(
        tone=Tone.INFO,
        title=f"Quotas of team {team}",
        text="An org admin sets them: `sre quota set LIMIT VALUE [--team TEAM]`.",
        fields=fields,
    )


def unchanged_said(book: QuotaBook, limit: Limit, typed: str, team: str | None) -> str | None:
    """What a `quota set` that would change nothing is answered with; None when it changes
    something (`typed`: the value as given)."""
    own = book.defaults if team is None else book.teams.get(team, {})
    if typed.lower() == DEFAULT:
        if limit in own:
            return None
        if team is None:
            built_in = written(DEFAULTS[limit])
            return (
                f"the org has no `{limit.value}` of its own: every team without its own has the "
                f"built-in {built_in}"
            )
        follows = "the org's" if limit in book.defaults else "the built-in"
        return (
            f"team {team} has no `{limit.value}` of its own: it follows {follows}, "
            f"{written(book.cap(team, limit))}"
        )
    cap = parsed_cap(typed)
    if limit not in own or own[limit] != cap:
        return None
    whom = f"team {team}" if team else "every team without its own"
    return f"`{limit.value}` is already {written(cap)} for {whom}"


def back_to_default(book: QuotaBook, limit: Limit, team: str | None) -> Reply:
    """The answer to a quota set to `default`: what the team (or every team without its own)
    follows now."""
    if team is None:
        cap = book.defaults.get(limit, DEFAULTS[limit])
        return Reply(
            tone=Tone.OK,
            title=f"Quota `{limit.value}` is back to the built-in {written(cap)} for every team "
            "without its own.",
        )
    follows = "the org's" if limit in book.defaults else "the built-in"
    return Reply(
        tone=Tone.OK,
        title=f"Quota `{limit.value}` of team {team} now follows {follows}: "
        f"{written(book.cap(team, limit))}.",
    )


def said(limit: Limit, cap: Cap, team: str | None) -> Reply:
    """The answer to a quota set."""
    whom = f"team {team}" if team else "every team without its own"
    return Reply(tone=Tone.OK, title=f"Quota `{limit.value}` is now {written(cap)} for {whom}.")


def _source(source: str) -> str:
    return {"team": "the team's own", "org": "set by the org", "default": "built in"}[source]
