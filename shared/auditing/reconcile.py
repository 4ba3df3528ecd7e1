"""The state store against the trail: every team, role and binding the trail does not explain,
and every one it explains that the state store lacks (pure)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from shared.auditing.access import AccessHistory
from shared.identity.models import ChannelBinding, Org, Team


@dataclass(frozen=True)
class StateSnapshot:
    """What the state store holds for one org: its grants, teams and bindings."""

    org: Org | None
    teams: Sequence[Team]
    bindings: Sequence[ChannelBinding]


@dataclass
class Reconciliation:
    """What does not agree: `unexplained` is in the state only, `unrecorded` in the trail only."""

    unexplained: list[str] = field(default_factory=list)
    unrecorded: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Whether the trail explains the state exactly."""
        return not self.unexplained and not self.unrecorded


def reconcile(history: AccessHistory, state: StateSnapshot) -> Reconciliation:
    """Compare teams, members' roles, org roles and bindings, one by one."""
    found = Reconciliation()
    _teams(history, state, found)
    _members(history, state, found)
    _org_roles(history, state, found)
    _bindings(history, state, found)
    return found


def _teams(history: AccessHistory, state: StateSnapshot, found: Reconciliation) -> None:
    stored = {team.name for team in state.teams}
    found.unexplained += [
        f"team {name}: in the state store, but the trail never created it"
        for name in sorted(stored - set(history.teams))
    ]
    found.unrecorded += [
        f"team {name}: created {history.teams[name].said()}; missing from the state store"
        for name in sorted(set(history.teams) - stored)
    ]


def _members(history: AccessHistory, state: StateSnapshot, found: Reconciliation) -> None:
    for team in state.teams:
        granted = history.members.get(team.name, {})
        for user, role in sorted(team.members.items()):
            change = granted.get(user)
            if change is None:
                found.unexplained.append(
                    f"@{user} · {role.value} in {team.name}: the trail never granted it"
                )
            elif change.value != role.value:
                found.unexplained.append(
                    f"@{user} · {role.value} in {team.name}: the trail says {change.value}"
                    f" ({change.said()})"
                )
    stored = {team.name: team.members for team in state.teams}
    for name, granted in sorted(history.members.items()):
        found.unrecorded += [
            f"@{user} · {change.value} in {name}: granted {change.said()};"
            " missing from the state store"
            for user, change in sorted(granted.items())
            if user not in stored.get(name, {})
        ]


def _org_roles(history: AccessHistory, state: StateSnapshot, found: Reconciliation) -> None:
    grants = state.org.grants if state.org else {}
    stored = {(user, role) for user, roles in grants.items() for role in roles}
    found.unexplained += [
        f"@{user} · {role.value} (org-wide): the trail never granted it"
        for user, role in sorted(stored - set(history.org_roles))
    ]
    found.unrecorded += [
        f"@{user} · {role.value} (org-wide): granted {change.said()}; missing from the state store"
        for (user, role), change in sorted(history.org_roles.items())
        if (user, role) not in stored
    ]


def _bindings(history: AccessHistory, state: StateSnapshot, found: Reconciliation) -> None:
    stored = {binding.channel: binding.team for binding in state.bindings}
    for channel, team in sorted(stored.items()):
        change = history.bindings.get(channel)
        if change is None:
            found.unexplained.append(f"#{channel} → {team}: the trail never bound it")
        elif change.value != team:
            found.unexplained.append(
                f"#{channel} → {team}: the trail bound it to {change.value} ({change.said()})"
            )
    found.unrecorded += [
        f"#{channel} → {change.value}: bound {change.said()}; missing from the state store"
        for channel, change in sorted(history.bindings.items())
        if channel not in stored
    ]
