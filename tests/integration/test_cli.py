"""The `sre` terminal on the embedded default, and `sre serve`'s endpoints on loopback."""

from __future__ import annotations

import json
import re
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from wsgiref.simple_server import make_server

import pytest

from bots.cli import main
from bots.delivery import SurfaceNotifier
from bots.serve import application, run_schedule
from shared.adapters.memory import InMemoryNotifier
from shared.audit.chain import decode, encode
from shared.bootstrap.local import for_local
from shared.config import Settings
from tests.support import invocation
from tests.support.local import canary_started_ago
from tests.support.payloads import SIGNING_SECRET, signed_headers, slash_command_body


def test_first_use_makes_a_demo_team_with_you_as_admin(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["whoami"]) == 0
    out = capsys.readouterr().out
    assert "Team demo created" in out
    assert "org-admin" in out
    assert "admin in demo" in out
    assert "bound to team demo" in out
    assert (home / "autosre.db").is_file()
    assert sorted(p.name for p in (home / "audit" / "local" / "demo").iterdir())[0] == (
        "000000000001.json"
    )
    assert main(["whoami"]) == 0
    assert "Team demo created" not in capsys.readouterr().out  # only on first use


def test_first_use_is_for_the_user_named_with_as(
    home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a fresh home whose org admin is alice, not the login user
    monkeypatch.setenv("AUTOSRE_ORG_ADMINS", "local:alice")
    # WHEN alice's first command is typed with --as
    assert main(["--as", "alice", "whoami"]) == 0
    out = capsys.readouterr().out
    # THEN the demo is set up for her (it was refused as the login user, on every command)
    assert "setting up a demo for you (alice)" in out
    assert "@alice added to demo as admin" in out
    assert "Not allowed" not in out


def test_first_use_with_as_naming_no_admin_sets_up_as_the_local_user(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a fresh home, no AUTOSRE_ORG_ADMINS (the local user dana is the org admin)
    # WHEN bob's command comes first
    assert main(["--as", "bob", "whoami"]) == 0
    out = capsys.readouterr().out
    # THEN dana sets up the demo, and bob's command is answered
    assert "setting up a demo for you (dana)" in out
    assert "@bob (local, org local)" in out


def test_first_use_says_what_it_did_and_offers_no_step_it_did_itself(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # WHEN the first command runs on a fresh home
    assert main(["whoami"]) == 0
    out = capsys.readouterr().out
    # THEN one line per step it did, each with its receipt, and no "Next:" for those steps
    setup = out.split("• Who you are")[0].splitlines()
    assert setup[0] == f"First use of {home}: setting up a demo for you (dana)"
    done = [re.sub(r"  \(audit [^)]*\)$", "", line) for line in setup[1:-1]]
    assert done == [
        "✓ Team demo created",
        "✓ @dana added to demo as admin",
        "✓ #local is bound to team demo",
        "✓ @dana is now auditor",
        "✓ Service checkout-api registered in team demo",
    ]
    assert all(re.search(r"\(audit [^)]+\)$", line) for line in setup[1:-1])
    assert "Next:" not in out
    assert setup[-1] == "Try `sre investigate checkout-api`; `sre help` lists every command."


def test_exit_status_says_what_happened(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["team", "member", "add", "erin", "--role", "viewer"]) == 0
    assert main(["team", "membr", "list"]) == 2
    assert "Did you mean `sre team member list`?" in capsys.readouterr().err
    assert main(["--as", "erin", "team", "member", "add", "mallory"]) == 3
    assert "needs the admin role in team demo" in capsys.readouterr().out
    assert main(["--as", "erin", "team", "show"]) == 0


def test_a_deferred_command_waits_for_the_worker_and_prints_its_result(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["doctor"]) == 0
    out = capsys.readouterr().out
    assert "Working on `sre doctor`" in out
    assert "Doctor: all checks pass" in out
    # the queue it came through, read (the doctor's own task runs), and no worker to compare
    assert "✓ the SQLite file: 0 waiting, 1 running; no dead-letter queue" in out
    assert "not checked: no Lambda worker: deferred work runs in this process" in out


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    settings = Settings(
        home=tmp_path, slack_signing_secret=SIGNING_SECRET, org_admins=("slack:T111:W111",)
    )
    services = for_local(settings, notifier=SurfaceNotifier(settings))
    server = make_server("127.0.0.1", 0, application(services))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def test_serve_answers_health_and_signed_slack_commands(served: str) -> None:
    with urllib.request.urlopen(f"{served}/health") as response:
        assert json.load(response) == {"status": "ok", "backend": "local"}
    body = slash_command_body("team create payments")
    request = urllib.request.Request(
        f"{served}/slack/events", data=body.encode(), headers=signed_headers(body), method="POST"
    )
    with urllib.request.urlopen(request) as response:
        assert "Team payments created" in response.read().decode()
    forged = urllib.request.Request(
        f"{served}/slack/events",
        data=body.encode(),
        headers=signed_headers(body, secret="wrong"),
        method="POST",
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(forged)
    assert refused.value.code == 401
    garbage = "payload=%7Bnot-json"
    malformed = urllib.request.Request(
        f"{served}/slack/events",
        data=garbage.encode(),
        headers=signed_headers(garbage),
        method="POST",
    )
    with pytest.raises(urllib.error.HTTPError) as rejected:
        urllib.request.urlopen(malformed)
    assert rejected.value.code == 400


def test_audit_verify_in_the_terminal_passes_then_names_a_tampered_entry(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a demo team with some history
    for user in ("erin", "finn", "gus"):
        assert main(["team", "member", "add", user]) == 0
    # WHEN the trail is verified: it is intact, with progress on stderr
    assert main(["audit", "verify"]) == 0
    captured = capsys.readouterr()
    assert "Audit trail intact: team demo's trail" in captured.out
    assert "read-only files (tamper-evident, not tamper-proof)" in captured.out
    assert "verifying team demo's trail" in captured.err
    # WHEN an entry is edited by someone who can write the folder
    entry = home / "audit" / "local" / "demo" / f"{4:012d}.json"
    entry.chmod(0o644)
    edited = decode(entry.read_bytes()).model_copy(
        update={"command": "sre team member add mallory"}
    )
    entry.write_bytes(encode(edited))
    entry.chmod(0o444)
    # THEN verify fails with a non-zero status and names it
    assert main(["audit", "verify"]) == 1
    out = capsys.readouterr().out
    assert "Audit trail BROKEN: team demo's trail" in out
    assert "#4: its content does not match its hash (modified)" in out
    # AND the entries it read are not called verified
    assert "Entries verified" not in out and "Entries read" in out


def test_audit_show_and_export_in_the_terminal(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["team", "member", "add", "erin"]) == 0
    assert main(["audit", "show", "--action", "team member add", "--limit", "2"]) == 0
    out = capsys.readouterr().out
    assert "2 entries of team demo's trail" in out
    assert "`sre team member add erin` → succeeded" in out
    for kind in ("jsonl", "csv"):
        assert main(["audit", "export", "--format", kind]) == 0
        (path,) = [
            line.split()[-1]
            for line in capsys.readouterr().out.splitlines()
            if line.strip().startswith("Where")
        ]
        content = Path(path).read_text()
        assert "sre team member add erin" in content
    assert main(["audit", "seal"]) == 0
    assert "Sealed" in capsys.readouterr().out
    assert main(["--as", "erin", "audit", "show"]) == 3  # a viewer is not an auditor


def test_sre_serves_schedule_evaluates_alerts_every_tick(tmp_path: Path) -> None:
    # GIVEN the embedded default with an alert on the sample service (its p99 is high now)
    notifier = InMemoryNotifier()
    services = for_local(Settings(home=tmp_path, org_admins=("slack:T1:root",)), notifier=notifier)
    for text, user in (
        ("team create payments", "root"),
        ("team member add oli --role operator --team payments", "root"),
        ("team bind C-pay --team payments", "root"),
        ("service register api --sample checkout", "oli"),
        ('alert create slow --service api --when "p99_latency > 800ms"', "oli"),
    ):
        assert not services.bus.handle(invocation(text, user=user, channel="C-pay")).failed
    # WHEN `sre serve`'s schedule runs (ticks shortened from a minute for the test)
    stop = threading.Event()
    thread = threading.Thread(target=run_schedule, args=(services, stop), kwargs={"tick": 0.05})
    thread.start()
    deadline = time.monotonic() + 10
    while not notifier.posted and time.monotonic() < deadline:
        time.sleep(0.05)
    stop.set()
    thread.join()
    # THEN the alert fired once, in the team's channel
    ((target, notice),) = notifier.posted
    assert (target.channel, notice.title) == ("C-pay", "FIRING api: slow")


def test_a_canarys_chart_is_saved_in_the_home_and_its_path_printed(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a canary of the sample's bad release 42 on the simulation, started ten minutes ago
    assert main(["canary", "start", "checkout-api", "--version", "42"]) == 0
    canary_started_ago(home)
    capsys.readouterr()
    # WHEN the scheduler runs once in the terminal
    assert main(["scheduler", "run-once"]) == 0
    # THEN the canary's message is printed with the path of its chart, saved in the home
    out = capsys.readouterr().out
    assert "rolled back by @scheduler" in out
    (line,) = [x for x in out.splitlines() if x.startswith("  (chart: ")]
    saved = Path(line.removeprefix("  (chart: ").removesuffix(")"))
    assert saved.parent == home / "charts"
    assert saved.read_bytes().startswith(b"\x89PNG")
