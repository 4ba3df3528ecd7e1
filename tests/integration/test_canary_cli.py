"""Canaries in the terminal on the embedded default: each command a process of its own."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bots.cli import main


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
    assert "holding at 5%" in capsys.readouterr().out
