"""Chaos in the terminal on the embedded default: each command a process of its own, the
experiment and its injections kept in the local SQLite file."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from bots.cli import main
from tests.support.local import experiment_started_ago

EXAMPLES = Path(__file__).parents[2] / "examples" / "metrics"


def test_an_experiment_started_halted_and_journaled_across_processes(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN an experiment started on the sample in one process
    start = ["chaos", "start", "checkout-api", "--fault", "error", "--expect", "error_rate < 1%"]
    assert main(start) == 0
    found = re.search(
        r"Chaos (chx-[0-9a-f]+) started: error into 1% of checkout-api", capsys.readouterr().out
    )
    assert found
    experiment = found.group(1)
    # WHEN another process lists it, and a third halts it
    assert main(["chaos", "list"]) == 0
    assert (
        f"{experiment}  error on checkout-api: running at 1% (step 1/3)" in capsys.readouterr().out
    )
    assert main(["chaos", "halt", experiment]) == 0
    assert f"{experiment} halted by @" in capsys.readouterr().out
    # THEN a fourth reads its journal: interrupted, its one injection removed and verified
    assert main(["chaos", "status", experiment, "--journal"]) == 0
    out = capsys.readouterr().out
    journal = json.loads(out[out.index("{") : out.rindex("}") + 1])
    assert journal["status"] == "interrupted"
    assert [r["status"] for r in journal["rollbacks"]] == ["succeeded"]
    # AND halting it again changes nothing, exit 0
    assert main(["chaos", "halt", experiment]) == 0
    assert "Nothing to change" in capsys.readouterr().out


def test_a_second_start_on_the_same_service_is_refused(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    start = [
        "chaos",
        "start",
        "checkout-api",
        "--fault",
        "delay:200ms",
        "--expect",
        "p99_latency < 2s",
    ]
    assert main(start) == 0
    capsys.readouterr()
    assert main([*start, "--percent", "5"]) != 0
    assert "is already running at 1% (step 1/3) on checkout-api" in capsys.readouterr().out


def test_the_experiments_chart_is_saved_in_the_home_as_a_canarys_is(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN an experiment started in the terminal three minutes ago
    start = ["chaos", "start", "checkout-api", "--fault", "error", "--expect", "error_rate < 1%"]
    assert main(start) == 0
    found = re.search(r"Chaos (chx-[0-9a-f]+) started", capsys.readouterr().out)
    assert found
    experiment_started_ago(home, 3)
    # WHEN it is halted in another process
    assert main(["chaos", "halt", found.group(1)]) == 0
    out = capsys.readouterr().out
    # THEN its updated message names its chart, saved as a PNG under the home
    (saved,) = (home / "charts").glob("*.png")
    assert saved.read_bytes().startswith(b"\x89PNG")
    assert f"(chart: {saved})" in out


def test_a_late_approval_in_the_terminal_without_a_scheduler_expires_the_run(
    home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a production run asked for two hours ago, and no `sre serve` ticking meanwhile
    assert main(["service", "register", "pay-api", "--sample", "checkout", "--production"]) == 0
    assert main(["team", "member", "add", "opal", "--role", "operator"]) == 0
    start = ["chaos", "start", "pay-api", "--fault", "delay:100ms", "--expect", "p99_latency < 2s"]
    assert main(start) == 0
    found = re.search(r"Chaos (chx-[0-9a-f]+) waits for approval", capsys.readouterr().out)
    assert found
    experiment_started_ago(home, 120)
    # WHEN another operator approves it
    monkeypatch.setenv("AUTOSRE_LOCAL_USER", "opal")
    assert main(["chaos", "approve", found.group(1)]) != 0
    # THEN refused: its approval expired, it has ended, nothing was injected
    out = capsys.readouterr().out
    assert "its approval expired, so it has ended and nothing was injected" in out
    assert "injected by @opal" not in out
    assert main(["chaos", "status", found.group(1)]) == 0
    assert "pay-api: ended: halted" in capsys.readouterr().out


def test_a_plan_on_a_metrics_file_service_says_its_minutes_cannot_be_read(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a service read from a metrics file (not the simulated sample)
    (home / "metrics").mkdir()
    shutil.copy(EXAMPLES / "web-incident.csv", home / "metrics")
    assert main(["service", "register", "web", "--metrics-file", "web-incident.csv"]) == 0
    capsys.readouterr()
    # WHEN its experiment is planned
    plan = ["chaos", "plan", "web", "--fault", "delay:100ms", "--expect", "error_rate < 1%"]
    assert main(plan) == 1  # it would not start: a failed check, not a usage error
    captured = capsys.readouterr()
    out = " ".join(captured.out.split())
    # THEN `Now` says its minutes cannot be read here, never the simulation's figures
    unread = (
        f"web (metrics-file `{home / 'metrics' / 'web-incident.csv'}`) is not the bundled "
        "sample, and chaos here reads only the sample's simulated minutes, never another "
        "service's"
    )
    assert f"Now cannot be read: {unread}" in out
    assert f"• The steady state cannot be judged now: {unread}." in out
    assert "requests" not in out
