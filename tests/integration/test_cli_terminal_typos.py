"""A mistyped terminal command (`analyse`, `serv`, `analyze anomaly`) is a usage error naming the
line meant, as a mistyped bus command is; never another command's usage, nor help with exit 0."""

from __future__ import annotations

import pytest

from bots.cli import main


@pytest.mark.usefixtures("home")
@pytest.mark.parametrize(
    ("words", "meant"),
    [
        (["analyse", "anomalies", "Web.csv"], "sre analyze anomalies Web.csv"),
        (["serv"], "sre serve"),
        (
            ["analyze", "anomaly", "x.csv", "--column", "y"],
            "sre analyze anomalies x.csv --column y",
        ),
        (["analyze", "foo.csv"], "sre analyze anomalies foo.csv"),
    ],
)
def test_a_mistyped_terminal_command_is_a_usage_error_naming_it(
    words: list[str], meant: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(words) == 2
    err = capsys.readouterr().err
    assert f"Did you mean `{meant}`?" in err, err
    assert "canary" not in err and "sre service" not in err


@pytest.mark.usefixtures("home")
def test_a_bus_noun_typo_is_still_the_bus_nouns(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sevice", "list"]) == 2
    assert "Did you mean `sre service list`?" in capsys.readouterr().err


@pytest.mark.usefixtures("home")
@pytest.mark.parametrize(
    ("words", "said"),
    [
        (["--as", "alice", "--as", "root", "whoami"], "`--as` given twice: give it once"),
        (["--channel", "a", "--channel", "b", "whoami"], "`--channel` given twice"),
        (["--a", "alice", "whoami"], "`sre` has no option `--a`. Did you mean `--as`?"),
    ],
)
def test_terminal_options_follow_the_rules_of_command_options(
    words: list[str], said: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # a one-value option given twice is refused, and none is taken abbreviated
    assert main(words) == 2
    assert said in capsys.readouterr().err


@pytest.mark.usefixtures("home")
@pytest.mark.parametrize("words", [["serve", "-h"], ["analyze", "anomalies", "--help"]])
def test_a_terminal_commands_help_flag_gives_its_help_as_sre_help_does(
    words: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as done:
        main(words)
    assert done.value.code == 0
    out = capsys.readouterr().out
    assert "\n    e.g. sre " in out and "(terminal only)" in out, out
    assert "options:" not in out  # not argparse's bare list
