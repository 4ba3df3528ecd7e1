"""`sre doctor`: check that the state store, the audit trail and the task queue work."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING

from shared.audit.models import ORG_STREAM, StreamKey
from shared.commands.base import Command
from shared.commands.context import Context, Handlers
from shared.config import Settings
from shared.identity.models import Actor, OrgId, Platform
from shared.identity.ports import Directory
from shared.identity.rbac import Permission
from shared.replies import Reply, Tone, counted

if TYPE_CHECKING:  # `sre doctor`'s model is read at start-up; the audit commands load at use
    from shared.auditing.service import AuditService
    from shared.prompts.language import LanguageModel


class RunDoctor(Command):
    words = ("doctor",)
    permission = Permission.ORG_ADMIN
    target_kind = "org"
    deferred = True
    purpose = "Check the deployment: state store, audit trail, task queue; posts a report."
    examples = ("sre doctor",)


class Doctor:
    """Runs the checks in the worker and reports each with what it found."""

    def __init__(
        self,
        *,
        directory: Directory,
        audit: AuditService,
        facts: Mapping[str, str],
        settings: Settings | None = None,
    ) -> None:
        self._directory = directory
        self._audit = audit
        self._facts = dict(facts)
        self._settings = settings

    def handlers(self) -> Handlers:
        """The command this service runs."""
        return Handlers().add(RunDoctor, self.run)

    def run(self, _: RunDoctor, ctx: Context) -> Reply:
        """Run every check and report."""
        org = ctx.principal.actor.org
        checks = [self._store(org), self._trail(org, ctx.now)]
        checks.append(("Task queue", "✓ this report came back through it"))
        fields = [*checks, *self._facts.items()]
        if self._settings is not None:
            fields.append(
                ("Teams tenants", teams_tenants_fact(self._settings, ctx.principal.actor))
            )
        healthy = all(not value.startswith("✗") for _, value in checks)
        return Reply(
            tone=Tone.OK if healthy else Tone.ERROR,
            title="Doctor: all checks pass" if healthy else "Doctor: something is wrong",
            fields=fields,
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


def slack_fact(settings: Settings) -> str:
    """Whether Slack is served, and how it is installed, for the doctor's report. The signing
    secret decides, as it does for `sre serve` and the functions: without it no request can be
    verified, so none is served, whatever token is set. OAuth wins when both are configured."""
    if not settings.slack_signing_secret:
        return "off: SLACK_SIGNING_SECRET is not set, so no Slack request can be verified"
    if settings.slack_oauth:
        also = ", SLACK_BOT_TOKEN ignored" if settings.slack_bot_token else ""
        return f"OAuth: one install per workspace (SLACK_CLIENT_ID){also}"
    if settings.slack_bot_token:
        return "one workspace (SLACK_BOT_TOKEN)"
    return (
        "served without SLACK_BOT_TOKEN: answers go only to each command's response_url, and "
        "nothing can post to a channel (set SLACK_BOT_TOKEN, or SLACK_CLIENT_ID and "
        "SLACK_CLIENT_SECRET)"
    )


def model_fact(model: LanguageModel | None) -> str:
    """Whether a language model is configured, for the doctor's report."""
    if model is None:
        return "off: the rule-based narrative (set AUTOSRE_MODEL to use a model)"
    return f"{model.name}, for the orgs whose admin turned it on (`sre org model on`)"


def teams_tenants_fact(settings: Settings, actor: Actor) -> str:
    """The Teams tenants this deployment serves, for the doctor's report: all of them for the
    terminal (the deployment's operator); to a chat org, only whether its own tenant is served
    and how many are (another org's tenant id is not its business)."""
    if not settings.teams_app_id:
        return "off: TEAMS_APP_ID is not set"
    tenants = sorted(settings.teams_tenants)
    if not tenants:
        return "none: every tenant is refused (set TEAMS_ALLOWED_TENANTS or TEAMS_APP_TENANT_ID)"
    named = "TEAMS_ALLOWED_TENANTS" if settings.teams_allowed_tenants else "TEAMS_APP_TENANT_ID"
    if actor.platform is Platform.LOCAL:
        return f"{', '.join(tenants)} ({named}); others are refused"
    yours = actor.org.partition(":")[2] if actor.platform is Platform.TEAMS else ""
    served = f"yours ({yours}) among " if yours in tenants else ""
    return f"{served}{counted(len(tenants), 'tenant')} ({named}); others are refused"
