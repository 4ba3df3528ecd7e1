"""Removing a service something uses: what the refusal names, and what --force takes along."""

from __future__ import annotations

import pytest

from shared.errors import ConflictError
from shared.services.commands import RemoveService
from shared.services.ports import ServiceUse
from shared.services.removal import refuse_used


def _policies(count: int) -> list[ServiceUse]:
    return [ServiceUse(kind="alert policy", name=f"p{i:02d}") for i in range(count)]


def test_many_policies_are_named_up_to_ten_then_counted() -> None:
    with pytest.raises(ConflictError) as refused:
        refuse_used(RemoveService(name="web"), _policies(13), {}, team="payments")
    said = str(refused.value)
    assert said.startswith("web is used by 13 alert policies: p00, p01,")
    assert "p09 and 3 more. Remove them first or use --force" in said


def test_force_may_go_ahead_over_policies_and_shares_but_never_a_canary_under_way() -> None:
    force = RemoveService(name="web", force=True)
    refuse_used(force, _policies(2), {"search": ["p00"]}, team="payments")
    canary = [*_policies(1), ServiceUse(kind="canary", name="can-1a2b")]
    with pytest.raises(ConflictError, match=r"web has a canary under way \(can-1a2b\)"):
        refuse_used(force, canary, {}, team="payments")
    refuse_used(RemoveService(name="web"), [], {}, team="payments")


def test_a_share_alone_is_named_and_needs_force() -> None:
    with pytest.raises(ConflictError) as refused:
        refuse_used(RemoveService(name="web"), [], {"search": []}, team="payments")
    assert str(refused.value).startswith("web is shared with team search. Remove them first")
