"""An audit export is a file of its own: two in the same second do not replace each other, and an
export with nothing in it writes no file and says so."""

from __future__ import annotations

from shared.adapters.memory import FixedClock, InMemoryExportStore
from shared.bootstrap.wiring import Services, build
from shared.config import Settings
from tests.support import NOW, memory_adapters, run, run_deferred, setup_teams


def _services(exports: InMemoryExportStore) -> Services:
    services = build(
        Settings(org_admins=("slack:T1:root",)),
        memory_adapters(FixedClock(NOW), exports=exports),
    )
    setup_teams(services)
    assert not run(services, "org grant aud auditor").failed
    return services


def test_two_exports_in_the_same_second_are_two_files() -> None:
    # GIVEN an auditor and a clock that does not move
    exports = InMemoryExportStore()
    services = _services(exports)
    # WHEN the trail is exported twice in that second, with different bounds
    first = run_deferred(services, "audit export --team payments", user="aud")
    second = run_deferred(services, "audit export --team payments --before-seq 3", user="aud")
    # THEN both files are kept, each with what it was asked for
    assert not first.failed and not second.failed
    assert len(exports.files) == 2
    assert sorted(len(c.splitlines()) for c in exports.files.values())[0] == 2
    assert all(n.startswith("audit-slack-T1-team-payments-") for n in exports.files)


def test_an_export_with_no_entry_writes_no_file_and_says_so() -> None:
    # GIVEN an auditor, and a bound before the trail began
    exports = InMemoryExportStore()
    services = _services(exports)
    # WHEN the trail is exported up to a time before its first entry
    reply = run_deferred(services, "audit export --team payments --until 2020-01-01", user="aud")
    # THEN nothing is written, and the answer says there was nothing to export
    assert not reply.failed, reply
    assert reply.title == "No matching entries in team payments' trail: nothing exported"
    assert exports.files == {}
