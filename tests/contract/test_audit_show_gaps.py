"""`sre audit show` on a trail with an entry deleted, in a process that never saw it whole (the
deferred worker): a head found by probing stops at the gap, and what lies past it is still
shown (verify names the gap)."""

from __future__ import annotations

from typing import Any

from shared.audit.models import StreamKey
from tests.contract.audit_stores import Stores, services_on
from tests.support import ORG, run, run_deferred, setup_teams

PAYMENTS = StreamKey(org=ORG, team="payments")


def _filled(found: Stores, clock: Any, members: int) -> int:
    services = services_on(found, clock)
    setup_teams(services)
    for n in range(members):
        assert not run(services, f"team member add u{n} --role viewer --team payments").failed
    head = found.log.head(PAYMENTS)
    assert head is not None
    return head.seq


def test_the_newest_entries_past_a_deleted_one_are_shown(found: Stores, clock: Any) -> None:
    # GIVEN payments' trail with an entry in its middle deleted
    head = _filled(found, clock, 40)
    found.delete_entry("payments", head - 20)
    # WHEN an auditor's show runs in a fresh process
    fresh = services_on(found, clock, log=found.restarted())
    shown = run_deferred(fresh, "audit show --team payments --limit 3", user="aud")
    # THEN it shows the newest three, not the three below the gap
    assert [line.split()[0] for line in shown.text.splitlines()] == [
        f"#{seq}" for seq in range(head - 2, head + 1)
    ]


def test_a_trail_whose_first_entry_is_deleted_is_still_shown(found: Stores, clock: Any) -> None:
    # GIVEN payments' trail without its first entry
    head = _filled(found, clock, 5)
    found.delete_entry("payments", 1)
    # WHEN an auditor's show runs in a fresh process
    fresh = services_on(found, clock, log=found.restarted())
    shown = run_deferred(fresh, "audit show --team payments --limit 3", user="aud")
    # THEN it shows the newest entries
    assert shown.text.splitlines()[-1].startswith(f"#{head} ")
