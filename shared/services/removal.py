"""Removing a service that something uses: refused with what uses it, or (with --force) its
alert policies deleted after it, each by its own audited command."""

from __future__ import annotations

from collections.abc import Sequence

from shared.errors import ConflictError
from shared.invocation import Invocation
from shared.services import commands as c
from shared.services.ports import ServiceUse


def refuse_used(command: c.RemoveService, uses: Sequence[ServiceUse], *, team: str) -> list[str]:
    """The alert policies a removal takes along (with --force); ConflictError naming what uses
    the service when it may not go: a canary under way, or policies without --force."""
    canaries = [use.name for use in uses if use.kind == "canary"]
    policies = sorted(use.name for use in uses if use.kind == "alert policy")
    name = command.name
    if canaries:
        raise ConflictError(
            f"{name} has a canary under way ({', '.join(canaries)}): promote or roll it back "
            f"first (`sre canary rollback {canaries[0]} --team {team}`)."
        )
    if policies and not command.force:
        used_by = count(len(policies), "alert policy", "alert policies")
        raise ConflictError(
            f"{name} is used by {used_by}: {listed(policies)}; remove them first or use "
            f"--force (`sre service remove {name} --force --team {team}` deletes them too)."
        )
    return policies


def listed(names: list[str], *, shown: int = 10) -> str:
    """`a, b, c`, or the first `shown` and `and N more` (a reply stays readable)."""
    rest = len(names) - shown
    return ", ".join(names[:shown]) + (f" and {rest} more" if rest > 0 else "")


def count(n: int, one: str, many: str) -> str:
    """`1 alert policy`, `6 alert policies`."""
    return f"{n} {one if n == 1 else many}"


def alert_deletes(cause: Invocation, team: str, policies: list[str]) -> tuple[Invocation, ...]:
    """`sre alert delete NAME --team TEAM` for each policy, as the person who removed the service
    (each authorized and audited as its own command, after the removal)."""
    return tuple(
        cause.model_copy(
            update={"text": f"sre alert delete {name} --team {team}", "delivery_id": None}
        )
        for name in policies
    )
