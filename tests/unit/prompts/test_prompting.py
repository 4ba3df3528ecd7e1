"""What the model is shown: the investigation's facts, redacted, within the budget."""

from __future__ import annotations

from datetime import timedelta

import pytest

from shared.prompts.language import ModelError
from shared.prompts.prompting import Example, build, estimate_tokens
from shared.telemetry.models import Event, LogEvidence
from tests.support.incidents import DEPLOY, incident

EXAMPLES = [
    Example(what_moved=f"p99 latency {n + 2}×", cause=f"deploy v{n}", summary=f"Past {n}.")
    for n in range(5)
]


def _events(count: int) -> list[Event]:
    return [
        Event(time=DEPLOY.time - timedelta(minutes=n), kind="alert", summary=f"alert number {n}")
        for n in range(count)
    ]


def test_the_prompt_shows_findings_unjudged_signals_events_logs_and_examples() -> None:
    log = LogEvidence(source="error logs", text="pool timeout", window=40, baseline=0)
    prompt = build(
        incident(logs=[log]), instructions="Cause first.", examples=EXAMPLES[:3], budget_tokens=4000
    )
    assert "- p99 latency changed at 2026-01-05 14:05 UTC: 4.2× its baseline (120 to 508)" in (
        prompt.text
    )
    assert "back within its baseline at 2026-01-05 14:35 UTC" in prompt.text
    assert "after deploy at 2026-01-05 14:02 UTC: deploy v43" in prompt.text
    assert "- traffic changed at 2026-01-05 14:09 UTC: down to 62%" in prompt.text
    assert "- error rate could not be judged: no data" in prompt.text
    assert "- error logs: pool timeout (40 in the window, 0 before)" in prompt.text
    assert prompt.text.count("<example>") == 3
    assert prompt.text.index("<examples>") < prompt.text.index("</examples>")
    assert prompt.text.endswith("Cause first.")
    assert "only the facts given" in prompt.system


def test_every_string_is_redacted_before_the_model_sees_it() -> None:
    key = "AKIAIOSFODNN7EXAMPLE"
    token = "xoxb-123456789012-abcdefghijkl"
    log = LogEvidence(source="error logs", text=f"auth failed for {key}", window=3, baseline=0)
    leak = Event(time=DEPLOY.time, kind="comment", summary=f"bot token {token}")
    example = Example(what_moved="errors", cause=f"password is hunter2 {token}", summary="s")
    prompt = build(
        incident(logs=[log], events=[leak]),
        instructions="Cause first.",
        examples=[example],
        budget_tokens=4000,
    )
    for secret in (key, token, "hunter2"):
        assert secret not in prompt.text
    assert "AKIA***" in prompt.text


def test_over_the_budget_the_lowest_ranked_events_logs_and_examples_go_first() -> None:
    # Given more events, log lines and examples than the budget holds
    logs = [
        LogEvidence(source="error logs", text=f"log line {n}", window=9, baseline=0)
        for n in range(10)
    ]
    whole = build(
        incident(logs=logs, events=_events(10)),
        instructions="Cause first.",
        examples=EXAMPLES,
        budget_tokens=100_000,
    )
    budget = whole.tokens - 120
    # When the prompt is built within a smaller budget
    prompt = build(
        incident(logs=logs, events=_events(10)),
        instructions="Cause first.",
        examples=EXAMPLES,
        budget_tokens=budget,
    )
    # Then it fits, the findings are all there, and only the lowest ranked went
    assert prompt.tokens <= budget
    assert "p99 latency changed" in prompt.text and "traffic changed" in prompt.text
    assert "alert number 0" in prompt.text and "alert number 9" not in prompt.text
    assert "log line 0" in prompt.text and "log line 9" not in prompt.text
    assert "Past 0." in prompt.text and "Past 4." not in prompt.text


def test_findings_over_the_budget_are_never_cut_the_model_is_not_asked() -> None:
    with pytest.raises(ModelError, match="over the budget of 50"):
        build(incident(), instructions="Cause first.", examples=EXAMPLES, budget_tokens=50)


def test_tokens_are_estimated_as_a_quarter_of_the_characters_rounded_up() -> None:
    assert (estimate_tokens(""), estimate_tokens("abcd"), estimate_tokens("abcde")) == (0, 1, 2)


def test_at_most_five_past_incidents_are_shown() -> None:
    many = [*EXAMPLES, Example(what_moved="traffic", cause="deploy v9", summary="Past 5.")]
    prompt = build(incident(), instructions="Cause first.", examples=many, budget_tokens=4000)
    assert prompt.text.count("<example>") == 5
    assert "Past 5." not in prompt.text
