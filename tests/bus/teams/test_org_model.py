"""`sre org model on|off`: an org admin lets investigation data go to the configured model."""

from __future__ import annotations

import pytest

from bots.slack.render import blocks
from shared.adapters.memory import FixedClock
from shared.audit.models import ORG_STREAM, Outcome, StreamKey
from shared.bootstrap.memory import for_memory
from shared.bootstrap.wiring import Services
from shared.config import Settings
from shared.replies import Reply, Tone
from shared.teams.model_consent import model_allowed
from tests.support import ORG, records, run, setup_teams
from tests.support.models import ScriptedModel

MODEL = "bedrock:anthropic.claude-3-haiku-20240307-v1:0"


@pytest.fixture
def with_model(clock: FixedClock) -> Services:
    """In-memory services with a configured model; `root` is the configured org admin."""
    settings = Settings(org_admins=("slack:T1:root",))
    return for_memory(settings, clock=clock, model=ScriptedModel(name=MODEL))


def _slack(reply: Reply) -> str:
    return str(blocks(reply))


def _org_entries(services: Services) -> list[tuple[str, Outcome]]:
    entries = records(services.audit_log, StreamKey(org=ORG, team=ORG_STREAM))
    return [(e.command, e.outcome) for e in entries if "model" in e.command]


def test_sending_to_a_model_is_off_until_an_org_admin_turns_it_on(with_model: Services) -> None:
    # Given a deployment with a model, where nobody has turned it on
    assert not model_allowed(with_model.directory, ORG)
    # When the org admin turns it on
    reply = run(with_model, "org model on")
    # Then it is on, the reply names the model, what is sent and how much, and it is audited
    assert reply.tone is Tone.OK
    assert model_allowed(with_model.directory, ORG)
    shown = _slack(reply)
    assert f"Investigation data may now be sent to {MODEL}" in shown
    assert "secrets redacted first" in shown and "at most 4000 tokens" in shown
    assert reply.receipt is not None
    assert _org_entries(with_model)[-1] == ("sre org model on", Outcome.SUCCEEDED)


def test_an_org_admin_turns_it_off_again(with_model: Services) -> None:
    run(with_model, "org model on")
    reply = run(with_model, "org model off")
    assert reply.tone is Tone.OK
    assert "no longer sent to a model" in _slack(reply)
    assert not model_allowed(with_model.directory, ORG)
    assert _org_entries(with_model)[-1] == ("sre org model off", Outcome.SUCCEEDED)


def test_a_team_admin_may_not_turn_it_on(with_model: Services) -> None:
    # Given ann, admin of team payments but not org admin
    setup_teams(with_model)
    # When she turns it on, Then she is refused, it stays off, and the denial is audited
    reply = run(with_model, "org model on", user="ann")
    assert reply.tone is Tone.DENIED
    assert "needs the org-admin role" in _slack(reply)
    assert not model_allowed(with_model.directory, ORG)
    assert ("sre org model on", Outcome.DENIED) in _org_entries(with_model)


def test_without_a_configured_model_on_is_refused_naming_the_setting(services: Services) -> None:
    reply = run(services, "org model on")
    assert reply.tone is Tone.ERROR and reply.title == "Conflict", reply
    assert "No language model is configured on this deployment: set AUTOSRE_MODEL" in _slack(reply)
    assert not model_allowed(services.directory, ORG)


def test_turning_on_what_is_on_changes_nothing_and_is_not_audited(with_model: Services) -> None:
    run(with_model, "org model on")
    before = _org_entries(with_model)
    reply = run(with_model, "org model on")
    assert reply.tone is Tone.INFO
    assert "Nothing to change: sending investigation data to a model is already on." in _slack(
        reply
    )
    assert _org_entries(with_model) == before


def test_a_state_other_than_on_or_off_gets_the_usage(with_model: Services) -> None:
    reply = run(with_model, "org model maybe")
    assert reply.tone is Tone.USAGE
    assert "sre org model on|off" in _slack(reply)
    assert not model_allowed(with_model.directory, ORG)
