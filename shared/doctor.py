"""`sre doctor`: check that the state store, the audit trail and the task queue work."""

from __future__ import annotations

from collections.abc import Mapping

from shared.audit.chain import first_broken
from shared.audit.models import ORG_STREAM, StreamKey
from shared.commands import models as m
from shared.commands.base import Command
from shared.commands.context import Context, Handler
from shared.identity.models import OrgId
from shared.ports import AuditLog, Directory
from shared.replies import Reply, Tone

TAIL = 200
"""How many of the org stream's latest entries doctor re-hashes."""


class Doctor:
    """Runs the checks in the worker and reports each with what it found."""

    def __init__(
        self, *, directory: Directory, audit_log: AuditLog, facts: Mapping[str, str]
    ) -> None:
        self._directory = directory
        self._log = audit_log
        self._facts = dict(facts)

    def handlers(self) -> dict[type[Command], Handler]:
        """The commands this service runs."""
        return {m.RunDoctor: self.run}

    def run(self, _: m.RunDoctor, ctx: Context) -> Reply:
        """Run every check and report."""
        org = ctx.principal.actor.org
        checks = [self._store(org), self._audit(StreamKey(org=org, team=ORG_STREAM))]
        checks.append(("Task queue", "✓ this report came back through it"))
        fields = [*checks, *self._facts.items()]
        healthy = all(not value.startswith("✗") for _, value in checks)
        return Reply(
            tone=Tone.OK if healthy else Tone.ERROR,
            title="Doctor: all checks pass" if healthy else "Doctor: something is wrong",
            fields=fields,
        )

    def _store(self, org: str) -> tuple[str, str]:
        try:
            teams = self._directory.list_teams(OrgId(org))
        except Exception as error:  # noqa: BLE001 (a report, not a failure)
            return ("State store", f"✗ {type(error).__name__}: {error}")
        return ("State store", f"✓ readable, {len(teams)} teams")

    def _audit(self, stream: StreamKey) -> tuple[str, str]:
        try:
            head = self._log.head(stream)
            after = max(0, head.seq - TAIL) if head else 0
            records = self._log.read(stream, after=after, limit=TAIL + 1)
        except Exception as error:  # noqa: BLE001 (a report, not a failure)
            return ("Audit trail", f"✗ {type(error).__name__}: {error}")
        if head is None:
            return ("Audit trail", "✓ readable, no org-wide entries yet")
        anchor = self._log.read(stream, after=after - 1, limit=1) if after else []
        broken = first_broken(records, after=anchor[0] if anchor else None)
        if broken:
            return ("Audit trail", f"✗ chain broken at {broken}")
        return (
            "Audit trail",
            f"✓ org chain intact over its last {len(records)} entries (head #{head.seq})",
        )
