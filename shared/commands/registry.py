"""Words to command models and back: a `CommandSet` (assembled by the bootstrap from what each
feature declares) parses and renders help; `canonical` and `usage` need only the model."""

from __future__ import annotations

import difflib
import textwrap
from collections.abc import Sequence
from datetime import datetime
from enum import Enum

from pydantic import ValidationError

from shared.commands.base import Command
from shared.commands.free_text import not_utf8, shown
from shared.commands.grammar import quote, tokenize
from shared.commands.options import split_options
from shared.commands.refusals import Refusals
from shared.commands.terminal import (
    TERMINAL_ONLY,
    terminal_help,
    terminal_summaries,
    terminal_typo,
)
from shared.commands.typos import Phrasebook
from shared.commands.usage import choices_of, types_of, usage
from shared.errors import InvalidCommandError
from shared.identity.rbac import Permission, who_may

__all__ = ["CommandSet", "canonical", "usage"]
TEAMS = "in Teams: @Auto SRE …"
"""How Teams users address the bot: by its name in the Teams manifest (infra/teams)."""


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
        if values[name] == defaults[name] or _text(values[name]).startswith("-"):
            break  # a later positional cannot be given by position once this one is left out,
            # nor one that reads as an option (`-h`): written as `--text=-h` below
        parts.append(quote(_text(values[name])))
        written.add(name)
    for name, value in values.items():
        if name in written or value == defaults[name]:
            continue
        option = name.replace("_", "-")
        if isinstance(value, list):  # a repeatable option, once per value
            parts += [f"--{option}={quote(_text(each))}" for each in value]
            continue
        parts.append(f"--{option}" if value is True else f"--{option}={quote(_text(value))}")
    return " ".join(parts)


def _choices_lowered(model: type[Command], data: dict[str, object]) -> dict[str, object]:
    """A choice typed in another case taken as the choice (`--role Responder`, `Helpful`), as
    the command's words are (`TEAM LIST`)."""
    for name, value in data.items():
        field = model.model_fields.get(name)
        if not isinstance(value, str) or field is None:
            continue
        choices = choices_of(field)
        if value not in choices and value.lower() in choices:
            data[name] = value.lower()
    return data


def _detail(model: type[Command]) -> list[str]:
    """A command as its topic's help shows it: usage, purpose, reference and examples."""
    lines = [f"{usage(model)}\n    {model.purpose}"]
    if model.__doc__:  # a model's docstring is its reference (a file format, say)
        lines.append(textwrap.indent(textwrap.dedent("    " + model.__doc__.strip()), "    "))
    return lines + [f"    e.g. {example}" for example in model.examples]


def _check_rest(model: type[Command]) -> None:
    """A rest-of-line field is a text field and, if positional, the last one."""
    if model.rest is None:
        return
    if str not in types_of(model.model_fields[model.rest].annotation):
        raise ValueError(f"{model.__name__}.{model.rest} takes the rest of the line: not text")
    if model.rest in model.positional and model.positional[-1] != model.rest:
        raise ValueError(f"{model.__name__}.{model.rest} takes the rest of the line: not last")


