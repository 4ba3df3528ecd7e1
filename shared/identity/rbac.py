"""The role table and the pure decision: may this principal do this, in this team?"""

from __future__ import annotations

from enum import StrEnum

from shared.errors import ForbiddenError
from shared.identity.models import OrgRole, Platform, Principal, Role


class Permission(StrEnum):
    """What a command needs; team permissions are checked in the team the command acts for."""

    PUBLIC = "public"
    ORG_MEMBER = "org-member"
    TEAM_READ = "team-read"
    TEAM_ADMIN = "team-admin"
    ORG_ADMIN = "org-admin"
    AUDIT_VERIFY = "audit-verify"
    AUDIT_READ = "audit-read"
    AUDIT_ORG = "audit-org"
    AUDIT_SEAL = "audit-seal"
    SERVICE_READ = "service-read"
    SERVICE_WRITE = "service-write"
    INVESTIGATE = "investigate"
    INVESTIGATION_READ = "investigation-read"
    ALERT_READ = "alert-read"
    ALERT_RESPOND = "alert-respond"
    ALERT_WRITE = "alert-write"
    SCHEDULER_RUN = "scheduler-run"
    CANARY_OPERATE = "canary-operate"
    CANARY_HALT = "canary-halt"
    CHAOS_OPERATE = "chaos-operate"
    CHAOS_HALT = "chaos-halt"
    PROMPT_READ = "prompt-read"
    PROMPT_ORG_READ = "prompt-org-read"
    USAGE_ORG_READ = "usage-org-read"

    @property
    def team_scoped(self) -> bool:
        """Whether the permission is checked against one team."""
        return self in TEAM_SCOPED


TEAM_ROLE_NEEDED: dict[Permission, Role] = {
    Permission.TEAM_READ: Role.VIEWER,
    Permission.TEAM_ADMIN: Role.ADMIN,
    Permission.AUDIT_VERIFY: Role.ADMIN,
    Permission.SERVICE_READ: Role.VIEWER,
    Permission.SERVICE_WRITE: Role.OPERATOR,
    Permission.INVESTIGATE: Role.RESPONDER,
    Permission.INVESTIGATION_READ: Role.VIEWER,
    Permission.ALERT_READ: Role.VIEWER,
    Permission.ALERT_RESPOND: Role.RESPONDER,
    Permission.ALERT_WRITE: Role.OPERATOR,
    Permission.CANARY_OPERATE: Role.OPERATOR,
    Permission.CANARY_HALT: Role.RESPONDER,
    Permission.CHAOS_OPERATE: Role.OPERATOR,
    Permission.CHAOS_HALT: Role.RESPONDER,
    Permission.PROMPT_READ: Role.ADMIN,
}
"""The least team role that holds each team-scoped permission."""

TEAM_SCOPED = frozenset({*TEAM_ROLE_NEEDED, Permission.AUDIT_READ})
"""Permissions checked in one team (AUDIT_READ is held only through an org-wide role)."""

ORG_ROLES_HOLDING: dict[Permission, frozenset[OrgRole]] = {
    Permission.TEAM_READ: frozenset({OrgRole.ORG_ADMIN, OrgRole.AUDITOR}),
    Permission.TEAM_ADMIN: frozenset({OrgRole.ORG_ADMIN}),
    Permission.ORG_ADMIN: frozenset({OrgRole.ORG_ADMIN}),
    Permission.AUDIT_VERIFY: frozenset({OrgRole.AUDITOR}),
    Permission.AUDIT_READ: frozenset({OrgRole.AUDITOR}),
    Permission.AUDIT_ORG: frozenset({OrgRole.AUDITOR}),
    Permission.AUDIT_SEAL: frozenset({OrgRole.ORG_ADMIN, OrgRole.AUDITOR}),
    Permission.SERVICE_READ: frozenset({OrgRole.AUDITOR}),
    Permission.INVESTIGATION_READ: frozenset({OrgRole.AUDITOR}),
    Permission.ALERT_READ: frozenset({OrgRole.AUDITOR}),
    Permission.SCHEDULER_RUN: frozenset({OrgRole.ORG_ADMIN}),
    Permission.CHAOS_HALT: frozenset({OrgRole.ORG_ADMIN}),
    Permission.CANARY_HALT: frozenset({OrgRole.ORG_ADMIN}),
    Permission.PROMPT_READ: frozenset({OrgRole.ORG_ADMIN, OrgRole.AUDITOR}),
    Permission.PROMPT_ORG_READ: frozenset({OrgRole.ORG_ADMIN, OrgRole.AUDITOR}),
    Permission.USAGE_ORG_READ: frozenset({OrgRole.ORG_ADMIN, OrgRole.AUDITOR}),
}
"""Org-wide roles that hold a permission in every team of the org."""

