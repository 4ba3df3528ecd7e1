"""The one command path: parse, identify, authorize, audit, run or defer, audit, answer; then
the follow-ups the command returned, each down the same path (never a re-entry from inside)."""

from __future__ import annotations

import dataclasses
import logging
import uuid
from collections.abc import Callable, Iterable

from shared.audit.models import ORG_STREAM, AuditDraft, AuditRecord, Outcome, StreamKey
from shared.audit.owed import Owed
from shared.audit.redaction import redact
from shared.audit.trail import AuditTrail
from shared.commands.base import Command
from shared.commands.bus_replies import (
    accepted,
    for_error,
    internal_error,
    unchanged,
    with_receipt,
)
from shared.commands.context import Context, Handled, Handlers
from shared.commands.follow_ups import follow
from shared.commands.free_text import shown
from shared.commands.registry import CommandSet, canonical
from shared.commands.scope import team_for
from shared.commands.usage import hidden_given, usage
from shared.errors import (
    AuditUnavailableError,
    ForbiddenError,
    InvalidCommandError,
    NotFoundError,
    SreError,
    UnavailableError,
)
from shared.identity.admins import ConfiguredAdmin
from shared.identity.models import ChannelId, OrgId, Platform, Principal
from shared.identity.ports import Directory
from shared.identity.principals import principal_for
from shared.identity.rbac import authorize, is_member
from shared.identity.teams import unknown_team
from shared.invocation import DeferredCommand, Invocation
from shared.ports import Clock, DeliveryGuard, TaskQueue
from shared.replies import Reply, Tone

log = logging.getLogger("autosre.bus")


def run_now(*, key: str, run: Callable[[], Reply]) -> Reply | None:  # noqa: ARG001 (guard shape)
    """A guard that does not deduplicate (the terminal: nothing retries)."""
    return run()


