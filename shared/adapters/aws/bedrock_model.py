"""Amazon Bedrock's Converse API as the investigator's `LanguageModel`."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from shared.prompts.language import Completion, ModelError

if TYPE_CHECKING:
    from botocore.config import Config

REFUSALS = frozenset({"content_filtered", "guardrail_intervened"})
"""Stop reasons that mean the model (or its guardrail) declined to answer."""


def bedrock_config(*, timeout_seconds: float, attempts: int = 2) -> Config:
    """A client configuration that gives up after `timeout_seconds` per attempt, `attempts`
    in all (botocore's `max_attempts` counts the retries only: one more call than said)."""
    from botocore.config import Config

    return Config(
        connect_timeout=timeout_seconds,
        read_timeout=timeout_seconds,
        retries={"total_max_attempts": attempts, "mode": "standard"},
    )


class BedrockLanguageModel:
    """One Bedrock model, by id, through a `bedrock-runtime` client (made at first use when
    none is given, so a cold start that never narrates does not pay for it)."""

    def __init__(self, client: Any = None, *, model_id: str, timeout_seconds: float = 20) -> None:
        self._given = client
        self._model_id = model_id
        self._timeout = timeout_seconds
        self.name = f"bedrock:{model_id}"

    @functools.cached_property
    def _client(self) -> Any:
        if self._given is not None:
            return self._given
        import boto3

        return boto3.client("bedrock-runtime", config=bedrock_config(timeout_seconds=self._timeout))

    def complete(
        self,
        *,
        system: str,
        prompt: str,
        max_tokens: int,
        temperature: float,
        metadata: Mapping[str, str],
    ) -> Completion:
        """The model's answer; ModelError when throttled, timed out, refused or empty."""
        try:
            response = self._client.converse(
                modelId=self._model_id,
                system=[{"text": system}],
                messages=[{"role": "user", "content": [{"text": prompt}]}],
                inferenceConfig={"maxTokens": max_tokens, "temperature": temperature},
                requestMetadata=dict(metadata),
            )
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code", "error")
            raise ModelError(f"{self.name} answered {code}") from error
        except BotoCoreError as error:  # timeouts and connection failures
            raise ModelError(f"{self.name} did not answer: {type(error).__name__}") from error
        return _completion(self.name, response)


def _completion(name: str, response: Mapping[str, Any]) -> Completion:
    stop = str(response.get("stopReason", ""))
    usage = response.get("usage", {})
    tokens = {
        "input_tokens": int(usage.get("inputTokens", 0)),
        "output_tokens": int(usage.get("outputTokens", 0)),
    }
    if stop in REFUSALS:  # an answer all the same: its tokens were billed
        raise ModelError(f"{name} refused ({stop})", **tokens)
    content = response.get("output", {}).get("message", {}).get("content", [])
    text = "".join(part.get("text", "") for part in content).strip()
    if not text:
        raise ModelError(f"{name} answered with no text ({stop or 'no stop reason'})", **tokens)
    return Completion(
        text=text,
        latency_ms=int(response.get("metrics", {}).get("latencyMs", 0)),
        stop_reason=stop,
        **tokens,
    )
