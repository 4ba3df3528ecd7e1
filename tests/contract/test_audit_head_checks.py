"""How an append finds the head it chains after when the trail was tampered with and the state
store's remembered head lags (its updates failed): never into a hole, never after an entry that
claims another number, and a hole beside an unreadable entry does not block the team. On the
local folder and on S3 (moto), written through the trail itself."""

from __future__ import annotations

from typing import Any

import pytest

from shared.adapters.memory import FixedClock
from shared.audit.chain import encode, next_record
from shared.audit.models import AuditDraft, AuditRecord, HeadMark, StreamKey
from shared.audit.ports import AuditLog
from shared.audit.trail import AuditTrail
from shared.errors import AuditTrailCutError
from tests.contract.audit_stores import Stores
from tests.support import NOW, ORG, TEST_KEY, audit_draft

PAYMENTS = StreamKey(org=ORG, team="payments")


def _draft(command: str) -> AuditDraft:
    return audit_draft(command).model_copy(update={"org": ORG})


def _trail(found: Stores, log: AuditLog | None = None) -> AuditTrail:
    """The trail over the stores, as a process opens it (`log`: a fresh one's)."""
    return AuditTrail(
        log=log or found.log, key=lambda: TEST_KEY, clock=FixedClock(NOW), heads=found.directory
    )


def _claiming(base: AuditRecord, seq: int) -> AuditRecord:
    """An entry that claims number `seq`, linked as if `base` were numbered `seq - 1`."""
    draft = AuditDraft(**base.model_dump(include=set(AuditDraft.model_fields)))
    shifted = base.model_copy(update={"seq": seq - 1})
    return next_record(shifted, draft.model_copy(update={"command": "sre forged"}))


def _twenty_without_16(found: Stores) -> AuditRecord:
    """Payments' trail of 20 entries with #16 deleted (a fresh process's probe stops at #15):
    its head, #20, which the state store remembers."""
    trail = _trail(found)
    for n in range(20):
        trail.append(_draft(f"ok {n}"))
    head = found.log.head(PAYMENTS)
    assert head is not None
    found.delete_entry("payments", 16)
    return head


def _mark(found: Stores) -> HeadMark:
    return next(m for m in found.directory.head_marks(ORG) if m.team == "payments")


def test_a_lagging_mark_and_a_hole_never_lead_into_the_hole(
    found: Stores, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN 60 entries remembered, then 70 more written while the state store refused to
    # remember them, and then entry #128 deleted (a fresh process's probe stops at #127)
    trail = _trail(found)
    for n in range(60):
        trail.append(_draft(f"ok {n}"))

    def refused(_: Any) -> None:
        raise RuntimeError("throttled")

    monkeypatch.setattr(found.directory, "mark_head", refused)
    for n in range(70):
        trail.append(_draft(f"unremembered {n}"))
    monkeypatch.undo()
    assert _mark(found).seq == 60
    found.delete_entry("payments", 128)
    # WHEN a fresh process appends
    with pytest.raises(AuditTrailCutError, match="do not link"):
        _trail(found, found.restarted()).append(_draft("after the hole"))
    # THEN it wrote nothing, and never into the hole
    assert [e.position for e in found.log.scan(PAYMENTS, after=126)] == [127, 129, 130]


def test_an_entry_claiming_another_number_is_never_chained_after(found: Stores) -> None:
    # GIVEN 20 entries, #16 deleted and #15 overwritten with an entry that claims #25
    head = _twenty_without_16(found)
    found.store_raw("payments", 15, encode(_claiming(head, 25)))
    # WHEN a fresh process appends
    written = _trail(found, found.restarted()).append(_draft("after"))
    # THEN it chains after the real head (the remembered one, which the entries after link to)
    assert (written.seq, written.prev_hash) == (21, head.hash)


def test_a_hole_beside_an_unreadable_entry_does_not_block_the_team(found: Stores) -> None:
    # GIVEN 20 entries, #16 deleted and #15 garbled (the fresh probe lands on #15)
    head = _twenty_without_16(found)
    found.garble("audit", "payments", 15)
    # WHEN a fresh process appends
    written = _trail(found, found.restarted()).append(_draft("after"))
    # THEN it goes on after the real head
    assert (written.seq, written.prev_hash) == (21, head.hash)
