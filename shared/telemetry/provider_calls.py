"""The provider calls of one read, told apart from every other read of the same adapter: each
adapter says each call it makes (`made`), and whoever measures a read (`tallied`) learns the calls
made in its own thread (or task) while the read ran, however many reads of that adapter (one per
org in an alert tick) run at the same time, which adapter made them (a canary's or chaos
experiment's reads go through a cloud's metrics adapter), and the metrics they requested (what
CloudWatch bills GetMetricData by)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar


class Tally:
    """The provider calls made so far by the read being measured."""

    def __init__(self) -> None:
        self.calls = 0
        self.by_adapter: Counter[str] = Counter()
        """The calls each adapter (by its class name) said it made; the rest said none."""
        self.metrics = 0
        """The metrics those calls requested, where the provider bills by them."""


_current: ContextVar[Tally | None] = ContextVar("provider_calls", default=None)


def made(calls: int = 1, *, by: object = None, metrics: int = 0) -> None:
    """Count `calls` provider calls (made by the adapter `by`, requesting `metrics` metrics) to
    the read measured in this thread, if any is."""
    tally = _current.get()
    if tally is not None:
        tally.calls += calls
        tally.metrics += metrics
        if by is not None:
            tally.by_adapter[type(by).__name__] += calls


@contextmanager
def tallied() -> Iterator[Tally]:
    """A fresh tally of the calls this thread makes until the block ends."""
    tally = Tally()
    token = _current.set(tally)
    try:
        yield tally
    finally:
        _current.reset(token)
