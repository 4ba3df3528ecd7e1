"""Canaries in the terminal on the embedded default: each command a process of its own."""

from __future__ import annotations

import logging
import re
import threading
import time
from pathlib import Path

import pytest

from bots.cli import local_settings, main
from bots.delivery import SurfaceNotifier
from bots.serve import run_schedule
from shared.bootstrap.local import for_local
from tests.support.local import canary_started_ago


def _started(out: str) -> str:
    """The id of the canary a `canary start` printed."""
    found = re.search(r"Canary (can-[0-9a-f]+) started", out)
    assert found, out
    return found.group(1)


def test_a_promoted_version_is_the_stable_one_for_the_next_canary_and_its_own_status(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN version 43 started as a canary on the sample (stable 41) and promoted by hand
    assert main(["canary", "start", "checkout-api", "--version", "43"]) == 0
    first = _started(capsys.readouterr().out)
    assert main(["canary", "promote", first]) == 0
    capsys.readouterr()
    # WHEN the promoted canary is shown, and the next release is started (each its own process)
    assert main(["canary", "status", first]) == 0
    shown = capsys.readouterr().out
    assert main(["canary", "start", "checkout-api", "--version", "44"]) == 0
    started = capsys.readouterr().out
    # THEN 43 is the stable version everywhere
    assert "checkout:live: stable 43 (was 41)" in shown
    assert "stable 41" not in started
    assert "checkout:live: stable 43, canary 44" in started


def test_canary_status_exits_0_for_a_held_canary(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a canary held by hand
    assert main(["canary", "start", "checkout-api", "--version", "43"]) == 0
    canary = _started(capsys.readouterr().out)
    assert main(["canary", "hold", canary]) == 0
    capsys.readouterr()
    # WHEN its status is asked: the command worked, whatever the canary's verdict
    assert main(["canary", "status", canary]) == 0
    assert "held at 5%" in capsys.readouterr().out


def test_sre_serve_saves_a_canarys_chart_in_the_home_as_run_once_does(
    home: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # GIVEN a canary of the bad release 42 started in the terminal ten minutes ago
    assert main(["canary", "start", "checkout-api", "--version", "42"]) == 0
    canary_started_ago(home)
    # WHEN `sre serve`'s schedule judges it (ticks shortened from a minute for the test)
    settings = local_settings()
    services = for_local(settings, notifier=SurfaceNotifier(settings))
    stop = threading.Event()
    thread = threading.Thread(target=run_schedule, args=(services, stop), kwargs={"tick": 0.05})
    with caplog.at_level(logging.INFO, logger="autosre.delivery"):
        thread.start()
        deadline = time.monotonic() + 20
        while not list((home / "charts").glob("*.png")) and time.monotonic() < deadline:
            time.sleep(0.05)
        stop.set()
        thread.join()
    # THEN its message is logged with the path of its chart, saved in the home
    (saved,) = (home / "charts").glob("*.png")
    assert saved.read_bytes().startswith(b"\x89PNG")
    assert f"(chart: {saved})" in caplog.text
    assert "rolled back by @scheduler" in caplog.text


def test_a_deferred_command_prints_its_answer_before_the_messages_it_posted(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # WHEN a canary is started, then held, in the terminal (each deferred to the worker)
    assert main(["canary", "start", "checkout-api", "--version", "43"]) == 0
    started = capsys.readouterr().out
    canary = _started(started)
    assert main(["canary", "hold", canary]) == 0
    held = capsys.readouterr().out
    # THEN each prints "Working on…", then its answer, then the status card it posted or updated
    assert (
        started.index("Working on `sre canary start`")
        < started.index(f"✓ Canary {canary} started")
        < started.index("• Canary checkout-api version 43: running at 5%")
    ), started
    assert (
        held.index("Working on `sre canary hold`")
        < held.index(f"✓ {canary} held by @dana")
        < held.index("• Canary checkout-api version 43: held at 5%")
    ), held


def test_run_once_names_the_canaries_it_moved_by_service_and_version_then_id(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN the bad release 42 started as a canary ten minutes ago
    assert main(["canary", "start", "checkout-api", "--version", "42"]) == 0
    canary = _started(capsys.readouterr().out)
    canary_started_ago(home)
    # WHEN the scheduler runs once in the terminal
    assert main(["scheduler", "run-once"]) == 0
    out = capsys.readouterr().out
    # THEN its Canaries line says which release it judged as people say it, the id after
    assert f"Canaries   checkout-api version 42 ({canary}) rolled back" in out, out
