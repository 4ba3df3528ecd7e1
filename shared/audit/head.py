"""Find a stream's head without listing it: gallop, then bisect, over "does entry n exist?"."""

from __future__ import annotations

from collections.abc import Callable


def last_present(exists: Callable[[int], bool], known: int = 0) -> int:
    """The highest n >= `known` for which `exists(n)`, entries being numbered 1, 2, 3… without gaps.

    `known` must be 0 or a number that exists. Costs about 2·log2(distance) calls.
    """
    if not exists(known + 1):
        return known
    low, step = known + 1, 1
    high = low + step
    while exists(high):
        low, step = high, step * 2
        high = low + step
    while high - low > 1:
        middle = (low + high) // 2
        if exists(middle):
            low = middle
        else:
            high = middle
    return low
