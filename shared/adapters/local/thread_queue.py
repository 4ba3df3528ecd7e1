"""The embedded default's task queue: a worker thread in the same process."""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable

from shared.commands.invocation import DeferredCommand

log = logging.getLogger("autosre.worker")


class ThreadTaskQueue:
    """Runs deferred commands one at a time on a daemon thread."""

    def __init__(self, consumer: Callable[[DeferredCommand], object] | None = None) -> None:
        self.consumer = consumer
        self._queue: queue.Queue[DeferredCommand] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()

    def enqueue(self, task: DeferredCommand) -> None:
        if self.consumer is None:
            raise RuntimeError("the local task queue has no consumer")
        with self._start_lock:
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._work, name="autosre-worker", daemon=True
                )
                self._thread.start()
        self._queue.put(task)

    def join(self) -> None:
        """Wait until every queued task has run."""
        self._queue.join()

    def _work(self) -> None:
        while True:
            task = self._queue.get()
            try:
                if self.consumer is not None:
                    self.consumer(task)
            except Exception:
                log.exception("deferred command failed", extra={"command": task.command})
            finally:
                self._queue.task_done()
