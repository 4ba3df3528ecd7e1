"""The investigation told by a language model: redacted, within budget, or not at all."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from shared.investigations.models import Investigation
from shared.prompts.language import Completion, LanguageModel, ModelError
from shared.prompts.prompting import Example, build

_CUT_OFF = frozenset({"max_tokens", "length"})
"""Stop reasons that mean the answer was cut at the output limit."""

_SENTENCE_END = re.compile(r"[.!?](?=\s|$)")


class ModelNarrator:
    """Asks one model for an investigation's narrative; the caller falls back to the rule-based
    one on ModelError."""

    def __init__(self, model: LanguageModel, *, budget_tokens: int) -> None:
        self._model = model
        self._budget = budget_tokens

    def narrate(
        self,
        investigation: Investigation,
        *,
        instructions: str,
        examples: Sequence[Example],
        temperature: float,
        max_tokens: int,
        metadata: Mapping[str, str],
    ) -> Completion:
        """The model's narrative of `investigation`; ModelError when there is none to use."""
        prompt = build(
            investigation, instructions=instructions, examples=examples, budget_tokens=self._budget
        )
        completion = self._model.complete(
            system=prompt.system,
            prompt=prompt.text,
            max_tokens=max_tokens,
            temperature=temperature,
            metadata=metadata,
        )
        return usable(completion, name=self._model.name)


def usable(completion: Completion, *, name: str) -> Completion:
    """The completion, its text cut to its last whole sentence when the output limit stopped it;
    ModelError (with the tokens the answer reported) when nothing usable is left."""
    text = completion.text.strip()
    if completion.stop_reason in _CUT_OFF:
        ends = [m.end() for m in _SENTENCE_END.finditer(text)]
        text = text[: ends[-1]] if ends else ""
    if not text:
        raise ModelError(
            f"{name} gave no usable text (stopped: {completion.stop_reason})",
            input_tokens=completion.input_tokens,
            output_tokens=completion.output_tokens,
        )
    return completion.model_copy(update={"text": text})
