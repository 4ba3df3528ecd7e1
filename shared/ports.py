"""The cross-cutting interfaces every feature may use: the clock, the notifier, the task queue, the
delivery guard and the export store. Each feature keeps its own ports beside it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import PurePath
from typing import Protocol

from shared.identity.models import Platform
from shared.invocation import DeferredCommand, ReplyTarget
from shared.replies import Reply


class ExportStore(Protocol):
    """Where exports go: a file here, an object behind an expiring link on AWS."""

    def publish(self, name: str, content: bytes, content_type: str) -> str:
        """Store `content` as `name`; return where to fetch it (a path or a URL). ValueError if
        `name` is not one plain file name (no folder, no leading dot), before storing anything."""


def where_told(where: str, platform: Platform) -> str:
    """Where an export is, as its asker is told: a link as it is; a file of the server's own
    folder by its name to a chat user (who never learns the server's paths), in full to a
    terminal's."""
    if platform is Platform.LOCAL or "://" in where:
        return where
    return f"{PurePath(where).name}, in the exports folder of the machine running Auto SRE"


class TaskQueue(Protocol):
    """Where slow commands wait for the worker (SQS, a local thread, a list in tests)."""

    def enqueue(self, task: DeferredCommand) -> None:
        """Hand `task` to the worker; raise if it could not be queued."""


class Notifier(Protocol):
    """Posts a reply into a channel, a thread or a conversation (Slack, Teams, the terminal)."""

    def post(
        self, target: ReplyTarget, reply: Reply, *, user: str | None = None
    ) -> ReplyTarget | None:
        """Post `reply` at `target` (ephemeral ones to `user`); raise if the platform refuses.
        Returns where the message now is (with its id), when the platform says."""

    def update(self, target: ReplyTarget, reply: Reply) -> None:
        """Replace the message at `target` (as `post` returned it) with `reply`."""


class DeliveryGuard(Protocol):
    """Runs an action once per platform delivery id, however often the delivery is retried."""

    def __call__(self, *, key: str, run: Callable[[], Reply]) -> Reply | None:
        """The reply of the first run for `key`; None while that run is still in progress."""


class Clock(Protocol):
    """The time, always timezone-aware UTC."""

    def now(self) -> datetime:
        """The current time."""
