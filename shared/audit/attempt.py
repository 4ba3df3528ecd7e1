"""An append waited for a while, then given up on: how a kill switch's entry is owed instead of
held back by a trail that does not answer (see `AuditTrail.append_or_owe`)."""

from __future__ import annotations

import contextvars
import threading
import time
from collections.abc import Callable

from shared.audit.models import AuditRecord
from shared.errors import AuditUnavailableError

SLOW_FAILURE = 1.0
"""Seconds: an append that fails after this long met a trail that does not answer (timed out)."""
SILENT_FOR = 30.0
"""Seconds a trail that did not answer is taken as down: appends fail at once, not one timeout
each (a tick's halts are not held back behind its other writes), kill switches owe at once."""


class Stuck:
    """How many appends `append_or_owe` gave up on are still waiting for the trail, and until
    when the trail is taken as silent after an append that timed out."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.count = 0
        self._until = 0.0

    def silent(self) -> bool:
        """Whether the trail is taken as not answering now."""
        return self.count > 0 or time.monotonic() < self._until

    def failed(self, after: float) -> None:
        """An append failed `after` seconds: if that slowly, the trail is silent for a while."""
        if after >= SLOW_FAILURE:
            self._until = time.monotonic() + SILENT_FOR


class Attempt:
    """One append run on its own thread, waited for a while, then given up on (still running,
    it counts as stuck until it ends, and puts nothing more)."""

    def __init__(self, stuck: Stuck) -> None:
        self._stuck = stuck
        self._outcome: list[AuditRecord | BaseException] = []
        self._heads: list[int] = []  # the head each put followed, the first the lowest
        self._done = threading.Event()  # answered, or given up on

    @property
    def sent(self) -> int | None:
        """The head the first put sent followed (None: nothing sent)."""
        return self._heads[0] if self._heads else None

    def run(
        self, append: Callable[[Callable[[AuditRecord], None]], AuditRecord], wait: float
    ) -> AuditRecord | BaseException | None:
        """The record, the error, or None if `append` had not answered within `wait` seconds."""
        context = contextvars.copy_context()  # the request's log context goes with it
        threading.Thread(target=context.run, args=(self._attempt, append), daemon=True).start()
        self._done.wait(wait)
        with self._stuck.lock:
            if not self._outcome:  # not answered: stuck until it ends
                self._stuck.count += 1
                self._done.set()
                return None
            return self._outcome[0]

    def _putting(self, record: AuditRecord) -> None:
        with self._stuck.lock:
            if self._done.is_set():
                raise AuditUnavailableError("given up on: owed instead")
            self._heads.append(record.seq - 1)

    def _attempt(self, append: Callable[[Callable[[AuditRecord], None]], AuditRecord]) -> None:
        try:
            self._outcome.append(append(self._putting))
        except BaseException as error:  # noqa: BLE001 (told to the waiter, which owes it)
            self._outcome.append(error)
        finally:
            with self._stuck.lock:
                if self._done.is_set():  # given up on: it no longer keeps the trail stuck
                    self._stuck.count -= 1
                self._done.set()
