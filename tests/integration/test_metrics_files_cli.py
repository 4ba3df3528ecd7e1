"""`sre service register --metrics-file` in the terminal: the folder, regular files, valid rows."""

from __future__ import annotations

import os
import re
import shutil
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from bots.cli import main
from shared.times import day

FILE_DAY = datetime(2026, 11, 22, tzinfo=UTC)
ON = "" if FILE_DAY.date() == datetime.now(UTC).date() else f"{day(FILE_DAY)} "
"""The example files' day as a report read today writes it before a time (`Sun 22 Nov `)."""


@pytest.fixture
def home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setenv("AUTOSRE_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("AUTOSRE_LOCAL_USER", "dana")
    monkeypatch.delenv("AUTOSRE_ORG_ADMINS", raising=False)
    monkeypatch.delenv("AUTOSRE_METRICS_DIR", raising=False)
    return tmp_path / "home"


def _register(path: object, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    """Its status and what it printed: an answer on stdout, a refusal (a usage error) on stderr."""
    status = main(["service", "register", "legacy", "--metrics-file", str(path)])
    captured = capsys.readouterr()
    assert not (captured.out and captured.err), captured
    return status, " ".join((captured.out or captured.err).split())


def test_a_file_exported_with_a_bom_crlf_quotes_and_capitalised_names_is_read(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a spreadsheet's export: a byte-order mark, CRLF lines, quoted cells, capitals
    main(["whoami"])
    rows = ['"Timestamp","P99_Latency","Error_Rate"']
    rows += [f'"2026-11-22T09:{m:02d}:00+01:00","300","{1 if m < 40 else 13}"' for m in range(60)]
    (home / "metrics" / "export.csv").write_bytes(("\ufeff" + "\r\n".join(rows)).encode())
    capsys.readouterr()
    # WHEN it is registered and its last half hour investigated
    status, out = _register("export.csv", capsys)
    assert status == 0, out
    main(["investigate", "legacy", "--since", "2026-11-22T08:30Z", "--window", "30m"])
    out = capsys.readouterr().out
    # THEN the error rate's rise is found at 08:40 UTC (09:40 at +01:00)
    assert f"• legacy: error rate 13.0× baseline since {ON}08:40 UTC" in out, out


def test_a_file_in_the_metrics_folder_is_registered(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["whoami"])  # first use makes the home, its metrics folder and the demo team
    (home / "metrics" / "latency.csv").write_text(
        "timestamp,p99_latency,event\n2026-11-22T09:00:00Z,300,deploy v7\n"
    )
    capsys.readouterr()
    status, out = _register("latency.csv", capsys)
    assert status == 0, out
    assert "Service legacy registered in team demo" in out
    assert main(["service", "show", "legacy"]) == 0
    shown = capsys.readouterr().out
    assert f"Resource: `{(home / 'metrics' / 'latency.csv').resolve()}`" in shown
    # AND the signals it has no column for are said to have none (before: shown as if read)
    lines = {line.split("  ")[1].strip(): line for line in shown.splitlines() if "  " in line}
    assert "no `p99_latency` column" not in lines["p99 latency"]
    for signal, column in (("p50 latency", "p50_latency"), ("traffic", "traffic")):
        assert lines[signal].endswith(f": the file has no `{column}` column (no data)"), shown


def test_the_help_examples_file_not_yet_copied_says_how_to_copy_it(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a fresh home, whose metrics folder is empty
    main(["whoami"])
    capsys.readouterr()
    # WHEN the help's example is run as shown
    status, out = _register("web-incident.csv", capsys)
    # THEN it says the file is the bundled example, and the command that copies it there
    assert status == 2, out
    folder = home / "metrics"
    assert "it is a bundled example, copied there with `cp " in out, out
    assert f"examples/metrics/web-incident.csv {folder}/`" in out, out


def test_files_the_terminal_may_not_read_are_refused_with_the_reason(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["whoami"])
    folder = home / "metrics"
    outside = tmp_path / "outside.csv"
    outside.write_text("timestamp,p99_latency\n2026-11-22T09:00:00Z,300\n")
    (folder / "link.csv").symlink_to(outside)
    os.mkfifo(folder / "pipe.csv")
    with (folder / "huge.csv").open("wb") as handle:
        handle.truncate(17 * 1024 * 1024)
    (folder / "bad.csv").write_text("timestamp,p99_latency\n2026-11-22T09:00:00Z,slow\n")
    capsys.readouterr()
    cases = {
        str(outside): f"outside the metrics folder {folder.resolve()}",
        "link.csv": "outside the metrics folder",
        "pipe.csv": "it is a FIFO: only regular files are read",
        "huge.csv": "larger than 16,777,216 bytes, the limit for a metrics file",
        "bad.csv": "row 1 (line 2), column `p99_latency`: `slow` is not a number",
        "missing.csv": "there is no such file",
    }
    for path, reason in cases.items():
        status, out = _register(path, capsys)
        assert status == 2, (path, out)
        assert reason in out, (path, out)
    assert main(["service", "list"]) == 0
    assert "legacy" not in capsys.readouterr().out


def test_the_folder_is_the_one_autosre_metrics_dir_names(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    shared = tmp_path / "exports"
    shared.mkdir()
    (shared / "latency.csv").write_text("timestamp,p99_latency\n2026-11-22T09:00:00Z,300\n")
    monkeypatch.setenv("AUTOSRE_METRICS_DIR", str(shared))
    main(["whoami"])
    capsys.readouterr()
    status, out = _register(shared / "latency.csv", capsys)
    assert status == 0, out


@pytest.mark.parametrize(
    "changed",
    [
        "timestamp,DB_PASSWORD=hunter2,DB_PASSWORD=hunter2\n",
        "timestamp,DB_PASSWORD=hunter2\n2026-11-22T09:00:00Z,slow\n",
    ],
)
def test_a_registered_file_changed_afterwards_is_reported_without_its_secrets(
    home: Path, capsys: pytest.CaptureFixture[str], changed: str
) -> None:
    # GIVEN a registered metrics file, later overwritten with a header that holds a secret
    main(["whoami"])
    path = home / "metrics" / "latency.csv"
    path.write_text("timestamp,p99_latency\n2026-11-22T09:00:00Z,300\n")
    assert _register("latency.csv", capsys)[0] == 0
    path.write_text(changed)
    # WHEN it is investigated (the report a channel would get)
    main(["investigate", "legacy", "--since", "2026-11-22T08:00"])
    out = capsys.readouterr().out
    # THEN the report says what is wrong with the file, with the secret masked
    assert "metrics file latency.csv" in out, out
    assert "DB_PASSWORD=***" in out, out
    assert "hunter2" not in out


EXAMPLE = Path(__file__).parents[2] / "examples" / "metrics" / "web-incident.csv"


def test_sre_help_service_shows_the_metrics_file_format(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["help", "service"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    for part in (
        "`timestamp` (ISO 8601 such as 2026-11-22T09:30:00Z; UTC when no offset is given: rows "
        "more than 10 minutes past now are refused)",
        "p99_latency (ms), error_rate (%), traffic (requests a minute)",
        "optionally `event`",
        "no N/A or empty cell",
        "At most 16 MB and 200,000 rows",
        "examples/metrics/web-incident.csv",
    ):
        assert part in out, part


def test_the_bundled_example_registers_and_its_deploy_explains_the_change(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN the bundled example copied into the metrics folder, as the README says
    main(["whoami"])
    shutil.copy(EXAMPLE, home / "metrics")
    capsys.readouterr()
    # WHEN it is registered and its last two hours investigated
    status, out = _register("web-incident.csv", capsys)
    assert status == 0, out
    main(["investigate", "legacy", "--since", "2026-11-22T07:00Z", "--window", "2h"])
    out = capsys.readouterr().out
    # THEN the error spike is found, after the file's deploy, which the events list
    headline = next(line for line in out.splitlines() if "legacy: " in line)
    assert "error rate" in headline and "after deploy v7 of web" in headline, out
    assert "08:25 deploy v7 of web" in out, out


@pytest.mark.parametrize(
    ("since", "window"),
    [("2026-11-22T07:00Z", "2h"), ("2026-11-22T08:00Z", "1h"), ("2026-11-22T06:00Z", "3h")],
)
def test_the_bundled_examples_p50_change_is_the_same_whatever_the_window(
    home: Path, capsys: pytest.CaptureFixture[str], since: str, window: str
) -> None:
    # GIVEN the bundled example: p50 latency about 1.3× from 08:30 to its end, its points a
    # little above and below the 30% margin
    main(["whoami"])
    shutil.copy(EXAMPLE, home / "metrics")
    assert _register("web-incident.csv", capsys)[0] == 0
    # WHEN a window around it is investigated
    main(["investigate", "legacy", "--since", since, "--window", window])
    out = capsys.readouterr().out
    # THEN p50 latency changed at 08:30 and never recovered, in every window; and the four
    # signals that moved at 08:30 moved together
    p50 = next(line for line in out.splitlines() if ". p50 latency " in line)
    on = "" if datetime.now(UTC).date() == date(2026, 11, 22) else "Sun 22 Nov "
    assert f"p50 latency 1.3× baseline since {on}08:30 UTC" in p50, out
    assert "recovered" not in p50, out
    assert "error rate, p50 latency, p99 latency and saturation together at" in out, out


def test_the_window_suggested_for_a_files_rows_finds_its_incident(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN the bundled example registered, investigated today (no row in the default window)
    main(["whoami"])
    shutil.copy(EXAMPLE, home / "metrics")
    assert _register("web-incident.csv", capsys)[0] == 0
    main(["investigate", "legacy"])
    out = capsys.readouterr().out
    # WHEN the window the report suggests is investigated
    suggested = re.search(r"`sre (investigate legacy --since \S+ --window \S+)`", out)
    assert suggested is not None, out
    main(suggested.group(1).split())
    found = capsys.readouterr().out
    # THEN it covers the incident (before, it named the file's first rows alone: an all-clear)
    assert "no significant change" not in found, found
    headline = next(line for line in found.splitlines() if line.startswith("• legacy:"))
    assert "error rate" in headline and "08:30 UTC" in headline, found


def test_bad_files_are_refused_in_the_terminal_with_the_row_and_column(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["whoami"])
    folder = home / "metrics"
    (folder / "exports").mkdir()
    contents = {
        "na.csv": "timestamp,p99_latency\n2026-11-22T09:00:00Z,N/A\n",
        "gap.csv": "timestamp,p99_latency,traffic\n2026-11-22T09:00:00Z,300,\n",
        "names.csv": "time,latency\n2026-11-22T09:00:00Z,300\n",
        "cols.csv": "timestamp,latency\n2026-11-22T09:00:00Z,300\n",
        "when.csv": "timestamp,p99_latency\n22/11/2026 09:00,300\n",
        "order.csv": "timestamp,p99_latency\n2026-11-22T09:05Z,1\n2026-11-22T09:00Z,1\n",
        "range.csv": "timestamp,p99_latency\n2026-11-22T09:00Z,1\n2026-11-22T09:01Z,-1.7e308\n",
        "semi.csv": "timestamp;p99_latency\n2026-11-22T09:00Z;300\n",
        "neg.csv": "timestamp,p99_latency\n2026-11-22T09:00Z,-5\n",
        "over.csv": "timestamp,error_rate\n2026-11-22T09:00Z,150\n",
    }
    for name, content in contents.items():
        (folder / name).write_text(content)
    capsys.readouterr()
    cases = {
        "exports": "it is a folder: only regular files are read",
        "na.csv": "row 1 (line 2), column `p99_latency`: `N/A` is not a number",
        "gap.csv": "row 1 (line 2), column `traffic`: the cell is empty",
        "names.csv": "its first line must name the columns, one of them `timestamp`",
        "cols.csv": "none of its columns (`latency`) is a golden signal",
        "when.csv": "row 1 (line 2), column `timestamp`: `22/11/2026 09:00` is not an ISO 8601",
        "order.csv": "row 2 (line 3), column `timestamp`: 2026-11-22T09:00:00+00:00 is earlier",
        "range.csv": "row 2 (line 3), column `p99_latency`: `-1.7e308` is out of range",
        "semi.csv": "its columns are separated by ';', and a metrics file separates them with",
        "neg.csv": "column `p99_latency`: `-5` is negative (p99_latency is milliseconds, never",
        "over.csv": "column `error_rate`: `150` is over 100 (error_rate is the percentage of",
    }
    for path, reason in cases.items():
        status, out = _register(path, capsys)
        assert status == 2, (path, out)
        assert reason in out, (path, out)
        assert "Traceback" not in out and "Internal error" not in out, (path, out)
    assert main(["service", "list"]) == 0
    assert "legacy" not in capsys.readouterr().out


def test_events_of_a_window_across_midnight_are_dated(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN the bundled example registered
    main(["whoami"])
    shutil.copy(EXAMPLE, home / "metrics")
    assert _register("web-incident.csv", capsys)[0] == 0
    # WHEN a day-long window that crosses midnight is investigated
    main(["investigate", "legacy", "--since", "2026-11-21T12:00Z", "--window", "1d"])
    out = capsys.readouterr().out
    # THEN its events say which day they happened, oldest first
    assert f"Events         {day(FILE_DAY)} 05:30 config change" in out, out
    assert f"{day(FILE_DAY)} 08:25 deploy v7 of web" in out, out


def test_the_help_names_the_metrics_folder_under_the_home_in_force(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["whoami"])
    capsys.readouterr()
    assert main(["help", "service"]) == 0
    out = capsys.readouterr().out
    assert f"read from {home / 'metrics'} here" in out
    assert "~/.autosre" not in out


def test_a_metrics_folder_named_but_missing_is_said_to_be_missing_and_not_made(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN AUTOSRE_METRICS_DIR naming a folder that does not exist
    absent = tmp_path / "no-such-folder"
    monkeypatch.setenv("AUTOSRE_METRICS_DIR", str(absent))
    main(["whoami"])
    capsys.readouterr()
    # WHEN a file is registered from it
    status, out = _register("shop.csv", capsys)
    # THEN the answer names the folder and says it is missing; the folder was not invented
    assert status == 2
    assert f"the metrics folder {absent} does not exist" in out
    assert not absent.exists()


def test_a_path_typed_with_a_secret_is_repeated_masked(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["whoami"])
    capsys.readouterr()
    secret = "ghp_abcdefghijklmnopqrstuvwxyz0123456789"
    status, out = _register(f"/tmp/secret_token={secret}.csv", capsys)
    # before: the path repeated whole, its token with it
    assert status == 2, out
    assert secret not in out and "Cannot use `/tmp/secret_token=***` as a metrics file" in out
