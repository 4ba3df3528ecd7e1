"""`--metrics-file`: terminal only, inside the metrics folder, regular files, checked at register
time, read without blocking, event text redacted."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest

from bots.text import render_text
from shared.adapters.local.csv_metrics import CsvMetricsSource
from shared.adapters.memory import FixedClock, InMemoryNotifier
from shared.bootstrap.memory import for_memory
from shared.bootstrap.wiring import Services
from shared.errors import InvalidCommandError
from shared.identity.models import Platform
from shared.replies import Reply, Tone
from tests.support import NOW, investigate, run, run_deferred, setup_teams


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    made = tmp_path / "metrics"
    made.mkdir()
    return made


@pytest.fixture
def local(services: Services, clock: FixedClock, folder: Path) -> Services:
    """In-memory services whose metrics folder is `folder`, with the payments and search teams."""
    settings = services.settings.model_copy(update={"metrics_dir": folder})
    made = for_memory(settings, clock=clock, notifier=InMemoryNotifier())
    setup_teams(made)
    return made


def _incident(path: Path, *, event: str = "deploy v7") -> Path:
    rows = ["timestamp,p99_latency,error_rate,event"]
    start = NOW - timedelta(hours=6)
    for i in range(360):
        broken = i >= 320
        cell = event if i == 318 else ""
        at = (start + timedelta(minutes=i)).isoformat()
        rows.append(f"{at},{900 if broken else 300 + i % 9},{4.0 if broken else 0.1},{cell}")
    path.write_text("\n".join(rows) + "\n")
    return path


def _register(services: Services, path: object, *, platform: Platform = Platform.LOCAL) -> Reply:
    text = f"service register legacy --metrics-file {path}"
    return run(services, text, user="oli", channel="C-pay", platform=platform)


def test_the_terminal_registers_a_file_of_the_folder_by_its_absolute_path(
    local: Services, folder: Path
) -> None:
    _incident(folder / "incident.csv")
    assert _register(local, "incident.csv").tone is Tone.OK  # a bare name is in the folder
    shown = run(local, "service show legacy", user="oli", channel="C-pay", platform=Platform.LOCAL)
    assert f"Resource: `{folder.resolve() / 'incident.csv'}`" in shown.text
    assert "2 min after deploy v7" in investigate(local, "investigate legacy --window 2h").title


@pytest.mark.parametrize("platform", [Platform.SLACK, Platform.TEAMS])
def test_a_chat_surface_cannot_name_a_server_file(
    local: Services, folder: Path, platform: Platform
) -> None:
    _incident(folder / "incident.csv")
    for path in ("/etc/passwd", "/proc/self/environ", "incident.csv"):
        refused = _register(local, path, platform=platform)
        assert refused.tone is Tone.USAGE
        assert "only the terminal may name one" in refused.title
    listed = run(local, "service list", user="oli", channel="C-pay")
    assert listed.title == "Team payments has no services yet"


def test_a_path_outside_the_folder_is_refused_naming_the_folder(
    local: Services, folder: Path, tmp_path: Path
) -> None:
    outside = _incident(tmp_path / "elsewhere.csv")
    for path in (outside, "/etc/passwd", "../elsewhere.csv", folder / ".." / "elsewhere.csv"):
        refused = _register(local, path)
        assert refused.tone is Tone.USAGE
        assert f"outside the metrics folder {folder.resolve()}" in refused.title


def test_a_symlink_out_of_the_folder_is_refused(
    local: Services, folder: Path, tmp_path: Path
) -> None:
    (folder / "passwd.csv").symlink_to("/etc/passwd")
    (folder / "other.csv").symlink_to(_incident(tmp_path / "other-team.csv"))
    for name in ("passwd.csv", "other.csv"):
        assert "outside the metrics folder" in _register(local, name).title


def test_a_fifo_and_a_device_are_refused_without_waiting(local: Services, folder: Path) -> None:
    os.mkfifo(folder / "pipe.csv")  # nobody writes to it: reading it would block forever
    refused = _register(local, "pipe.csv")
    assert "it is a FIFO: only regular files are read" in refused.title
    with pytest.raises(InvalidCommandError, match="it is a character device: only regular files"):
        CsvMetricsSource(Path("/dev")).admit("zero")  # a folder that holds devices


def test_an_oversized_file_is_refused_with_the_limit(local: Services, folder: Path) -> None:
    with (folder / "huge.csv").open("wb") as handle:
        handle.truncate(16 * 1024 * 1024 + 1)
    refused = _register(local, "huge.csv")
    assert "larger than 16,777,216 bytes, the limit for a metrics file" in refused.title


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("time,p99\n", "its first line must name the columns, one of them `timestamp`"),
        ("timestamp,event\n2026-11-22T09:00:00Z,x\n", "it has no metric column"),
        (
            "timestamp,p99_latency\n2026-11-22T09:00:00Z,300\n2026-11-22T09:01:00Z,fast\n",
            "row 2 (line 3), column `p99_latency`: `fast` is not a number",
        ),
        (
            "timestamp,p99_latency\nyesterday,300\n",
            "row 1 (line 2), column `timestamp`: `yesterday` is not an ISO 8601 time",
        ),
        ("timestamp,p99_latency\n2026-11-22T09:00:00Z,nan\n", "`nan` is not a number"),
        ("timestamp,p99_latency\n2026-11-22T09:00:00Z,1_000\n", "`1_000` is not a number"),
        (
            "timestamp,p99_latency\n2026-11-22T09:00:00Z,1,2\n",
            "row 1 (line 2) has 3 cells; the first line names 2",
        ),
        (
            "timestamp,p99_latency\n2026-11-22T09:00:00Z\n",
            "row 1 (line 2) has 1 cell; the first line names 2",
        ),
        (
            "timestamp,p99_latency,error_rate\n2026-11-22T09:00:00Z,300,N/A\n",
            "row 1 (line 2), column `error_rate`: `N/A` is not a number",
        ),
        (
            "timestamp,p99_latency,event\n2026-11-22T09:00:00Z,300,\n2026-11-22T09:01:00Z,,x\n",
            "row 2 (line 3), column `p99_latency`: the cell is empty",
        ),
        (
            "timestamp,latency,errors\n2026-11-22T09:00:00Z,300,1\n",
            "none of its columns (`latency`, `errors`) is a golden signal: the accepted columns "
            "are `timestamp`, at least one of p50_latency, p99_latency, error_rate, traffic, "
            "saturation, and optionally `event`",
        ),
        (
            "timestamp,p99_latency\n0001-01-01T00:00:00Z,300\n",
            "row 1 (line 2), column `timestamp`: `0001-01-01T00:00:00Z` is in the year 1: a "
            "metrics file's times are in 2000 to 2099",
        ),
        (
            "timestamp,p99_latency\n0001-01-01T00:00:00+01:00,300\n",
            "row 1 (line 2), column `timestamp`: `0001-01-01T00:00:00+01:00` is not an ISO 8601",
        ),
        (
            'timestamp,p99_latency,event\n2026-11-22T09:00Z,3,\n2026-11-22T09:01Z,3,"v9\n'
            "2026-11-22T09:02Z,3,\n",
            'row 2 (line 3): a quote (") opened there is never closed; close it, or leave quotes',
        ),
        (
            "timestamp,p99_latency\n1700000000,300\n",
            "row 1 (line 2), column `timestamp`: `1700000000` is not an ISO 8601 time",
        ),
        (
            "timestamp,p99_latency\n2026-11-22T09:01:00Z,300\n2026-11-22T09:00:00Z,300\n",
            "row 2 (line 3), column `timestamp`: 2026-11-22T09:00:00+00:00 is earlier than the "
            "row before it (2026-11-22T09:01:00+00:00)",
        ),
        (
            "timestamp,p99_latency\n2026-11-22T09:00:00Z,300\n2026-11-22T09:00:00Z,310\n",
            "row 2 (line 3), column `timestamp`: 2026-11-22T09:00:00+00:00 repeats the time of "
            "the row before it",
        ),
        ("timestamp,p99_latency\n", "it has no rows of data under its first line"),
    ],
)
def test_a_bad_file_is_refused_naming_the_row_and_column(
    local: Services, folder: Path, content: str, message: str
) -> None:
    (folder / "bad.csv").write_text(content)
    refused = _register(local, "bad.csv")
    assert refused.tone is Tone.USAGE
    assert message in refused.title
    assert run(local, "service list", user="oli", channel="C-pay").title.endswith("no services yet")


def test_a_folder_is_refused_as_a_file(local: Services, folder: Path) -> None:
    (folder / "exports.csv").mkdir()
    refused = _register(local, "exports.csv")
    assert refused.tone is Tone.USAGE, refused
    assert "`exports.csv` as a metrics file: it is a folder: only regular files" in refused.title


def test_a_secret_in_an_event_never_reaches_the_channel(local: Services, folder: Path) -> None:
    long_note = "rolled back " + "x" * 500
    _incident(folder / "incident.csv", event=f"deploy v7 DB_PASSWORD=hunter2 {long_note}")
    assert _register(local, "incident.csv").tone is Tone.OK
    report = investigate(local, "investigate legacy --window 2h")
    shown = report.title + report.text + str(report.fields)
    assert "hunter2" not in shown
    assert "DB_PASSWORD=***" in shown
    assert "x" * 300 not in shown  # an event is cut short


def test_a_file_replaced_by_a_fifo_is_reported_not_waited_on(local: Services, folder: Path) -> None:
    path = _incident(folder / "incident.csv")
    assert _register(local, "incident.csv").tone is Tone.OK
    path.unlink()
    os.mkfifo(path)
    report = investigate(local, "investigate legacy --window 2h")
    assert report.tone is Tone.ERROR
    assert "metrics file incident.csv: it is a FIFO" in report.text


def test_a_signal_cannot_be_pointed_at_another_file(local: Services, folder: Path) -> None:
    _incident(folder / "incident.csv")
    _incident(folder / "other-team.csv")
    assert _register(local, "incident.csv").tone is Tone.OK
    for path in ("/etc/passwd", str(folder / "other-team.csv")):
        text = f"service signal set legacy p99_latency --metric p99_latency --namespace {path}"
        refused = run(local, text, user="oli", channel="C-pay")
        assert refused.tone is Tone.USAGE
        assert "--namespace (another file) is not allowed" in refused.title


def test_another_teams_file_is_refused_naming_its_owner(local: Services, folder: Path) -> None:
    _incident(folder / "incident.csv")
    assert _register(local, "incident.csv").tone is Tone.OK  # payments'
    text = f"service register mine --metrics-file {folder / 'incident.csv'} --team search"
    refused = run(local, text, user="sam", platform=Platform.LOCAL)
    assert refused.title == "Conflict"
    assert "belongs to team payments (its service legacy)" in refused.text


def test_the_terminal_s_help_names_the_metrics_folder_in_force_and_chat_s_names_no_path(
    local: Services, folder: Path
) -> None:
    # WHEN the service help is asked for in the terminal, and in Slack and Teams
    terminal = [run(local, text, platform=Platform.LOCAL) for text in _SERVICE_HELP]
    chats = [run(local, text, platform=p) for text in _SERVICE_HELP for p in _CHATS]
    # THEN the terminal is told the folder files are read from; chat is told no server path
    for reply in terminal:
        assert f"read from {folder} here" in reply.text
    for reply in chats:
        assert reply.tone is Tone.INFO
        assert str(folder) not in reply.text
        assert "AUTOSRE_METRICS_DIR" in reply.text  # where it is set, without where it is


_SERVICE_HELP = ("help service", "help service register")
_CHATS = (Platform.SLACK, Platform.TEAMS)


def test_a_missing_file_is_refused_naming_the_folder_searched(
    local: Services, folder: Path
) -> None:
    refused = _register(local, "shop.csv")
    assert refused.tone is Tone.USAGE
    assert f"there is no such file in the metrics folder {folder.resolve()}" in refused.title


def test_a_metrics_folder_that_does_not_exist_is_named_as_missing(
    services: Services, clock: FixedClock, tmp_path: Path
) -> None:
    # GIVEN a deployment whose metrics folder is not there
    absent = tmp_path / "absent"
    settings = services.settings.model_copy(update={"metrics_dir": absent})
    made = for_memory(settings, clock=clock, notifier=InMemoryNotifier())
    setup_teams(made)
    # WHEN the terminal registers a file from it
    refused = _register(made, "shop.csv")
    # THEN the answer says the folder itself is missing, and which
    assert f"the metrics folder {absent} does not exist" in refused.title


@pytest.mark.parametrize("platform", [Platform.SLACK, Platform.TEAMS])
def test_chat_sees_a_registered_file_by_its_name_never_its_path_on_the_server(
    local: Services, folder: Path, platform: Platform
) -> None:
    # GIVEN a service the terminal registered from a file of the metrics folder
    _incident(folder / "incident.csv")
    assert _register(local, "incident.csv").tone is Tone.OK
    # WHEN its team lists and shows it in chat
    for text in ("service list", "service show legacy"):
        reply = run(local, text, user="oli", channel="C-pay", platform=platform)
        shown = " ".join([reply.title, reply.text, *(value for _, value in reply.fields)])
        # THEN the file is named, and no path of the server is
        assert "incident.csv" in shown
        assert str(folder.parent) not in shown, shown


def test_a_registered_file_gone_is_named_in_chat_without_a_path(
    local: Services, folder: Path
) -> None:
    # GIVEN a registered file, since removed, and then its whole folder
    _incident(folder / "incident.csv")
    assert _register(local, "incident.csv").tone is Tone.OK
    (folder / "incident.csv").unlink()
    folder.rmdir()
    # WHEN a signal of it is pointed at a column from Slack
    text = "service signal set legacy p99_latency --metric latency"
    refused = run(local, text, user="oli", channel="C-pay")
    # THEN the file is named, and no path of the server
    assert "Cannot read `incident.csv` as a metrics file" in refused.title
    assert "does not exist" in refused.title
    assert str(folder.parent) not in refused.title + refused.text


def test_a_file_swapped_for_a_link_outside_the_folder_never_shows_chat_the_folder(
    local: Services, folder: Path, tmp_path: Path
) -> None:
    # GIVEN a registered file later replaced by a symlink to a file outside the metrics folder
    _incident(folder / "incident.csv")
    assert not _register(local, "incident.csv").failed
    outside = tmp_path / "elsewhere.csv"
    _incident(outside)
    (folder / "incident.csv").unlink()
    (folder / "incident.csv").symlink_to(outside)
    # WHEN chat points a signal at it and investigates it
    signal = run(
        local, "service signal set legacy p99_latency --metric latency", user="oli", channel="C-pay"
    )
    report = run_deferred(local, "investigate legacy", user="rey", channel="C-pay")
    # THEN both say it is outside the metrics folder, without naming the folder
    shown = render_text(signal) + render_text(report)
    assert "outside the metrics folder" in shown
    assert str(folder) not in shown