SCHEDULER_MAY = frozenset({Permission.AUDIT_SEAL, Permission.SCHEDULER_RUN, Permission.INVESTIGATE})
"""What scheduled triggers may do (they are never a person, and never come from chat)."""

_ORG_WORDS = {
    Permission.AUDIT_VERIFY: "the auditor role",
    Permission.AUDIT_READ: "the auditor role",
    Permission.AUDIT_ORG: "the auditor role",
    Permission.AUDIT_SEAL: "the org-admin or auditor role",
    Permission.PROMPT_ORG_READ: "the org-admin or auditor role (a team admin: add --team)",
    Permission.USAGE_ORG_READ: "the org-admin or auditor role (a team's member: add --team)",
}


def is_member(principal: Principal) -> bool:
    """Whether the principal has any role in the org."""
    return bool(principal.org_roles or principal.team_roles)


def allowed(principal: Principal, permission: Permission, team: str | None) -> bool:
    """Whether `principal` holds `permission` (in `team`, for team-scoped permissions)."""
    if permission is Permission.PUBLIC:
        return True
    if principal.actor.platform is Platform.SCHEDULER:
        return permission in SCHEDULER_MAY
    if principal.org_roles & ORG_ROLES_HOLDING.get(permission, frozenset()):
        return True
    if permission is Permission.ORG_MEMBER:
        return is_member(principal)
    needed = TEAM_ROLE_NEEDED.get(permission)
    if needed is None or team is None:
        return False
    role = principal.role_in(team)
    return role is not None and role.rank >= needed.rank


def needed_role(permission: Permission, team: str | None, *, where: str | None = None) -> str:
    """Words naming the role that would allow `permission` (in team `team`, or `where`)."""
    if permission is Permission.ORG_MEMBER:
        return "a role in any team of this org"
    needed = TEAM_ROLE_NEEDED.get(permission)
    if needed is None:
        return _ORG_WORDS.get(permission, "the org-admin role")
    others = sorted(role.value for role in ORG_ROLES_HOLDING.get(permission, frozenset()))
    return f"the {needed.value} role {where or f'in team {team}'}" + (
        f" (or {' or '.join(others)})" if others else ""
    )


def who_may(permission: Permission) -> str:
    """Words naming who holds `permission` before any team is known, for a command's help."""
    if permission is Permission.PUBLIC:
        return "anyone"
    return needed_role(permission, None, where="in the team acted for")


def authorize(principal: Principal, permission: Permission, team: str | None, *, what: str) -> None:
    """Raise `ForbiddenError` naming the role needed unless the principal may do `what`."""
    if allowed(principal, permission, team):
        return
    needed = needed_role(permission, team)
    current = principal.role_in(team) if team else None
    yours = f"you are {current.value} there" if current else "you have no role there"
    if not team or permission not in TEAM_ROLE_NEEDED:
        yours = "you do not have it"
    raise ForbiddenError(f"`{what}` needs {needed}; {yours}.", needed=needed)
