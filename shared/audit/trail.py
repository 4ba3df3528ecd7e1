"""Append to a team's chain (redacted, numbered without gaps) and seal it with signed digests."""

from __future__ import annotations

import functools
import logging
import random
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator

from shared.audit.attempt import Attempt, Stuck
from shared.audit.chain import (
    decode,
    matches_its_hash,
    next_record,
    split,
    stream_marks,
    written_in,
)
from shared.audit.head import cut_below
from shared.audit.models import (
    GENESIS_HASH,
    AuditDraft,
    AuditRecord,
    Digest,
    HeadMark,
    StoredEntry,
    StreamKey,
    entry_name,
)
from shared.audit.owed import Owed, OwedEntries
from shared.audit.ports import AuditLog, HeadMarks
from shared.audit.redaction import redact
from shared.audit.seal import SigningKey, seal
from shared.errors import AuditTrailCutError, AuditUnavailableError, ConflictError
from shared.identity.models import OrgId
from shared.ports import Clock

MAX_ATTEMPTS = 100
BACKOFF_CAP = 0.05
"""Seconds: the longest pause between two attempts on a contended stream (full jitter)."""
DIGEST_EVERY = 100
"""A digest seals each stream every this many entries (and whenever `sre audit seal` runs)."""
OWED_PER_TICK = 200
"""At most this many owed entries of one org are written per settling (a tick); the rest next."""
LINKS_CHECKED = 50
"""The most entries after the remembered head an append checks link to it (see
`AuditTrail._linked_from`)."""
NEWEST_WINDOW = 500
"""The most entries read at once when a stream is read from its head down."""
TRAIL_WAIT = 1.0
"""Seconds a change never held back by the trail (a halt) waits for its entry before owing it:
a trail that hangs (S3 not answering) must not keep a Halt click past Slack's 3 s."""

log = logging.getLogger("autosre.audit")


def redacted(draft: AuditDraft) -> AuditDraft:
    """The draft with secrets masked in its command, target and details."""
    return draft.model_copy(
        update={
            "command": redact(draft.command),
            "target": redact(draft.target),
            "details": {k: redact(v) for k, v in draft.details.items()},
        }
    )


