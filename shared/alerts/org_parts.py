"""Each org's part of a tick, a few at a time, each waited on for a bounded time from its own
start: one org that never finishes frees its place once its time is up, so it neither holds
back the orgs after it nor has its own work cut off (it goes on, on its own thread)."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from typing import TypeVar

T = TypeVar("T")

AT_ONCE = 16
"""Orgs whose parts run at the same time: notices and audit writes mostly wait on the network."""


class LateError(Exception):
    """An org's part still running when its time was up."""


def each_within(
    parts: Mapping[str, Callable[[], T]], *, seconds: float, at_once: int = AT_ONCE
) -> dict[str, T | Exception]:
    """Each part's result or error; `LateError` for one still running `seconds` after it began."""
    done: dict[str, T | Exception] = {}
    finished = threading.Condition()
    waiting = deque(parts.items())
    running: dict[str, float] = {}

    def run(org: str, part: Callable[[], T]) -> None:
        try:
            outcome: T | Exception = part()
        except Exception as error:  # noqa: BLE001 (handed to the caller, per org)
            outcome = error
        with finished:
            done.setdefault(org, outcome)
            finished.notify_all()

    with finished:
        while waiting or running:
            while waiting and len(running) < at_once:
                org, part = waiting.popleft()
                running[org] = time.monotonic()
                threading.Thread(target=run, args=(org, part), daemon=True).start()
            due = min(running.values()) + seconds
            finished.wait(max(0.0, due - time.monotonic()))
            for org, began in list(running.items()):
                if org in done:
                    del running[org]
                elif time.monotonic() >= began + seconds:
                    done[org] = LateError(f"over {seconds:g} s")
                    del running[org]
    return {org: done[org] for org in parts}
