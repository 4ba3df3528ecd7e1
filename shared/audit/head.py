"""Find a stream's head without listing it: gallop, then bisect, over "does entry n exist?";
and tell a head that fell below what was recorded of it (a trail cut or rolled back)."""

from __future__ import annotations

from collections.abc import Callable

from shared.audit.models import AuditRecord, Digest, HeadMark


def last_present(exists: Callable[[int], bool], known: int = 0) -> int:
    """The highest n for which `exists(n)`, entries being numbered 1, 2, 3… without gaps,
    probing from `known` (0, or a number seen to exist); if `known` is gone since (a cut, a
    rolled-back trail), from the start. Costs about 2·log2(distance) calls.
    """
    if not exists(known + 1):
        if known and not exists(known):
            return last_present(exists)
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


def cut_below(head: AuditRecord | None, mark: HeadMark | None, sealed: Digest | None) -> str | None:
    """Why a stream whose stored head is `head` was cut or rolled back, if it was: it ends below
    the head the state store remembers (`mark`) or the last digest sealed (`sealed`), or its
    entry at the remembered head is not the one remembered."""
    seq = head.seq if head else 0
    if mark is not None and seq < mark.seq:
        return f"the trail ends at #{seq} but the state store saw #{mark.seq}"
    if sealed is not None and seq < sealed.last_seq:
        return f"the trail ends at #{seq} but digest #{sealed.number} sealed #{sealed.last_seq}"
    if mark is not None and head is not None and seq == mark.seq and head.hash != mark.hash:
        return f"#{seq} is not the entry the state store saw there (re-chained)"
    return None
