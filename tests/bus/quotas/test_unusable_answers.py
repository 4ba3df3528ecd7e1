"""Model answers that cannot be posted (cut off before a whole sentence, refused, malformed) still
cost the tokens the model reported: through the bus, `sre usage` and `sre quota show` count
exactly those, in and out, on the day's and the month's limits; a call that never reached the
model gives its whole reservation back."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from botocore.stub import Stubber

from shared.adapters.aws.bedrock_model import BedrockLanguageModel
from shared.adapters.memory import InMemoryTaskQueue
from shared.adapters.openai_chat import OpenAIChatModel
from shared.replies import Tone
from tests.fakes.chat_server import ChatServer, chat_server
from tests.support import investigate, run, setup_teams
from tests.support.bedrock import MODEL, bedrock_client
from tests.support.experiments import Lab, all_to_model, lab
from tests.support.models import ScriptedModel


@pytest.fixture
def server() -> Iterator[ChatServer]:
    with chat_server() as running:
        yield running


def _usage(it: Lab) -> dict[str, str]:
    """Team payments' usage this month, by row: `model-input-tokens` → `812 tokens …`."""
    shown = run(it.services, "usage", user="vic", channel="C-pay")
    return dict(part.split(" ", 1) for part in dict(shown.fields)["payments"].split("; "))


def _counted(it: Lab, *, tokens_in: int, tokens_out: int) -> None:
    """`sre usage` shows exactly `tokens_in` and `tokens_out`, and both token quotas their sum."""
    usage = _usage(it)
    assert usage["model-input-tokens"].split(" ")[0] == f"{tokens_in:,}", usage
    assert usage["model-output-tokens"].split(" ")[0] == f"{tokens_out:,}", usage
    quota = dict(run(it.services, "quota show", user="vic", channel="C-pay").fields)
    total = tokens_in + tokens_out
    assert quota["model-tokens-per-day"].startswith(f"{total:,} of "), quota
    assert quota["model-tokens-per-month"].startswith(f"{total:,} of "), quota


def test_an_answer_cut_off_before_a_whole_sentence_counts_its_tokens() -> None:
    # GIVEN team payments' experiment whose shares all go to a model that stops at max_tokens
    # mid-sentence (100 tokens in, 20 out)
    model = ScriptedModel(
        text="The facts do not show a single cause yet because", stop="max_tokens"
    )
    it = all_to_model(model)
    # WHEN payments investigates
    report = investigate(it.services, "investigate api")
    # THEN the report carries the rule-based narrative (nothing usable came)
    assert len(model.asked) == 1
    assert dict(report.fields)["Narrative"].startswith("cause-first v1 · ")
    # AND the 100 + 20 tokens the provider billed are counted in the usage and both quotas
    _counted(it, tokens_in=100, tokens_out=20)


def test_a_refused_bedrock_answer_counts_its_tokens_and_a_throttled_call_none() -> None:
    # GIVEN team payments' experiment whose shares all go to a Bedrock model whose guardrail
    # refuses (812 tokens in, 57 out), and another's whose Converse call is throttled
    answered, throttled = bedrock_client(), bedrock_client()
    refused, unasked = (
        all_to_model(BedrockLanguageModel(client, model_id=MODEL))
        for client in (answered, throttled)
    )
    refusal = {
        "output": {"message": {"role": "assistant", "content": [{"text": "I can't help."}]}},
        "stopReason": "guardrail_intervened",
        "usage": {"inputTokens": 812, "outputTokens": 57, "totalTokens": 869},
        "metrics": {"latencyMs": 640},
    }
    with Stubber(answered) as stub, Stubber(throttled) as other:
        stub.add_response("converse", refusal)
        other.add_client_error("converse", "ThrottlingException", "Too many requests", 429)
        # WHEN each team investigates
        reports = [investigate(it.services, "investigate api") for it in (refused, unasked)]
        stub.assert_no_pending_responses()
        other.assert_no_pending_responses()
    # THEN both reports carry the rule-based narrative
    for report in reports:
        assert report.tone is not Tone.ERROR
        assert dict(report.fields)["Narrative"].startswith("cause-first v1 · ")
    # AND exactly the refused answer's tokens are counted; the throttled call gave all back
    _counted(refused, tokens_in=812, tokens_out=57)
    quota = dict(run(unasked.services, "quota show", user="vic", channel="C-pay").fields)
    assert quota["model-tokens-per-day"].startswith("0 of "), quota


def test_a_malformed_answer_counts_the_tokens_it_reported(server: ChatServer) -> None:
    # GIVEN team payments' experiment whose shares all go to an OpenAI-compatible endpoint
    # that answers with usage but no choices
    server.body = b'{"usage": {"prompt_tokens": 640, "completion_tokens": 48}, "choices": []}'
    it = all_to_model(OpenAIChatModel(f"{server.url}/v1", model="llama3.1"))
    # WHEN payments investigates
    report = investigate(it.services, "investigate api")
    # THEN the report carries the rule-based narrative, and the 640 + 48 tokens are counted
    assert len(server.requests) == 1
    assert dict(report.fields)["Narrative"].startswith("cause-first v1 · ")
    _counted(it, tokens_in=640, tokens_out=48)


def test_an_offline_gates_cut_off_answers_count_their_tokens() -> None:
    # GIVEN team payments with a model variant whose every answer is cut off mid-sentence
    model = ScriptedModel(text="The first cause was", stop="max_tokens")
    it = lab(model)
    setup_teams(it.services)
    for text in ("org model on", 'prompt variant add brief --model --instructions "Cause first."'):
        assert not run(it.services, text).failed, text
    # WHEN an org admin starts an experiment with it and the worker runs its offline gate
    started = run(it.services, "prompt experiment start --variants brief --team payments")
    assert started.tone is Tone.ACCEPTED, started
    queue = it.services.tasks
    assert isinstance(queue, InMemoryTaskQueue)
    while tasks := queue.drain():
        for task in tasks:
            it.services.run_task(task)
    # THEN every answer the gate got counts its 100 + 20 tokens
    calls = len(model.asked)
    assert calls > 0
    _counted(it, tokens_in=100 * calls, tokens_out=20 * calls)
