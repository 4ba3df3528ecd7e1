"""An audit trail with an entry deleted, on the local folder and on S3 (moto): a hole in its
middle is not a cut (every process goes on after the real head, never into the hole, and verify
names it), and a cut tail is refused alike by a process that had seen the deleted head and by a
fresh one; `sre audit show` shows the newest entries past a hole and names a copy."""

from __future__ import annotations

import json
import stat
from pathlib import Path
from typing import Any

import pytest

from shared.adapters.local.folder_audit import FolderAuditLog
from shared.adapters.memory import FixedClock, InMemoryExportStore
from shared.audit.chain import encode, next_record
from shared.audit.models import AuditDraft, AuditRecord, StreamKey
from shared.bootstrap.memory import for_memory
from shared.bootstrap.wiring import Services
from shared.config import Settings
from shared.replies import Tone
from tests.contract.audit_stores import Stores, services_on
from tests.support import NOW, ORG, run, run_deferred, setup_teams

PAYMENTS = StreamKey(org=ORG, team="payments")
MISSING = "MISSING (deleted, or cut off after the state store saw them)"
SAYS_MORE = "`sre audit verify` says more"


def _head_after(services: Any, found: Stores, members: int) -> int:
    setup_teams(services)
    for n in range(members):
        assert not run(services, f"team member add u{n} --role viewer --team payments").failed
    head = found.log.head(PAYMENTS)
    assert head is not None
    return head.seq


def test_a_hole_in_the_middle_is_not_a_cut(found: Stores, clock: Any) -> None:
    # GIVEN payments' trail with its entry #4 deleted (a fresh process's probe lands on it)
    head = _head_after(services_on(found, clock), found, 10)
    found.delete_entry("payments", 4)
    # WHEN a fresh process runs a command of the team
    fresh = services_on(found, clock, log=found.restarted())
    done = run(fresh, "team member add c1 --role viewer --team payments")
    # THEN it is done, its entries after the real head, never in the hole
    assert not done.failed, done
    assert found.read_entry("payments", head + 1).command.startswith("sre team member add c1")
    assert [e.position for e in found.log.scan(PAYMENTS, after=3)][:2] == [5, 6]
    # AND verify names the hole
    verified = run_deferred(fresh, "audit verify --team payments", user="aud")
    assert verified.tone is not Tone.OK
    assert "#4" in str(verified.fields)


def test_a_cut_tail_is_refused_by_a_process_that_had_seen_it(found: Stores, clock: Any) -> None:
    # GIVEN a process that wrote payments' newest entry, which is then deleted
    warm = services_on(found, clock)
    head = _head_after(warm, found, 5)
    found.delete_entry("payments", head)
    # WHEN that process, and a fresh one, run a command of the team
    for services in (warm, services_on(found, clock, log=found.restarted())):
        refused = run(services, "team member add w --role viewer --team payments")
        # THEN both refuse it as a cut trail (never chaining past the cut, never "unavailable")
        assert "shorter than recorded" in refused.title, refused
        # AND an auditor's show still lists what is there, and names the entry cut off
        shown = run_deferred(services, "audit show --team payments --limit 2", user="aud")
        assert shown.text.splitlines()[-1].startswith(f"#{head - 1} "), shown
        assert shown.tone is Tone.ERROR
        assert dict(shown.fields)[MISSING] == f"payments#{head}: {SAYS_MORE}"
        # AND so does an export
        exported = run_deferred(services, "audit export --team payments", user="aud")
        assert dict(exported.fields)[MISSING] == f"payments#{head}: {SAYS_MORE}"


def _a_local_trail_with_a_copy(tmp_path: Path) -> tuple[Services, InMemoryExportStore, int]:
    """A local trail whose entry #2 was overwritten with a copy of its newest: the services
    over it, their export store and the newest entry's number."""
    log = FolderAuditLog(tmp_path / "audit")
    exports = InMemoryExportStore()
    settings = Settings(org_admins=("slack:T1:root",))
    services = for_memory(settings, audit_log=log, exports=exports, clock=FixedClock(NOW))
    setup_teams(services)
    head = log.head(PAYMENTS)
    assert head is not None
    folder = tmp_path / "audit" / "slack%3AT1" / "payments"
    two = folder / "000000000002.json"
    two.chmod(stat.S_IRUSR | stat.S_IWUSR)
    two.write_bytes((folder / f"{head.seq:012d}.json").read_bytes())
    return services, exports, head.seq


def test_an_export_below_a_number_goes_by_where_entries_are_stored(tmp_path: Path) -> None:
    # GIVEN a local trail whose entry #2 was overwritten with a copy of its newest
    services, exports, head = _a_local_trail_with_a_copy(tmp_path)
    # WHEN an auditor exports the entries below the newest
    reply = run_deferred(services, f"audit export --team payments --before-seq {head}", user="aud")
    # THEN every one stored there is exported, the copy too, and the copy is flagged: it is not
    # chained to the entries beside it (verify names it too)
    assert reply.failed, reply
    (unlinked,) = [v for k, v in reply.fields if k.startswith("UNLINKED")]
    assert unlinked.startswith("payments#1, payments#2, payments#3: do not trust them"), unlinked
    (content,) = exports.files.values()
    seqs = [json.loads(line)["seq"] for line in content.decode().splitlines()]
    assert seqs == [1, head, *range(3, head)]


def _planted(found: Stores, record: AuditRecord) -> None:
    """`record` put into storage as an insider would, under a number not taken."""
    found.store_raw(record.team, record.seq, encode(record))


