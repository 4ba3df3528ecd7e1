"""Alert commands that would do nothing, or nonsense, say so: an unknown name gets "did you
mean", an edit that changes nothing is not done nor audited, a silence of 0m, a comparison that can
never hold and an escalation to the alert's own team are refused with the reason."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from bots.slack.render import message
from shared.audit.models import StreamKey
from shared.bootstrap.wiring import Services
from shared.replies import Reply, Tone
from tests.support import NOW, ORG, MovingClock, records, run, run_deferred, run_scheduler
from tests.support.deployments import alerting_services

ERRORS = 'alert create errors --service checkout-api --when "error_rate > 2% 3 of 5"'


@pytest.fixture
def services() -> Services:
    services = alerting_services(MovingClock(NOW))
    assert run(services, ERRORS, user="oli", channel="C-pay").tone is Tone.OK
    return services


def slack(reply: Reply) -> str:
    return json.dumps(message(reply), ensure_ascii=False)


def entries(services: Services) -> int:
    return len(records(services.audit_log, StreamKey(org=ORG, team="payments")))


@pytest.mark.parametrize(
    "text",
    [
        "alert show erors",
        "alert test erorrs",
        "alert silence erros --duration 1h",
        "alert delete erors",
        "alert edit erors --severity ticket",
    ],
)
def test_an_unknown_alert_name_gets_did_you_mean(services: Services, text: str) -> None:
    refused = run_deferred(services, text, user="oli", channel="C-pay")
    assert refused.tone is Tone.ERROR
    assert "Did you mean `errors`?" in slack(refused), refused
    assert run(services, "alert show errors", user="rey", channel="C-pay").tone is Tone.INFO


@pytest.mark.parametrize(
    "options",
    ["", '--when "error_rate > 2% 3 of 5"', "--severity page --missing missing"],
)
def test_an_edit_that_changes_nothing_says_so_and_audits_nothing(
    services: Services, options: str
) -> None:
    before = entries(services)
    reply = run(services, f"alert edit errors {options}", user="oli", channel="C-pay")
    assert reply.tone is Tone.INFO
    assert reply.title.startswith("Nothing to change: ") and "errors" in slack(reply)
    assert reply.receipt is None
    assert entries(services) == before


def test_a_bare_edit_asks_for_an_option_and_one_with_the_same_options_says_they_are_set(
    services: Services,
) -> None:
    bare = run(services, "alert edit errors", user="oli", channel="C-pay")
    assert bare.title == (
        "Nothing to change: no option given for errors; give at least one, "
        "e.g. `sre alert edit errors --severity ticket`."
    )
    same = run(services, "alert edit errors --severity page", user="oli", channel="C-pay")
    assert "errors already has these options" in same.title
    assert "already has these options" not in bare.title


def test_alert_show_says_what_missing_data_counts_as(services: Services) -> None:
    assert not run(services, "alert edit errors --missing ok", user="oli", channel="C-pay").failed
    shown = slack(run(services, "alert show errors", user="rey", channel="C-pay"))
    assert "If data is missing: missing points count as ok (not breaching)" in shown
    assert "Missing data: ok" not in shown


def test_an_edit_that_changes_something_is_done_and_audited(services: Services) -> None:
    before = entries(services)
    reply = run(services, "alert edit errors --severity ticket", user="oli", channel="C-pay")
    assert reply.tone is Tone.OK and reply.receipt
    assert entries(services) == before + 2  # requested, succeeded


def test_a_silence_of_nothing_is_refused(services: Services) -> None:
    before = entries(services)
    refused = run(services, "alert silence errors --duration 0m", user="rey", channel="C-pay")
    assert refused.tone is Tone.USAGE
    assert "`0m` is too short for --duration: at least 1m" in slack(refused)
    assert entries(services) == before
    listed = run(services, "silence list", user="rey", channel="C-pay")
    assert listed.title == "Team payments has no silences yet"


def test_saturation_with_a_unit_is_told_how_to_write_it(services: Services) -> None:
    # a metrics file's saturation is % of capacity, yet providers measure it otherwise
    text = 'alert create hot --service checkout-api --when "saturation > 90%"'
    refused = run(services, text, user="oli", channel="C-pay")
    assert refused.tone is Tone.USAGE
    assert "saturation takes no unit (a metrics file's is % of capacity" in refused.title
    assert refused.title.endswith("e.g. `saturation > 90`.")


@pytest.mark.parametrize("when", ["error_rate > 200%", "error_rate > 100.5"])
def test_a_percentage_above_100_is_refused(services: Services, when: str) -> None:
    text = f'alert create never --service checkout-api --when "{when}"'
    refused = run(services, text, user="oli", channel="C-pay")
    assert refused.tone is Tone.USAGE
    assert "error rate is a percentage, at most 100%" in slack(refused)
    edited = run(services, f'alert edit errors --when "{when}"', user="oli", channel="C-pay")
    assert edited.tone is Tone.USAGE
    shown = run(services, "alert show errors", user="oli", channel="C-pay")
    assert "`error_rate > 2% 3 of 5`" in shown.text


@pytest.mark.parametrize(
    ("when", "said"),
    [
        ("error_rate > 100%", "`> 100%` can never hold"),
        ("error_rate < 0%", "error rate is never below 0: `< 0%` can never hold"),
        ("traffic < 0", "`< 0` can never hold"),
    ],
)
def test_a_comparison_that_can_never_hold_is_refused(
    services: Services, when: str, said: str
) -> None:
    # WHEN an operator asks for a condition no value can meet
    text = f'alert create never --service checkout-api --when "{when}"'
    refused = run(services, text, user="oli", channel="C-pay")
    # THEN it is refused, saying why and how to write one
    assert refused.tone is Tone.USAGE, refused
    assert said in refused.title, refused.title


def test_escalating_to_the_alerts_own_team_is_refused(services: Services) -> None:
    # WHEN an operator asks payments' alert to escalate to payments
    text = (
        'alert create self --service checkout-api --when "error_rate > 2%" '
        "--escalate-after 15m --escalate-to payments"
    )
    refused = run(services, text, user="oli", channel="C-pay")
    # THEN it is refused: the page is already told to that team
    assert refused.tone is Tone.USAGE, refused
    assert "`--escalate-to payments` is the alert's own team" in refused.title, refused.title


@pytest.mark.parametrize(
    ("options", "guess"),
    [
        ('--service chekout-api --when "error_rate > 2%"', "checkout-api"),
        (
            '--service checkout-api --when "error_rate > 2%" '
            "--escalate-after 15m --escalate-to serach",
            "search",
        ),
    ],
)
def test_a_misspelt_service_or_escalation_team_gets_did_you_mean(
    services: Services, options: str, guess: str
) -> None:
    refused = run(services, f"alert create typo {options}", user="oli", channel="C-pay")
    assert refused.tone is Tone.ERROR
    assert f"Did you mean `{guess}`?" in slack(refused), refused


def test_a_second_acknowledgement_says_who_acknowledged_and_audits_nothing() -> None:
    # GIVEN a page that fired and that rey acknowledged
    clock = MovingClock(NOW)
    services = alerting_services(clock)
    slow = 'alert create slow --service checkout-api --when "p99_latency > 800ms"'
    assert run(services, slow, user="oli", channel="C-pay").tone is Tone.OK
    run_scheduler(services, clock)
    assert run(services, "alert ack slow", user="rey", channel="C-pay").tone is Tone.OK
    before = entries(services)
    # WHEN someone acknowledges it again
    clock.at = NOW + timedelta(minutes=3)
    again = run(services, "alert ack slow", user="oli", channel="C-pay")
    # THEN nothing changes, they are told who is on it since when, and nothing is audited
    assert again.tone is Tone.INFO and again.receipt is None
    assert again.title == ("Nothing to change: slow is already acknowledged by @rey at 09:30 UTC.")
    assert entries(services) == before


def test_expiring_an_ended_silence_says_when_it_ended_and_audits_nothing(
    services: Services,
) -> None:
    silenced = run(services, "alert silence errors --duration 1h", user="rey", channel="C-pay")
    id_ = silenced.title.split("(")[-1].rstrip(")")
    assert run(services, f"silence expire {id_}", user="rey", channel="C-pay").tone is Tone.OK
    before = entries(services)
    again = run(services, f"silence expire {id_}", user="rey", channel="C-pay")
    assert again.tone is Tone.INFO and again.receipt is None
    assert again.title == f"Nothing to change: {id_} already ended at 09:30 UTC."
    assert entries(services) == before


def test_an_unknown_silence_id_gets_the_close_one_or_the_teams_latest(services: Services) -> None:
    silenced = run(services, "alert silence errors --duration 1h", user="rey", channel="C-pay")
    id_ = silenced.title.split("(")[-1].rstrip(")")
    typo = id_[:-1] + ("0" if id_[-1] != "0" else "1")
    close = run(services, f"silence expire {typo}", user="rey", channel="C-pay")
    assert close.tone is Tone.ERROR
    assert f"Did you mean `{id_}`?" in slack(close)
    other = run(services, "silence expire sil-3a218b", user="rey", channel="C-pay")
    assert f"its latest: {id_} (alert errors, until 10:30 UTC)" in slack(other)
