"""Finding a stream's head by probing "does entry n exist?" (no listing)."""

from __future__ import annotations

import pytest

from shared.audit.head import last_present


@pytest.mark.parametrize("head", [0, 1, 2, 7, 64, 1_000])
@pytest.mark.parametrize("known", [0, 1, 5, 64])
def test_the_head_is_found_from_any_entry_seen(head: int, known: int) -> None:
    # GIVEN entries 1..head, and a number seen earlier (which may have been cut since)
    calls: list[int] = []

    def exists(n: int) -> bool:
        calls.append(n)
        return 1 <= n <= head

    # WHEN the head is probed for from it
    found = last_present(exists, known)
    # THEN it is the head, in a few dozen probes at most
    assert found == head
    assert len(calls) <= 4 + 4 * max(1, head).bit_length()