class AuditTrail:
    """The one way entries are written: redacted, chained, never overwritten, sealed."""

    def __init__(
        self,
        *,
        log: AuditLog,
        key: Callable[[], SigningKey],
        clock: Clock,
        every: int = DIGEST_EVERY,
        heads: HeadMarks | None = None,
        owed: OwedEntries | None = None,
    ) -> None:
        """`owed`: where entries the trail cannot take wait for it (None: only logged)."""
        self.log = log
        self._heads = heads
        self._owed = owed
        self._key = key
        self._clock = clock
        self.every = every
        self._sealed: dict[StreamKey, Digest] = {}
        self._lock = threading.Lock()
        self._stuck = Stuck()

    @property
    def stuck(self) -> int:
        """How many appends given up on (see `append_or_owe`) are still waiting for the trail."""
        return self._stuck.count

    def key(self) -> SigningKey:
        """The digest signing key."""
        return self._key()

    def append(
        self, draft: AuditDraft, *, putting: Callable[[AuditRecord], None] | None = None
    ) -> AuditRecord:
        """Chain `draft` after its stream's head; `AuditUnavailableError` if it cannot be stored.
        `putting` is told each record before it is put (and may raise to stop it)."""
        if self._stuck.silent():  # one timeout, not one per entry
            raise AuditUnavailableError("the audit trail is not answering, so nothing was done")
        clean = redacted(draft)
        started = time.monotonic()
        for attempt in range(MAX_ATTEMPTS):
            try:
                record = next_record(self._head_not_cut(clean.stream), clean)
                if putting:
                    putting(record)
                self.log.put(record)
            except ConflictError:  # another writer took the number: back off, then chain after it
                if not self._ours(record):
                    time.sleep(random.uniform(0, min(BACKOFF_CAP, 0.0005 * 2**attempt)))  # noqa: S311
                    continue
            except AuditTrailCutError:
                raise
            except Exception as error:
                self._stuck.failed(after=time.monotonic() - started)
                raise AuditUnavailableError(
                    "the audit trail could not be written, so nothing was done"
                ) from error
            self._mark_quietly(record)
            if record.seq % self.every == 0:
                self._seal_quietly(record.stream)
            return record
        raise AuditUnavailableError("the audit trail is too busy right now, so nothing was done")

    def _ours(self, record: AuditRecord) -> bool:
        """Whether the entry stored at `record`'s number is `record` itself: a put whose answer
        was lost (a timeout) and whose retry was refused as taken, by its own first try."""
        try:
            stored = next(self.records(record.stream, after=record.seq - 1, before=record.seq + 1))
        except (StopIteration, OSError):
            return False
        return stored.id == record.id and stored.hash == record.hash

    def _head_not_cut(self, stream: StreamKey) -> AuditRecord | None:
        """The stream's head, unless the stream was cut below what was recorded of it: chaining
        after a cut would re-use its numbers and hide it (`AuditTrailCutError`)."""
        mark = self._remembered(stream)  # first: a head read after it is never below it
        try:
            head = self.log.head(stream)
        except (ValueError, KeyError, TypeError):  # the entry found last cannot be read
            if mark is None:
                raise
            head = None
        else:
            if head is not None and mark is not None and head.seq > mark.seq:
                head = self._after_mark(stream, mark, head)
        if mark is not None and (head.seq if head else 0) < mark.seq:
            head = self._linked_from(stream, mark) or head
        with self._lock:
            sealed = self._sealed.get(stream)
        why = cut_below(head, mark, sealed)
        if why:
            raise _cut(stream, why, shorter=why.startswith("the trail ends"))
        return head

    def _after_mark(self, stream: StreamKey, mark: HeadMark, probed: AuditRecord) -> AuditRecord:
        """The head when one was found above the remembered head (written since, by another
        process, or the remembered head lags): the last of the entries that link to the
        remembered one; the remembered entry alone checked when more than `LINKS_CHECKED` lie
        above it, and then nothing may be stored past the head found (a hole the probe stopped
        at, which the trail must never be written into)."""
        links = probed.seq - mark.seq <= LINKS_CHECKED
        walked = self._linked_from(stream, mark, links=links)
        if walked is not None and not links:
            past = next(self.log.scan(stream, after=probed.seq), None)  # dropped: it closes
            walked = probed if past is None else None
        if walked is None:
            why = f"the entries after #{mark.seq}, the head the state store saw, do not link"
            raise _cut(stream, why, shorter=False)
        return walked

    def _linked_from(
        self, stream: StreamKey, mark: HeadMark, *, links: bool = True
    ) -> AuditRecord | None:
        """The stream's last entry when the remembered head's entry is still there as it was
        seen and every entry after it links to it; None (a cut) when it is gone or changed,
        or what follows does not link (an entry planted above a cut). A head found by probing
        stops at a deleted entry below the remembered one: a hole `verify` names, not a cut,
        and the trail goes on after its real head, never into the hole. Normally it reads
        one or two entries (the remembered head is the latest written); with `links` False
        (the remembered head far behind: its updates failed), only the remembered entry."""
        last: AuditRecord | None = None
        upto = None if links else mark.seq
        for entry in self.log.scan(stream, after=mark.seq - 1, upto=upto):
            try:
                record = decode(entry.body)
            except (ValueError, KeyError, TypeError):
                return None
            if record.seq != entry.position:
                return None
            if last is None and (record.seq != mark.seq or record.hash != mark.hash):
                return None
            if last is not None and (record.seq != last.seq + 1 or record.prev_hash != last.hash):
                return None
            last = record
        return last

    def _remembered(self, stream: StreamKey) -> HeadMark | None:
        """The longest head of `stream` the state store remembers."""
        if self._heads is None:
            return None
        marks = self._heads.head_marks(stream.org)
        return next((mark for mark in marks if mark.team == stream.team), None)

    def owe(self, draft: AuditDraft) -> Owed:
        """Keep `draft` (redacted) to be written when the trail is back; if even that fails,
        the whole entry in the error log."""
        clean = redacted(draft)
        try:
            if self._owed is None:
                raise AuditUnavailableError("no store of owed entries")
            self._owed.owe(clean)
        except Exception:
            log.exception("audit entry lost: %s", clean.model_dump_json())
            return Owed(saved=False)
        log.warning("audit entry owed: %s %s", clean.id, clean.command)
        return Owed(saved=True)

    def append_or_owe(self, draft: AuditDraft, *, wait: float = TRAIL_WAIT) -> AuditRecord | Owed:
        """Append `draft`; if the trail cannot take it, or has not within `wait` seconds, owe it
        (written when the trail is back): for a change never held back by the trail (a halt, a
        rollback, a skip). While an append given up on is still waiting, the next is owed at once.
        One given up on puts nothing more; if its put was already sent, the debt records the head
        it followed, so settling finds it in the trail rather than writing it twice."""
        if self._stuck.silent():
            log.warning("audit trail still not answering: %s %s owed", draft.id, draft.command)
            return self.owe(draft)
        attempt = Attempt(self._stuck)
        result = attempt.run(lambda putting: self.append(draft, putting=putting), wait)
        if isinstance(result, AuditRecord):
            return result
        if result is not None:
            log.warning("could not audit %s %s: owed", draft.id, draft.command, exc_info=result)
            return self.owe(draft)
        log.warning("audit trail silent for %ss: %s %s owed", wait, draft.id, draft.command)
        owed = self.owe(draft)
        if owed.saved and attempt.sent is not None:
            self._may_be_in_trail(draft, after=attempt.sent)
        return owed

    def _may_be_in_trail(self, draft: AuditDraft, *, after: int) -> None:
        """Record on an owed entry that its put was sent after entry `after` (a claim let go at
        once): settling looks for it there before writing it."""
        owed = self._owed
        if owed is None:
            return
        try:
            if owed.claim(draft, now=self._clock.now(), seen=after) is not None:
                owed.release(draft)
        except Exception:  # the debt stands; at worst it is written twice (same id)
            log.exception("could not mark owed entry %s as maybe written", draft.id)

    def settle(self, org: OrgId | None = None, *, limit: int = OWED_PER_TICK) -> list[AuditRecord]:
        """Write the entries owed (of `org`, if given) in the order owed, each once (claimed
        first: see `shared.audit.owed`), then forget them; at most `limit` per org, the rest
        the next time. A stream whose entry another writer holds waits for it; stops at the
        first the trail refuses (logged), the rest kept owed: what was written, either way."""
        owed = self._owed
        if owed is None:
            return []
        if self._stuck.silent():  # kept owed: tried again once the trail answers
            log.warning("owed audit entries left owed: the trail is not answering")
            return []
        written: list[AuditRecord] = []
        taken: Counter[str] = Counter()
        waiting: set[StreamKey] = set()
        for draft in owed.owed(org):
            if draft.stream in waiting or taken[draft.org] >= limit:
                taken[draft.org] += draft.stream not in waiting
                continue
            taken[draft.org] += 1
            try:
                done = self._settle_one(owed, draft)
            except AuditUnavailableError:  # what is written stays written; the rest stay owed
                log.warning("owed audit entries left owed: the trail is down", exc_info=True)
                return written
            if done is None:
                waiting.add(draft.stream)  # held by another writer: it keeps the stream's order
            elif isinstance(done, AuditRecord):
                written.append(done)
        if left := sum(max(0, n - limit) for n in taken.values()):
            log.info("%d owed audit entries left for the next settling", left)
        return written

    def _settle_one(self, owed: OwedEntries, draft: AuditDraft) -> AuditRecord | bool | None:
        """Claim, write (unless already in the trail: True) and forget one owed entry; None if
        another writer holds it. A failure after the claim lets it go (raised)."""
        try:
            head = self.log.head(draft.stream)
        except Exception as error:
            raise AuditUnavailableError("the audit trail could not be read") from error
        claim = owed.claim(draft, now=self._clock.now(), seen=head.seq if head else 0)
        if claim is None:
            return None
        try:
            found = claim.seen is not None and self._in_trail(draft, claim.seen)
            record: AuditRecord | bool = True if found else self.append(draft)
            owed.paid(draft)
        except Exception:
            _release_quietly(owed, draft)
            raise
        return record

    def _in_trail(self, draft: AuditDraft, after: int) -> bool:
        """Whether `draft` is in its stream after entry `after` (an earlier writer's claim)."""
        try:
            return any(
                decode(e.body).id == draft.id for e in self.log.scan(draft.stream, after=after)
            )
        except Exception as error:
            raise AuditUnavailableError("the audit trail could not be read") from error

    def _mark_quietly(self, record: AuditRecord) -> None:
        if self._heads is None:
            return
        mark = HeadMark(org=record.org, team=record.team, seq=record.seq, hash=record.hash)
        try:
            self._heads.mark_head(mark)
        except Exception:  # the entry is stored; a later entry's mark covers it
            log.exception("could not remember the head of %s", record.stream)

    def _seal_quietly(self, stream: StreamKey) -> None:
        try:
            self.seal(stream)
        except Exception:  # the entry is stored; the next seal covers it
            log.exception("could not seal %s", stream)

    def last_digest(self, stream: StreamKey) -> Digest | None:
        """The stream's latest digest."""
        with self._lock:
            cached = self._sealed.get(stream)
        if cached is not None:
            return cached
        digests = self.log.digests(stream)
        return digests[-1] if digests else None

    def seal(self, stream: StreamKey) -> Digest | None:
        """Write a digest over the stream's head, unless the last digest already covers it."""
        for _ in range(MAX_ATTEMPTS):
            head = self.log.head(stream)
            previous = self.last_digest(stream)
            if head is None or (previous and previous.last_seq >= head.seq):
                return None
            digest = seal(head, previous, self._key(), self._clock.now())
            try:
                self.log.put_digest(digest)
            except ConflictError:
                with self._lock:
                    self._sealed.pop(stream, None)  # another writer sealed: read theirs
                continue
            with self._lock:
                self._sealed[stream] = digest
            return digest
        raise AuditUnavailableError(f"could not seal {stream}: too many concurrent writers")

    def records(
        self,
        stream: StreamKey,
        *,
        after: int = 0,
        before: int | None = None,
        unreadable: list[str] | None = None,
        modified: list[int] | None = None,
        unlinked: list[int] | None = None,
        missing: list[tuple[int, int]] | None = None,
    ) -> Iterator[AuditRecord]:
        """The stream's entries stored above `after` (and below `before`), parsed (use `verify`
        to trust them); one that cannot be read is left out, and named (`payments#3`) in
        `unreadable` if given; the number of one changed since it was written is put in
        `modified`, of one not linked to the entry read before it in `unlinked`, and the numbers
        not there (deleted, or cut off below the head the state store remembers) in `missing`
        (see `_decoded`)."""
        upto = None if before is None else before - 1
        scanned = self.log.scan(stream, after=after, upto=upto)
        if missing is not None and upto is None:
            mark = self._remembered(stream)
            upto = mark.seq if mark else None
        yield from _decoded(
            stream,
            scanned,
            unreadable,
            modified=modified,
            unlinked=unlinked,
            missing=missing,
            span=(after, upto),
        )

    def newest_first(
        self,
        stream: StreamKey,
        *,
        first: int = 20,
        unreadable: list[str] | None = None,
        modified: list[int] | None = None,
        unlinked: list[int] | None = None,
        missing: list[tuple[int, int]] | None = None,
    ) -> Iterator[AuditRecord]:
        """The stream's entries from its head down, read a window at a time (`first` entries,
        then twice as many each time, up to `NEWEST_WINDOW`), so the latest few never cost a
        read of the whole stream; one that cannot be read, or is a copy stored under another
        number, is left out and named. Its top is
        the higher of the log's head and the head the state store remembers, and any entry
        above that is read first: a head found by probing stops at a gap (a deleted entry),
        and what lies past a gap must still be shown."""
        try:
            head = self.log.head(stream)
            known = head.seq if head else 0
        except (ValueError, KeyError, TypeError, OSError):  # its last entry cannot be read
            known = 0
        mark = self._remembered(stream)
        top, size = max(known, mark.seq if mark else 0), max(1, first)
        # normally nothing (one listing); all of a stream whose head is not known
        past = self.log.scan(stream, after=top)
        read = functools.partial(
            _decoded,
            stream,
            unreadable=unreadable,
            placed=True,
            modified=modified,
            unlinked=unlinked,
            missing=missing,
        )
        yield from reversed(list(read(past, span=(top, None))))
        while top > 0:
            after = max(0, top - size)
            found = read(self.log.scan(stream, after=after, upto=top), span=(after, top))
            yield from reversed(list(found))
            top, size = after, min(size * 2, NEWEST_WINDOW)


