"""Words to command models and back: a `CommandSet` (assembled by the bootstrap from what each
feature declares) parses and renders help; `canonical` and `usage` need only the model."""

from __future__ import annotations

import difflib
import functools
import textwrap
from collections.abc import Sequence
from datetime import datetime
from enum import Enum
from typing import Annotated, Any, Literal, get_args, get_origin

from pydantic import ValidationError
from pydantic.fields import FieldInfo

from shared.commands.base import Command
from shared.commands.free_text import shown
from shared.commands.grammar import quote, tokenize
from shared.errors import InvalidCommandError
from shared.identity.rbac import Permission


def _is_flag(field: FieldInfo) -> bool:
    return field.annotation is bool


def _types(annotation: Any) -> set[Any]:
    """The plain types a (possibly optional, possibly annotated) annotation admits."""
    if get_origin(annotation) is Annotated:
        return _types(get_args(annotation)[0])
    if get_args(annotation) and get_origin(annotation) is not Literal:
        return set().union(*(_types(arg) for arg in get_args(annotation)))
    return {annotation}


def _placeholder(name: str, field: FieldInfo) -> str:
    extra = field.json_schema_extra
    if isinstance(extra, dict) and isinstance(extra.get("metavar"), str):
        return str(extra["metavar"])
    if get_origin(field.annotation) is Literal:
        return "|".join(str(choice) for choice in get_args(field.annotation))
    if datetime in _types(field.annotation):
        return "DATE"
    choices = [a for a in get_args(field.annotation) if isinstance(a, type) and issubclass(a, Enum)]
    annotation = choices[0] if choices else field.annotation
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return "|".join(str(member.value) for member in annotation)
    return name.upper()


@functools.cache
def usage(model: type[Command]) -> str:
    """One usage line generated from the model, e.g. `sre team member add USER [--role ROLE]`."""
    parts = ["sre", *model.words]
    fields = model.model_fields
    ordered = [
        *model.positional,
        *(n for n, f in fields.items() if n not in model.positional and f.is_required()),
        *(n for n, f in fields.items() if n not in model.positional and not f.is_required()),
    ]
    for name in ordered:
        field = fields[name]
        shown = _placeholder(name, field)
        if name in model.positional:
            parts.append(shown if field.is_required() else f"[{shown}]")
        elif _is_flag(field):
            parts.append(f"[--{name.replace('_', '-')}]")
        else:
            option = f"--{name.replace('_', '-')} {shown}"
            parts.append(option if field.is_required() else f"[{option}]")
    return " ".join(parts)


def _split_options(model: type[Command], rest: list[str]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    positionals: list[str] = []
    index = 0
    while index < len(rest):
        word = rest[index]
        index += 1
        if not word.startswith("--") or word == "--":
            positionals.append(word)
            continue
        name, has_value, value = word[2:].partition("=")
        field_name = name.replace("-", "_").lower()
        field = model.model_fields.get(field_name)
        if field is None:
            raise _bad_option(model, name)
        if not has_value:
            if _is_flag(field):
                value = "true"
            elif index < len(rest):
                value, index = rest[index], index + 1
            else:
                raise InvalidCommandError(f"`--{name}` needs a value.", usage=usage(model))
        data[field_name] = value
    return _place(model, data, positionals)


def _place(model: type[Command], data: dict[str, Any], positionals: list[str]) -> dict[str, Any]:
    if len(positionals) > len(model.positional):
        extra = " ".join(positionals[len(model.positional) :])
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
            for words in (model.words, *model.aliases):
                if words in self._by_words:
                    raise ValueError(f"`{' '.join(words)}` names two commands")
                self._by_words[words] = model
        self._longest = max(len(words) for words in self._by_words)
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
        return list(dict.fromkeys(model.words[0] for model in self.models))

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
                f"There is no help topic `{topic}`.{hint}", usage=self.render_help()
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
        for size in range(min(self._longest, len(words)), 0, -1):
            model = self._by_words.get(tuple(lowered[:size]))
            if model is not None:
                return model, words[size:]
        raise self._unknown(lowered)

    def _unknown(self, lowered: list[str]) -> InvalidCommandError:
        nouns = sorted({words[0] for words in self._by_words})
        if lowered[0] not in nouns:
            guess = difflib.get_close_matches(lowered[0], nouns, n=1)
            suggestion = " ".join([guess[0], *lowered[1:]]) if guess else None
            topic = "help"
        else:
            phrases = [" ".join(w) for w in self._by_words if w[0] == lowered[0]]
            typed = " ".join(lowered[: max(len(w) for w in self._by_words if w[0] == lowered[0])])
            guess = difflib.get_close_matches(typed, phrases, n=1, cutoff=0.5)
            suggestion = guess[0] if guess else None
            topic = f"help {lowered[0]}"
        hint = f" Did you mean `sre {shown(suggestion)}`?" if suggestion else ""
        return InvalidCommandError(
            f"`{shown(' '.join(lowered[:3]))}` is not a command.{hint} Try `sre {topic}`.",
            usage=self.render_help(lowered[0] if lowered[0] in nouns else None),
            suggestion=f"sre {suggestion}" if suggestion else None,
        )
