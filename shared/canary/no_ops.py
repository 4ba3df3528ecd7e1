"""An operator's canary decision that would change nothing (a hold of a held canary, a resume of
a running one, a rollback of one rolled back): said before it is queued, so it is answered
`Nothing to change: <the fact>.` by the bus, exit 0, and leaves no audit entry (nothing
happened); each check here gives the fact alone. An id the team has no canary of is refused
here too, before it is queued: a typo is answered at once, neither queued nor audited."""

from __future__ import annotations

from shared.canary import commands as c
from shared.canary.models import Canary, CanaryState
from shared.canary.notices import named, unknown_canary
from shared.canary.ports import CanaryStore
from shared.commands.context import Context, NothingToChange
from shared.errors import NotFoundError
from shared.replies import user_ref
from shared.times import moment


class CanaryNoOps:
    """Tells, from the store, whether a decision would leave the canary as it is."""

    def __init__(self, *, store: CanaryStore) -> None:
        self._store = store

    def _found(self, canary_id: str, ctx: Context) -> Canary:
        return team_canary(self._store, canary_id, ctx)

    def hold(self, command: c.HoldCanary, ctx: Context) -> str | NothingToChange | None:
        """Holding a held canary: since when, and by whom (or one over: when it ended)."""
        canary = self._found(command.id, ctx)
        if canary.state.over:
            return _ended(canary, ctx, "hold")
        if canary.state is not CanaryState.HOLDING:
            return None
        held = next((r for r in reversed(canary.history) if r.what == "held"), None)
        if held is None:
            return f"{named(canary)} is already held"
        since = moment(held.at, today=ctx.now)
        said = f"{named(canary)} is already held since {since} (by @{held.by})"
        return NothingToChange(said, (user_ref(held.by),))

    def resume(self, command: c.ResumeCanary, ctx: Context) -> str | None:
        """Resuming a canary that runs."""
        canary = self._found(command.id, ctx)
        if canary.state.over:
            return _ended(canary, ctx, "resume")
        if canary.state is not CanaryState.RUNNING:
            return None
        return f"{named(canary)} is not held, it is {canary.standing}"

    def promote(self, command: c.PromoteCanary, ctx: Context) -> str | None:
        """Promoting a promoted canary (or one being promoted), or one rolled back."""
        canary = self._found(command.id, ctx)
        if canary.state is CanaryState.ROLLED_BACK:
            return _ended(canary, ctx, "promote")
        return _already(canary, {CanaryState.PROMOTED, CanaryState.PROMOTING})

    def rollback(self, command: c.RollbackCanary, ctx: Context) -> str | None:
        """Rolling back a canary rolled back (or being rolled back), or one promoted: its
        version is the stable one now, and going back is a canary of the version before."""
        canary = self._found(command.id, ctx)
        if canary.state is CanaryState.PROMOTED:
            return (
                f"{_ended(canary, ctx, 'roll back')}: to go back, start a canary of version "
                f"{canary.stable} (`sre canary start {canary.service} --version {canary.stable}`)"
            )
        return _already(canary, {CanaryState.ROLLED_BACK, CanaryState.ROLLING_BACK})


def team_canary(store: CanaryStore, canary_id: str, ctx: Context) -> Canary:
    """The team's canary `canary_id`, or NotFoundError naming the one it may be a typo of (another
    team's canary is reported exactly like one that does not exist)."""
    org = ctx.principal.actor.org
    found = store.get(org, canary_id)
    if found is None or found.team != ctx.team:
        known = store.list_for(org, ctx.team or "")
        raise NotFoundError(unknown_canary(canary_id, ctx.team or "", known))
    return found


def _already(canary: Canary, states: set[CanaryState]) -> str | None:
    if canary.state not in states:
        return None
    return f"{named(canary)} is already {canary.state.said}"


def _ended(canary: Canary, ctx: Context, verb: str) -> str:
    """A decision on a canary that is over: when it ended, and that there is nothing to do (a new
    canary is a new start)."""
    at = canary.history[-1].at if canary.history else canary.started_at
    return (
        f"{named(canary)} was {canary.state.said} at {moment(at, today=ctx.now)}: nothing to {verb}"
    )
