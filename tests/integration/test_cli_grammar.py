"""The terminal's grammar as a person meets it: a typo answered in a few lines, a topic alone
lists its commands, a sentence typed after `comment` is the comment."""

from __future__ import annotations

from pathlib import Path

import pytest

from bots.cli import main


def test_a_one_word_typo_prints_the_suggestion_and_one_usage_line(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["whoami"]) == 0  # first use sets up the demo team
    capsys.readouterr()
    assert main(["investigat", "web"]) == 2
    captured = capsys.readouterr()
    out = captured.err  # a usage error, on stderr as the terminal's own are
    assert captured.out == ""
    assert "Did you mean `sre investigate web`?" in out
    assert "sre investigation open SERVICE" in out
    assert len(out.splitlines()) <= 6, out  # not the 100-line help
    assert "sre team create" not in out


def test_a_typo_with_an_option_is_never_pointed_at_a_removal(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["whoami"]) == 0  # first use sets up the demo team
    capsys.readouterr()
    # WHEN `sre team member role operator --role responder` (closest in letters to `remove`)
    assert main(["team", "member", "role", "operator", "--role", "responder"]) == 2
    out = capsys.readouterr().err
    # THEN it suggests setting the role, with that command's usage, and never the removal
    assert "Did you mean `sre team role set operator responder`?" in out
    assert "sre team role set USER" in out
    assert "remove" not in out


def test_a_topic_alone_lists_its_commands(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["team"]) == 0
    out = capsys.readouterr().out
    assert "• Team commands" in out.splitlines()
    assert "sre team member add USER" in out
    assert "sre team member add @alice" in out  # a name as typed here, not a Slack id
    assert "sre alert create" not in out
    assert "is not a command" not in out


def test_a_comment_is_the_rest_of_the_line(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["investigation", "comment", "inv-3f9c2a", "rolled", "back", "v7"]) == 1
    out = capsys.readouterr().out
    assert "Team demo has no investigation `inv-3f9c2a`" in out  # read as a comment, looked up
    assert "did not expect" not in out


@pytest.mark.parametrize(
    ("content", "said"),
    [
        (
            "timestamp,value\n2026-11-01T00:00,1\n2026-11-01T00:01,abc\n",
            "row 2 (line 3) of {f}, column `value`: `abc` is not a number",
        ),
        (
            "timestamp,value\n2026-11-01T00:00,1\n2026-11-01T00:01,\n",
            "row 2 (line 3) of {f}, column `value`: the cell is empty (leave the whole row out "
            "where there is no value)",
        ),
        (
            "timestamp,value\nsoon,1\n",
            "row 1 (line 2) of {f}: `soon` is not a time like 2026-11-01T14:00:00",
        ),
        (
            "timestamp,value\n2026-11-01T00:00\n",
            "row 1 (line 2) of {f} has no value: each row needs a timestamp and a value",
        ),
        (
            "timestamp,value\n2026-11-01T00:00,nan\n",
            "row 1 (line 2) of {f}, column `value`: `nan` is not a number",
        ),
        # a counter that wrapped: one such value blinded the detector to the rest, as a metrics
        # file refuses it
        (
            "timestamp,value\n2026-11-01T00:00,1.8e19\n",
            "row 1 (line 2) of {f}, column `value`: `1.8e19` is out of range (a value is at most "
            "1e+15 either way)",
        ),
    ],
)
def test_analyze_names_the_row_and_what_is_wrong_with_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, said: str
) -> None:
    source = tmp_path / "p99.csv"
    source.write_text(content)
    assert main(["analyze", "anomalies", str(source)]) == 1
    err = capsys.readouterr().err
    assert err.strip() == f"sre: {said.format(f=source)}"
    assert "could not convert" not in err


def test_analyze_says_a_missing_file_and_a_folder_in_words(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["analyze", "anomalies", str(tmp_path / "nonexist.csv")]) == 1
    assert capsys.readouterr().err.strip() == (
        f"sre: there is no file {tmp_path / 'nonexist.csv'}"  # as its other refusals are said
    )
    assert main(["analyze", "anomalies", str(tmp_path)]) == 1
    assert capsys.readouterr().err.strip() == f"sre: {tmp_path} is a folder, not a CSV file"


def test_a_wrong_backend_says_what_to_use(
    home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("AUTOSRE_BACKEND", "foo")
    assert main(["whoami"]) == 2
    err = capsys.readouterr().err
    assert err.strip() == "sre: AUTOSRE_BACKEND=foo: use local or aws; nothing was done"


@pytest.mark.parametrize(
    ("words", "example"),
    [
        (
            ["service", "register", "web", "--gcp-cloud-run", "bad"],
            "e.g. `my-project/europe-west1/web`",
        ),
        (
            [
                "service",
                "signal",
                "set",
                "checkout-api",
                "saturation",
                "--metric",
                "DbPool",
                "--dimensions",
                "bad",
            ],
            "e.g. `Stage=prod,Tier=web`",
        ),
    ],
)
def test_a_bad_resource_or_dimension_gets_an_example(
    home: Path, capsys: pytest.CaptureFixture[str], words: list[str], example: str
) -> None:
    assert main(words) == 2
    assert example in capsys.readouterr().err


def test_analyze_alone_shows_its_own_usage(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["analyze"]) == 0
    out = capsys.readouterr().out
    assert "sre analyze anomalies FILE.csv" in out
    assert "Did you mean" not in out
    assert "sre canary" not in out


def test_analyze_reads_times_with_and_without_an_offset_alike(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # a time with no offset is UTC: mixed with ones that name it, the file is read, not a traceback
    rows = [
        f"2026-11-0{1 + d}T{h:02d}:00{'Z' if h % 2 else ''},{h}"
        for d in range(4)
        for h in range(24)
    ]
    source = tmp_path / "mixed.csv"
    source.write_text("timestamp,value\n" + "\n".join(rows) + "\n")
    assert main(["analyze", "anomalies", str(source)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "timestamp,value,anomaly_score"
    assert len(out) == 1 + len(rows)


def test_analyze_scores_one_column_of_a_metrics_file_and_says_how_to_name_it(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    example = str(Path(__file__).parents[2] / "examples" / "metrics" / "web-incident.csv")
    # WHEN the bundled metrics file (several columns, none named value) is analysed
    assert main(["analyze", "anomalies", example]) == 1
    # THEN the answer names its columns and the option that picks one
    said = capsys.readouterr().err
    assert "its columns are p50_latency, p99_latency, error_rate" in said
    assert "name one with --column" in said
    # AND with --column, that column is scored
    assert main(["analyze", "anomalies", example, "--column", "error_rate"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "timestamp,value,anomaly_score"
    assert lines[1].startswith("2026-11-22T03:00Z,0.32,")


def test_analyze_reads_a_file_with_a_byte_order_mark_and_refuses_a_column_of_no_values(
    home: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # GIVEN a metrics file saved by a spreadsheet (a UTF-8 byte-order mark first)
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbftimestamp,error_rate\n2026-11-22T03:00Z,0.3\n")
    # THEN its column is read, and the time column is refused as one to score
    assert main(["analyze", "anomalies", str(path), "--column", "error_rate"]) == 0
    assert capsys.readouterr().out.splitlines()[1].startswith("2026-11-22T03:00Z,0.3,")
    assert main(["analyze", "anomalies", str(path), "--column", "timestamp"]) == 1
    assert "--column names a column of values, not `timestamp`" in capsys.readouterr().err
