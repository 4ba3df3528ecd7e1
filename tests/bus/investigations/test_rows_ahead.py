"""A metrics file whose times are another time zone's written without their offset (read as
UTC, every row hours ahead) is never judged as if they were UTC: refused at registration, and
an investigation of a file rewritten so is refused, saying it cannot judge it, never "no
significant change" (nor "steady") over the wrong rows."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from shared.adapters.memory import FixedClock, InMemoryNotifier
from shared.bootstrap.memory import for_memory
from shared.bootstrap.wiring import Services
from shared.config import Settings
from shared.identity.models import Platform
from shared.replies import Tone
from tests.support import NOW, run, run_worker, setup_teams

LOCAL = timedelta(hours=2)
"""The exporter's time zone: UTC+2, its times written without the offset."""


def _write(path: Path, *, last: datetime) -> None:
    """Six hours a minute apart up to `last`: error rate 0.3%, 4% in the last 45 minutes."""
    rows = ["timestamp,error_rate"]
    for i in range(360):
        at = last - timedelta(minutes=359 - i)
        rows.append(f"{at:%Y-%m-%d %H:%M:%S},{4.0 if i >= 315 else 0.3}")
    path.write_text("\n".join(rows) + "\n")


def _services(tmp_path: Path) -> tuple[Services, Path]:
    folder = tmp_path / "metrics"
    folder.mkdir()
    settings = Settings(org_admins=("slack:T1:root",), metrics_dir=folder)
    services = for_memory(settings, clock=FixedClock(NOW), notifier=InMemoryNotifier())
    setup_teams(services)
    return services, folder / "local.csv"


def _register(services: Services) -> str:
    text = "service register local --metrics-file local.csv"
    reply = run(services, text, user="oli", channel="C-pay", platform=Platform.LOCAL)
    return f"{reply.tone.value}: {reply.title}"


def test_a_file_whose_rows_run_hours_past_now_is_refused_saying_why(tmp_path: Path) -> None:
    services, path = _services(tmp_path)
    # GIVEN a file written up to now in UTC+2, without the offset
    _write(path, last=NOW + LOCAL)
    # WHEN it is registered THEN it is refused, saying its rows run 2 h past now and why
    said = _register(services)
    assert said.startswith("usage: Cannot use `local.csv` as a metrics file:"), said
    assert "local.csv's rows run to 11:30 UTC, 2 h after now" in said, said
    assert "a time written without its offset is read as UTC" in said, said
    # AND the same file written in UTC is registered
    _write(path, last=NOW)
    assert _register(services).startswith("ok:")


def test_an_investigation_over_rows_past_now_cannot_judge_never_an_all_clear(
    tmp_path: Path,
) -> None:
    services, path = _services(tmp_path)
    _write(path, last=NOW)
    assert _register(services).startswith("ok:")
    # GIVEN the exporter later rewrites the file in UTC+2, without the offset (its incident,
    # the last 45 minutes, now after now as read)
    _write(path, last=NOW + LOCAL)
    # WHEN the service is investigated
    report = run(services, "investigate local", user="rey", channel="C-pay")
    # THEN it says at once that it cannot judge, and why, and judges nothing (before: the title
    # said so above a report that called the wrong rows steady)
    assert report.failed and report.tone is Tone.ERROR, report
    assert report.text.startswith("Cannot judge local: its file's times are not UTC. "), report
    assert "local.csv's rows run to 11:30 UTC, 2 h after now" in report.text
    assert "steady" not in report.text and "No change" not in report.text
    assert run_worker(services) == []  # refused before it was queued
