"""In the terminal, an alert policy on a signal its service has no data for lists as *no data*."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bots.cli import main


def test_sre_alert_list_shows_no_data_not_inactive(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a service read from a file that has p99 latency for the last hour, and policies on
    # its error rate and latency made while it had an error rate too
    assert main(["whoami"]) == 0
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    web = home / "metrics" / "web.csv"
    rows = [f"{(now - timedelta(minutes=i)).isoformat()},300" for i in range(60, 0, -1)]
    web.write_text("timestamp,p99_latency,error_rate\n" + ",0.1\n".join(rows) + ",0.1\n")
    assert main(["service", "register", "web", "--metrics-file", "web.csv"]) == 0
    for name, signal in (("errors", "error_rate > 2%"), ("slow", "p99_latency > 800ms")):
        assert main(["alert", "create", name, "--service", "web", "--when", signal]) == 0
    web.write_text("timestamp,p99_latency\n" + "\n".join(rows) + "\n")
    capsys.readouterr()
    # WHEN the scheduler evaluates them, and the user lists and shows them
    assert main(["scheduler", "run-once"]) == 0
    assert main(["alert", "list"]) == 0
    listed = capsys.readouterr().out
    assert main(["alert", "show", "errors"]) == 0
    shown = capsys.readouterr().out
    # THEN the policy on the missing signal says no data; the judged one is inactive
    lines = {line.split()[0]: line for line in listed.splitlines() if "· web:" in line}
    assert "no data · web" in lines["errors"], listed
    assert "inactive · web" in lines["slow"], listed
    assert "State: no data" in shown, shown
