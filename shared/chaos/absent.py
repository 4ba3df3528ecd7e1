"""The chaos commands where a deployment has no fault injector: each refused, clearly."""

from __future__ import annotations

from shared.chaos import commands as c
from shared.commands.base import Command
from shared.commands.context import Context, Handlers
from shared.errors import InvalidCommandError
from shared.replies import Reply


def _refused(_: Command, __: Context) -> Reply:
    raise InvalidCommandError(
        "Chaos is not configured on this deployment: it has no fault injector (on AWS, set "
        "AUTOSRE_FIS_ROLE_ARN to the role FIS assumes; the embedded default runs chaos on "
        "the bundled sample's simulation)."
    )


def _unknown(_: Command, __: Context) -> None:
    """Nothing to tell before the refusal."""
    return None


def absent_chaos() -> Handlers:
    """Every chaos command, refused."""
    handlers = Handlers()
    for model in c.CHAOS_COMMANDS:
        unchanged = _unknown if model.may_change_nothing else None
        check = _refused if model.checked_before_queueing else None  # refused before queueing
        handlers = handlers.add(model, _refused, unchanged=unchanged, check=check)
    return handlers
