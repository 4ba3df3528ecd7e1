"""Every command names its audit target itself, as `kind:value` of the kind it declares."""

from __future__ import annotations

import typing

import pytest

from shared.bootstrap.features import COMMANDS
from shared.commands.base import Command, TargetKind

KINDS = set(typing.get_args(TargetKind))
EXAMPLES = [
    pytest.param(model, text.removeprefix("sre "), id=text)
    for model in COMMANDS.models
    for text in model.examples
]


def test_every_command_declares_a_known_kind_and_a_field_it_has() -> None:
    for model in COMMANDS.models:
        assert model.target_kind in KINDS, model.__name__
        assert model.target_field is None or model.target_field in model.model_fields


@pytest.mark.parametrize(("model", "text"), EXAMPLES)
def test_every_example_is_audited_as_a_target_of_its_declared_kind(
    model: type[Command], text: str
) -> None:
    command = COMMANDS.parse(text)
    assert type(command) is model
    target = command.audit_target("C1", team="payments")
    kind, _, value = target.partition(":")
    every_stream = any(getattr(command, flag, False) for flag in ("org", "all", "state"))
    assert kind == ("org" if every_stream else model.target_kind)  # audit's --org, --all
    assert value or kind == "org"


@pytest.mark.parametrize(
    ("text", "target"),
    [
        (
            'alert create p99-high --service checkout-api --when "p99_latency > 800ms for 5m"',
            "alert:p99-high",
        ),
        ("alert silence p99-high --duration 1h", "alert:p99-high"),
        ("silence expire sil-3f9c2a", "silence:sil-3f9c2a"),
        ("service register checkout-api --sample checkout", "service:checkout-api"),
        ("service share checkout-api --to search --team payments", "service:checkout-api"),
        ("canary start checkout-api --version 43", "service:checkout-api"),
        ("canary promote can-3f9c2a", "canary:can-3f9c2a"),
        ("investigate checkout-api", "service:checkout-api"),
        ('investigation comment inv-3f9c2a "rolled back"', "investigation:inv-3f9c2a"),
        ("team create search", "team:search"),
        ("team member add @U024BE7LH --role responder", "user:U024BE7LH"),
        ("org grant @U024BE7LH auditor", "user:U024BE7LH"),
        ("team bind", "channel:C1"),
        ("team unbind C024BE91L", "channel:C024BE91L"),
        ("team member list", "team:payments"),
        ("audit verify --team search", "team:search"),
        ("audit verify --org", "org"),
        ("audit verify --all", "org"),
        ("audit seal", "org"),
        ("scheduler run-once", "org"),
    ],
)
def test_a_command_names_the_thing_it_acts_on(text: str, target: str) -> None:
    assert COMMANDS.parse(text).audit_target("C1", team="payments") == target
