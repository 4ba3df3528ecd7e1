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
    out = capsys.readouterr().out
    assert "Did you mean `sre investigate web`?" in out
    assert "sre investigation open SERVICE" in out
    assert len(out.splitlines()) <= 6, out  # not the 100-line help
    assert "sre team create" not in out


def test_a_topic_alone_lists_its_commands(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["team"]) == 0
    out = capsys.readouterr().out
    assert "sre team member add USER" in out
    assert "sre alert create" not in out
    assert "is not a command" not in out


def test_a_comment_is_the_rest_of_the_line(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["investigation", "comment", "inv-3f9c2a", "rolled", "back", "v7"]) == 1
    out = capsys.readouterr().out
    assert "There is no investigation inv-3f9c2a" in out  # read as a comment, looked up
    assert "did not expect" not in out
