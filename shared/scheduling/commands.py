"""The scheduler's command: one tick by hand."""

from __future__ import annotations

from shared.commands.base import Command
from shared.identity.rbac import Permission


class RunScheduler(Command):
    words = ("scheduler", "run-once")
    permission = Permission.SCHEDULER_RUN
    target_kind = "org"
    purpose = (
        "Evaluate every alert policy, judge every due canary and chaos experiment and start "
        "every game day due now, as the scheduled trigger does each minute (each transition is "
        "audited in its team's trail)."
    )
    examples = ("sre scheduler run-once",)


SCHEDULER_COMMANDS: tuple[type[Command], ...] = (RunScheduler,)
