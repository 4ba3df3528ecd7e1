"""A language model that answers what a test says and keeps what it was asked."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from shared.prompts.language import Completion, ModelError


@dataclass
class Asked:
    """One call to the model."""

    system: str
    prompt: str
    max_tokens: int
    temperature: float
    metadata: dict[str, str]


@dataclass
class ScriptedModel:
    """Answers `text` (stopped for `stop`), or raises `error`; records every call."""

    text: str = "Latency moved first."
    stop: str = "end_turn"
    error: ModelError | None = None
    name: str = "scripted:test"
    asked: list[Asked] = field(default_factory=list)

    def complete(
        self,
        *,
        system: str,
        prompt: str,
        max_tokens: int,
        temperature: float,
        metadata: Mapping[str, str],
    ) -> Completion:
        self.asked.append(Asked(system, prompt, max_tokens, temperature, dict(metadata)))
        if self.error is not None:
            raise self.error
        return Completion(
            text=self.text, input_tokens=100, output_tokens=20, latency_ms=5, stop_reason=self.stop
        )
