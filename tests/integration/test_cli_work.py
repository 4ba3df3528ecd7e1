"""The terminal finishes the work a command started before it exits: every deferred command and
follow-up has its result printed and its `requested` audit entry its outcome; Ctrl-C says what it
left, and the next command finishes it."""

from __future__ import annotations

import re
import signal
import socket
import subprocess
from pathlib import Path

import pytest

from bots.cli import main
from shared.bootstrap.features import COMMANDS
from tests.fakes.http_capture import CaptureServer
from tests.serve_process import post_command, start_serve
from tests.support.terminal import ROOT, sre, sre_command, terminal_env, trail_entries, unanswered

ALERT = ["alert", "create", "e", "--service", "checkout-api", "--when", "error_rate > 2%"]


def _ran(capsys: pytest.CaptureFixture[str], *words: str) -> str:
    """Run `sre WORDS…` in this process; its output, once it returned."""
    main(list(words))
    return capsys.readouterr().out


def _id(prefix: str, out: str) -> str:
    found: list[str] = re.findall(rf"\b{prefix}-[0-9a-f]{{8}}\b", out)
    return found[-1]


def test_every_deferred_command_has_its_result_and_its_outcome_when_sre_returns(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN the demo team, a second team, and an alert that investigates when it fires
    _ran(capsys, "team", "create", "ops")
    _ran(capsys, "team", "bind", "ops-room", "--team", "ops")
    _ran(capsys, *ALERT, "--investigate")
    walked: set[tuple[str, ...]] = set()

    def deferred(*words: str, expect: str) -> str:
        # WHEN a deferred command (or one whose follow-up is deferred) returns
        out = _ran(capsys, *words)
        typed = words[2:] if words[0] == "--as" else words
        walked.add(
            tuple(next(m.words for m in COMMANDS.models if m.words == typed[: len(m.words)]))
        )
        # THEN its result was printed and no `requested` entry waits for an outcome
        assert expect in out, out
        assert unanswered(home) == [], words
        return out

    # (chaos first: once the alert fires, the team is in an outage and no experiment starts)
    harmless = ["--fault", "delay:100ms", "--expect", "p99_latency < 2s"]
    deferred("chaos", "plan", "checkout-api", *harmless, expect="Plan: delay:100ms")
    _ran(capsys, "service", "register", "prod", "--sample", "checkout", "--production")
    _ran(capsys, "team", "member", "add", "bob", "--role", "operator")
    chx = _id("chx", deferred("chaos", "start", "prod", *harmless, expect="waits for"))
    deferred("--as", "bob", "chaos", "approve", chx, expect=f"Chaos {chx} started")
    deferred("chaos", "halt", chx, expect=f"{chx} halted by @")
    fired = deferred("scheduler", "run-once", expect="FIRING checkout-api: e")
    assert "Investigation  inv-" in fired  # the follow-up's report, not only "it follows"
    inv = _id(
        "inv", deferred("investigation", "open", "checkout-api", expect="Investigation  inv-")
    )
    deferred("investigation", "escalate", inv, "--to", "ops", expect="asks team ops for help")
    deferred(
        "investigation",
        "escalate",
        "inv-0000dead",
        "--to",
        "ops",
        expect="no investigation `inv-0000dead`",
    )
    can = _id("can", deferred("canary", "start", "checkout-api", "--version", "42", expect="can-"))
    deferred("canary", "hold", can, expect="held at 5%")
    deferred("canary", "resume", can, expect="resumed")
    deferred("canary", "promote", can, expect="promoted at 100%")
    again = deferred("canary", "start", "checkout-api", "--version", "43", expect="can-")
    deferred("canary", "rollback", _id("can", again), expect="rolled back")
    checked = deferred("doctor", expect="Doctor:")
    assert checked.index("Working on") < checked.index("Doctor:")  # the answer, then the result
    deferred("audit", "verify", expect="Audit trail intact")
    deferred("audit", "show", "--limit", "2", expect="2 entries of")
    deferred("audit", "export", expect="Where")
    deferred("audit", "access-review", expect="Access review")
    deferred("alert", "test", "e", expect="Test of e")
    _ran(capsys, "prompt", "variant", "add", "timeline", "--template", "timeline-first")
    started = deferred("prompt", "experiment", "start", "--variants", "timeline", expect="started")
    (pe,) = set(re.findall(r"\bpe-[0-9a-f]{6}\b", started))
    deferred("prompt", "experiment", "gate", pe, expect=f"{pe} has no gate to run: it is running")
    # AND every kind of deferred command was walked (a new one must be added here)
    kinds = {m.words for m in COMMANDS.models if m.deferred} | {("scheduler", "run-once")}
    assert kinds == walked


def test_an_alert_that_investigates_prints_its_report_before_sre_exits(tmp_path: Path) -> None:
    # GIVEN an alert on the sample service that opens an investigation when it fires
    assert sre(tmp_path, *ALERT, "--investigate").returncode == 0
    # WHEN the scheduler runs once, in its own process
    ran = sre(tmp_path, "scheduler", "run-once")
    # THEN the report is printed before it exits, and its request has its outcome
    assert ran.returncode == 0, ran.stderr
    assert "FIRING checkout-api: e" in ran.stdout
    assert "Investigation  inv-" in ran.stdout
    opened = [e.outcome.value for e in trail_entries(tmp_path) if "investigation open" in e.command]
    assert opened == ["requested", "succeeded"]
    assert unanswered(tmp_path) == []


def test_ctrl_c_says_what_is_left_and_the_next_command_finishes_it(tmp_path: Path) -> None:
    # GIVEN a service whose metrics come from a CloudWatch that takes the call and never answers
    with socket.create_server(("127.0.0.1", 0)) as cloudwatch:
        cloudwatch.settimeout(60)
        slow = {
            "AWS_ENDPOINT_URL_CLOUDWATCH": f"http://127.0.0.1:{cloudwatch.getsockname()[1]}",
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": "us-east-1",
        }
        assert sre(tmp_path, "service", "register", "pay", "--aws-lambda", "pay-fn").returncode == 0
        process = subprocess.Popen(
            sre_command("investigate", "pay"),
            env=terminal_env(tmp_path, **slow),
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        # WHEN Ctrl-C is pressed while the worker waits on it
        held, _ = cloudwatch.accept()
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=60)
        held.close()
    # THEN it stops at once, without a traceback, and says what it left and who finishes it
    assert process.returncode == 130, err
    assert "Traceback" not in err
    assert "not finished yet:\n  sre investigation open pay" in err
    assert "the next `sre` command" in err
    assert unanswered(tmp_path) == ["sre investigation open pay"]
    # WHEN the next command runs (CloudWatch now refuses at once)
    after = sre(tmp_path, "whoami", **slow)
    # THEN it takes the investigation over, prints its answer and audits its outcome
    assert "Who you are" in after.stdout
    assert after.returncode == 0  # its own status: the failure printed is the other command's
    # CloudWatch refused it: told, not lost, and said as what it was
    assert "CloudWatch could not be reached (EndpointConnectionError)" in after.stdout
    assert "Traceback" not in after.stderr  # the trace is in the log, not between the answers
    assert "EndpointConnectionError" in (tmp_path / "sre.log").read_text()
    opened = [e.outcome.value for e in trail_entries(tmp_path) if "open pay" in e.command]
    assert opened == ["requested", "failed"]


def test_ctrl_c_on_sre_serve_says_which_commands_the_next_one_finishes(
    tmp_path: Path, slack_api: CaptureServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN `sre serve`, and a Slack team's service on a CloudWatch that never answers
    with socket.create_server(("127.0.0.1", 0)) as cloudwatch:
        cloudwatch.settimeout(60)
        endpoint = f"http://127.0.0.1:{cloudwatch.getsockname()[1]}"
        monkeypatch.setenv("AWS_ENDPOINT_URL_CLOUDWATCH", endpoint)
        server = start_serve(tmp_path, slack_api=slack_api.url)
        try:
            for number, text in enumerate(
                [
                    "team create payments",
                    "team member add W111 --role operator --team payments",
                    "team bind C111 --team payments",
                    "service register pay --aws-lambda pay-fn",
                    "investigate pay",
                ]
            ):
                answer = post_command(server.url, text, trigger=f"t.{number}")[1]
                assert "Not allowed" not in answer, answer
            # WHEN it is stopped with Ctrl-C while the investigation waits on CloudWatch
            held, _ = cloudwatch.accept()
            server.process.send_signal(signal.SIGINT)
            server.process.wait(timeout=60)
            held.close()
        finally:
            server.stop()
    # THEN it says what it left, and that the next `sre serve` runs it
    log = (tmp_path / "serve.log").read_text()
    assert "not finished yet:\n  sre investigation open pay" in log
    assert "the next `sre serve` runs it" in log
    assert "Traceback" not in log
