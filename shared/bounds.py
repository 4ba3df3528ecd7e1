"""Each org's part of a tick, a few at a time, each waited on for a bounded time from its own
start: one org that never finishes frees its place once its time is up, so it neither holds
back the orgs after it nor has its own work cut off (it goes on, on its own thread). The one
mechanism the scheduler's features (alerts, canaries, chaos) bound their orgs' work with."""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from typing import TypeVar

T = TypeVar("T")
log = logging.getLogger("autosre.scheduler")

AT_ONCE = 16
"""Orgs whose parts run at the same time: provider reads, notices and audit writes mostly wait
on the network."""


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


class OrgSteps:
    """Each org's steps of a tick (a canary's, an experiment's), waited on for at most `seconds`:
    a part is handed `late`, an event set once its time is up, and checks it after its reads and
    before its first write, so a late org's step is carried whole to a later tick (judged again
    there), never half made. An org whose part of an earlier tick still runs is waited for within
    the same bound, so one org's steps never run twice at once."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def run(self, parts: Mapping[str, Callable[[threading.Event], list[str]]]) -> list[str]:
        """What each org's part said, and for each late one that it was carried."""
        lateness = {org: threading.Event() for org in parts}
        bounded = {
            org: functools.partial(self._one, org, part, lateness[org])
            for org, part in parts.items()
        }
        said: list[str] = []
        for org, outcome in each_within(bounded, seconds=self.seconds).items():
            if isinstance(outcome, list):
                said += outcome
                continue
            lateness[org].set()
            if isinstance(outcome, LateError):
                log.warning("org %s: its steps took over %g s; carried", org, self.seconds)
                said.append(f"not stepped this tick: {org} (over {self.seconds:g} s), carried")
            else:
                log.error("org %s: its steps stopped", org, exc_info=outcome)
                said.append(f"not stepped this tick: {org} ({outcome}), carried")
        return said

    def _one(
        self, org: str, part: Callable[[threading.Event], list[str]], late: threading.Event
    ) -> list[str]:
        """`part` once no earlier part of `org` runs (waited for within the bound)."""
        with self._guard:
            lock = self._locks.setdefault(org, threading.Lock())
        if not lock.acquire(timeout=self.seconds):
            raise LateError("its steps of an earlier tick still run")
        try:
            return part(late)
        finally:
            lock.release()
