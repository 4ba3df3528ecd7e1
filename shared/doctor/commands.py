"""The doctor's command, read at start-up with the command list (its service loads at use)."""

from __future__ import annotations

from shared.commands.base import Command
from shared.identity.rbac import Permission


class RunDoctor(Command):
    words = ("doctor",)
    permission = Permission.ORG_ADMIN
    target_kind = "org"
    deferred = True
    purpose = (
        "Check the deployment: state store, audit trail, task queue, the worker's live version, "
        "Teams tenants; posts a report."
    )
    examples = ("sre doctor",)
