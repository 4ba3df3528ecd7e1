"""Domain errors: each becomes a message that tells the user what to do next."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence


class SreError(Exception):
    """Base of every error a user may see; the message is shown as is."""

    audited = False
    """Whether a slow command refused with it before it is queued is audited (an action denied:
    by role, by a spent quota), not only answered (a typo, an unknown name: nothing happened)."""

    def __init__(
        self, *args: object, users: Sequence[str] = (), channels: Sequence[str] = ()
    ) -> None:
        super().__init__(*args)
        self.users = tuple(users)
        """The people the message names (as `@id`): mentioned where the platform can."""
        self.channels = tuple(channels)
        """The channels the message names (as `#id`)."""
        self.already_told = False
        """Whether its audience was already told (its answer is then not posted again)."""


class InvalidCommandError(SreError):
    """The text is not a command of the grammar; carries the usage to show."""

    def __init__(
        self,
        message: str,
        *,
        usage: str = "",
        suggestion: str | None = None,
        channels: Sequence[str] = (),
    ) -> None:
        super().__init__(message, channels=channels)
        self.usage = usage
        self.suggestion = suggestion


class ForbiddenError(SreError):
    """The caller's roles do not allow the command; says which role would."""

    audited = True

    def __init__(self, message: str, *, needed: str, channels: Sequence[str] = ()) -> None:
        super().__init__(message, channels=channels)
        self.needed = needed


class NotFoundError(SreError):
    """The named team, member or binding does not exist."""


class ConflictError(SreError):
    """A concurrent or contradictory change: the record exists or its version moved on."""


class AuditUnavailableError(SreError):
    """The audit trail could not be written, so the action was not taken."""


class AuditTrailCutError(AuditUnavailableError):
    """The trail is shorter than the state store (or a digest) recorded: rolled back or cut.
    Nothing is chained after it, so the cut is not hidden by later entries. `shorter`: False
    when it is as long as recorded but its last entry is not the one recorded (re-chained)."""

    def __init__(self, message: str, *, shorter: bool = True) -> None:
        super().__init__(message)
        self.shorter = shorter


class UnavailableError(SreError):
    """A platform we post to or read from refused or could not be reached; nothing was changed."""


def closest(name: str, known: Iterable[str], *, cutoff: float = 0.6) -> str | None:
    """The one of `known` closest to `name` (a typo of it), compared ignoring case, as written
    in `known`; None when none is close."""
    written = {k.lower(): k for k in sorted(set(known), reverse=True)}  # the first of a case
    guess = difflib.get_close_matches(name.lower(), sorted(written), n=1, cutoff=cutoff)
    return written[guess[0]] if guess else None


def did_you_mean(name: str, known: Iterable[str], *, cutoff: float = 0.6) -> str:
    """` Did you mean `payments`?` when one of `known` is close to `name` (a typo), else ``."""
    guess = difflib.get_close_matches(name, sorted(set(known)), n=1, cutoff=cutoff)
    return f" Did you mean `{guess[0]}`?" if guess else ""


def missing_record(
    missing: str,
    name: str,
    known: Sequence[tuple[str, str]],
    *,
    none: str,
    more: str,
    counted: bool = True,
) -> str:
    """Why record `name` was not found (`missing` says so, in the one form of every "not found":
    `Team demo has no canary `can-…``): the id of `known` (id, what it is;
    newest first) it may be a typo of, else the first five and where the rest are (`more`), or
    how to make one (`none`). Generated ids differ in a few characters, so only a close guess
    is offered. With `counted` false, `known` is only the newest of a bounded read, so the rest
    are said to be more without a count."""
    if not known:
        return f"{missing}: it has none yet ({none})."
    guess = did_you_mean(name, [id_ for id_, _ in known], cutoff=0.75)
    if guess:
        return f"{missing}.{guess}"
    shown = ", ".join(f"{id_} ({what})" for id_, what in known[:5])
    rest = ""
    if len(known) > 5:
        rest = f" and {len(known) - 5} more ({more})" if counted else f" and more ({more})"
    return f"{missing}; its latest: {shown}{rest}."
