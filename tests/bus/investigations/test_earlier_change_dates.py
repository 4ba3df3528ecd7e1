"""A finding's earlier change (a spike that came back before the one still running began) is kept
as times, not as words, and worded for each reader: in Slack the next day it carries its date, on
the page always; a finding stored before those times were kept still loads and shows."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlparse

import pytest

from bots.slack.render import blocks
from shared.adapters.memory import InMemoryInvestigationStore
from shared.bootstrap.wiring import Services, build
from shared.config import Settings
from shared.identity.models import OrgId, Platform
from shared.investigations.models import Investigation
from shared.replies import Reply, Tone
from tests.support import MovingClock, memory_adapters, run, run_deferred, setup_teams

START = datetime(2026, 11, 22, 17, 32, tzinfo=UTC)
"""Sunday 22 Nov: six hours of rows; errors 13× from 21:42 to 21:52 UTC, and again from 23:02."""
OPENED = datetime(2026, 11, 22, 23, 40, tzinfo=UTC)
NEXT_DAY = OPENED + timedelta(hours=10)
COLUMNS = ("p50_latency", "p99_latency", "error_rate", "traffic", "saturation")
EARLIER = "it also rose {}21:42–21:52 UTC and came back"


def _level(column: str) -> float:
    return 1.0 if column == "error_rate" else 100.0


def _write(path: Path) -> None:
    rng = random.Random(12)
    rows = [",".join(("timestamp", *COLUMNS))]
    for minute in range(360):
        spike = 250 <= minute < 260 or minute >= 330
        cells = [  # every signal at 100 (an error rate at 1%), errors 13x in the spikes
            f"{_level(c) * (13 if c == 'error_rate' and spike else 1) * rng.gauss(1, 0.03):.4f}"
            for c in COLUMNS
        ]
        at = START + timedelta(minutes=minute)
        rows.append(",".join((at.strftime("%Y-%m-%dT%H:%M:%SZ"), *cells)))
    path.write_text("\n".join(rows) + "\n")


def _opened(tmp_path: Path) -> tuple[Services, MovingClock, InMemoryInvestigationStore, Reply]:
    """Web (a metrics file) investigated in payments' channel on the Sunday evening."""
    folder = tmp_path / "metrics"
    folder.mkdir()
    _write(folder / "web.csv")
    clock, store = MovingClock(OPENED), InMemoryInvestigationStore()
    adapters = memory_adapters(clock, metrics_dir=folder, investigations=store)
    services = build(Settings(org_admins=("slack:T1:root",)), adapters)
    setup_teams(services)
    register = "service register web --metrics-file web.csv"
    assert not run(services, register, user="oli", channel="C-pay", platform=Platform.LOCAL).failed
    text = "investigate web --since 2026-11-22T21:32Z --window 2h"
    report = run_deferred(services, text, user="rey", channel="C-pay")
    assert report.tone is Tone.INFO, report
    return services, clock, store, report


def _slack(reply: Reply) -> str:
    return str(blocks(reply))


def _page(services: Services, report: Reply) -> str:
    ident = dict(report.fields)["Investigation"].split()[0]
    token = urlparse(dict(report.fields)["Page"]).query.removeprefix("token=")
    status, page = services.pages.serve(ident, token, NEXT_DAY)
    assert status == 200
    return page


def _shown_next_day(services: Services, clock: MovingClock, report: Reply) -> str:
    clock.at = NEXT_DAY
    ident = dict(report.fields)["Investigation"].split()[0]
    shown = run(services, f"investigation show {ident}", user="vic", channel="C-pay")
    assert shown.tone is Tone.INFO, shown
    return _slack(shown)


def test_an_earlier_change_read_the_next_day_carries_its_date_in_slack_and_on_the_page(
    tmp_path: Path,
) -> None:
    # GIVEN web investigated on Sunday evening: errors running since 23:02, after a spike at 21:42
    services, clock, _, report = _opened(tmp_path)
    # THEN that evening's report gives the spike's times alone (they are of its reader's day)
    assert EARLIER.format("") in _slack(report), _slack(report)
    # WHEN the investigation is shown on Monday morning
    shown = _shown_next_day(services, clock, report)
    # THEN the spike, of yesterday, carries its date, as the change still running does
    assert EARLIER.format("Sun 22 Nov ") in shown, shown
    assert "since Sun 22 Nov 23:02 UTC" in shown, shown
    # AND the page, read any day, dates both
    page = _page(services, report)
    assert EARLIER.format("Sun 22 Nov ") in page, page
    assert "since Sun 22 Nov 23:02 UTC" in page, page


@pytest.mark.parametrize("kept", ["earlier", "nothing"])
def test_a_finding_stored_before_its_other_changes_were_kept_loads_and_shows(
    tmp_path: Path, kept: str
) -> None:
    # GIVEN the investigation as a record written before findings kept their other changes:
    # with its earlier change alone (the release before), or not even that (the one before it)
    services, clock, store, report = _opened(tmp_path)
    ident = dict(report.fields)["Investigation"].split()[0]
    stored = store.get(OrgId("slack:T1"), ident)
    assert stored is not None and stored.findings[0].others
    body = json.loads(stored.model_dump_json())
    for finding in body["findings"]:
        others = finding.pop("others")
        for key in ("level", "began_before", "earlier"):
            del finding[key]
        if kept == "earlier" and others:
            spike = {k: others[0][k] for k in ("rose", "start", "end")}
            finding["earlier"] = spike
    old = Investigation.model_validate_json(json.dumps(body))
    store.save(old)
    # WHEN it is shown the next day, and its page opened
    shown = _shown_next_day(services, clock, report)
    page = _page(services, report)
    # THEN both show its change, dated, and the earlier one where it was kept
    assert "error rate " in shown and "since Sun 22 Nov 23:02 UTC" in shown, shown
    assert "since Sun 22 Nov 23:02 UTC" in page, page
    assert (EARLIER.format("Sun 22 Nov ") in shown) is (kept == "earlier"), shown
