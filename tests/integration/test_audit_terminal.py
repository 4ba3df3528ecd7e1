"""`sre audit verify --all|--state` in the terminal, on the embedded default's SQLite and folder."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from bots.cli import main


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
