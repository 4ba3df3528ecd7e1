"""A chat app installed into an org or removed from it, each in the org's audit trail (no entry,
no change); the installer of an org nobody administers yet (no org admin granted, none configured
in AUTOSRE_ORG_ADMINS for it) becomes its org admin. An uninstall is kept on the org's record, so
the scheduler does nothing more for it until a new install clears it."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterable
from datetime import datetime

from shared.audit.models import ORG_STREAM, AuditDraft, Outcome
from shared.audit.trail import AuditTrail
from shared.errors import ConflictError
from shared.identity.admins import ConfiguredAdmin
from shared.identity.models import Actor, Org, OrgId, OrgRole, Platform, Uninstall, UserId
from shared.identity.ports import Directory
from shared.invocation import new_correlation_id

log = logging.getLogger("autosre.installs")

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
        correlation = new_correlation_id()
        self._entry(actor, "app install", Outcome.REQUESTED, correlation)
        save()
        current = self._directory.get_org(org) or Org(id=org)
        admins = [user for user, roles in current.grants.items() if OrgRole.ORG_ADMIN in roles]
        admins += [admin.user for admin in self._configured if admin.org == org]
        if not admins or current.uninstalled is not None:  # installed again: its work resumes
            held = current.grants.get(installer, frozenset())
            grants = {**current.grants, installer: held | {OrgRole.ORG_ADMIN}}
            update = {"grants": grants if not admins else current.grants, "uninstalled": None}
            self._directory.save_org(current.model_copy(update=update))
        granted = {"org admin": installer if not admins else "unchanged"}
        if current.uninstalled is not None:
            granted["scheduled work"] = "resumed"
        self._entry(actor, "app install", Outcome.SUCCEEDED, correlation, granted)
        return not admins

    def uninstalled(
        self, org: OrgId, *, forget: Callable[[], None], command: str = "app uninstall"
    ) -> None:
        """Audit, then `forget` the org's tokens and mark it uninstalled (the scheduler stops its
        work); its trail and its records stay. `command` says what Slack told (the app
        uninstalled, or its bot token revoked)."""
        actor = Actor(platform=Platform.SLACK, org=org, user=SLACK, name="Slack")
        correlation = new_correlation_id()
        self._entry(actor, command, Outcome.REQUESTED, correlation)
        forget()
        self._mark(org, Uninstall(at=self._now(), told=command))
        self._entry(actor, command, Outcome.SUCCEEDED, correlation, {"scheduled work": "stopped"})

    def _mark(self, org: OrgId, uninstall: Uninstall) -> None:
        """Keep the uninstall on the org's record (a write that lost a race is tried again)."""
        for attempt in range(3):
            current = self._directory.get_org(org) or Org(id=org)
            try:
                self._directory.save_org(current.model_copy(update={"uninstalled": uninstall}))
                return
            except ConflictError:
                if attempt == 2:
                    raise

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


class Uninstalled:
    """Whether the app was uninstalled from an org, each org's record read once (make one per
    tick)."""

    def __init__(self, directory: Directory) -> None:
        self._directory = directory
        self._read: dict[str, bool] = {}

    def __call__(self, org: str) -> bool:
        """True while `org` is uninstalled (not installed again since); False when its record
        cannot be read (its work goes on: an alert must still fire)."""
        if org not in self._read:
            try:
                found = self._directory.get_org(OrgId(org))
            except Exception:  # noqa: BLE001 (logged; read again at the next tick)
                log.warning("org %s: its record could not be read; its work goes on", org)
                found = None
            self._read[org] = found is not None and found.uninstalled is not None
        return self._read[org]
