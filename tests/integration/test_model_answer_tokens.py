"""An answer the model gave but that cannot be used (refused, empty, malformed) still says the
tokens it reported, so they are counted: Bedrock through botocore's Stubber, an OpenAI-compatible
endpoint over loopback HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from botocore.stub import Stubber

from shared.adapters.aws.bedrock_model import BedrockLanguageModel
from shared.adapters.openai_chat import OpenAIChatModel
from shared.prompts.language import LanguageModel, ModelError
from tests.fakes.chat_server import ChatServer, chat_server
from tests.support.bedrock import MODEL, bedrock_client


@pytest.fixture
def server() -> Iterator[ChatServer]:
    with chat_server() as running:
        yield running


def _refused_tokens(model: LanguageModel) -> tuple[int, int]:
    """The tokens the ModelError of the model's answer carries, in and out."""
    with pytest.raises(ModelError) as raised:
        model.complete(
            system="Use only the facts given.",
            prompt="What moved first?",
            max_tokens=300,
            temperature=0.2,
            metadata={"investigation": "inv-1"},
        )
    return raised.value.input_tokens, raised.value.output_tokens


def _bedrock(text: str, stop: str) -> dict[str, Any]:
    return {
        "output": {"message": {"role": "assistant", "content": [{"text": text}]}},
        "stopReason": stop,
        "usage": {"inputTokens": 812, "outputTokens": 57, "totalTokens": 869},
        "metrics": {"latencyMs": 1342},
    }


@pytest.mark.parametrize(
    ("text", "stop"), [("I can't help with that.", "guardrail_intervened"), ("  ", "max_tokens")]
)
def test_a_refused_or_empty_bedrock_answer_carries_its_tokens(text: str, stop: str) -> None:
    client = bedrock_client()
    with Stubber(client) as stub:
        stub.add_response("converse", _bedrock(text, stop))
        assert _refused_tokens(BedrockLanguageModel(client, model_id=MODEL)) == (812, 57)


def test_a_throttled_bedrock_call_carries_no_tokens() -> None:
    client = bedrock_client()
    with Stubber(client) as stub:
        stub.add_client_error("converse", "ThrottlingException", "Too many requests", 429)
        assert _refused_tokens(BedrockLanguageModel(client, model_id=MODEL)) == (0, 0)


@pytest.mark.parametrize(("text", "finish"), [("I cannot help.", "content_filter"), ("", "length")])
def test_a_filtered_or_empty_chat_answer_carries_its_tokens(
    server: ChatServer, text: str, finish: str
) -> None:
    server.answer(text, finish=finish)
    assert _refused_tokens(OpenAIChatModel(server.url, model="llama3.1")) == (640, 48)


def test_a_chat_answer_in_an_unknown_shape_carries_the_tokens_it_reported(
    server: ChatServer,
) -> None:
    server.body = b'{"usage": {"prompt_tokens": 640, "completion_tokens": 48}, "choices": []}'
    assert _refused_tokens(OpenAIChatModel(server.url, model="llama3.1")) == (640, 48)
    server.body = b'{"choices": []}'  # no usage said: none counted, still a model error
    assert _refused_tokens(OpenAIChatModel(server.url, model="llama3.1")) == (0, 0)