class CommandBus:
    """Every surface sends every command here; nothing else authorizes or audits."""

    def __init__(
        self,
        *,
        directory: Directory,
        audit: AuditTrail,
        tasks: TaskQueue,
        clock: Clock,
        commands: CommandSet,
        handlers: Handlers,
        configured_admins: Iterable[ConfiguredAdmin],
        guard: DeliveryGuard,
    ) -> None:
        self._directory = directory
        self._audit = audit
        self._tasks = tasks
        self._clock = clock
        missing = [model.__name__ for model in commands.models if model not in handlers.models()]
        if missing:
            raise ValueError(f"commands without a handler: {', '.join(missing)}")
        self.commands = commands
        self._handlers = handlers
        self._admins = tuple(configured_admins)
        self.guard = guard

    def handle(self, invocation: Invocation) -> Reply:
        """Answer one invocation, then run the follow-ups its command returned; never raises."""
        done = self._one(invocation)
        return follow(invocation, done.reply, list(done.follow_ups), run=self._one, then=done.then)

    def resume(self, task: DeferredCommand) -> Reply:
        """Run a deferred command in the worker and answer it (then its follow-ups); a
        redelivered task is not rerun."""
        key = f"task:{task.invocation.actor.org}:{task.invocation.correlation_id}"
        ran: list[Handled] = []

        def run() -> Reply:
            ran.append(self._never_raising(task.invocation, lambda: self._resume(task)))
            return ran[0].reply

        reply = self._once(key, run, ran)
        if reply is None:
            raise RuntimeError(f"task {key} is still running elsewhere")  # the queue retries it
        if not ran:  # redelivered: its follow-ups ran (or not) with the first delivery
            return reply
        done = ran[0]
        return follow(task.invocation, reply, list(done.follow_ups), run=self._one, then=done.then)

    def _once(self, key: str, run: Callable[[], Reply], ran: list[Handled]) -> Reply | None:
        """The guard's answer for `key`; when the run finished here but the guard could not save
        that it did (its store throttled), the run's own reply: the work is done and audited, so
        it is answered as done, not failed, which would have the queue (or the user) run it
        again once the record's lock ends."""
        try:
            return self.guard(key=key, run=run)
        except Exception:
            if not ran:
                raise
            log.warning(
                "ran, but its run-once record was not saved", extra={"key": key}, exc_info=True
            )
            return ran[0].reply

    def abandon(self, task: DeferredCommand, reason: str) -> Reply:
        """Report a deferred command that will not run: its failure audited, its user's answer."""
        return self._never_raising(
            task.invocation, lambda: Handled(self._abandon(task, reason))
        ).reply

    def _one(self, invocation: Invocation) -> Handled:
        return self._never_raising(invocation, lambda: self._handle(invocation))

    def _abandon(self, task: DeferredCommand, reason: str) -> Reply:
        command = self.commands.parse(task.command)
        principal = principal_for(
            task.invocation.actor, directory=self._directory, configured_admins=self._admins
        )
        ctx = Context(
            principal=principal, invocation=task.invocation, team=task.team, now=self._clock.now()
        )
        failed = (
            self._write(command, ctx, Outcome.FAILED, {"error": reason[:300]}, strict=False)
            if command.mutates
            else None
        )
        title = f"Not done: `sre {command.phrase()}`"
        return with_receipt(Reply(tone=Tone.ERROR, title=title, text=reason), failed)

    def _never_raising(self, invocation: Invocation, work: Callable[[], Handled]) -> Handled:
        ref = invocation.correlation_id
        try:
            done = work()
        except SreError as error:
            if isinstance(error, UnavailableError) and error.__cause__ is not None:
                # a provider's refusal: the person is told what to do, the operator what it was
                log.warning(
                    "a platform refused or could not be reached",
                    extra={"correlation_id": ref, "error": repr(error.__cause__)[:500]},
                )
            return Handled(for_error(error, ref))
        except Exception:
            log.exception(
                "command failed", extra={"correlation_id": ref, "text": _loggable(invocation.text)}
            )
            return Handled(internal_error(ref))
        reply = done.reply.model_copy(update={"correlation_id": ref})
        return Handled(reply, done.follow_ups, done.then, done.details)  # not replace(): ~2 us

    def _handle(self, invocation: Invocation) -> Handled:
        command = self.commands.parse(invocation.text, now=self._clock.now())
        _refuse_scheduler_only(command, invocation)
        if not command.needs_caller:
            return self._execute(command, self._anonymous(invocation))
        if invocation.delivery_id is None or not (command.mutates or invocation.platform_retries):
            return self._run(command, invocation)  # nothing to run once: no guard to write
        key = f"{invocation.actor.platform}:{invocation.actor.org}:{invocation.delivery_id}"
        ran: list[Handled] = []

        def first_time() -> Reply:
            ran.append(self._run(command, invocation))
            return ran[0].reply

        reply = self._once(key, first_time, ran)
        if reply is None:
            return Handled(_in_progress())
        if ran:  # this delivery ran here: the guard's reply is its own, with its follow-ups
            return dataclasses.replace(ran[0], reply=reply)
        return Handled(reply.model_copy(update={"replayed": True}))

    def _run(self, command: Command, invocation: Invocation) -> Handled:
        ctx = self._context(command, invocation)
        foreign = self._bound_to_other(command, ctx)
        if foreign and invocation.actor.platform is Platform.TEAMS:  # no private answers there
            raise InvalidCommandError(
                f"This conversation is bound to team {foreign}: run commands for team "
                f"{ctx.team} in its own channel, or in a chat with me.",
                usage=f"sre {command.phrase()} … --team {ctx.team}",
            )
        if foreign is None:
            return self._run_in(command, ctx)
        try:
            done = self._run_in(command, ctx)
        except SreError as error:  # a refusal names the other team's things too: kept private
            done = Handled(for_error(error, invocation.correlation_id))
        return self._kept_to_team(done, foreign, ctx)

    def _run_in(self, command: Command, ctx: Context) -> Handled:
        if command.mutates:  # asked before a deferral too: a no-op is neither queued nor audited
            nothing = self._handlers.unchanged(command, ctx)
            if nothing:  # nothing would happen: said so, and nothing to audit
                return Handled(unchanged(nothing))
        if command.deferred:
            try:
                self._handlers.check(command, ctx)  # one that cannot run is said now, not queued
            except SreError as error:  # a refusal by team, role or quota, as the roles' own
                if error.audited:
                    self._deny(command, ctx, error)
                raise
            return Handled(self._defer(command, ctx))
        if command.mutates:
            return self._audited(command, ctx)
        return self._execute(command, ctx)

    def _resume(self, task: DeferredCommand) -> Handled:
        command = self.commands.parse(task.command)
        ctx = self._context(command, task.invocation, team=task.team)
        foreign = self._bound_to_other(command, ctx)
        if not command.mutates:
            return self._kept_to_team(self._execute(command, ctx), foreign, ctx)
        return self._kept_to_team(self._finish(command, ctx, queued=True), foreign, ctx)

    def _bound_to_other(self, command: Command, ctx: Context) -> str | None:
        """The team the command's channel is bound to, when `--team` named another (without it,
        the team is the channel's own: nothing more is read)."""
        channel = ctx.invocation.channel
        if not (ctx.team and channel and command.team_option()):
            return None
        binding = self._directory.get_binding(ctx.principal.actor.org, ChannelId(channel))
        return binding.team if binding is not None and binding.team != ctx.team else None

    @staticmethod
    def _kept_to_team(done: Handled, other: str | None, ctx: Context) -> Handled:
        """A team's answer in a channel bound to `other` team is shown to its caller only
        (Slack), saying so: teams never see each other's data. Teams has no such message: a
        command is refused there before it runs, and a slow one whose conversation was bound
        to another team while it ran is answered without its result."""
        if other is None or ctx.invocation.actor.platform is Platform.LOCAL:  # a terminal's
            return done  # answers are its own person's already: nothing to keep from anyone
        if ctx.invocation.actor.platform is Platform.TEAMS:
            hidden = Reply(
                tone=Tone.INFO,
                title=f"Not shown here: this conversation is now bound to team {other}",
                text=f"The result is team {ctx.team}'s: ask for it in that team's channel, or in "
                "a chat with me.",
            )
            return dataclasses.replace(done, reply=hidden)
        said = f"Shown only to you: this channel is bound to team {other}."
        text = f"{done.reply.text}\n{said}" if done.reply.text else said
        private = done.reply.model_copy(update={"ephemeral": True, "private": True, "text": text})
        return dataclasses.replace(done, reply=private)

    def _context(
        self, command: Command, invocation: Invocation, team: str | None = None
    ) -> Context:
        principal = principal_for(
            invocation.actor, directory=self._directory, configured_admins=self._admins
        )
        team = team or team_for(command, invocation, directory=self._directory)
        record = self._directory.get_team(principal.actor.org, team) if team else None
        ctx = Context(
            principal=principal,
            invocation=invocation,
            team=team,
            now=self._clock.now(),
            team_record=record,
        )
        try:
            if team and record is None and is_member(principal):  # a typo starts no trail;
                raise unknown_team(self._directory, principal, team)  # outsiders are denied
            authorize(principal, command.required(), team, what=f"sre {command.said_as()}")
        except (ForbiddenError, NotFoundError) as error:
            self._deny(command, ctx, error)
            raise
        return ctx

    def _anonymous(self, invocation: Invocation) -> Context:
        """The context of a command that does not need its caller: no roles, no team."""
        principal = Principal(actor=invocation.actor)
        return Context(principal=principal, invocation=invocation, team=None, now=self._clock.now())

    def _deny(self, command: Command, ctx: Context, error: SreError) -> None:
        """Audit a refusal in its team's stream, in the org's if that team does not exist, and
        only in the log if the org has nothing yet: a refused request never creates a stream.
        `denied` when the roles refused it, `failed` when what it named is not there (a typo
        of a team: the caller was told "Not found", not "Not allowed")."""
        org = ctx.principal.actor.org
        details = {"reason": str(error)}
        if ctx.team and ctx.team_record is None:
            details["team"] = ctx.team
            ctx = dataclasses.replace(ctx, team=None)
        if ctx.team is None and not self._org_exists(org):
            log.warning(
                "denied in an org with no trail yet",
                extra={"correlation_id": ctx.invocation.correlation_id, **details},
            )
            return
        outcome = Outcome.DENIED if isinstance(error, ForbiddenError) else Outcome.FAILED
        self._write(command, ctx, outcome, details, strict=False)

    def _org_exists(self, org: OrgId) -> bool:
        try:
            return (
                self._directory.get_org(org) is not None
                or bool(self._directory.list_teams(org))
                or self._audit.log.head(StreamKey(org=org, team=ORG_STREAM)) is not None
            )
        except Exception:  # noqa: BLE001 (unsure: audit it, if the trail can be written at all)
            return True

    def _defer(self, command: Command, ctx: Context) -> Reply:
        record = self._write(command, ctx, Outcome.REQUESTED) if command.mutates else None
        # the queue keeps the task until it runs: the typed text with its secrets masked
        queued = ctx.invocation.model_copy(update={"text": redact(ctx.invocation.text)})
        task = DeferredCommand(invocation=queued, command=canonical(command), team=ctx.team)
        try:
            self._tasks.enqueue(task)
        except Exception as error:
            if record:
                self._write(
                    command,
                    ctx,
                    Outcome.FAILED,
                    {"error": f"not queued: {error}"[:300]},
                    strict=False,
                )
            log.exception(
                "task not queued", extra={"correlation_id": ctx.invocation.correlation_id}
            )
            raise UnavailableError(
                f"The task queue did not take `{canonical(command)}`, so nothing was done. "
                f"Try again in a minute; if it persists, tell your admins "
                f"(ref {ctx.invocation.correlation_id})."
            ) from error
        return with_receipt(accepted(command), record)

    def _audited(self, command: Command, ctx: Context) -> Handled:
        self._write(command, ctx, Outcome.REQUESTED)  # not written: not done (it raises)
        return self._finish(command, ctx)

    def _finish(self, command: Command, ctx: Context, *, queued: bool = False) -> Handled:
        try:
            done = self._unchanged_since(command, ctx) if queued else None
            done = done or self._execute(command, ctx)
        except Exception as error:
            # a refusal the handler found (a starter approving their own experiment) is a
            # denial, as one found by the roles before it is
            outcome = Outcome.DENIED if isinstance(error, ForbiddenError) else Outcome.FAILED
            failed = self._write(command, ctx, outcome, {"error": str(error)[:300]}, strict=False)
            if isinstance(failed, Owed) and isinstance(error, SreError):  # said with the error
                ref = ctx.invocation.correlation_id
                return Handled(with_receipt(for_error(error, ref), failed))
            raise
        # done: its outcome is owed if the trail cannot take it now (written when it is back, and
        # said), never lost (a task's, resumed in the worker, went unsaid and unwritten)
        outcome = Outcome.FAILED if done.failed else Outcome.SUCCEEDED
        succeeded = self._write(command, ctx, outcome, dict(done.details), owe=True)
        return dataclasses.replace(done, reply=with_receipt(done.reply, succeeded))

    def _unchanged_since(self, command: Command, ctx: Context) -> Handled | None:
        """A queued command that would now change nothing (a second click of Promote, queued
        before the first ran): answered as when typed then, its requested entry closed `failed`
        with the fact (the request was not carried out)."""
        nothing = self._handlers.unchanged(command, ctx)
        if not nothing:
            return None
        reply = unchanged(nothing)
        return Handled(reply, details={"error": reply.title[:300]}, failed=True)

    def _execute(self, command: Command, ctx: Context) -> Handled:
        return self._handlers.run(command, ctx)

    def _write(
        self,
        command: Command,
        ctx: Context,
        outcome: Outcome,
        details: dict[str, str] | None = None,
        *,
        strict: bool = True,
        owe: bool = False,
    ) -> AuditRecord | Owed | None:
        """The entry written; owed if the trail is down, for a command safe without audit (a
        halt) or when `owe` (the outcome of something done); else `AuditUnavailableError`
        (strict), or only logged."""
        draft = AuditDraft(
            id=str(uuid.uuid4()),
            time=self._clock.now(),
            org=ctx.principal.actor.org,
            team=ctx.team or ORG_STREAM,
            actor=ctx.principal.actor,
            command=canonical(command),
            target=command.audit_target(ctx.invocation.channel, team=ctx.team),
            outcome=outcome,
            correlation_id=ctx.invocation.correlation_id,
            details=_with_trigger(details or {}, ctx.invocation),
        )
        if command.safe_without_audit:  # a kill switch is never held back by the trail
            return self._audit.append_or_owe(draft)
        try:
            return self._audit.append(draft)
        except AuditUnavailableError:
            if owe:  # done already: written when the trail is back
                return self._audit.owe(draft)
            if strict:
                raise
            log.exception("audit entry lost", extra={"outcome": outcome.value})
            return None


def _with_trigger(details: dict[str, str], invocation: Invocation) -> dict[str, str]:
    """Scheduled actions name the trigger that ran them."""
    if invocation.actor.platform is Platform.SCHEDULER and invocation.delivery_id:
        return {**details, "trigger": invocation.delivery_id}
    return details


def _loggable(text: str) -> str:
    """Typed text as the log may keep it: secrets masked, at most 300 characters."""
    return shown(text, limit=300)


def _in_progress() -> Reply:
    return Reply(
        tone=Tone.INFO,
        title="Already on it",
        ephemeral=True,
        replayed=True,
        text="This request is still being handled; its answer will follow.",
    )


def _refuse_scheduler_only(command: Command, invocation: Invocation) -> None:
    """A person giving an option only the scheduler gives (`--alert`): a usage error, before
    anything is queued or audited, as every other usage error."""
    given = hidden_given(command)
    if given and invocation.actor.platform is not Platform.SCHEDULER:
        raise InvalidCommandError(
            f"`{given[0]}` is given by the scheduler only: leave it out.",
            usage=usage(type(command)),
        )
