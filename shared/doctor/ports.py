"""What the doctor reads of the deployment besides the state and the trail: the task queue's
depth and the worker's live version (AWS); each adapter says what it found, never a verdict."""

from __future__ import annotations

from typing import NamedTuple, Protocol

from pydantic import BaseModel, ConfigDict


class Unchecked(NamedTuple):
    """A check this deployment cannot make, and why (said in the report instead of a ✓)."""

    why: str


class QueueDepth(BaseModel):
    """How many deferred commands wait in the task queue, run now, and failed for good."""

    model_config = ConfigDict(frozen=True)

    queue: str
    """Which queue was read (`SQS autosre-prod-TaskQueue-…`, `the SQLite file`)."""
    waiting: int
    running: int
    """Taken by a worker and not yet finished (SQS: in flight)."""
    dead_letters: int | None = None
    """In its dead-letter queue (tasks that failed five times); None: it has none."""


class QueueGauge(Protocol):
    """Reads the task queue's depth; raises when the queue cannot be read."""

    def depth(self) -> QueueDepth:
        """The queue's depth now."""
        ...


class WorkerRelease(BaseModel):
    """The worker's live alias against the function as last deployed ($LATEST)."""

    model_config = ConfigDict(frozen=True)

    function: str
    live_version: str
    changed: tuple[str, ...]
    """The environment variables whose values differ between the live version and $LATEST
    (names only: a value may be a secret)."""
    code_changed: bool
    """Whether $LATEST's code differs from the live version's (not yet published and promoted)."""


class WorkerVersions(Protocol):
    """Reads which version the worker's live alias runs, against $LATEST; raises when it cannot."""

    def release(self) -> WorkerRelease:
        """The live version and what differs from $LATEST."""
        ...
