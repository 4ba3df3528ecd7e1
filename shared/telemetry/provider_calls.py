"""The provider calls of one read, told apart from every other read of the same adapter: each
adapter says each call it makes (`made`), and whoever measures a read (`tallied`) learns the calls
made in its own thread (or task) while the read ran, however many reads of that adapter (one per
org in an alert tick) run at the same time."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar


class Tally:
    """The provider calls made so far by the read being measured."""

    def __init__(self) -> None:
        self.calls = 0


_current: ContextVar[Tally | None] = ContextVar("provider_calls", default=None)


def made(calls: int = 1) -> None:
    """Count `calls` provider calls to the read measured in this thread, if any is."""
    tally = _current.get()
    if tally is not None:
        tally.calls += calls


@contextmanager
def tallied() -> Iterator[Tally]:
    """A fresh tally of the calls this thread makes until the block ends."""
    tally = Tally()
    token = _current.set(tally)
    try:
        yield tally
    finally:
        _current.reset(token)
