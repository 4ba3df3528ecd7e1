"""The words after a command's name, as its model's fields: options (`--name value`, `--flag`),
positionals, free text that takes the rest of the line, moments of one or two words."""

from __future__ import annotations

import difflib
import math
import re
from datetime import datetime
from typing import Any, get_origin

from shared.commands.base import Command
from shared.commands.duration import ago_words, smallest_unit
from shared.commands.free_text import shown
from shared.commands.usage import is_flag, is_hidden, types_of, usage
from shared.errors import InvalidCommandError

_CLOCK = re.compile(r"\d{1,2}:\d{2}", re.ASCII)


def split_options(model: type[Command], rest: list[str]) -> dict[str, Any]:
    """The words after a command's name as the field values they give (still text)."""
    data: dict[str, Any] = {}
    positionals: list[str] = []
    index = 0
    while index < len(rest):
        word = rest[index]
        index += 1
        if not _an_option(word):
            positionals.append(word)
            continue
        name, has_value, value = word[2:].partition("=")
        field_name = _field_of(word)
        field = model.model_fields.get(field_name)
        if field is None:
            raise _bad_option(model, name)
        if not has_value:
            if is_flag(field):
                value = "true"
            elif index < len(rest) and field_name == model.rest:
                taken = _text_words(rest[index:])
                value, index = " ".join(taken), index + len(taken)
            elif index < len(rest) and datetime in types_of(field.annotation):
                taken = _moment_words(rest[index:])
                value, index = " ".join(taken), index + len(taken)
            elif index < len(rest) and not _names_option(model, rest[index]):
                taken = _duration_words(rest[index:])
                value, index = "".join(taken), index + len(taken)
            else:  # nothing after it, or the command's next option (`--service --when …`)
                raise InvalidCommandError(f"`--{name}` needs a value.", usage=usage(model))
        _given(model, data, field_name, value, typed=name)
    return _plain_numbers(model, _place(model, data, positionals))


def _not_finite(value: str) -> bool:
    """Whether `value` is a number Python reads but no one measures by (`nan`, `inf`)."""
    try:
        return not math.isfinite(float(value))
    except ValueError:
        return False


def _plain_numbers(model: type[Command], data: dict[str, Any]) -> dict[str, Any]:
    """`data`, its numbers written in digits alone: Python reads `1_0` as 10 and `0_5` as 5,
    which no one who typed them meant, and `nan` or `inf` as numbers."""
    for name, value in data.items():
        numeric = types_of(model.model_fields[name].annotation) & {int, float}
        if numeric and isinstance(value, str) and ("_" in value or _not_finite(value)):
            label = name if name in model.positional else f"--{name.replace('_', '-')}"
            raise InvalidCommandError(
                f"`{shown(value)}` is not a number for {label}: write it in digits alone"
                " (no `_`, `nan` or `inf`).",
                usage=usage(model),
            )
    return data


def _an_option(word: str) -> bool:
    """Whether `word` names an option: `--name` or `--name=value`, not `--` (a dash typed in a
    sentence) nor a quoted phrase that starts with one (`'--force was wrong'`, the answer typed
    into a button's text box): no option's name has a space."""
    name = word[2:].partition("=")[0]
    return word.startswith("--") and bool(name) and not any(c.isspace() for c in name)


def _duration_words(words: list[str]) -> list[str]:
    """An option's value: its first word, and the words after it that go on a duration in
    smaller units as people space them (`1h 30m`, `2d 12h`: one duration, not `1h` and a
    comment `30m`)."""
    taken = words[:1]
    for word in words[1:]:
        last, this = smallest_unit(taken[-1]), smallest_unit(word)
        if last is None or this is None or this >= last:
            break
        taken.append(word)
    return taken


def _field_of(word: str) -> str:
    """The field an option names: `--escalate-to=x` names `escalate_to`."""
    return word[2:].partition("=")[0].replace("-", "_").lower()


