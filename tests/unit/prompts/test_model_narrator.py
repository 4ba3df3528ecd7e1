"""The model's narrative: asked with the prompt, usable or a model error."""

from __future__ import annotations

import pytest

from shared.prompts.language import ModelError
from shared.prompts.model_narrator import ModelNarrator
from shared.prompts.prompting import Example
from tests.support.incidents import incident
from tests.support.models import ScriptedModel


def _narrate(model: ScriptedModel, *, budget: int = 4000) -> str:
    completion = ModelNarrator(model, budget_tokens=budget).narrate(
        incident(),
        instructions="Cause first.",
        examples=[Example(what_moved="errors", cause="deploy v7", summary="Errors after v7.")],
        temperature=0.3,
        max_tokens=200,
        metadata={"investigation": "inv-000042"},
    )
    return completion.text


def test_the_model_is_asked_with_the_settings_and_its_answer_is_the_narrative() -> None:
    model = ScriptedModel(text="P99 latency moved first, at 14:05 UTC, 3 min after deploy v43.")
    assert _narrate(model) == "P99 latency moved first, at 14:05 UTC, 3 min after deploy v43."
    asked = model.asked[0]
    assert (asked.max_tokens, asked.temperature) == (200, 0.3)
    assert asked.metadata == {"investigation": "inv-000042"}
    assert "<examples>" in asked.prompt and "only the facts given" in asked.system


def test_an_answer_cut_at_the_output_limit_keeps_its_whole_sentences() -> None:
    model = ScriptedModel(text="P99 latency moved first. Then traffic fell to", stop="max_tokens")
    assert _narrate(model) == "P99 latency moved first."


@pytest.mark.parametrize(("text", "stop"), [("Then traffic fell to", "length"), ("  ", "stop")])
def test_nothing_usable_is_a_model_error(text: str, stop: str) -> None:
    with pytest.raises(ModelError, match="no usable text"):
        _narrate(ScriptedModel(text=text, stop=stop))


def test_a_model_error_reaches_the_caller_for_its_fallback() -> None:
    with pytest.raises(ModelError, match="throttled"):
        _narrate(ScriptedModel(error=ModelError("throttled")))


def test_over_the_budget_the_model_is_never_asked() -> None:
    model = ScriptedModel()
    with pytest.raises(ModelError, match="over the budget"):
        _narrate(model, budget=40)
    assert model.asked == []


def test_a_secret_in_a_past_incident_is_masked_and_every_tag_of_its_example_kept() -> None:
    # GIVEN a past incident whose texts carry secrets, each at the end of its text
    model = ScriptedModel()
    ModelNarrator(model, budget_tokens=4000).narrate(
        incident(),
        instructions="Cause first.",
        examples=[
            Example(
                what_moved="errors token=abc123",
                cause="rotated api_key=k-77",
                summary="demo secret incident 4 password=swordfish",
            )
        ],
        temperature=0.3,
        max_tokens=200,
        metadata={},
    )
    # WHEN the model is asked, THEN it reads the example whole, with the secrets masked
    assert (
        "<examples>\n<example>\n<what_moved>errors token=***</what_moved>\n"
        "<cause>rotated api_key=***</cause>\n"
        "<summary>demo secret incident 4 password=***</summary>\n</example>\n</examples>"
    ) in model.asked[0].prompt
    assert not [s for s in ("swordfish", "abc123", "k-77") if s in model.asked[0].prompt]
