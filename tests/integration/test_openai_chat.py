"""The OpenAI-compatible client against a loopback chat endpoint: the request it sends, the
answer it reads, and every failure a model error."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from shared.adapters.openai_chat import OpenAIChatModel
from shared.prompts.language import Completion, ModelError
from shared.prompts.model_narrator import ModelNarrator
from shared.telemetry.models import LogEvidence
from tests.fakes.chat_server import ChatServer, chat_server
from tests.support.incidents import incident

KEY = "sk-local-0123456789abcdef"


@pytest.fixture
def server() -> Iterator[ChatServer]:
    with chat_server() as running:
        yield running


def _ask(model: OpenAIChatModel) -> Completion:
    return model.complete(
        system="Use only the facts given.",
        prompt="What moved first?",
        max_tokens=250,
        temperature=0.1,
        metadata={"investigation": "inv-1"},
    )


def test_the_request_carries_the_model_the_messages_and_the_limits(server: ChatServer) -> None:
    # Given a self-hosted model that answers a narrative
    server.answer("Latency moved first, at 14:05 UTC.")
    model = OpenAIChatModel(f"{server.url}/v1", model="llama3.1", api_key=KEY)
    # When the narrative is asked for
    completion = _ask(model)
    # Then it posted the chat request, with the key as a bearer token
    path, headers, body = server.requests[0]
    assert path == "/v1/chat/completions"
    assert headers["Authorization"] == f"Bearer {KEY}"
    assert body["model"] == "llama3.1"
    assert body["messages"] == [
        {"role": "system", "content": "Use only the facts given."},
        {"role": "user", "content": "What moved first?"},
    ]
    assert (body["max_tokens"], body["temperature"]) == (250, 0.1)
    assert "metadata" not in body  # OpenAI refuses it on a completion it does not store
    # And the answer's text and usage are read
    assert completion.text == "Latency moved first, at 14:05 UTC."
    assert (completion.input_tokens, completion.output_tokens) == (640, 48)
    assert completion.stop_reason == "stop"
    assert completion.latency_ms >= 0


def test_a_base_url_without_v1_gets_it(server: ChatServer) -> None:
    server.answer("Errors moved first.")
    _ask(OpenAIChatModel(server.url, model="llama3.1"))
    path, headers, _ = server.requests[0]
    assert path == "/v1/chat/completions"
    assert "Authorization" not in headers


def test_azure_gets_its_key_header_and_api_version(server: ChatServer) -> None:
    server.answer("Errors moved first.")
    deployment = f"{server.url}/openai/deployments/sre-narrator"
    _ask(OpenAIChatModel(deployment, model="gpt-4o", api_key=KEY, azure_api_version="2024-06-01"))
    path, headers, _ = server.requests[0]
    assert path == "/openai/deployments/sre-narrator/chat/completions?api-version=2024-06-01"
    assert headers["Api-Key"] == KEY
    assert "Authorization" not in headers


def test_the_name_says_the_model_and_where_never_the_key(server: ChatServer) -> None:
    model = OpenAIChatModel(f"{server.url}/v1", model="llama3.1", api_key=KEY)
    assert model.name == f"openai:llama3.1@{server.url}/v1"
    assert KEY not in model.name


@pytest.mark.parametrize(("status", "said"), [(429, "HTTP 429"), (500, "HTTP 500")])
def test_an_http_error_is_a_model_error(server: ChatServer, status: int, said: str) -> None:
    server.status, server.body = status, b'{"error": {"message": "busy"}}'
    with pytest.raises(ModelError, match=said) as raised:
        _ask(OpenAIChatModel(server.url, model="llama3.1", api_key=KEY))
    assert KEY not in str(raised.value)


@pytest.mark.parametrize(
    ("body", "said"),
    [
        (b"<html>bad gateway</html>", "not JSON"),
        (b'{"choices": []}', "unknown shape"),
        (b'{"object": "error"}', "unknown shape"),
    ],
)
def test_a_malformed_answer_is_a_model_error(server: ChatServer, body: bytes, said: str) -> None:
    server.body = body
    with pytest.raises(ModelError, match=said):
        _ask(OpenAIChatModel(server.url, model="llama3.1"))


def test_an_empty_or_filtered_answer_is_a_model_error(server: ChatServer) -> None:
    server.answer("", finish="length")
    with pytest.raises(ModelError, match="no text"):
        _ask(OpenAIChatModel(server.url, model="llama3.1"))
    server.answer("I cannot help.", finish="content_filter")
    with pytest.raises(ModelError, match="refused"):
        _ask(OpenAIChatModel(server.url, model="llama3.1"))


def test_a_slow_server_is_a_model_error(server: ChatServer) -> None:
    # Given a server that takes longer than the client's timeout
    server.answer("Too late.")
    server.delay = 2.0
    model = OpenAIChatModel(server.url, model="llama3.1", timeout_seconds=0.5)
    # When the narrative is asked for, Then the client gives up
    with pytest.raises(ModelError, match="did not answer"):
        _ask(model)


def test_a_secret_in_a_log_line_never_reaches_the_model(server: ChatServer) -> None:
    # Given an investigation whose log line carries an AWS key and a Slack token
    aws_key, slack_token = "AKIAIOSFODNN7EXAMPLE", "xoxb-123456789012-abcdefghijkl"
    log = LogEvidence(
        source="error logs", text=f"denied {aws_key} with {slack_token}", window=7, baseline=0
    )
    server.answer("P99 latency moved first, at 14:05 UTC, 3 min after deploy v43.")
    narrator = ModelNarrator(OpenAIChatModel(server.url, model="llama3.1"), budget_tokens=4000)
    # When the model narrates it
    narrator.narrate(
        incident(logs=[log]),
        instructions="Cause first.",
        examples=[],
        temperature=0.2,
        max_tokens=200,
        metadata={},
    )
    # Then what the endpoint received has the log line, without the secrets
    sent = json.dumps(server.requests[0][2])
    assert "error logs: denied AKIA***" in sent
    assert aws_key not in sent and slack_token not in sent