def _names_option(model: type[Command], word: str) -> bool:
    """Whether `word` is one of the command's own options (`--when` after `--service`, whose
    value was left out), not a value that starts with dashes."""
    name = _field_of(word)
    return _an_option(word) and name in model.model_fields and name not in model.positional


def _given(
    model: type[Command], data: dict[str, Any], field: str, value: str, *, typed: str
) -> None:
    """Record one option's value: a repeatable one (`--expect A --expect B`) collects them, any
    other may be given once (the last would win unseen: `--percent 1 --percent 50`)."""
    if get_origin(model.model_fields[field].annotation) is list:
        data[field] = [*data.get(field, []), value]
    elif field in data:
        raise InvalidCommandError(
            f"`--{shown(typed)}` given twice: give it once.", usage=usage(model)
        )
    else:
        data[field] = value


def _text_words(words: list[str]) -> list[str]:
    """The words of a rest-of-line option: up to the next option (at least one word)."""
    taken = words[:1]
    for word in words[1:]:
        if _an_option(word):
            break
        taken.append(word)
    return taken


def _moment_words(words: list[str]) -> list[str]:
    """The words of a moment: `2026-11-01`, `2h ago`, `yesterday 14:00` (one word, or two), or
    a time ago spelt out (`2 hours ago`)."""
    if spelt := ago_words(words):
        return words[:spelt]
    if len(words) > 1 and (words[1].lower() == "ago" or _CLOCK.fullmatch(words[1])):
        return words[:2]
    return words[:1]


_UNIT_WORDS = {
    **dict.fromkeys(("s", "sec", "secs", "second", "seconds"), "s"),
    **dict.fromkeys(("m", "min", "mins", "minute", "minutes"), "m"),
    **dict.fromkeys(("h", "hr", "hrs", "hour", "hours"), "h"),
    **dict.fromkeys(("d", "day", "days"), "d"),
}
"""A unit written apart from its amount (`--window 2 hours`), and how a duration writes it."""


def _place(model: type[Command], data: dict[str, Any], positionals: list[str]) -> dict[str, Any]:
    expected = len(model.positional)
    if model.positional and model.rest == model.positional[-1] and len(positionals) > expected:
        positionals = [*positionals[: expected - 1], " ".join(positionals[expected - 1 :])]
    if len(positionals) > expected:
        extra = " ".join(positionals[expected:])
        unit = _UNIT_WORDS.get(positionals[expected].lower())
        spaced = f" A duration has no space before its unit, like `2{unit}`." if unit else ""
        raise InvalidCommandError(
            f"I did not expect `{shown(extra)}` here.{spaced}", usage=usage(model)
        )
    for name, value in zip(model.positional, positionals, strict=False):
        if name in data:
            raise InvalidCommandError(f"{name} given twice.", usage=usage(model))
        data[name] = value
    return data


TERMINAL_OPTIONS = {"as": "alice", "channel": "ops", "backend": "aws"}
"""The terminal's own options, with an example value: typed after the command, they are not its."""


def _bad_option(model: type[Command], name: str) -> InvalidCommandError:
    options = [
        n.replace("_", "-")
        for n, f in model.model_fields.items()
        if n not in model.positional and not is_hidden(f)
    ]
    # one it begins (`--win`), else one close enough to be a typo (`--since` is not `--service`)
    begun = [option for option in options if option.startswith(name)]
    guess = begun[:1] if len(begun) == 1 else difflib.get_close_matches(name, options, 1, 0.7)
    hint = f" Did you mean `--{guess[0]}`?" if guess else ""
    if not guess and options:
        hint = f" Its options: {', '.join(f'`--{option}`' for option in options)}."
    if not guess and name in TERMINAL_OPTIONS:
        hint = (
            f" In the terminal, `--{name}` goes before the command: "
            f"`sre --{name} {TERMINAL_OPTIONS[name]} {model.phrase()} …`."
        )
    return InvalidCommandError(
        f"`sre {model.phrase()}` has no option `--{shown(name)}`.{hint}",
        usage=usage(model),
        suggestion=f"--{guess[0]}" if guess else None,
    )
