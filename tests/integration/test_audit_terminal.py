"""`sre audit verify --all|--state` in the terminal, on the embedded default's SQLite and folder."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from bots.cli import main
from shared.audit.chain import encode, link_hash
from shared.audit.models import AuditRecord


def test_a_role_written_into_the_database_is_named_and_fails_the_command(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN the demo team, and then mallory made its admin with sqlite3, not with `sre`
    assert main(["team", "member", "add", "erin"]) == 0
    assert main(["audit", "verify", "--state"]) == 0
    assert "State explained by the trail" in capsys.readouterr().out
    with sqlite3.connect(home / "autosre.db") as db:
        (body,) = db.execute("SELECT body FROM teams WHERE name = 'demo'").fetchone()
        team = json.loads(body)
        team["members"]["mallory"] = "admin"
        db.execute("UPDATE teams SET body = ? WHERE name = 'demo'", (json.dumps(team),))
    # WHEN the auditor (the local user, on first use) checks the state against the trail
    status = main(["audit", "verify", "--state"])
    # THEN the command fails and names the grant nobody made through Auto SRE
    out = capsys.readouterr().out
    assert status == 1
    assert "State NOT explained by the trail" in out
    assert "@mallory · admin in demo: the trail never granted it" in out
    assert (
        "@dana: from configuration (AUTOSRE_ORG_ADMINS, or the terminal's own user when it is "
        "unset), not the trail"
    ) in out


def test_a_team_folder_removed_fails_verify_all(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a second team with history, whose whole folder is then removed
    assert main(["team", "create", "search"]) == 0
    assert main(["team", "member", "add", "erin", "--team", "search"]) == 0
    assert main(["audit", "verify", "--all"]) == 0
    assert "Audit trails intact: the org's and 2 teams'" in capsys.readouterr().out
    folder = home / "audit" / "local" / "search"
    for path in folder.rglob("*"):
        path.chmod(0o644)
    shutil.rmtree(folder)
    # WHEN every trail is verified, THEN the command fails naming the deleted stream
    assert main(["audit", "verify", "--all"]) == 1
    out = capsys.readouterr().out
    assert "Audit trails BROKEN: 1 of 3" in out
    assert "the stream was deleted" in out


def test_a_second_seal_has_nothing_to_seal_and_counts_are_in_words(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN the demo team with a member, and every trail sealed once
    assert main(["team", "member", "add", "erin"]) == 0
    assert main(["audit", "seal"]) == 0
    assert "Sealed 2 trails" in capsys.readouterr().out
    # WHEN the auditor seals again straight away
    assert main(["audit", "seal"]) == 0
    # THEN nothing is sealed: only the first seal's own entry came after it
    assert "Nothing to change: every trail is sealed up to its last entry." in (
        capsys.readouterr().out
    )
    # AND verify counts that one entry in the singular
    assert main(["audit", "verify", "--org"]) == 0
    assert "1 entry after the last digest" in capsys.readouterr().out


def test_show_and_export_flag_an_entry_changed_since_it_was_written(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN erin's addition to demo, whose entry is then edited on disk from succeeded to denied
    assert main(["team", "member", "add", "erin"]) == 0
    capsys.readouterr()
    folder = home / "audit" / "local" / "demo"
    (path,) = [p for p in sorted(folder.glob("*.json")) if b"member add erin" in p.read_bytes()][
        -1:
    ]
    path.chmod(0o644)
    path.write_bytes(path.read_bytes().replace(b'"succeeded"', b'"denied"'))
    seq = int(path.stem)
    # WHEN an auditor reads the trail without verifying it first
    shown = main(["audit", "show", "--team", "demo"])
    out = " ".join(capsys.readouterr().out.split())
    exported = main(["audit", "export", "--team", "demo"])
    said = " ".join(capsys.readouterr().out.split())
    # THEN both flag the entry as modified, and fail: a forged entry is never read as fact
    assert shown == exported == 1
    assert f"✗ MODIFIED #{seq} " in out
    assert f"MODIFIED since written (their content does not match their hash) demo#{seq}" in out
    assert f"demo#{seq}: do not trust them; `sre audit verify` says more" in said


def _entry_of(folder: Path, text: bytes) -> Path:
    """The newest entry file in `folder` whose command holds `text`, made writable."""
    (path,) = [p for p in sorted(folder.glob("*.json")) if text in p.read_bytes()][-1:]
    path.chmod(0o644)
    return path


def test_show_and_export_flag_a_rehashed_forgery_and_an_entry_of_another_trail(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN erin then frank added to demo, and team ops created (its own trail)
    for command in (["team", "member", "add", "erin"], ["team", "member", "add", "frank"]):
        assert main(command) == 0
    assert main(["team", "create", "ops"]) == 0
    assert main(["team", "member", "add", "gus", "--team", "ops"]) == 0
    capsys.readouterr()
    demo, ops = home / "audit" / "local" / "demo", home / "audit" / "local" / "ops"
    # WHEN erin's entry is forged as a viewer's, its hash made anew (its own hash consistent)
    erin = _entry_of(demo, b"member add erin")
    stored = json.loads(erin.read_bytes())
    forged = AuditRecord.model_validate(
        {**stored["entry"], "seq": stored["seq"], "prev_hash": stored["prev_hash"], "hash": ""}
    ).model_copy(update={"command": stored["entry"]["command"] + " --role=viewer"})
    forged = forged.model_copy(update={"hash": link_hash(forged.prev_hash, forged.seq, forged)})
    erin.write_bytes(encode(forged))
    # AND demo's first entry is replaced by ops' first, whole (a chain of its own, intact)
    first = demo / "000000000001.json"
    first.chmod(0o644)
    first.write_bytes((ops / first.name).read_bytes())
    # WHEN an auditor reads demo's trail without verifying it
    shown = main(["audit", "show", "--team", "demo"])
    out = " ".join(capsys.readouterr().out.split())
    exported = main(["audit", "export", "--team", "demo"])
    said = " ".join(capsys.readouterr().out.split())
    # THEN the forgery and the entry after it are flagged as unlinked, and both commands fail
    assert shown == exported == 1
    assert f"✗ UNLINKED #{forged.seq} " in out
    assert f"✗ UNLINKED #{forged.seq + 1} " in out
    assert "UNLINKED (not chained to the entries beside them" in said
    # AND so is ops' entry in demo's place (another trail's), and the entry after it
    flagged = f"demo#1, demo#2, demo#{forged.seq}, demo#{forged.seq + 1}: do not trust them"
    assert flagged in said, said
