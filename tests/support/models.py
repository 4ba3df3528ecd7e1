"""A language model that answers what a test says and keeps what it was asked."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta

from shared.adapters.memory import FixedClock
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


FIRST_FINDING = re.compile(r"^- (.+?) changed at ", re.MULTILINE)


@dataclass
class ReadingModel:
    """Names the first signal its prompt's findings list as the first cause (nothing, where no
    signal moved), each answer taking `seconds` of `clock`'s time (none passes for real)."""

    clock: FixedClock
    seconds: float = 0
    name: str = "scripted:reader"
    calls: int = 0
    blind: bool = False
    """Says nothing moved whatever its prompt holds (a variant the gate refuses)."""

    def complete(
        self,
        *,
        system: str,
        prompt: str,
        max_tokens: int,
        temperature: float,
        metadata: Mapping[str, str],
    ) -> Completion:
        self.calls += 1
        self.clock.current += timedelta(seconds=self.seconds)
        first = None if self.blind else FIRST_FINDING.search(prompt)
        text = f"First cause: {first.group(1)}." if first else "Nothing moved beyond its baseline."
        return Completion(
            text=text, input_tokens=100, output_tokens=10, latency_ms=5, stop_reason="end_turn"
        )