HELP_FLAGS = frozenset({"--help", "-h"})
"""What people type for a command's help, out of habit from every other command line."""


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
        self._beginnings = {known[:n] for known in self._by_words for n in range(1, len(known))}
        self._refusals = Refusals(self.models)
        self._help: dict[str | None, str] = {}

    def parse(self, text: str, *, now: datetime | None = None) -> Command:
        """Parse a command line; `InvalidCommandError` with usage and a suggestion if it is not
        one. `now` is the clock's time that relative moments (`2h ago`) are read against."""
        broken = not_utf8(text)
        if broken:  # nothing can store, log or show it: said written out, before any parse
            raise InvalidCommandError(
                f"`{shown(text, limit=60)}` is not text: {broken} stands for "
                "a byte that is not UTF-8 (a terminal in another encoding, a pasted binary); "
                "type it again as text."
            )
        words = tokenize(text)
        if not words:  # nothing typed: help, which every command set has
            return self._by_words[("help",)]()
        if self._asks_help(words):  # `investigate --help`: that command's help
            return self._help_for([word for word in words if word not in HELP_FLAGS])
        model, rest = self._match(words)
        data = _choices_lowered(model, split_options(model, rest))
        try:
            return model.model_validate(data, context={"now": now} if now else None)
        except ValidationError as error:
            reasons = self._refusals.explain(model, error)
            raise InvalidCommandError(f"{reasons}.", usage=usage(model)) from error

    def _asks_help(self, words: list[str]) -> bool:
        """Whether `-h` or `--help` asks for help: typed last, or right after the command's
        words (`alert create --help`); in the middle of a comment (`use -h for help`) it is
        the comment's."""
        if not HELP_FLAGS.intersection(words):
            return False
        if words[-1] in HELP_FLAGS:
            return True
        found = self._phrases.find([word.lower() for word in words])
        size = found[1] if found else 0
        return any(word in HELP_FLAGS for word in words[: size + 1])

    def _help_for(self, words: list[str]) -> Command:
        """Help on the command `words` name, else on their topic, else all of it."""
        helping = self._by_words[("help",)]
        lowered = [word.lower() for word in words]
        begun = self._phrases.begun(lowered)
        if begun:  # `usage price -h`: the commands it begins, not `usage show` (its alias)
            raise begun
        found = self._phrases.find(lowered)
        if found is not None:
            topic, *verb = found[0].words
            return helping.model_validate({"topic": topic, "command": " ".join(verb) or None})
        topic = words[0].lower() if words else ""
        return helping.model_validate({"topic": topic} if topic in self.topics() else {})

    def topics(self) -> list[str]:
        """The first words of every command, in help order, then the terminal's own."""
        return [*self._phrases.topics(), *TERMINAL_ONLY]

    def render_help(self, topic: str | None = None) -> str:
        """The help text generated from the command models: all topics, or one topic in detail."""
        if topic not in self._help:
            self._help[topic] = self._rendered(topic)
        return self._help[topic]

    def _rendered(self, topic: str | None) -> str:
        if topic is None:
            lines = [f"Usage: sre <noun> <verb> [args] [--options]   (in Slack: /sre …, {TEAMS})"]
            lines += [f"• {usage(model)}\n    {model.purpose}" for model in self.models]
            lines += terminal_summaries()
            lines.append(
                "Run `sre help <topic>` for examples; topics: " + ", ".join(self.topics()) + "."
            )
            return "\n".join(lines)
        if topic in TERMINAL_ONLY:
            return terminal_help(topic)
        return "\n".join(line for model in self._of_topic(topic) for line in _detail(model))

    def _of_topic(self, topic: str) -> list[type[Command]]:
        """The commands of a help topic; InvalidCommandError suggesting the closest if none."""
        chosen = [model for model in self.models if model.words[0] == topic]
        chosen = chosen or [model for model in self.models if (topic,) in model.aliases]
        if not chosen:  # nor a command of one word's own name (`investigate`)
            guess = difflib.get_close_matches(topic, self.topics(), n=1)
            hint = f" Did you mean `sre help {guess[0]}`?" if guess else ""
            raise InvalidCommandError(
                f"There is no help topic `{shown(topic)}`.{hint}", usage=self._phrases.topic_list()
            )
        return chosen

    def command_help(self, topic: str, verb: str) -> tuple[str, str]:
        """One command in detail (`sre help alert create`), titled by its words: its usage,
        purpose, reference, examples and who may run it; an unknown one gets a suggestion."""
        if topic in TERMINAL_ONLY:  # one command each (`sre help analyze anomalies`)
            return f"sre {topic}", terminal_help(topic)
        words = tuple(f"{topic} {verb}".lower().split())
        model = self._by_words.get(words)
        if model is None:
            raise self._unknown_help(words)
        who = f"    Who may run it: {who_may(model.permission)}."
        return f"sre {model.phrase()}", "\n".join([*_detail(model), who])

    def _unknown_help(self, words: tuple[str, ...]) -> InvalidCommandError:
        """No command has these words: the command they resemble, asked about as help."""
        self._of_topic(words[0])  # an unknown topic is said as such first
        begun = self._phrases.begun(list(words))
        if begun:  # `help usage price`, `help service signal`: the commands it begins
            return begun
        found = self._phrases.find(list(words))
        if found is not None:  # a command's words, then more (`chaos plan extra`): that command
            guess: str | None = " ".join(found[0].words)
        else:
            typo = self._phrases.unknown(list(words))
            guess = typo.suggestion.removeprefix("sre ") if typo.suggestion else None
        hint = f" Did you mean `sre help {shown(guess)}`?" if guess else ""
        meant = self._by_words.get(tuple(guess.split())) if guess else None
        return InvalidCommandError(
            f"`{shown(' '.join(words))}` is not a command.{hint}",
            # the usage of the command meant, as a typo of the command itself gets it
            usage=usage(meant) if meant else self._phrases.topic_usage(words[0]),
            suggestion=f"sre help {guess}" if guess else None,
        )

    def _longer(self, words: list[str]) -> bool:
        """Whether `words` begin a longer command's words (`usage price`, after the alias
        `usage` matched): the next word is then a typo of that command's, never an argument."""
        return tuple(words) in self._beginnings

    def _match(self, words: list[str]) -> tuple[type[Command], list[str]]:
        lowered = [word.lower() for word in words]
        found = self._phrases.find(lowered)
        if found is not None:
            model, size = found
            if size < len(lowered) and self._longer(lowered[: size + 1]):
                raise self._phrases.unknown(words)  # `usage price sho`: `usage price show`'s typo
            return model, words[size:]
        if len(lowered) == 1 and lowered[0] in self.topics():  # `sre team`: the team commands
            return self._by_words[("help",)], lowered
        mistyped = terminal_typo(words, {model.words[0] for model in self.models})
        if mistyped:  # `analyse anomalies`, `analyze anomaly`, `serv`
            raise mistyped
        if lowered[0] in TERMINAL_ONLY:  # `sre analyze` (or `/sre serve`): its own usage
            return self._by_words[("help",)], lowered[:1]
        raise self._phrases.unknown(words)
