"""Walk a stream as stored and prove it whole: hashes, sequence, locks, digests (pure)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from shared.audit.chain import matches_its_hash, split, stream_marks, written_in
from shared.audit.models import (
    GENESIS_HASH,
    Digest,
    HeadMark,
    LockState,
    StoredEntry,
    StreamKey,
)
from shared.audit.seal import SigningKey, digest_hash, signed_by
from shared.times import day

MAX_PROBLEMS = 5
Progress = Callable[[int], None]


@dataclass
class Verification:
    """What a walk of one stream found."""

    stream: StreamKey
    entries: int = 0
    first: int = 0
    head: int = 0
    head_hash: str = ""
    last_digest: Digest | None = None
    anchor: Digest | None = None
    mark: HeadMark | None = None
    """The longest head the state store remembers (the last receipt a reply showed)."""
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Whether nothing is wrong."""
        return not self.problems

    @property
    def uncovered(self) -> int:
        """Entries after the last digest: chained, but not yet signed."""
        return self.head - (self.last_digest.last_seq if self.last_digest else 0)

    def fail(self, problem: str) -> None:
        """Record a problem (the first few are kept)."""
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(problem)


def lock_problem(lock: LockState | None, now: datetime) -> str | None:
    """What is wrong with how an entry is protected, if anything."""
    if lock is None:
        return None
    if lock.mode == "writable":
        return "its file is writable (it should be read only)"
    if lock.mode in {"COMPLIANCE", "read-only"}:
        if lock.retain_until is not None and lock.retain_until <= now:
            return f"its retention ended on {day(lock.retain_until, today=now)}"
        return None
    return f"it is not under COMPLIANCE retention (lock: {lock.mode})"


def check_digests(
    report: Verification,
    digests: Sequence[Digest],
    key: SigningKey,
    damaged: Mapping[int, str] | None = None,
) -> None:
    """Numbering, links and signatures of a stream's digests; `damaged`: what is wrong with
    those stored that cannot be trusted (unreadable, overwritten), by number."""
    damaged = damaged or {}
    for number, problem in sorted(damaged.items()):
        report.fail(f"digest #{number} {problem}")
    previous: Digest | None = None
    for digest in sorted(digests, key=lambda d: d.number):
        expected = previous.number + 1 if previous else 1
        if any(n not in damaged for n in range(expected, digest.number)):
            report.fail(f"digest #{expected} is missing (removed)")
        elif digest.number == expected and digest.previous_digest_hash != (
            digest_hash(previous) if previous else GENESIS_HASH
        ):
            report.fail(f"digest #{digest.number} does not link to digest #{expected - 1}")
        if not signed_by(digest, key):
            report.fail(f"digest #{digest.number} has an invalid signature (replaced or forged)")
        elif digest.stream != report.stream:
            report.fail(f"digest #{digest.number} seals another trail (copied from it)")
        previous = digest
    report.last_digest = previous


def _check_entry(
    report: Verification,
    entry: StoredEntry,
    prev_hash: str | None,
    now: datetime,
    marks: tuple[bytes, bytes],
) -> str:
    """Check one entry after `prev_hash` (None: the entry a starting digest sealed, whose own
    hash the digest vouches for); return the hash the next entry must link to."""
    seq = entry.position
    parts = split(entry.body)
    if parts is None:
        report.fail(f"#{seq}: is not a readable audit entry")
        return ""
    stated_seq, stated_prev, stated_hash, content = parts
    if stated_seq != seq:
        report.fail(f"#{seq}: holds entry #{stated_seq} (entries moved or swapped)")
    elif prev_hash is not None and stated_prev != prev_hash:
        report.fail(f"#{seq}: does not link to the entry before it (inserted or replaced)")
    elif not matches_its_hash((seq, stated_prev, stated_hash, content)):
        report.fail(f"#{seq}: its content does not match its hash (modified)")
    elif not written_in(content, marks):
        report.fail(f"#{seq}: is an entry of another trail (copied from it)")
    problem = lock_problem(entry.lock, now)
    if problem:
        report.fail(f"#{seq}: {problem}")
    if entry.versions > 1:
        report.fail(f"#{seq}: was overwritten ({entry.versions} versions)")
    return stated_hash


def verify_stream(
    stream: StreamKey,
    entries: Iterable[StoredEntry],
    digests: Sequence[Digest],
    key: SigningKey,
    *,
    now: datetime,
    every: int,
    anchor: Digest | None = None,
    mark: HeadMark | None = None,
    progress: Progress | None = None,
    damaged: Mapping[int, str] | None = None,
) -> Verification:
    """Verify a stream from the start (or from a trusted digest `anchor`) to its head, and against
    the longest head the state store remembers (`mark`)."""
    report = Verification(stream=stream, anchor=anchor, mark=mark)
    check_digests(report, digests, key, damaged)
    sealed = {d.last_seq: d for d in digests}
    # from an anchor, its own entry is read first: the digest vouches for the entries before it
    # only while the entry it sealed is there, as sealed
    expected = anchor.last_seq if anchor else 1
    prev_hash: str | None = None if anchor else GENESIS_HASH
    report.first = expected
    marks = stream_marks(stream)
    for entry in entries:
        if entry.position > expected:
            report.fail(f"#{expected}: is missing (deleted)")
        # after an unreadable entry, the next one's link cannot be checked (None)
        prev_hash = _check_entry(report, entry, prev_hash, now, marks) or None
        digest = sealed.get(entry.position)
        if digest and digest.last_hash != prev_hash:
            report.fail(f"#{entry.position}: differs from what digest #{digest.number} sealed")
        if mark and mark.seq == entry.position and mark.hash != prev_hash:
            report.fail(
                f"#{entry.position}: differs from the entry the state store saw there "
                "(re-chained after it was written)"
            )
        report.entries += 1
        report.head, report.head_hash = entry.position, prev_hash or ""
        expected = entry.position + 1
        if progress and report.entries % 10_000 == 0:
            progress(report.entries)
    _check_tail(report, every)
    _check_mark(report)
    return report


def _check_mark(report: Verification) -> None:
    mark = report.mark
    if mark is None or mark.seq <= report.head:
        return
    if report.head == 0:
        report.fail(
            f"#1..#{mark.seq}: missing: the state store saw the stream reach #{mark.seq} "
            "but none of its entries are there (the stream was deleted)"
        )
        return
    report.fail(
        f"#{report.head + 1}..#{mark.seq}: missing: the state store saw #{mark.seq} "
        f"but the stream ends at #{report.head} (cut)"
    )


def _check_tail(report: Verification, every: int) -> None:
    last = report.last_digest
    if last and last.last_seq > report.head:
        report.fail(
            f"#{report.head + 1}..#{last.last_seq}: missing: digest #{last.number} sealed "
            f"#{last.last_seq} but the stream ends at #{report.head} (truncated)"
        )
    due = every * (report.head // every)
    if due and (last is None or last.last_seq < due):
        # the digests are numbered without gaps (checked above): by the storage alone, a seal
        # that was not written (it failed, or is late) and the newest digests removed look alike
        since = (last.last_seq if last else 0) + 1
        report.fail(
            f"#{since}..#{report.head}: no digest seals them (one is written every {every} "
            f"entries, so one was due at #{due}): a seal that failed, or the newest digests "
            "removed; the scheduler's log says which seals failed. `sre audit seal` seals them "
            "from now on"
        )
