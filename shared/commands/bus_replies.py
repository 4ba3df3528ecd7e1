"""The replies the bus itself gives (errors, deferrals, receipts), whatever the feature: what
users read when things do not simply work."""

from __future__ import annotations

from shared.audit.models import AuditRecord
from shared.audit.owed import Owed
from shared.audit.redaction import redact
from shared.commands.base import Command
from shared.commands.context import NothingToChange
from shared.errors import (
    AuditTrailCutError,
    AuditUnavailableError,
    ConflictError,
    ForbiddenError,
    InvalidCommandError,
    NotFoundError,
    SreError,
)
from shared.replies import Reply, Tone, channel_ref, user_ref


def for_error(error: SreError, ref: str) -> Reply:
    """The ephemeral answer to a domain error: what went wrong and what to do, with the people
    and channels it names as references."""
    refs = (*map(user_ref, error.users), *map(channel_ref, error.channels))
    reply = _error_reply(error, ref)
    if reply.tone is not Tone.USAGE:  # a usage answer repeats what was typed `shown`, masked,
        # and its usage line names options such as `--max-tokens MAX_TOKENS`: a name typed
        # where a secret was pasted is repeated masked by every other refusal ("no service
        # `ghp_***`"), as the audit entry of it is
        reply = reply.model_copy(update={"title": redact(reply.title), "text": redact(reply.text)})
    if error.already_told:
        reply = reply.model_copy(update={"unposted": True})
    return reply.model_copy(update={"refs": refs}) if refs else reply


def _error_reply(error: SreError, ref: str) -> Reply:
    if isinstance(error, InvalidCommandError):
        text = f"Usage:\n```\n{error.usage}\n```" if error.usage else ""
        return Reply(
            tone=Tone.USAGE, title=str(error), text=text, ephemeral=True, correlation_id=ref
        )
    if isinstance(error, ForbiddenError):
        return Reply(
            tone=Tone.DENIED,
            title="Not allowed",
            text=str(error),
            ephemeral=True,
            correlation_id=ref,
        )
    if isinstance(error, AuditTrailCutError):
        return Reply(
            tone=Tone.ERROR,
            title="Not done: the audit trail is "
            + ("shorter than recorded" if error.shorter else "not as recorded"),
            text=f"Every action is audited first, and {error}. Run `sre audit verify` to see what"
            f" is missing, and tell your admins (ref {ref}).",
            ephemeral=True,
            correlation_id=ref,
        )
    if isinstance(error, AuditUnavailableError):
        return Reply(
            tone=Tone.ERROR,
            title="Not done: the audit trail is unavailable",
            text=f"Every action is audited first, and {error}. Try again in a minute;"
            f" if it persists, tell your admins (ref {ref}).",
            ephemeral=True,
            correlation_id=ref,
        )
    title = {NotFoundError: "Not found", ConflictError: "Conflict"}.get(
        type(error), "Could not do that"
    )
    return Reply(tone=Tone.ERROR, title=title, text=str(error), ephemeral=True, correlation_id=ref)


def internal_error(ref: str) -> Reply:
    """The answer to a bug: no stack trace, a reference to find it in the logs."""
    return Reply(
        tone=Tone.ERROR,
        title="Internal error",
        ephemeral=True,
        correlation_id=ref,
        text=f"Something went wrong on our side (ref {ref}). It has been logged.",
    )


def unchanged(reason: str | NothingToChange) -> Reply:
    """The answer to a command that would change nothing, shown to the caller only, in one form
    for every command: `Nothing to change: <the fact>.` (the check gives the fact alone)."""
    said = reason if isinstance(reason, NothingToChange) else NothingToChange(reason)
    fact = said.reason.rstrip(". ")
    return Reply(
        tone=Tone.INFO, title=f"Nothing to change: {fact}.", ephemeral=True, refs=said.refs
    )


def accepted(command: Command) -> Reply:
    """The immediate answer to a deferred command."""
    return Reply(
        tone=Tone.ACCEPTED,
        title=f"Working on `sre {command.phrase()}`…",
        text="The result will be posted here when it is ready.",
        ephemeral=True,
    )


def with_receipt(reply: Reply, record: AuditRecord | Owed | None) -> Reply:
    """The reply with the audit entry's receipt attached (an owed entry: said in its text)."""
    if isinstance(record, Owed):
        text = f"{reply.text}\n{record.said}" if reply.text else record.said
        return reply.model_copy(update={"text": text})
    return reply.model_copy(update={"receipt": record.receipt}) if record else reply
