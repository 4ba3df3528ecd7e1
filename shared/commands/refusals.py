"""Why a command's values were refused, in the user's words: what is allowed, an example, and the
real reason; never a regular expression, never pydantic's wording."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from types import UnionType
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import ValidationError
from pydantic.fields import FieldInfo
from pydantic_core import ErrorDetails

from shared.audit.redaction import redact
from shared.commands.base import Command
from shared.commands.free_text import shown, visible
from shared.commands.grammar import tokenize
from shared.commands.options import split_options
from shared.commands.usage import is_flag, placeholder
from shared.errors import InvalidCommandError, closest

_ATOM = re.compile(r"(\[[^\]]+\]|\\.|[^\\\[{}?*+()|])(\{(\d+)(?:,(\d+))?\}|\?|\*|\+)?")
_KINDS = {"a-z": "lowercase letters", "A-Z": "capital letters", "0-9": "digits"}


def _ranges(charset: str) -> tuple[list[str], list[str]]:
    """The kinds and the symbols a character class admits: (["lowercase letters"], ["-"])."""
    kinds, rest = [], charset
    for span, kind in _KINDS.items():
        if span in rest:
            kinds.append(kind)
            rest = rest.replace(span, "")
    kinds += [f"{a}-{b}" for a, b in re.findall(r"(\w)-(\w)", rest)]
    rest = re.sub(r"\w-\w", "", rest)
    if {"lowercase letters", "capital letters"} <= set(kinds):
        kinds = ["letters", *(k for k in kinds if not k.endswith("letters"))]
    symbols = dict.fromkeys(rest.replace("\\", ""))
    return kinds, ["spaces" if ch == " " else f"`{ch}`" for ch in symbols]


def allowed(pattern: str) -> str | None:
    """What a simple pattern allows, in words (`lowercase letters, digits and `-`, 1 to 63
    characters`); None for one too intricate to say well (an example says it then)."""
    body = pattern.removeprefix("^").removesuffix("$")
    atoms = list(_ATOM.finditer(body))
    if "".join(a.group(0) for a in atoms) != body:
        return None
    prefix, low, high = "", 0, 0
    kinds: list[str] = []
    symbols: list[str] = []
    for atom in atoms:
        text, quantifier = atom.group(1), atom.group(2) or ""
        if not text.startswith("[") and not quantifier and not kinds:
            prefix += text.removeprefix("\\")
            continue
        if not text.startswith("[") or text.startswith("[^"):
            return None
        more_kinds, more_symbols = _ranges(text[1:-1])
        kinds += [k for k in more_kinds if k not in kinds]
        symbols += [s for s in more_symbols if s not in symbols]
        least, most = _counts(atom, quantifier)
        low, high = low + least, high + most
    return _said(prefix, [*kinds, *symbols], low, high)


def _counts(atom: re.Match[str], quantifier: str) -> tuple[int, int]:
    if quantifier.startswith("{"):
        return int(atom.group(3)), int(atom.group(4) or atom.group(3))
    return {"": (1, 1), "?": (0, 1), "*": (0, 10**6), "+": (1, 10**6)}[quantifier]


def _said(prefix: str, parts: list[str], low: int, high: int) -> str:
    if not parts:
        return f"only `{prefix}`"
    listed = ", ".join(parts[:-1]) + f" and {parts[-1]}" if len(parts) > 1 else "".join(parts)
    size = f"{low} to {high}" if high < 10**6 and low != high else f"{low}" if low == high else ""
    counted = f", {size} of them" if prefix else f", {size} character{'s' * (high != 1)}"
    where = f"`{prefix}` then {listed}" if prefix else listed
    return where + (counted if size else "")


class Refusals:
    """Explains validation errors for the commands of one set, with examples from their help."""

    def __init__(self, models: Sequence[type[Command]]) -> None:
        self._models = models
        self._examples: dict[tuple[type[Command], str], str | None] = {}

    def explain(self, model: type[Command], error: ValidationError) -> str:
        """Every reason a command was refused, joined: `'x!' is not a valid service: ...`."""
        return "; ".join(self._reason(model, item) for item in error.errors())

    def _reason(self, model: type[Command], item: ErrorDetails) -> str:
        name = str(item["loc"][0]) if item["loc"] else ""
        label = name if name in model.positional else f"--{name.replace('_', '-')}"
        value, kind, ctx = item.get("input"), item["type"], item.get("ctx", {})
        if kind == "missing":
            return f"{label} is missing{self._example(model, name)}"
        if kind in {"value_error", "assertion_error"} or not name:
            message = str(ctx.get("error") or item["msg"].removeprefix("Value error, "))
            # a validator may repeat what was typed (or part of it: a token in a condition) as
            # it was: masked and made visible here, whatever its length (the value itself
            # repeated short; what is around it masked apart, so no mask runs past the value)
            typed = value if isinstance(value, str) and value else None
            if typed is None:
                return _ours(label, visible(message))
            secret = redact(typed) != typed  # never masks our own words (`--max-tokens is`)
            parts = message.split(typed)
            masked = shown(typed).join(redact(part) if secret else part for part in parts)
            said, quoted = _ours(label, visible(masked)), f"`{shown(typed)}`"
            return said.replace(quoted, quoted + _lookalike(typed), 1)
        if value == "":
            return f"{label} is empty{self._example(model, name)}"
        typed = f"`{shown(str(value), 40)}`" + _lookalike(str(value))
        field = model.model_fields[name]
        if kind in {"enum", "literal_error"}:
            choices = placeholder(name, field).split("|")
            meant = closest(str(value), choices)
            guess = f" (did you mean `{meant}`)" if meant else ""
            return (
                f"{typed} is not a valid {label}{guess}: use {', '.join(choices[:-1])} or "
                f"{choices[-1]}"
            )
        if kind == "bool_parsing" and is_flag(field):
            return f"{label} takes no value: give it alone to turn it on"
        return _bounds(label, typed, kind, ctx) or (
            f"{typed} is not a valid {label}{_allowed(ctx)}{self._example(model, name)}"
        )

    def _example(self, model: type[Command], name: str) -> str:
        key = (model, name)
        if key not in self._examples:
            self._examples[key] = self._find_example(model, name)
        found = self._examples[key]
        return f", e.g. `{found}`" if found else ""

    def _find_example(self, model: type[Command], name: str) -> str | None:
        """The value an example in help gives the field (this command's, else one with the same
        field of the same type)."""
        field = model.model_fields.get(name)
        if field is None:
            return None
        same = [
            (other, other_name)
            for other in self._models
            for other_name, f in other.model_fields.items()
            if _kind(f) == _kind(field) and (other, other_name) != (model, name)
        ]
        same.sort(key=lambda pair: pair[1] != name)  # the same name first: `user` for `user`
        for source, source_name in ((model, name), *same):
            for example in source.examples:
                value = _value_in(source, example, source_name)
                if value is not None:
                    return value
        return None


def _kind(field: FieldInfo) -> tuple[Any, ...]:
    """The type of a field's value with its constraints (`UserRef` for `UserRef | None` too)."""
    annotation: Any = field.annotation
    metadata = list(field.metadata)
    if get_origin(annotation) in {Union, UnionType}:
        given = [arg for arg in get_args(annotation) if arg is not type(None)]
        annotation = given[0] if len(given) == 1 else tuple(given)
    if get_origin(annotation) is Annotated:
        annotation, *more = get_args(annotation)
        metadata += more
    return annotation, *metadata


