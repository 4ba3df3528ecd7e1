"""Short records by partition and name, in memory (tests and the memory deployment)."""

from __future__ import annotations

import threading


class InMemoryRecords:
    """Text values under (partition, name); every change under one lock."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._values: dict[tuple[str, str], str] = {}

    def get(self, partition: str, name: str) -> str | None:
        """The value stored under (partition, name), if any."""
        with self._lock:
            return self._values.get((partition, name))

    def put(self, partition: str, name: str, value: str, *, expires: float | None = None) -> None:
        """Store `value`, replacing what was there (kept past `expires`: a test's process ends)."""
        del expires
        with self._lock:
            self._values[(partition, name)] = value

    def swap(self, partition: str, name: str, expected: str | None, value: str) -> bool:
        """Store `value` only if the stored one is still `expected` (None: nothing stored)."""
        with self._lock:
            if self._values.get((partition, name)) != expected:
                return False
            self._values[(partition, name)] = value
            return True

    def take(self, partition: str, name: str) -> str | None:
        """Remove and return the value: of two takers, only one gets it."""
        with self._lock:
            return self._values.pop((partition, name), None)

    def clear(self, partition: str, prefix: str = "") -> None:
        """Remove every value of the partition whose name starts with `prefix`."""
        with self._lock:
            for key in [k for k in self._values if k[0] == partition and k[1].startswith(prefix)]:
                del self._values[key]
