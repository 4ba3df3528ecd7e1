"""The usage line of a command, generated from its model (`sre team member add USER [--role …]`)."""

from __future__ import annotations

import functools
from datetime import datetime
from enum import Enum
from typing import Annotated, Any, Literal, get_args, get_origin

from pydantic.fields import FieldInfo

from shared.commands.base import Command


def is_flag(field: FieldInfo) -> bool:
    """Whether an option is a flag (`--investigate`): given alone, without a value."""
    return field.annotation is bool


def is_hidden(field: FieldInfo) -> bool:
    """Whether an option is the scheduler's alone (`investigate --alert`): never in usage, help
    or a suggestion, and refused when a person gives it."""
    extra = field.json_schema_extra
    return isinstance(extra, dict) and extra.get("scheduler_only") is True


def hidden_given(command: Command) -> list[str]:
    """The scheduler-only options `command` was given, as typed (`--alert`)."""
    fields = type(command).model_fields
    given = command.model_fields_set
    return [f"--{n.replace('_', '-')}" for n, f in fields.items() if n in given and is_hidden(f)]


def types_of(annotation: Any) -> set[Any]:
    """The plain types a (possibly optional, possibly annotated) annotation admits."""
    if get_origin(annotation) is Annotated:
        return types_of(get_args(annotation)[0])
    if get_args(annotation) and get_origin(annotation) is not Literal:
        return set().union(*(types_of(arg) for arg in get_args(annotation)))
    return {annotation}


def choices_of(field: FieldInfo) -> list[str]:
    """The values a field of choices takes (a Literal's, an Enum's), else none."""
    if get_origin(field.annotation) is Literal:
        return [str(choice) for choice in get_args(field.annotation)]
    kinds = [a for a in (field.annotation, *get_args(field.annotation)) if isinstance(a, type)]
    enums = [a for a in kinds if issubclass(a, Enum)]
    return [str(member.value) for member in enums[0]] if enums else []


def placeholder(name: str, field: FieldInfo) -> str:
    """What a usage line writes for a field's value: its metavar, its choices, or its name."""
    extra = field.json_schema_extra
    if isinstance(extra, dict) and isinstance(extra.get("metavar"), str):
        return str(extra["metavar"])
    if choices := choices_of(field):
        return "|".join(choices)
    if datetime in types_of(field.annotation):
        return "DATE"
    return name.upper()


@functools.cache
def usage(model: type[Command]) -> str:
    """One usage line generated from the model, e.g. `sre team member add USER [--role ROLE]`."""
    parts = ["sre", *model.words]
    fields = {n: f for n, f in model.model_fields.items() if not is_hidden(f)}
    ordered = [
        *model.positional,
        *(n for n, f in fields.items() if n not in model.positional and f.is_required()),
        *(n for n, f in fields.items() if n not in model.positional and not f.is_required()),
    ]
    for name in ordered:
        field = fields[name]
        shown = placeholder(name, field)
        if name in model.positional:
            parts.append(shown if field.is_required() else f"[{shown}]")
        elif is_flag(field):
            parts.append(f"[--{name.replace('_', '-')}]")
        else:
            option = f"--{name.replace('_', '-')} {shown}"
            repeats = "…" if get_origin(field.annotation) is list else ""  # may be given again
            parts.append(f"{option}{repeats}" if field.is_required() else f"[{option}]{repeats}")
    return " ".join(parts)
