"""`sre doctor`: check that the state store, the audit trail, the task queue and the worker's
live version work as deployed, and that Teams serves a tenant when it is on."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING

from shared.audit.models import ORG_STREAM, StreamKey
from shared.commands.context import Context, Handlers
from shared.config import Settings
from shared.doctor.commands import RunDoctor
from shared.doctor.deployment import queue_check, worker_check
from shared.doctor.facts import org_admins_fact, teams_tenants_fact
from shared.doctor.ports import QueueGauge, Unchecked, WorkerVersions
from shared.identity.models import OrgId
from shared.identity.ports import Directory
from shared.replies import Reply, Tone, counted

if TYPE_CHECKING:
    from shared.auditing.service import AuditService


class Doctor:
    """Runs the checks in the worker and reports each with what it found."""

    def __init__(
        self,
        *,
        directory: Directory,
        audit: AuditService,
        facts: Mapping[str, str],
        queue: QueueGauge | Unchecked,
        worker: WorkerVersions | Unchecked,
        settings: Settings | None = None,
    ) -> None:
        self._directory = directory
        self._audit = audit
        self._facts = dict(facts)
        self._queue = queue
        self._worker = worker
        self._settings = settings

    def handlers(self) -> Handlers:
        """The command this service runs."""
        return Handlers().add(RunDoctor, self.run)

    def run(self, _: RunDoctor, ctx: Context) -> Reply:
        """Run every check and report; any ✗ makes the report say something is wrong."""
        org = ctx.principal.actor.org
        checks = [self._store(org), self._trail(org, ctx.now), queue_check(self._queue)]
        checks.append(worker_check(self._worker))
        if self._settings is not None:
            actor = ctx.principal.actor
            checks.append(("Teams tenants", teams_tenants_fact(self._settings, actor)))
            checks.append(("Org admins", org_admins_fact(self._settings, actor)))
        healthy = all(not value.startswith("✗") for _, value in checks)
        return Reply(
            tone=Tone.OK if healthy else Tone.ERROR,
            title="Doctor: all checks pass" if healthy else "Doctor: something is wrong",
            fields=[*checks[:4], *self._facts.items(), *checks[4:]],
        )

    def _store(self, org: OrgId) -> tuple[str, str]:
        try:
            teams = self._directory.list_teams(org)
        except Exception as error:  # noqa: BLE001 (a report, not a failure)
            return ("State store", f"✗ {type(error).__name__}: {error}")
        return ("State store", f"✓ readable, {counted(len(teams), 'team')}")

    def _trail(self, org: OrgId, now: datetime) -> tuple[str, str]:
        stream = StreamKey(org=org, team=ORG_STREAM)
        try:
            report = self._audit.check(stream, now=now, since=now)  # from the last digest on
        except Exception as error:  # noqa: BLE001 (a report, not a failure)
            return ("Audit trail", f"✗ {type(error).__name__}: {error}")
        if not report.ok:
            return ("Audit trail", f"✗ org trail: {report.problems[0]}")
        sealed = f", last digest #{report.last_digest.number}" if report.last_digest else ""
        return ("Audit trail", f"✓ org trail intact to #{report.head}{sealed}")
