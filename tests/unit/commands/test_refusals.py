"""What a field's pattern allows, said in words; a pattern too intricate to say is left to the
example."""

from __future__ import annotations

import pytest

from shared.commands.refusals import allowed


@pytest.mark.parametrize(
    ("pattern", "said"),
    [
        (
            r"^[a-z0-9][a-z0-9._-]{0,62}$",
            "lowercase letters, digits, `.`, `_` and `-`, 1 to 63 characters",
        ),
        (r"^inv-[0-9a-f]{6,12}$", "`inv-` then digits and a-f, 6 to 12 of them"),
        (r"^[A-Za-z0-9.]{1,20}$", "letters, digits and `.`, 1 to 20 characters"),
        (r"^[a-z][a-z -]*$", "lowercase letters, spaces and `-`"),
        (r"^checkout$", "only `checkout`"),
        (r"^[a-z]$", "lowercase letters, 1 character"),
    ],
)
def test_a_simple_pattern_is_said_in_words(pattern: str, said: str) -> None:
    assert allowed(pattern) == said


@pytest.mark.parametrize(
    "pattern",
    [
        r"^arn:aws[a-z-]*:elasticloadbalancing:\S+$",
        r"^/subscriptions/[^/]+/resourceGroups/[^/]+$",
        r"^@?[A-Za-z0-9][A-Za-z0-9._:@-]{0,99}$",
        r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$",
    ],
)
def test_an_intricate_pattern_is_not_said_at_all(pattern: str) -> None:
    assert allowed(pattern) is None
