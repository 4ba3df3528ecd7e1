"""The terminal's refusals and answers in one wording: every name refused in one form, each with
an example; the real reason for bad canary steps and alert conditions."""

from __future__ import annotations

import re

import pytest

from bots.cli import main


def _investigated(capsys: pytest.CaptureFixture[str]) -> str:
    """The id of a new investigation of checkout-api, from `sre investigation list`."""
    main(["investigate", "checkout-api"])
    main(["investigation", "list"])
    found = re.search(r"inv-[0-9a-f]{8}", capsys.readouterr().out)
    assert found
    return found.group(0)


def _said(capsys: pytest.CaptureFixture[str], *words: str) -> str:
    """What `sre WORDS…` prints (its output and its errors), after the first-use demo."""
    main(list(words))
    captured = capsys.readouterr()
    return captured.out + captured.err


@pytest.mark.usefixtures("home")
def test_a_team_name_is_refused_in_the_form_every_name_is(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # GIVEN the demo set up on first use
    main(["team", "list"])
    capsys.readouterr()
    # WHEN a team and an alert are given names that are not names
    team = _said(capsys, "team", "create", "Bad Name!")
    alert = _said(
        capsys, "alert", "create", "x y", "--service", "checkout-api", "--when", "error_rate > 2%"
    )
    # THEN both are refused in one form: the name in backticks, what is allowed, an example
    assert "`Bad Name!` is not a valid name: lowercase letters, digits and `-`" in team
    assert "e.g. `payments`" in team
    assert "`x y` is not a valid name: lowercase letters" in alert


@pytest.mark.usefixtures("home")
@pytest.mark.parametrize(
    ("when", "reason"),
    [
        (
            "error_rate > 2% 6 of 5",
            "`6 of 5`: the points that breach cannot outnumber the points looked at, e.g. `3 of 5`",
        ),
        ("p99_latency > 2%", "p99 latency is a time: use ms or s, e.g. `p99_latency > 800ms`"),
        ("error_rate > 800ms", "error rate is a percentage: use %, e.g. `error_rate > 2%`"),
    ],
)
def test_a_condition_is_refused_for_its_real_reason_with_an_example(
    capsys: pytest.CaptureFixture[str], when: str, reason: str
) -> None:
    # WHEN an alert is created with a condition that cannot be meant
    said = _said(capsys, "alert", "create", "e", "--service", "checkout-api", "--when", when)
    # THEN the answer says why in words, with an example that works
    assert reason in said
    assert "<=" not in said


@pytest.mark.usefixtures("home")
@pytest.mark.parametrize(
    ("steps", "reason"),
    [
        ("50,10", "steps must rise, each above the one before, e.g. `5,25,50,100`"),
        ("5,150", "`150` is not a step: each is a percentage from 1 to 100"),
        ("5,50", "the last step must be 100 (all traffic), e.g. `5,25,50,100`"),
    ],
)
def test_canary_steps_are_refused_for_their_real_reason(
    capsys: pytest.CaptureFixture[str], steps: str, reason: str
) -> None:
    # WHEN a canary is started with steps that cannot be run
    said = _said(capsys, "canary", "start", "checkout-api", "--version", "51", "--steps", steps)
    # THEN the answer gives the real reason and an example
    assert reason in said


@pytest.mark.usefixtures("home")
def test_a_reopened_investigation_says_it_once_on_its_timeline(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # GIVEN an investigation of checkout-api, resolved and then reopened
    inv = _investigated(capsys)
    main(["investigation", "resolve", inv, "fixed", "the", "pool"])
    main(["investigation", "reopen", inv])
    capsys.readouterr()
    # WHEN its timeline is shown
    shown = _said(capsys, "investigation", "show", inv)
    # THEN the reopening is said once, and a summary still says its words
    assert "@dana reopened\n" in shown
    assert "reopened: reopened" not in shown
    assert "@dana resolved: fixed the pool" in shown


@pytest.mark.usefixtures("home")
def test_the_team_topic_shows_a_channel_as_the_terminal_names_it(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # WHEN the team commands are shown in the terminal
    shown = _said(capsys, "team")
    # THEN binding is shown with a channel name a terminal user can type, not a Slack id
    assert "sre team bind '#payments' --team payments" in shown  # (quoted: a shell's comment)
    assert "C024BE91L" not in shown


@pytest.mark.usefixtures("home")
@pytest.mark.parametrize(
    ("words", "said"),
    [
        (("canary", "status", "can-0a1b2c3d"), "Team demo has no canary `can-0a1b2c3d`"),
        (
            ("investigation", "show", "inv-0a1b2c3d"),
            "Team demo has no investigation `inv-0a1b2c3d`",
        ),
        (("silence", "expire", "sil-0a1b2c3d"), "Team demo has no silence `sil-0a1b2c3d`"),
        (("alert", "show", "ee"), "Team demo has no alert `ee`"),
        (("service", "show", "wbe"), "Team demo has no service `wbe`"),
    ],
)
def test_whatever_is_not_found_is_said_in_one_form(
    capsys: pytest.CaptureFixture[str], words: tuple[str, ...], said: str
) -> None:
    # WHEN a record is asked for by a name or id the team does not have
    answer = _said(capsys, *words)
    # THEN every answer has one form: the team, the kind, the name or id in backticks
    assert "✗ Not found" in answer
    assert said in answer


@pytest.mark.usefixtures("home")
def test_the_terminal_s_own_org_admin_is_not_credited_to_a_setting_never_made(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a terminal where AUTOSRE_ORG_ADMINS is unset (as `make run` leaves it)
    monkeypatch.delenv("AUTOSRE_ORG_ADMINS", raising=False)
    main(["team", "list"])
    capsys.readouterr()
    # WHEN its user reviews access
    said = _said(capsys, "audit", "access-review")
    # THEN their org-admin role is said to come from the terminal, the setting being unset
    assert (
        "org-admin: from configuration (AUTOSRE_ORG_ADMINS, or the terminal's own user when it "
        "is unset), not the trail"
    ) in " ".join(said.split())


@pytest.mark.usefixtures("home")
def test_a_comment_typed_in_a_terminal_keeps_its_curly_quotes_as_plain_ones(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # GIVEN an investigation of checkout-api
    inv = _investigated(capsys)
    # WHEN a comment with curly quotes, a backslash and a dash is typed as one argument
    typed = "\N{LEFT DOUBLE QUOTATION MARK}smart\N{RIGHT DOUBLE QUOTATION MARK} and "
    typed += "\N{LEFT SINGLE QUOTATION MARK}single\N{RIGHT SINGLE QUOTATION MARK} ones, "
    typed += "C:\\tmp \N{EM DASH} ok"
    main(["investigation", "comment", inv, typed])
    # THEN its words are kept, the quotes as plain ones (before: `and single ones`)
    shown = _said(capsys, "investigation", "show", inv)
    assert "comment: \"smart\" and 'single' ones, C:\\tmp \N{EM DASH} ok" in shown, shown
