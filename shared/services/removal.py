"""Removing a service that something uses: refused with what uses it (its team's alert policies,
canaries, chaos experiments and game days, and the teams it is shared with and their policies on
it), or, with --force (never past a canary, an experiment or a game day), taken
apart in a safe order: every policy deleted, then every share ended, then the service removed,
each step its own audited command, so a step not done leaves the service where it was."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from shared.errors import ConflictError, ForbiddenError
from shared.identity.models import Principal, Team
from shared.identity.rbac import Permission, allowed, needed_role
from shared.invocation import Invocation
from shared.services import commands as c
from shared.services.ports import ServiceUse


def sharers(teams: Iterable[Team], owner: str, name: str) -> list[str]:
    """The teams that hold `owner`'s service `name` shared read-only, by name."""
    return sorted(
        team.name
        for team in teams
        if (copy := team.services.get(name)) is not None and copy.shared_from == owner
    )


def policies_of(uses: Sequence[ServiceUse]) -> list[str]:
    """The alert policies among what uses a service, by name."""
    return sorted(use.name for use in uses if use.kind == "alert policy")


def refuse_used(
    command: c.RemoveService,
    uses: Sequence[ServiceUse],
    shared: Mapping[str, list[str]],
    *,
    team: str,
) -> None:
    """ConflictError naming what uses the service when it may not go: a canary or a chaos
    experiment under way or a game day (even with --force), or, without --force, alert policies
    or the teams it is shared with."""
    canaries = [use.name for use in uses if use.kind == "canary"]
    name = command.name
    if canaries:
        raise ConflictError(
            f"{name} has a canary under way ({', '.join(canaries)}): promote or roll it back "
            f"first (`sre canary rollback {canaries[0]} --team {team}`)."
        )
    experiments = [use.name for use in uses if use.kind == "chaos experiment"]
    if experiments:  # its fault may still be injected: never removed under it
        raise ConflictError(
            f"{name} has a chaos experiment under way ({', '.join(experiments)}): halt it "
            f"first (`sre chaos halt {experiments[0]} --team {team}`)."
        )
    game_days = [use.name for use in uses if use.kind == "game day"]
    if game_days:  # a later registration under its name would be faulted by an old plan
        raise ConflictError(
            f"{name} has {count(len(game_days), 'game day', 'game days')} scheduled "
            f"({listed(game_days)}): unschedule {'it' if len(game_days) == 1 else 'them'} first "
            f"(`sre chaos unschedule {game_days[0]} --team {team}`)."
        )
    policies = policies_of(uses)
    if command.force or not (policies or shared):
        return
    used = f"used by {count(len(policies), 'alert policy', 'alert policies')}: {listed(policies)}"
    clauses = [used] if policies else []
    clauses += [f"shared with team {other}{_theirs(p)}" for other, p in sorted(shared.items())]
    also = " and ends the shares" if shared else ""
    raise ConflictError(
        f"{name} is {'; it is '.join(clauses)}. Remove them first or use --force "
        f"(`sre service remove {name} --force --team {team}` deletes the policies{also} too)."
    )


def refuse_not_allowed(
    principal: Principal,
    name: str,
    *,
    team: str,
    policies: list[str],
    shared: Mapping[str, list[str]],
) -> None:
    """ForbiddenError, before anything is deleted, naming each step of a forced removal the
    caller may not do in its team (a share is ended by an operator of the team holding it)."""
    wanted = (
        [(Permission.ALERT_WRITE, team, f"deleting {name}'s alert policies")] if policies else []
    )
    for other, theirs in sorted(shared.items()):
        if theirs:
            wanted.append((Permission.ALERT_WRITE, other, f"deleting {name}'s policies in {other}"))
        wanted.append((Permission.SERVICE_WRITE, other, f"removing {name}'s share in {other}"))
    missing = [(what, needed_role(p, t)) for p, t, what in wanted if not allowed(principal, p, t)]
    if missing:
        steps_said = "; ".join(f"{what} needs {needed}" for what, needed in missing)
        raise ForbiddenError(
            f"Nothing was removed: {steps_said}.",
            needed=missing[0][1],
        )


def _theirs(policies: list[str]) -> str:
    """Another team's policies by number only: their names are that team's to tell."""
    if not policies:
        return ""
    return f" (its {count(len(policies), 'alert policy', 'alert policies')})"


def listed(names: list[str], *, shown: int = 10) -> str:
    """`a, b, c`, or the first `shown` and `and N more` (a reply stays readable)."""
    rest = len(names) - shown
    return ", ".join(names[:shown]) + (f" and {rest} more" if rest > 0 else "")


def count(n: int, one: str, many: str) -> str:
    """`1 alert policy`, `6 alert policies`."""
    return f"{n} {one if n == 1 else many}"


def steps(
    cause: Invocation, name: str, *, team: str, policies: list[str], shared: Mapping[str, list[str]]
) -> tuple[Invocation, ...]:
    """The commands that take a used service apart, in a safe order, as the person who asked
    (each authorized and audited as its own): its policies' deletions, then each share's
    policies and the share, then the service itself (refused, so kept, if one is not done)."""
    texts = [f"sre alert delete {policy} --team {team}" for policy in policies]
    for other, theirs in sorted(shared.items()):
        texts += [f"sre alert delete {policy} --team {other}" for policy in theirs]
        texts.append(f"sre service remove {name} --team {other}")
    texts.append(f"sre service remove {name} --team {team}")
    return tuple(cause.model_copy(update={"text": text, "delivery_id": None}) for text in texts)
