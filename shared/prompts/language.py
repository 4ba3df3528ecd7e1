"""The language model port: what the investigator's narrative asks a model, and what comes back."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from shared.records import Frozen


class Completion(Frozen):
    """A model's answer and what it cost: tokens in and out, and how long it took."""

    text: str
    input_tokens: int
    output_tokens: int
    latency_ms: int
    stop_reason: str


class ModelError(Exception):
    """The model gave nothing usable (throttled, timed out, refused, empty, over budget): the
    caller falls back to the rule-based narrative. Where the model did answer (refused, empty,
    cut off before a whole sentence), it carries the tokens the answer reported: billed all
    the same, so they are counted."""

    def __init__(self, message: str, *, input_tokens: int = 0, output_tokens: int = 0) -> None:
        super().__init__(message)
        self.input_tokens = input_tokens
        self.output_tokens = output_tokens


class LanguageModel(Protocol):
    """A chat model: `name` says which (`bedrock:<model id>`, `openai:<model>@<url>`)."""

    name: str

    def complete(
        self,
        *,
        system: str,
        prompt: str,
        max_tokens: int,
        temperature: float,
        metadata: Mapping[str, str],
    ) -> Completion:
        """The model's answer to `prompt` under `system`; raises ModelError when there is none."""
        ...
