"""A model arm on Amazon Bedrock end to end: an investigation through the whole bus, narrated by
Converse (botocore's Stubber: moto has no Converse), the request carrying the experiment and the
variant in its requestMetadata, the answer posted and signed by the arm."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from botocore.exceptions import ReadTimeoutError
from botocore.stub import ANY, Stubber

from shared.prompts.experiments import Experiment
from shared.replies import Reply, Tone
from tests.support import ORG, investigate
from tests.support.bedrock import MODEL, all_to_brief, bedrock_client
from tests.support.experiments import Lab

ANSWER = "The facts do not show a single cause yet."


def test_a_bedrock_arm_writes_the_report_with_the_variant_in_the_request_metadata() -> None:
    # GIVEN an experiment whose shares went all to the Bedrock variant `brief`
    client = bedrock_client()
    it, started, brief = all_to_brief(client)
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
    client = bedrock_client()
    it, started, _ = all_to_brief(client)
    with Stubber(client) as stub:
        # WHEN Bedrock throttles the Converse call of a report through the bus
        stub.add_client_error("converse", "ThrottlingException", "Too many requests", 429)
        report = investigate(it.services, "investigate api")
        stub.assert_no_pending_responses()
    # THEN the report carries the control's rule-based narrative, signed by the control, and
    # the arm is charged an error, not a quality failure
    _controls_narrative_and_one_error(report, it, started)


def test_a_bedrock_arm_whose_converse_times_out_posts_the_controls_narrative() -> None:
    # GIVEN an experiment whose shares went all to the Bedrock variant `brief`
    client = bedrock_client()
    it, started, _ = all_to_brief(client)
    asked: list[str] = []

    def time_out(request: Any, **_: Any) -> None:
        asked.append(request.url)
        raise ReadTimeoutError(endpoint_url=request.url)

    # WHEN the Converse call of a report through the bus times out (as the socket would)
    client.meta.events.register("before-send.bedrock-runtime.Converse", time_out)
    report = investigate(it.services, "investigate api")
    # THEN Converse was asked once (one attempt configured: no retry), and the report carries
    # the control's narrative
    assert len(asked) == 1, asked
    assert asked[0].endswith(f"/model/{quote(MODEL, safe='')}/converse")
    # AND the arm is charged an error, not a quality failure
    _controls_narrative_and_one_error(report, it, started)


def _controls_narrative_and_one_error(report: Reply, it: Lab, started: Experiment) -> None:
    """The report carries the control's rule-based narrative, signed by the control, and the
    Bedrock arm `brief` is charged one error, not a quality failure."""
    assert report.tone is not Tone.ERROR
    assert report.text.startswith("Saturation moved first"), report.text
    assert dict(report.fields)["Narrative"].startswith("cause-first v1 · ")
    after = it.prompts.experiments.get(ORG, started.id)
    assert after is not None
    counted = after.arm("brief")
    assert counted is not None
    assert (counted.errors, counted.ungrounded, counted.halted) == (1, 0, "")
