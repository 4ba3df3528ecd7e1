"""Follow-ups: the invocations a command returned, run after it down the same command path
(cosmicpython's message bus), each failure named in the command's answer, none lost to another."""

from __future__ import annotations

import logging
from collections.abc import Callable

from shared.commands.context import Handled
from shared.commands.free_text import shown
from shared.identity.models import Platform
from shared.invocation import Invocation
from shared.replies import Reply, Tone

log = logging.getLogger("autosre.bus")

MAX_FOLLOW_UPS = 100
"""Follow-ups one command may cause, theirs included: a longer chain is a defect, reported and
not run."""
REFUSALS = ("Conflict", "Not found")
"""The titles of the domain's refusals (as `bus_replies` writes them), said in their words."""
FOLLOW_UPS_NOT_DONE = "Follow-ups not done"
"""The field of a command's answer that names its follow-ups that failed or were refused."""


def follow(
    cause: Invocation,
    reply: Reply,
    queue: list[Invocation],
    *,
    run: Callable[[Invocation], Handled],
    then: str = "",
) -> Reply:
    """Run `queue` in order with `run` (the bus's whole path), each follow-up's own after the
    rest; `reply`, with the ones that failed or were refused named, the others having run (and
    ending with `then` once, only when every one was done: none failed, none only queued)."""
    problems: list[str] = []
    queued = False  # a follow-up deferred to the worker is not done yet: `then` would be a guess
    ran = 0
    while queue:
        follow_up = queue.pop(0)
        what = f"`{shown(follow_up.text, limit=300)}`"
        if ran == MAX_FOLLOW_UPS:
            problems.append(f"{what} and {len(queue)} more: not run, too many follow-ups")
            log.error("too many follow-ups", extra={"correlation_id": cause.correlation_id})
            break
        ran += 1
        if not may_follow(cause, follow_up):
            problems.append(f"{what}: not run, it would act in another org")
            continue
        done = run(follow_up)
        queue.extend(done.follow_ups)
        queued = queued or done.reply.tone is Tone.ACCEPTED
        if done.reply.failed:
            problems.append(f"{what}: {_why(done.reply, follow_up.correlation_id)}")
            log.warning(
                "follow-up not done",
                extra={"correlation_id": cause.correlation_id, "title": done.reply.title},
            )
    if not problems:
        done_all = then and not queued
        return reply.model_copy(update={"text": f"{reply.text}\n{then}"}) if done_all else reply
    fields = [*reply.fields, (FOLLOW_UPS_NOT_DONE, "\n".join(problems))]
    if then:  # the command is done only once its follow-ups are: one not done is a failure
        return reply.model_copy(update={"fields": fields, "tone": Tone.ERROR})
    return reply.model_copy(update={"fields": fields})


def _why(reply: Reply, ref: str) -> str:
    """Why a follow-up was not done: a refusal in its own words (the user's to read: not
    allowed, a conflict, not found, a usage error); anything else by its reference, for the
    logs (an internal error's details are not the user's)."""
    if reply.tone is Tone.USAGE:
        return reply.title
    if reply.tone is Tone.DENIED or reply.title in REFUSALS:
        said = " ".join(reply.text.split())
        return f"{reply.title}: {said}" if said else reply.title
    return f"{reply.title} (ref {ref})"


def may_follow(cause: Invocation, follow_up: Invocation) -> bool:
    """A follow-up acts in its command's org (the scheduler's, which spans orgs, in any)."""
    return cause.actor.platform is Platform.SCHEDULER or follow_up.actor.org == cause.actor.org
