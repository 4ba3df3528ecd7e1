"""The local SQLite file under many threads: a read is answered while another thread is in the
middle of a write transaction, and sees what was committed before it."""

from __future__ import annotations

import threading
from pathlib import Path

from shared.adapters.local.sqlite_directory import SqliteDatabase, SqliteDirectory
from shared.identity.models import Org, OrgId


def test_a_read_is_answered_while_another_thread_writes(tmp_path: Path) -> None:
    # GIVEN an org saved, and another thread holding a write transaction open
    database = SqliteDatabase(tmp_path / "autosre.db")
    directory = SqliteDirectory(database)
    directory.save_org(Org(id=OrgId("slack:T1")))
    writing, release = threading.Event(), threading.Event()

    def write() -> None:
        with database.transaction() as db:
            db.execute("DELETE FROM deliveries")
            writing.set()
            release.wait(30)

    writer = threading.Thread(target=write)
    writer.start()
    assert writing.wait(30)
    # WHEN this thread reads the org
    found: list[Org | None] = []
    reader = threading.Thread(target=lambda: found.append(directory.get_org(OrgId("slack:T1"))))
    reader.start()
    reader.join(10)
    answered = not reader.is_alive()
    release.set()
    writer.join(30)
    reader.join(30)
    # THEN it was answered before the write ended, with the committed org
    assert answered
    assert found and found[0] is not None and found[0].id == "slack:T1"
