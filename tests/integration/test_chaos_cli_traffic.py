"""`sre chaos plan` in the terminal on the embedded default (the sample at 100 requests a
second): a steady state whose 1% step cannot be held at that traffic is said up front, with
what would do."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bots.cli import main


def test_a_plan_says_the_1_percent_step_cannot_hold_a_tight_error_bound(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plan = ["chaos", "plan", "checkout-api", "--fault", "delay:100ms"]
    plan += ["--expect", "error_rate < 0.3%"]
    assert main(plan) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "(would start)" in out  # warned, not refused
    said = re.search(
        r"At ~\d+ req/s the 1% step sees ~\d+ faulted requests per 11m \(~[\d,]+ with its 3 "
        r"extensions\): below the ([\d,]+) needed to judge it at its last look with a 10% "
        r"margin, so it would end "
        r"inconclusive; use --percent (\d+)(?:,25)?(?: or --duration (\d+)m)?\.",
        out,
    )
    assert said is not None, out
    needed = int(said.group(1).replace(",", ""))
    assert needed > 2_160  # a doubled 0.2% must be able to show: ~12,000 requests
