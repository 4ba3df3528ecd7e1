"""A chat app installed into an org or removed from it, each in the org's audit trail (no entry,
no change); the installer of an org nobody administers yet (no org admin granted, none configured
in AUTOSRE_ORG_ADMINS for it) becomes its org admin."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from datetime import datetime

from shared.audit.models import ORG_STREAM, AuditDraft, Outcome
from shared.audit.trail import AuditTrail
from shared.identity.admins import ConfiguredAdmin
from shared.identity.models import Actor, Org, OrgId, OrgRole, Platform, UserId
from shared.identity.ports import Directory

SLACK = UserId("slack")
"""Who an uninstall is recorded as: Slack tells it, no member of the org types it."""


class OrgInstalls:
    """Records installs and uninstalls; grants the first org admin."""

    def __init__(
        self,
        *,
        directory: Directory,
        audit: AuditTrail,
        now: Callable[[], datetime],
        configured_admins: Iterable[ConfiguredAdmin],
    ) -> None:
        self._directory = directory
        self._audit = audit
        self._now = now
        self._configured = tuple(configured_admins)

    def installed(self, org: OrgId, installer: UserId, *, save: Callable[[], None]) -> bool:
        """Audit, then `save` the installation; make `installer` org admin if the org has none,
        granted or configured (True when granted). Nothing is saved if the entry cannot be
        written."""
        actor = Actor(platform=Platform.SLACK, org=org, user=installer)
        correlation = uuid.uuid4().hex[:12]
        self._entry(actor, "app install", Outcome.REQUESTED, correlation)
        save()
        current = self._directory.get_org(org) or Org(id=org)
        admins = [user for user, roles in current.grants.items() if OrgRole.ORG_ADMIN in roles]
        admins += [admin.user for admin in self._configured if admin.org == org]
        if not admins:
            held = current.grants.get(installer, frozenset())
            grants = {**current.grants, installer: held | {OrgRole.ORG_ADMIN}}
            self._directory.save_org(current.model_copy(update={"grants": grants}))
        granted = {"org admin": installer if not admins else "unchanged"}
        self._entry(actor, "app install", Outcome.SUCCEEDED, correlation, granted)
        return not admins

    def uninstalled(
        self, org: OrgId, *, forget: Callable[[], None], command: str = "app uninstall"
    ) -> None:
        """Audit, then `forget` the org's tokens; its trail and its records stay. `command`
        says what Slack told (the app uninstalled, or its bot token revoked)."""
        actor = Actor(platform=Platform.SLACK, org=org, user=SLACK, name="Slack")
        correlation = uuid.uuid4().hex[:12]
        self._entry(actor, command, Outcome.REQUESTED, correlation)
        forget()
        self._entry(actor, command, Outcome.SUCCEEDED, correlation)

    def _entry(
        self,
        actor: Actor,
        command: str,
        outcome: Outcome,
        correlation: str,
        details: dict[str, str] | None = None,
    ) -> None:
        self._audit.append(
            AuditDraft(
                id=uuid.uuid4().hex,
                time=self._now(),
                org=actor.org,
                team=ORG_STREAM,
                actor=actor,
                command=command,
                target=actor.org,
                outcome=outcome,
                correlation_id=correlation,
                details=details or {},
            )
        )
