"""What every deployment shares: the services a surface is handed, and `build`, which wires the
bus over a deployment's adapters (`adapters.py`) with every feature (`features.py`)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from shared.audit.links import FORBIDDEN, NO_TOKEN, NOT_A_PAGE, PAGE_PATH
from shared.audit.trail import AuditTrail
from shared.bootstrap.adapters import Adapters
from shared.bootstrap.features import COMMANDS, Features
from shared.commands.bus import CommandBus
from shared.config import Settings
from shared.identity.admins import configured_admins

if TYPE_CHECKING:
    from shared.audit.ports import AuditDirectory, AuditLog
    from shared.auditing.service import Progress
    from shared.chaos.page import ChaosPages
    from shared.commands.context import Handlers
    from shared.investigations.page import PageServer
    from shared.invocation import DeferredCommand
    from shared.ports import Notifier, TaskQueue
    from shared.prompts.language import LanguageModel
    from shared.replies import Reply
    from shared.teams.installs import OrgInstalls


UNINSTALLED = "the app was uninstalled from the workspace, so this was not run"
"""What a deferred task of an uninstalled org is audited as failing for."""


@dataclass(frozen=True)
class Services:
    """Everything a surface needs: the bus, and the adapters behind it for inspection."""

    settings: Settings
    bus: CommandBus
    directory: AuditDirectory
    audit: AuditTrail
    tasks: TaskQueue
    page_server: Callable[[], PageServer]
    notifier: Notifier
    handlers: Handlers
    """Every command's handler, each feature built at its first command (`load_all`: now)."""
    chaos_page_server: Callable[[], ChaosPages | None] = lambda: None

    @property
    def pages(self) -> PageServer:
        """The investigations' shareable pages (built at first use)."""
        return self.page_server()

    @property
    def chaos_pages(self) -> ChaosPages | None:
        """The chaos experiments' shareable pages (None where the deployment runs no chaos)."""
        return self.chaos_page_server()

    def org_installs(self) -> OrgInstalls:
        """A chat app's installs and uninstalls, audited in each org's trail."""
        from shared.teams.installs import OrgInstalls  # only OAuth mode needs it

        return OrgInstalls(
            directory=self.directory,
            audit=self.audit,
            now=lambda: datetime.now(UTC),
            configured_admins=configured_admins(self.settings.org_admins),
        )

    def serve_page(self, path: str, token: str, now: datetime) -> tuple[int, str]:
        """`GET /investigations/{id}` or `/chaos/{id}` with its link's token: the status and
        HTML (403 for a bad token, and for an experiment where no chaos runs; 404 for any other
        path; 503 when too many pages are being drawn)."""
        route = PAGE_PATH.fullmatch(path)
        if route is None:
            return 404, NOT_A_PAGE
        kind, record = route.groups()
        if not token:  # an address copied without its token: said so, not "expired"
            return 403, NO_TOKEN
        if kind == "investigations":
            return self.pages.serve(record, token, now)
        chaos = self.chaos_pages
        return chaos.serve(record, token, now) if chaos is not None else (403, FORBIDDEN)

    def run_task(self, task: DeferredCommand) -> Reply:
        """Run a deferred command and post its reply, each once however often the task is
        delivered (a post that failed is tried again by the next delivery). A task of an org the
        app was uninstalled from is not run: audited as failed, once, and posted nowhere."""
        org = self.directory.get_org(task.invocation.actor.org)
        if org is not None and org.uninstalled is not None:
            return self._not_run(task)
        reply = self.bus.resume(task)
        if reply.unposted:  # its audience was already told (a refusal said once per window)
            return reply
        return self._posted_once(task, reply)

    def _posted_once(self, task: DeferredCommand, reply: Reply) -> Reply:
        """Post a task's reply to its user, once however often the task is delivered."""
        target = task.invocation.reply_to
        where = hashlib.sha256(target.model_dump_json().encode()).hexdigest()[:16]
        key = f"post:{task.invocation.actor.org}:{task.invocation.correlation_id}:{where}"

        def post() -> Reply:
            self.notifier.post(target, reply, user=task.invocation.actor.user)
            return reply

        if self.bus.guard(key=key, run=post) is None:
            raise RuntimeError(f"the reply of {key} is being posted elsewhere")  # retried later
        return reply

    def _not_run(self, task: DeferredCommand) -> Reply:
        """A task of an uninstalled org, audited as failed (once, however often delivered)."""
        key = f"task:{task.invocation.actor.org}:{task.invocation.correlation_id}"
        said = self.bus.guard(key=key, run=lambda: self.bus.abandon(task, UNINSTALLED))
        if said is None:
            raise RuntimeError(f"task {key} is still running elsewhere")  # the queue retries it
        return said.model_copy(update={"unposted": True})

    def abandon(self, task: DeferredCommand, reason: str) -> Reply:
        """Report a deferred command that will not run to its user: audited as failed once, and
        posted once, however often it is tried (a post that failed is tried again)."""
        key = f"abandoned:{task.invocation.actor.org}:{task.invocation.correlation_id}"
        said = self.bus.guard(key=key, run=lambda: self.bus.abandon(task, reason))
        if said is None:
            raise RuntimeError(f"task {key} is being abandoned elsewhere")  # tried again later
        return self._posted_once(task, said)

    @property
    def audit_log(self) -> AuditLog:
        """The audit trail's storage."""
        return self.audit.log


def quiet(_: str) -> None:
    """Progress nobody watches."""
    return None


def build(settings: Settings, adapters: Adapters, *, progress: Progress = quiet) -> Services:
    """Wire the bus and the services over the given adapters. Each feature is built at the first
    of its commands that runs (a cold start that answers `help` imports none of them)."""
    a = adapters
    admins = configured_admins(settings.org_admins)
    trail = AuditTrail(
        log=a.audit_log,
        key=a.key,
        clock=a.clock,
        every=settings.audit_digest_every,
        heads=a.directory,
        owed=a.owed,
    )
    features = Features(settings, a, trail=trail, admins=admins, progress=progress)
    handlers = features.handlers()
    bus = CommandBus(
        directory=a.directory,
        audit=trail,
        tasks=a.tasks,
        clock=a.clock,
        commands=COMMANDS,
        handlers=handlers,
        configured_admins=admins,
        guard=a.guard,
    )
    return Services(
        settings=settings,
        bus=bus,
        directory=a.directory,
        audit=trail,
        tasks=a.tasks,
        page_server=features.pages,
        notifier=a.notifier,
        handlers=handlers,
        chaos_page_server=features.chaos_pages,
    )


def language_model(settings: Settings) -> LanguageModel | None:
    """The investigator's configured language model (AUTOSRE_MODEL), or None: off."""
    kind, _, name = settings.model.partition(":")
    if kind == "bedrock":
        from shared.adapters.aws.bedrock_model import BedrockLanguageModel

        return BedrockLanguageModel(model_id=name, timeout_seconds=settings.model_timeout_seconds)
    if kind == "openai":
        from shared.adapters.openai_chat import OpenAIChatModel

        return OpenAIChatModel(
            settings.model_url,
            model=name,
            api_key=settings.model_api_key.get_secret_value(),
            timeout_seconds=settings.model_timeout_seconds,
            azure_api_version=settings.model_api_version,
        )
    return None