def _forged_after(base: AuditRecord, seq: int) -> AuditRecord:
    """An entry numbered `seq` that links to `base` as if `base` were numbered `seq - 1`."""
    draft = AuditDraft(**base.model_dump(include=set(AuditDraft.model_fields)))
    shifted = base.model_copy(update={"seq": seq - 1})
    return next_record(shifted, draft.model_copy(update={"command": "sre forged"}))


@pytest.mark.parametrize("gone", [1, 3])
@pytest.mark.parametrize("process", ["warm", "fresh"])
def test_an_entry_planted_above_a_cut_does_not_hide_it(
    found: Stores, clock: Any, gone: int, process: str
) -> None:
    # GIVEN payments' trail cut below the head the state store saw, and one entry planted
    # after the cut, linked to the last entry kept (so the probe finds a head above the mark)
    warm = services_on(found, clock)
    head = _head_after(warm, found, 5)
    kept = found.read_entry("payments", head - gone)
    for seq in range(head - gone + 1, head + 1):
        found.delete_entry("payments", seq)
    _planted(found, _forged_after(kept, head + 1))
    # WHEN a process that had seen the head, or a fresh one, runs a command of the team
    services = warm if process == "warm" else services_on(found, clock, log=found.restarted())
    refused = run(services, "team member add evil --role admin --team payments")
    # THEN it is refused as a trail not as recorded, never chained after the planted entry
    assert refused.failed and "audit trail" in refused.title, refused
    assert found.log.head(PAYMENTS) is not None
    assert [e.position for e in found.log.scan(PAYMENTS, after=head)] == [head + 1]


def test_a_rewritten_head_with_a_hole_below_is_refused(found: Stores, clock: Any) -> None:
    # GIVEN payments' newest entry rewritten (another hash) and an entry below it deleted, so a
    # fresh process's probe stops below the head the state store saw
    head = _head_after(services_on(found, clock), found, 5)
    found.write_entry(_forged_after(found.read_entry("payments", head - 1), head))
    found.delete_entry("payments", head - 2)
    # WHEN a fresh process runs a command of the team
    fresh = services_on(found, clock, log=found.restarted())
    refused = run(fresh, "team member add evil --role admin --team payments")
    # THEN it is refused: the entry there is not the one the state store saw
    assert refused.failed and "audit trail" in refused.title, refused
    assert not list(found.log.scan(PAYMENTS, after=head))


def test_show_names_a_copied_entry_and_shows_the_rest(tmp_path: Path) -> None:
    # GIVEN a local trail whose entry #2 was overwritten with a copy of its newest
    services, _, head = _a_local_trail_with_a_copy(tmp_path)
    # WHEN an auditor shows the whole trail
    shown = run_deferred(services, "audit show --team payments --limit 200", user="aud")
    # THEN every entry stored under its own number is shown once, and the copy is named
    numbers = [line.split()[0] for line in shown.text.splitlines()]
    assert numbers == [f"#{n}" for n in range(1, head + 1) if n != 2]
    assert ("Not read (unreadable; `sre audit verify` names them)", "payments#2") in shown.fields


def test_the_newest_entries_past_a_deleted_one_are_shown(found: Stores, clock: Any) -> None:
    # GIVEN payments' trail with an entry in its middle deleted
    head = _head_after(services_on(found, clock), found, 40)
    found.delete_entry("payments", head - 20)
    # WHEN an auditor's show runs in a fresh process (a head found by probing stops at the gap)
    fresh = services_on(found, clock, log=found.restarted())
    shown = run_deferred(fresh, "audit show --team payments --limit 3", user="aud")
    # THEN it shows the newest three, not the three below the gap
    assert [line.split()[0] for line in shown.text.splitlines()] == [
        f"#{seq}" for seq in range(head - 2, head + 1)
    ]
    # AND an export of the whole trail names the deleted entry, as does a show that reads it
    exported = run_deferred(fresh, "audit export --team payments", user="aud")
    assert exported.tone is Tone.ERROR
    assert dict(exported.fields)[MISSING] == f"payments#{head - 20}: {SAYS_MORE}"
    shown = run_deferred(fresh, "audit show --team payments --limit 30", user="aud")
    assert dict(shown.fields)[MISSING] == f"payments#{head - 20}: {SAYS_MORE}"


def test_a_trail_whose_first_entry_is_deleted_is_still_shown(found: Stores, clock: Any) -> None:
    # GIVEN payments' trail without its first entry
    head = _head_after(services_on(found, clock), found, 5)
    found.delete_entry("payments", 1)
    # WHEN an auditor's show runs in a fresh process
    fresh = services_on(found, clock, log=found.restarted())
    shown = run_deferred(fresh, "audit show --team payments --limit 3", user="aud")
    # THEN it shows the newest entries
    assert shown.text.splitlines()[-1].startswith(f"#{head} ")
    # AND an export names the first as missing
    exported = run_deferred(fresh, "audit export --team payments", user="aud")
    assert dict(exported.fields)[MISSING] == f"payments#1: {SAYS_MORE}"


def test_deleted_entries_side_by_side_are_named_as_one_range(found: Stores, clock: Any) -> None:
    # GIVEN payments' trail with three entries in a row deleted, across show's read windows
    head = _head_after(services_on(found, clock), found, 40)
    for seq in (head - 9, head - 8, head - 7):
        found.delete_entry("payments", seq)
    # WHEN an auditor's show reads past them (two of its read windows split the gap)
    fresh = services_on(found, clock, log=found.restarted())
    shown = run_deferred(fresh, "audit show --team payments --limit 8", user="aud")
    # THEN they are named once, as one range
    assert dict(shown.fields)[MISSING] == f"payments#{head - 9}..#{head - 7}: {SAYS_MORE}"