def _value_in(model: type[Command], example: str, name: str) -> str | None:
    words = tokenize(example)
    for phrase in (model.words, *model.aliases):
        if tuple(w.lower() for w in words[: len(phrase)]) == phrase:
            try:
                value = split_options(model, words[len(phrase) :]).get(name)
            except InvalidCommandError:  # an example that no longer parses: a test says so
                return None
            if isinstance(value, list):  # a repeated option: shown as typed, once
                return f'--{name.replace("_", "-")} "{value[0]}"' if value else None
            return str(value) if value is not None else None
    return None


def _allowed(ctx: dict[str, Any]) -> str:
    pattern = ctx.get("pattern")
    said = allowed(str(pattern)) if pattern else None
    return f": {said}" if said else ""


def _ours(label: str, message: str) -> str:
    """A reason one of our validators gave: as it is if it names the value, else after the
    option it is about."""
    if message[:1] in {"`", "'", '"'} or not label.strip("-"):
        return message
    if message.startswith(("is ", "must ", "needs ")):
        return f"{label} {message}"
    return f"{label}: {message}"


def _bounds(label: str, typed: str, kind: str, ctx: dict[str, Any]) -> str | None:
    """A number or a length out of bounds, said with the bound."""
    said = {
        "string_too_long": f"{label} is too long: at most {ctx.get('max_length')} characters",
        "string_too_short": f"{label} is too short: at least {ctx.get('min_length')} characters",
        "less_than_equal": f"{typed} is too large for {label}: at most {ctx.get('le')}",
        "less_than": f"{typed} is too large for {label}: less than {ctx.get('lt')}",
        "greater_than_equal": f"{typed} is too small for {label}: at least {ctx.get('ge')}",
        "greater_than": f"{typed} is too small for {label}: more than {ctx.get('gt')}",
        "int_parsing": f"{typed} is not a whole number: {label} is counted, like 10",
        "float_parsing": f"{typed} is not a number: {label} is a number, like 1.5",
        "finite_number": f"{typed} is not a number: {label} is a number, like 1.5",
    }
    return said.get(kind)


def _lookalike(value: str) -> str:
    """` (its `\u0430` is U+0430 CYRILLIC SMALL LETTER A, not a plain letter)` for a value
    holding a letter outside ASCII: `p\u0430yments` refused "e.g. `payments`" read as
    nonsense."""
    odd = next((ch for ch in value if ord(ch) > 127 and ch.isalpha()), None)
    if odd is None:
        return ""
    named = unicodedata.name(odd, "an unnamed letter")
    return f" (its `{odd}` is U+{ord(odd):04X} {named}, not a plain letter)"
