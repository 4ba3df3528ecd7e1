"""What forbids a start, in words: the org's safety lever, a real outage of the team, an
experiment already on the service, a preflight problem (each with its fix)."""

from __future__ import annotations

from collections.abc import Sequence

from shared.chaos.models import Experiment, LeverState, Problem


def refusals(
    *,
    lever: LeverState,
    outage: Sequence[str],
    running: Sequence[Experiment],
    problems: Sequence[Problem],
) -> list[str]:
    """Every reason a start is refused now, each a sentence; empty when it may start."""
    found: list[str] = []
    if lever.engaged:
        by = f" by @{lever.by}" if lever.by else ""
        found.append(
            f"The org's safety lever is engaged{by}: an org admin releases it with "
            "`sre chaos unhalt`."
        )
    if outage:
        found.append(
            f"Its team is in a real outage ({'; '.join(outage)}): no chaos until it is over."
        )
    for other in running:
        found.append(f"{other.id} is already {other.standing} on {other.service}.")
    for problem in problems:
        found.append(f"Preflight: {problem.what}; fix: {problem.fix}.")
    return found
