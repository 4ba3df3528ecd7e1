"""A model arm on Amazon Bedrock end to end: an investigation through the whole bus, narrated by
Converse (botocore's Stubber: moto has no Converse), the request carrying the experiment and the
variant in its requestMetadata, the answer posted and signed by the arm."""

from __future__ import annotations

from typing import Any

import boto3
from botocore.stub import ANY, Stubber

from shared.adapters.aws.bedrock_model import BedrockLanguageModel, bedrock_config
from shared.prompts.experiments import Arm, Experiment
from shared.replies import Tone
from tests.support import ORG, investigate, run, setup_teams
from tests.support.experiments import Lab, lab, placed

MODEL = "anthropic.claude-3-haiku-20240307-v1:0"
ANSWER = "The facts do not show a single cause yet."


def _client() -> Any:
    return boto3.client(
        "bedrock-runtime",
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=bedrock_config(timeout_seconds=5, attempts=1),
    )


def _all_to_brief(client: Any) -> tuple[Lab, Experiment, Arm]:
    """Bedrock as the deployment's model, the org's consent, and an experiment of team payments
    whose shares went all to the model variant `brief`."""
    it = lab(BedrockLanguageModel(client, model_id=MODEL))
    setup_teams(it.services)
    assert run(it.services, "org model on").tone is Tone.OK
    added = run(it.services, 'prompt variant add brief --model --instructions "Cause first."')
    assert added.tone is Tone.OK, added
    run(it.services, "service register api --sample checkout", user="oli", channel="C-pay")
    placed(it, "brief")  # as a start whose offline gate passed (a Stubber answers once each)
    (started,) = it.prompts.experiments.list_for(ORG)
    arms = [a.model_copy(update={"weight": float(a.name == "brief")}) for a in started.arms]
    it.prompts.experiments.save(started.model_copy(update={"arms": arms}))
    brief = started.arm("brief")
    assert brief is not None
    return it, started, brief


def test_a_bedrock_arm_writes_the_report_with_the_variant_in_the_request_metadata() -> None:
    # GIVEN an experiment whose shares went all to the Bedrock variant `brief`
    client = _client()
    it, started, brief = _all_to_brief(client)
    metadata = {
        "experiment": started.id,
        "variant": f"brief v1 {brief.variant.content_hash[:12]}",
        "org": str(ORG),
    }
    expected = {
        "modelId": MODEL,
        "system": ANY,
        "messages": ANY,
        "inferenceConfig": {"maxTokens": 400, "temperature": 0.2},
        "requestMetadata": metadata,
    }
    answer = {
        "output": {"message": {"role": "assistant", "content": [{"text": ANSWER}]}},
        "stopReason": "end_turn",
        "usage": {"inputTokens": 812, "outputTokens": 57, "totalTokens": 869},
        "metrics": {"latencyMs": 1342},
    }
    with Stubber(client) as stub:
        stub.add_response("converse", answer, expected)
        # WHEN a responder investigates through the bus
        report = investigate(it.services, "investigate api")
        stub.assert_no_pending_responses()
    # THEN Converse wrote the narrative, signed by the arm and the experiment
    assert report.text.startswith(ANSWER)
    assert dict(report.fields)["Narrative"] == f"{brief.variant.label} (experiment {started.id})"
    # ... and its tokens and latency are counted on the arm
    after = it.prompts.experiments.get(ORG, started.id)
    assert after is not None
    counted = after.arm("brief")
    assert counted is not None
    assert (counted.tokens, counted.latencies_ms, counted.errors) == (869, [1342], 0)


def test_a_throttled_bedrock_arm_posts_the_controls_narrative_and_counts_an_error() -> None:
    # GIVEN an experiment whose shares went all to the Bedrock variant `brief`
    client = _client()
    it, started, _ = _all_to_brief(client)
    with Stubber(client) as stub:
        # WHEN Bedrock throttles the Converse call of a report through the bus
        stub.add_client_error("converse", "ThrottlingException", "Too many requests", 429)
        report = investigate(it.services, "investigate api")
        stub.assert_no_pending_responses()
    # THEN the report carries the control's rule-based narrative, signed by the control
    assert report.tone is not Tone.ERROR
    assert report.text.startswith("Saturation moved first"), report.text
    assert dict(report.fields)["Narrative"].startswith("cause-first v1 · ")
    # AND the arm is charged an error, not a quality failure
    after = it.prompts.experiments.get(ORG, started.id)
    assert after is not None
    counted = after.arm("brief")
    assert counted is not None
    assert (counted.errors, counted.ungrounded, counted.halted) == (1, 0, "")
