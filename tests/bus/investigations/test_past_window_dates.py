"""A past window investigated today, as Slack shows the report: every time that is not of the
reader's today (the clock's now, not the window's end) carries its date, in one style, and the
events it lists read in time order."""

from __future__ import annotations

import re
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bots.slack.render import blocks
from shared.adapters.memory import InMemoryNotifier
from shared.bootstrap.memory import for_memory
from shared.config import Settings
from shared.identity.models import Platform
from shared.replies import Reply, Tone
from tests.support import MovingClock, run, run_deferred, setup_teams

EXAMPLE = Path(__file__).parents[3] / "examples" / "metrics" / "web-incident.csv"
"""Sunday 22 Nov 2026, 03:00–09:00 UTC: a pool change at 05:30, deploy v7 at 08:25, errors
up from 08:30."""


def _texts(block: Any) -> list[str]:
    if isinstance(block, dict):
        own = [block["text"]] if isinstance(block.get("text"), str) else []
        return own + [t for value in block.values() for t in _texts(value)]
    if isinstance(block, list):
        return [t for item in block for t in _texts(item)]
    return []


def _slack(reply: Reply) -> str:
    """What Slack shows of the reply: its blocks' text."""
    return "\n".join(_texts(blocks(reply, {i.name: "F1" for i in reply.images})))


def _report(tmp_path: Path, now: datetime) -> str:
    folder = tmp_path / "metrics"
    folder.mkdir()
    shutil.copy(EXAMPLE, folder / "web-incident.csv")
    settings = Settings(org_admins=("slack:T1:root",), metrics_dir=folder)
    services = for_memory(settings, clock=MovingClock(now), notifier=InMemoryNotifier())
    setup_teams(services)
    register = "service register web --metrics-file web-incident.csv"
    registered = run(services, register, user="oli", channel="C-pay", platform=Platform.LOCAL)
    assert registered.tone is Tone.OK, registered
    text = "investigate web --since 2026-11-22T07:00Z --window 2h"
    report = run_deferred(services, text, user="rey", channel="C-pay")
    assert report.tone is Tone.INFO, report
    return _slack(report)


def test_a_window_eight_days_old_dates_every_time(tmp_path: Path) -> None:
    # GIVEN the incident of Sunday 22 Nov, read on Monday 30 Nov
    # WHEN its window is investigated
    said = _report(tmp_path, datetime(2026, 11, 30, 10, 0, tzinfo=UTC))
    # THEN the headline, the account, the first mover, the window and the events carry the date
    assert "error rate 12.9× baseline since Sun 22 Nov 08:30 UTC" in said, said
    assert "moved together, at Sun 22 Nov 08:30 UTC" in said, said
    assert "p99 latency and saturation together at Sun 22 Nov 08:30 UTC" in said, said
    assert "Sun 22 Nov 07:00–09:00 UTC" in said, said
    # AND no time is left without its date (the end of a range within the day excepted)
    bare = re.findall(r"(?<!Nov )(?<![–\d:])\b\d\d:\d\d\b", said)
    assert not bare, (bare, said)
    # AND the events read in time order: the pool change before the deploy
    change, deploy = (
        said.index("Sun 22 Nov 05:30 config change"),
        said.index("Sun 22 Nov 08:25 deploy v7"),
    )
    assert change < deploy, said


def test_the_same_window_read_that_day_gives_times_only(tmp_path: Path) -> None:
    # GIVEN the same incident, read the same Sunday at 09:30
    # WHEN it is investigated
    said = _report(tmp_path, datetime(2026, 11, 22, 9, 30, tzinfo=UTC))
    # THEN its times are today's: no date
    assert "error rate 12.9× baseline since 08:30 UTC" in said, said
    assert "07:00–09:00 UTC" in said and "Sun 22 Nov" not in said, said
    assert said.index("05:30 config change") < said.index("08:25 deploy v7"), said
