"""Terminal hygiene: a reader that goes away (`| head`) and a busy port end in one clear line or
in silence, never a traceback; `sre serve` says at start-up what it serves and what is unsafe."""

from __future__ import annotations

import re
import signal
import socket
import subprocess
import sys
import threading
from importlib import metadata
from pathlib import Path

import pytest

from bots.cli import main
from tests.support.terminal import ROOT, sre_command, terminal_env, trail_entries, unanswered


def test_output_into_a_reader_that_went_away_ends_quietly_with_the_work_done(
    tmp_path: Path,
) -> None:
    # GIVEN `sre investigate checkout-api | head -0`: the reader has gone before the first line
    # WHEN it runs to its end
    status, err = _reader_gone(("investigate", "checkout-api"), tmp_path, cwd=ROOT)
    # THEN no traceback, and what it started is finished (the investigation ran and is audited)
    assert "Traceback" not in err
    assert "BrokenPipe" not in err
    assert status == 0
    assert unanswered(tmp_path) == []
    opened = [e.outcome.value for e in trail_entries(tmp_path) if "open checkout-api" in e.command]
    assert opened == ["requested", "succeeded"]


def test_serve_on_a_busy_port_says_so_and_which_port_to_try(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a port some other program listens on
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        # WHEN `sre serve` is asked for it
        status = main(["serve", "--port", str(port)])
    # THEN one line says so and suggests a free port; nothing else starts
    err = capsys.readouterr().err
    assert status == 1
    found = re.fullmatch(rf"sre serve: port {port} is in use; try --port (\d+)\n", err)
    assert found, err
    assert int(found.group(1)) > port
    assert not (home / "autosre.db").exists()


def test_serve_lists_every_route_and_warns_about_surfaces_without_credentials(
    tmp_path: Path,
) -> None:
    # GIVEN Slack and Teams configured to check requests, but with nothing to answer with
    env = terminal_env(tmp_path, SLACK_SIGNING_SECRET="s3cret", TEAMS_APP_ID="app-1")
    process = subprocess.Popen(
        sre_command("serve", "--port", "0"),
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert process.stdout is not None
    # WHEN it starts (killed after a minute if it never says it has)
    lines = []
    deadline = threading.Timer(60, process.kill)
    deadline.start()
    for line in process.stdout:
        lines.append(line.rstrip("\n"))
        if line.startswith("Ctrl-C stops."):
            break
    process.send_signal(signal.SIGINT)
    process.communicate(timeout=30)
    deadline.cancel()
    shown = "\n".join(lines)
    # THEN every route is listed, the pages included
    url = re.search(r"on (http://127\.0\.0\.1:\d+)$", lines[0])
    assert url, shown
    for route in (
        "POST /slack/events",
        "POST /api/messages",
        "GET  /investigations/ID",
        "GET  /health",
    ):
        assert f"\n  {route} " in shown, route
    # AND every surface served without its credentials is warned about
    assert "Slack is served without SLACK_BOT_TOKEN" in shown
    assert "Teams is served without TEAMS_APP_PASSWORD" in shown
    assert f"set AUTOSRE_PUBLIC_URL={url.group(1)}" in shown  # links would lead elsewhere


@pytest.mark.parametrize("port", ["abc", "70000", "-1"])
def test_serve_on_a_port_that_cannot_exist_is_a_usage_answer_in_the_products_style(
    home: Path, capsys: pytest.CaptureFixture[str], port: str
) -> None:
    # WHEN `sre serve` is given a port that is not one
    status = main(["serve", f"--port={port}"])
    # THEN it answers as every other command does: what is allowed, with an example, then the
    # usage; never argparse's `usage: … error:` (nor a traceback), and nothing starts
    assert status == 2
    assert capsys.readouterr().err.splitlines() == [
        f"? '{port}' is not a port: use a number from 1 to 65535, e.g. --port 3001. "
        "Try `sre help serve`.",
        "Usage:",
        "sre serve [--host HOST] [--port PORT]",
    ]
    assert not (home / "autosre.db").exists()


@pytest.mark.parametrize(
    ("words", "answer"),
    [
        (
            ["serve", "--prot", "3001"],
            "? `sre serve` has no option `--prot`. Did you mean `--port`?",
        ),
        (["serve", "--port"], "? `--port` needs a value. Try `sre help serve`."),
        (["serve", "now"], "? I did not expect `now` here."),
        (
            ["analyze", "anomalies"],
            "? `sre analyze anomalies` needs FILE.csv. Try `sre help analyze`.",
        ),
        (
            ["--chanel", "ops", "whoami"],
            "? `sre` has no option `--chanel`. Did you mean `--channel`?",
        ),
    ],
)
def test_a_terminal_option_typed_wrong_is_answered_as_a_commands_option_is(
    home: Path, capsys: pytest.CaptureFixture[str], words: list[str], answer: str
) -> None:
    # WHEN an option of `sre serve` (or of `sre` itself) is mistyped, left without its value, a
    # word is out of place, or `sre analyze anomalies` is given no file
    status = main(words)
    # THEN the answer is the one style of the whole terminal: what is wrong, the option it may
    # be a typo of, the usage; status 2, and nothing was done
    err = capsys.readouterr().err
    assert status == 2
    assert err.splitlines()[:2] == [answer, "Usage:"], err
    assert "error:" not in err
    assert not (home / "autosre.db").exists()


def test_a_wrong_setting_is_named_with_its_value_not_a_traceback(
    home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN an environment variable that is not a number where one is needed
    monkeypatch.setenv("AUTOSRE_AUDIT_DIGEST_EVERY", "often")
    # WHEN any command runs THEN it says which variable, with its value, and does nothing
    assert main(["whoami"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("sre: AUTOSRE_AUDIT_DIGEST_EVERY=often: use a whole number, like 10")
    assert err.rstrip().endswith("nothing was done")
    assert not (home / "autosre.db").exists()


def test_a_deferred_commands_own_answer_comes_before_its_progress(tmp_path: Path) -> None:
    # WHEN `sre doctor 2>&1 | cat`: its answer and its progress read from one stream
    ran = subprocess.run(
        sre_command("doctor"),
        env=terminal_env(tmp_path),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=120,
        check=False,
    )
    # THEN "Working on" comes first, then the progress of the work, then its result
    out = ran.stdout
    assert ran.returncode == 0, out
    working = out.index("Working on `sre doctor`")
    assert working < out.index("verifying the org-wide trail") < out.index("Doctor: all checks")


@pytest.mark.parametrize("words", [("analyze", "anomalies", "series.csv"), ("help",)])
def test_every_command_whose_reader_went_away_exits_zero(
    tmp_path: Path, words: tuple[str, ...]
) -> None:
    # GIVEN a series to score, and `sre … | head -0`: the reader has gone before the first line
    rows = [f"2026-11-01 {hour // 60:02d}:{hour % 60:02d}:00,{hour % 7}" for hour in range(600)]
    (tmp_path / "series.csv").write_text("\n".join(["timestamp,value", *rows]) + "\n")
    # WHEN it runs to its end
    status, err = _reader_gone(words, tmp_path, cwd=tmp_path)
    # THEN it ends quietly with the same status as any other command that did its work
    assert (status, err) == (0, "")


@pytest.mark.parametrize("option", ["--channel", "--as"])
@pytest.mark.parametrize("value", ["", "  "])
def test_an_empty_channel_or_user_is_a_usage_error_naming_the_option(
    home: Path, capsys: pytest.CaptureFixture[str], option: str, value: str
) -> None:
    # WHEN `sre --channel "" whoami` (or `--as ""`)
    status = main([option, value, "whoami"])
    # THEN a usage error names the option in the product's usage style (not argparse's), and
    # nothing was done
    assert status == 2
    assert capsys.readouterr().err.splitlines() == [
        f"? `{option}` must not be empty. Try `sre help`.",
        "Usage:",
        "sre [--as USER] [--channel CHANNEL] [--backend local|aws] [--version] COMMAND",
    ]
    assert not (home / "autosre.db").exists()


def test_a_user_no_command_would_take_is_refused_as_member_add_refuses_it(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # WHEN `sre --as "bad user!" whoami` (`team member add "bad user!"` is refused the same way)
    status = main(["--as", "bad user!", "whoami"])
    # THEN a usage error says the user is not valid, with an example, and nothing was done
    assert status == 2
    assert capsys.readouterr().err.splitlines() == [
        "? `bad user!` is not a valid user, e.g. `@alice`. Try `sre help`.",
        "Usage:",
        "sre [--as USER] [--channel CHANNEL] [--backend local|aws] [--version] COMMAND",
    ]
    assert not (home / "autosre.db").exists()


def test_as_takes_a_user_with_or_without_the_at_sign(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # WHEN `sre --as @alice whoami`
    status = main(["--as", "@alice", "whoami"])
    # THEN it acts as alice, named once with its @ (as `team member add @alice` names her)
    assert status == 0
    assert "You           @alice (local" in capsys.readouterr().out


def test_a_wrong_backend_option_says_what_to_use_in_the_usage_style(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # WHEN `sre --backend foo whoami`
    status = main(["--backend", "foo", "whoami"])
    # THEN the answer says which values to use, in the same style as every other usage error
    err = capsys.readouterr().err
    assert status == 2
    assert err.startswith("? `--backend foo` is not an option: use local or aws.")
    assert "usage: sre [-h]" not in err
    assert not (home / "autosre.db").exists()


def _reader_gone(words: tuple[str, ...], home: Path, *, cwd: Path) -> tuple[int, str]:
    """Run `sre WORDS` in `home` with its output read by nobody (closed before the first line,
    as `| head -0` does): its status and what it wrote to stderr."""
    process = subprocess.Popen(
        sre_command(*words),
        env=terminal_env(home),
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    process.stdout.close()
    err = process.communicate(timeout=120)[1]
    return process.returncode, err


def test_version_says_the_release_and_touches_nothing(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # WHEN `sre --version`; THEN it names the installed release, and no state was made
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"sre (Auto SRE) {metadata.version('autosre')}"
    assert not (home / "autosre.db").exists()


def test_channel_takes_a_channel_with_or_without_the_hash_as_team_bind_does(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN `#pay` bound to a new team, as `team bind '#pay'` names it
    assert main(["team", "create", "payments"]) == 0
    assert main(["team", "bind", "#pay", "--team", "payments"]) == 0
    # WHEN whoami is asked in `--channel '#pay'` and in `--channel pay`
    for channel in ("#pay", "pay"):
        capsys.readouterr()
        assert main(["--channel", channel, "whoami"]) == 0
        # THEN both are the channel bound (before: `#pay` was another, unbound channel)
        assert "bound to team payments" in capsys.readouterr().out, channel
    # AND a bare `#` is as empty as ""
    assert main(["--channel", "#", "whoami"]) == 2


def test_a_settings_warning_goes_to_the_log_not_between_the_answers(tmp_path: Path) -> None:
    # GIVEN a setting above what it may be (warned of, and the limit used)
    env = {**terminal_env(tmp_path), "AUTOSRE_TICK_ORG_SECONDS": "100"}
    # WHEN a command runs in a fresh process
    ran = subprocess.run(
        sre_command("whoami"),
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    # THEN the warning is in the log, and not on the screen (it was printed, and not logged)
    assert ran.returncode == 0, ran.stderr
    assert "AUTOSRE_TICK_ORG_SECONDS" not in ran.stderr + ran.stdout
    home = Path(env["AUTOSRE_HOME"])
    assert "AUTOSRE_TICK_ORG_SECONDS=100 is more than" in (home / "sre.log").read_text()


def test_first_use_refused_by_org_admins_that_name_others_says_why_and_how(
    home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN org admins written as a bare login, which grants nothing (the warning is in the log)
    monkeypatch.setenv("AUTOSRE_ORG_ADMINS", "alice")
    monkeypatch.setenv("AUTOSRE_LOCAL_USER", "dana")
    # WHEN a first command runs
    code = main(["whoami"])
    out = capsys.readouterr().out
    # THEN first use stops, saying what is wrong with the entry and how to name yourself, and
    # the command fails as the step did (denied), though `whoami` itself answered
    assert "(first use stopped at `sre team create demo" in out
    assert code != 0
    assert "AUTOSRE_ORG_ADMINS 'alice' grants nothing: write it as slack:T…:U…" in out
    assert "AUTOSRE_ORG_ADMINS makes only those it names org admins: `local:dana` names you." in out


@pytest.mark.parametrize(
    ("words", "said"),
    [
        (["whoami", "--as", "alice"], "`sre --as alice whoami …`"),
        (["team", "show", "demo", "--channel", "ops"], "`sre --channel ops team show …`"),
    ],
)
def test_a_terminal_option_typed_after_the_command_is_told_where_it_goes(
    home: Path, capsys: pytest.CaptureFixture[str], words: list[str], said: str
) -> None:
    # WHEN --as or --channel is typed after the command (as a command's option)
    assert main(words) == 2
    # THEN the answer says it goes before the command, not only that the command has no such option
    option, shown = words[-2], capsys.readouterr()
    told = f"has no option `{option}`. In the terminal, `{option}` goes before the command: {said}"
    assert told in shown.out + shown.err


def test_an_argument_that_is_not_utf8_is_a_usage_error_written_out(tmp_path: Path) -> None:
    # GIVEN a terminal in Latin-1: `café` arrives as the bytes c a f 0xE9 (no UTF-8)
    env = terminal_env(tmp_path)
    for words in (
        [b"team", b"create", b"\xff"],
        [b"team", b"create", b"x", b"--description", b"caf\xe9"],
    ):
        # WHEN it is a command's argument
        done = subprocess.run(
            [sys.executable.encode(), b"-m", b"bots.cli", *words],
            env=env,
            cwd=ROOT,
            capture_output=True,
            check=False,
        )
        err = done.stderr.decode()
        # THEN a usage error (exit 2) writes the byte out; no traceback, no "audit trail
        # unavailable", no "logged" reference that is nowhere
        assert done.returncode == 2, err
        assert "is not text: U+DC" in err and "stands for a byte that is not UTF-8" in err, err
        assert "Traceback" not in err and "Logging error" not in err
        assert b"audit trail is unavailable" not in done.stdout


def test_help_examples_naming_a_channel_run_as_shown_in_a_shell(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # WHEN the terminal shows the help of team and org commands
    assert main(["help", "team"]) == 0
    assert main(["help", "org"]) == 0
    shown = capsys.readouterr().out
    # THEN every example's channel is quoted: unquoted, a shell drops `#payments` and all after
    # it, and `sre team unbind #payments` runs as `sre team unbind` (unbinding this channel)
    examples = [line for line in shown.splitlines() if line.lstrip().startswith("e.g. sre ")]
    assert "    e.g. sre team unbind '#payments'" in examples
    assert "    e.g. sre org bind '#sre-org'" in examples
    assert not [line for line in examples if " #" in line], examples


def test_a_channel_that_is_not_utf8_is_a_usage_error(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable.encode(), b"-m", b"bots.cli", b"--channel", b"c\xff", b"whoami"],
        env=terminal_env(tmp_path),
        cwd=ROOT,
        capture_output=True,
        check=False,
    )
    err = done.stderr.decode()
    assert done.returncode == 2, err
    assert "is not text" in err and "Internal error" not in done.stdout.decode()