def _cut(stream: StreamKey, why: str, *, shorter: bool) -> AuditTrailCutError:
    """The refusal of an append to a trail cut or rolled back (`why`), logged."""
    log.error("audit trail %s cut: %s", stream, why)
    return AuditTrailCutError(f"{why}, so nothing was done", shorter=shorter)


def _decoded(
    stream: StreamKey,
    entries: Iterator[StoredEntry],
    unreadable: list[str] | None,
    *,
    placed: bool = False,
    modified: list[int] | None = None,
    unlinked: list[int] | None = None,
    missing: list[tuple[int, int]] | None = None,
    span: tuple[int, int | None] = (0, None),
) -> Iterator[AuditRecord]:
    """The entries parsed; one that cannot be read (with `placed`, also one stored under
    another number than its own: a copy) is left out, and named (`payments#3`) in
    `unreadable` if given; one whose content does not match its own hash (changed since it was
    written) has its number put in `modified` if given; where an entry does not link to the one
    read just before it (or #1 to the start), both numbers are put in `unlinked` if given (one
    of the two was replaced or inserted, its own hash made anew), and so is one of another
    trail (copied whole). `span`: the entries were read after the first number and up to the
    second (None: to the end); the numbers in it with no entry are put in `missing` as ranges."""
    marks = stream_marks(stream)
    before: tuple[int, str] = (0, GENESIS_HASH)
    if missing is not None:
        entries = _noting_gaps(entries, missing, span)
    for entry in entries:
        try:
            record = decode(entry.body)
            if placed and record.seq != entry.position:
                raise ValueError(f"entry #{record.seq} stored as #{entry.position}")
        except (ValueError, KeyError, TypeError):
            log.warning("unreadable audit entry %s #%d", stream, entry.position)
            if unreadable is not None:
                unreadable.append(entry_name(stream.team, entry.position))
            continue
        parts = split(entry.body)
        if modified is not None and not (parts and matches_its_hash(parts)):
            modified.append(entry.position)
        if unlinked is not None and parts is not None:
            follows = before[0] == entry.position - 1
            if follows and parts[1] != before[1]:
                unlinked += [n for n in (entry.position - 1, entry.position) if n >= 1]
            elif not written_in(parts[3], marks):
                unlinked.append(entry.position)
            before = (entry.position, parts[2])
        yield record


