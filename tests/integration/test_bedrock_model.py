"""Bedrock's Converse API through botocore's Stubber (moto has no Converse), and a real timeout
against a loopback socket that never answers."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from shared.adapters.aws.bedrock_model import BedrockLanguageModel, bedrock_config
from shared.prompts.language import ModelError
from shared.prompts.model_narrator import ModelNarrator
from shared.telemetry.models import Event
from tests.support.incidents import DEPLOY, incident

MODEL = "anthropic.claude-3-haiku-20240307-v1:0"


def _client(endpoint: str | None = None, *, timeout: float = 5) -> Any:
    return boto3.client(
        "bedrock-runtime",
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        endpoint_url=endpoint,
        config=bedrock_config(timeout_seconds=timeout, attempts=1),
    )


def _answer(text: str, *, stop: str = "end_turn") -> dict[str, Any]:
    return {
        "output": {"message": {"role": "assistant", "content": [{"text": text}]}},
        "stopReason": stop,
        "usage": {"inputTokens": 812, "outputTokens": 57, "totalTokens": 869},
        "metrics": {"latencyMs": 1342},
    }


def _ask(model: BedrockLanguageModel) -> Any:
    return model.complete(
        system="Use only the facts given.",
        prompt="What moved first?",
        max_tokens=300,
        temperature=0.2,
        metadata={"investigation": "inv-1", "variant": "cause-first"},
    )


def test_the_request_carries_the_model_the_texts_the_limits_and_the_metadata() -> None:
    # Given a Bedrock model whose Converse answers a narrative
    client = _client()
    expected = {
        "modelId": MODEL,
        "system": [{"text": "Use only the facts given."}],
        "messages": [{"role": "user", "content": [{"text": "What moved first?"}]}],
        "inferenceConfig": {"maxTokens": 300, "temperature": 0.2},
        "requestMetadata": {"investigation": "inv-1", "variant": "cause-first"},
    }
    with Stubber(client) as stub:
        stub.add_response("converse", _answer("Latency moved first, at 14:05 UTC."), expected)
        # When the narrative is asked for
        completion = _ask(BedrockLanguageModel(client, model_id=MODEL))
        stub.assert_no_pending_responses()
    # Then the text, the tokens and the latency come back as the response said
    assert completion.text == "Latency moved first, at 14:05 UTC."
    assert (completion.input_tokens, completion.output_tokens) == (812, 57)
    assert (completion.latency_ms, completion.stop_reason) == (1342, "end_turn")


def test_the_model_is_named_by_its_id() -> None:
    assert BedrockLanguageModel(_client(), model_id=MODEL).name == f"bedrock:{MODEL}"


@pytest.mark.parametrize(
    "code", ["ThrottlingException", "AccessDeniedException", "ModelTimeoutException"]
)
def test_a_refused_call_is_a_model_error(code: str) -> None:
    client = _client()
    with Stubber(client) as stub:
        stub.add_client_error("converse", service_error_code=code, http_status_code=429)
        with pytest.raises(ModelError, match=code):
            _ask(BedrockLanguageModel(client, model_id=MODEL))


@pytest.mark.parametrize("stop", ["content_filtered", "guardrail_intervened"])
def test_a_filtered_answer_is_a_model_error(stop: str) -> None:
    client = _client()
    with Stubber(client) as stub:
        stub.add_response("converse", _answer("I can't help with that.", stop=stop))
        with pytest.raises(ModelError, match="refused"):
            _ask(BedrockLanguageModel(client, model_id=MODEL))


def test_an_empty_answer_is_a_model_error() -> None:
    client = _client()
    with Stubber(client) as stub:
        stub.add_response("converse", _answer("  ", stop="max_tokens"))
        with pytest.raises(ModelError, match="no text"):
            _ask(BedrockLanguageModel(client, model_id=MODEL))


@pytest.fixture
def silent_endpoint() -> Iterator[str]:
    """A loopback socket that accepts connections and never answers."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(4)
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"


def test_a_model_that_does_not_answer_in_time_is_a_model_error(silent_endpoint: str) -> None:
    # Given an endpoint that never answers and a one-second read timeout
    model = BedrockLanguageModel(_client(silent_endpoint, timeout=1), model_id=MODEL)
    # When the narrative is asked for, Then the call gives up with a model error
    with pytest.raises(ModelError, match="did not answer"):
        _ask(model)


def test_the_narrator_sends_converse_the_redacted_investigation() -> None:
    # Given an investigation whose event carries a Slack token, and a Bedrock model
    token = "xoxb-123456789012-abcdefghijkl"
    leak = Event(time=DEPLOY.time, kind="comment", summary=f"rotated {token}")
    client = _client()
    sent: list[dict[str, Any]] = []
    client.meta.events.register(
        "provide-client-params.bedrock-runtime.Converse",
        lambda params, **_: sent.append(params),
    )
    narrator = ModelNarrator(BedrockLanguageModel(client, model_id=MODEL), budget_tokens=4000)
    with Stubber(client) as stub:
        stub.add_response("converse", _answer("P99 latency moved first, at 14:05 UTC."))
        # When it narrates
        completion = narrator.narrate(
            incident(events=[DEPLOY, leak]),
            instructions="Cause first.",
            examples=[],
            temperature=0.2,
            max_tokens=200,
            metadata={"investigation": "inv-000042"},
        )
    # Then Converse got the findings and the event, without the token
    prompt = sent[0]["messages"][0]["content"][0]["text"]
    assert "p99 latency changed at 2026-01-05 14:05 UTC" in prompt
    assert "comment: rotated xoxb-***" in prompt and token not in prompt
    assert completion.input_tokens == 812
