"""Words to command models and back: a `CommandSet` (assembled by the bootstrap from what each
feature declares) parses and renders help; `canonical` and `usage` need only the model."""

from __future__ import annotations

import difflib
import textwrap
from collections.abc import Sequence
from datetime import datetime
from enum import Enum
from typing import Any

from pydantic import ValidationError

from shared.commands.base import Command
from shared.commands.free_text import shown
from shared.commands.grammar import quote, tokenize
from shared.commands.typos import Phrasebook
from shared.commands.usage import is_flag, types_of, usage
from shared.errors import InvalidCommandError
from shared.identity.rbac import Permission

__all__ = ["CommandSet", "canonical", "usage"]


def _split_options(model: type[Command], rest: list[str]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    positionals: list[str] = []
    index = 0
    while index < len(rest):
        word = rest[index]
        index += 1
        if word == "--":  # the end of the options: what follows is text
            positionals += rest[index:]
            break
        if not word.startswith("--"):
            positionals.append(word)
            continue
        name, has_value, value = word[2:].partition("=")
        field_name = name.replace("-", "_").lower()
        field = model.model_fields.get(field_name)
        if field is None:
            raise _bad_option(model, name)
        if not has_value:
            if is_flag(field):
                value = "true"
            elif index < len(rest) and field_name == model.rest:
                taken = _text_words(rest[index:])
                value, index = " ".join(taken), index + len(taken)
            elif index < len(rest):
                value, index = rest[index], index + 1
            else:
                raise InvalidCommandError(f"`--{name}` needs a value.", usage=usage(model))
        data[field_name] = value
    return _place(model, data, positionals)


def _text_words(words: list[str]) -> list[str]:
    """The words of a rest-of-line option: up to the next option (at least one word)."""
    taken = words[:1]
    for word in words[1:]:
        if word.startswith("--"):
            break
        taken.append(word)
    return taken


def _place(model: type[Command], data: dict[str, Any], positionals: list[str]) -> dict[str, Any]:
    expected = len(model.positional)
    if model.positional and model.rest == model.positional[-1] and len(positionals) > expected:
        positionals = [*positionals[: expected - 1], " ".join(positionals[expected - 1 :])]
    if len(positionals) > expected:
        extra = " ".join(positionals[expected:])
        raise InvalidCommandError(f"I did not expect `{shown(extra)}` here.", usage=usage(model))
    for name, value in zip(model.positional, positionals, strict=False):
        if name in data:
            raise InvalidCommandError(f"{name} given twice.", usage=usage(model))
        data[name] = value
    return data


def _bad_option(model: type[Command], name: str) -> InvalidCommandError:
    options = [n.replace("_", "-") for n in model.model_fields if n not in model.positional]
    guess = difflib.get_close_matches(name, options, n=1)
    hint = f" Did you mean `--{guess[0]}`?" if guess else ""
    return InvalidCommandError(
        f"`sre {model.phrase()}` has no option `--{shown(name)}`.{hint}",
        usage=usage(model),
        suggestion=f"--{guess[0]}" if guess else None,
    )


def _explain(error: ValidationError) -> str:
    reasons = []
    for item in error.errors():
        where = ".".join(str(part) for part in item["loc"]) or "value"
        message = str(item["msg"]).removeprefix("Value error, ")
        reason = "is missing" if item["type"] == "missing" else f"is not valid: {message}"
        reasons.append(f"{where} {reason}")
    return "; ".join(reasons)


def _text(value: object) -> str:
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def canonical(command: Command) -> str:
    """The command written back as the shortest text that parses to it (stored in audit entries)."""
    model = type(command)
    parts = ["sre", *model.words]
    values = {name: getattr(command, name) for name in model.model_fields}
    defaults = {n: f.get_default(call_default_factory=True) for n, f in model.model_fields.items()}
    written: set[str] = set()
    for name in model.positional:
        if values[name] == defaults[name]:
            break  # a later positional cannot be given by position once this one is left out
        parts.append(quote(_text(values[name])))
        written.add(name)
    for name, value in values.items():
        if name in written or value == defaults[name]:
            continue
        option = name.replace("_", "-")
        parts.append(f"--{option}" if value is True else f"--{option}={quote(_text(value))}")
    return " ".join(parts)


def _check_rest(model: type[Command]) -> None:
    """A rest-of-line field is a text field and, if positional, the last one."""
    if model.rest is None:
        return
    if str not in types_of(model.model_fields[model.rest].annotation):
        raise ValueError(f"{model.__name__}.{model.rest} takes the rest of the line: not text")
    if model.rest in model.positional and model.positional[-1] != model.rest:
        raise ValueError(f"{model.__name__}.{model.rest} takes the rest of the line: not last")


class CommandSet:
    """The commands one deployment (or one surface) understands, in help order."""

    def __init__(self, models: Sequence[type[Command]]) -> None:
        self.models = tuple(models)
        self._by_words: dict[tuple[str, ...], type[Command]] = {}
        for model in self.models:
            if not model.needs_caller and (
                model.mutates or model.permission is not Permission.PUBLIC
            ):
                raise ValueError(
                    f"{model.__name__} needs its caller: it is not public or it changes"
                )
            _check_rest(model)
            for words in (model.words, *model.aliases):
                if words in self._by_words:
                    raise ValueError(f"`{' '.join(words)}` names two commands")
                self._by_words[words] = model
        self._phrases = Phrasebook(self._by_words, self.models)
        self._help: dict[str | None, str] = {}

    def parse(self, text: str) -> Command:
        """Parse a command line; `InvalidCommandError` with usage and a suggestion if it is not
        one."""
        words = tokenize(text)
        if not words:  # nothing typed: help, which every command set has
            return self._by_words[("help",)]()
        model, rest = self._match(words)
        data = _split_options(model, rest)
        try:
            return model.model_validate(data)
        except ValidationError as error:
            raise InvalidCommandError(f"{_explain(error)}.", usage=usage(model)) from error

    def topics(self) -> list[str]:
        """The first words of every command, in help order."""
        return self._phrases.topics()

    def render_help(self, topic: str | None = None) -> str:
        """The help text generated from the command models: all topics, or one topic in detail."""
        if topic not in self._help:
            self._help[topic] = self._rendered(topic)
        return self._help[topic]

    def _rendered(self, topic: str | None) -> str:
        if topic is None:
            lines = [
                "Usage: sre <noun> <verb> [args] [--options]   (in Slack: /sre …, in Teams: @SRE …)"
            ]
            lines += [f"• {usage(model)}\n    {model.purpose}" for model in self.models]
            lines.append(
                "Run `sre help <topic>` for examples; topics: " + ", ".join(self.topics()) + "."
            )
            return "\n".join(lines)
        chosen = [model for model in self.models if model.words[0] == topic]
        if not chosen:
            guess = difflib.get_close_matches(topic, self.topics(), n=1)
            hint = f" Did you mean `sre help {guess[0]}`?" if guess else ""
            raise InvalidCommandError(
                f"There is no help topic `{shown(topic)}`.{hint}", usage=self._phrases.topic_list()
            )
        lines = []
        for model in chosen:
            lines.append(f"{usage(model)}\n    {model.purpose}")
            if model.__doc__:  # a model's docstring is its reference (a file format, say)
                lines.append(
                    textwrap.indent(textwrap.dedent("    " + model.__doc__.strip()), "    ")
                )
            lines += [f"    e.g. {example}" for example in model.examples]
        return "\n".join(lines)

    def _match(self, words: list[str]) -> tuple[type[Command], list[str]]:
        lowered = [word.lower() for word in words]
        found = self._phrases.find(lowered)
        if found is not None:
            return found[0], words[found[1] :]
        if len(lowered) == 1 and lowered[0] in self.topics():  # `sre team`: the team commands
            return self._by_words[("help",)], lowered
        raise self._phrases.unknown(words)