def _noting_gaps(
    entries: Iterator[StoredEntry], missing: list[tuple[int, int]], span: tuple[int, int | None]
) -> Iterator[StoredEntry]:
    """`entries`, read after `span[0]` and up to `span[1]` (None: to the end), putting the
    numbers between them with no entry in `missing` as ranges."""
    last = span[0]
    for entry in entries:
        if entry.position > last + 1:
            missing.append((last + 1, entry.position - 1))
        last = entry.position
        yield entry
    if span[1] is not None and span[1] > last:
        missing.append((last + 1, span[1]))


def _release_quietly(owed: OwedEntries, draft: AuditDraft) -> None:
    """Let go of `draft`'s claim; if even that fails, its lease lets it go."""
    try:
        owed.release(draft)
    except Exception:
        log.exception("could not let go of owed entry %s", draft.id)


def settle_said(trail: AuditTrail, org: OrgId | None) -> list[str]:
    """The scheduler's tick writing the entries owed to the trail (of `org`, if given), at most
    `OWED_PER_TICK` per org (the rest the next tick), kept for the next tick while the trail is
    still down; what it says of them: `2 owed audit entries written`, or nothing."""
    try:
        written = trail.settle(org, limit=OWED_PER_TICK)
    except Exception:  # still down: the next tick tries again
        log.warning("the owed audit entries could not be written yet", exc_info=True)
        return []
    if not written:
        return []
    many = "owed audit entry" if len(written) == 1 else "owed audit entries"
    return [f"{len(written)} {many} written"]
