"""Amazon Bedrock as a deployment's model in tests: a real bedrock-runtime client (answered by
botocore's Stubber or its event hooks: moto has no Converse) and an experiment whose shares went
all to the Bedrock variant `brief`."""

from __future__ import annotations

from typing import Any

import boto3

from shared.adapters.aws.bedrock_model import BedrockLanguageModel, bedrock_config
from shared.prompts.experiments import Arm, Experiment
from shared.replies import Tone
from tests.support import ORG, run, setup_teams
from tests.support.experiments import Lab, lab, placed

MODEL = "anthropic.claude-3-haiku-20240307-v1:0"


def bedrock_client() -> Any:
    """A bedrock-runtime client with test credentials, 5 s per attempt, one attempt."""
    return boto3.client(
        "bedrock-runtime",
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=bedrock_config(timeout_seconds=5, attempts=1),
    )


def all_to_brief(client: Any) -> tuple[Lab, Experiment, Arm]:
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
