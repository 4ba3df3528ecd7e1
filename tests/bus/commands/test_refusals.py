"""Refusals in the user's words: every field of every command, given a bad value, is answered
with what is allowed and an example, never with a regular expression or pydantic's wording; one
duration syntax; `--since` as people say it, and never in the future or after `--until`."""

from __future__ import annotations

import re

import pytest

from bots.slack.render import blocks
from shared.bootstrap.features import COMMANDS
from shared.bootstrap.wiring import Services
from shared.commands.grammar import quote
from shared.replies import Reply, Tone
from tests.support import NOW, run

BAD_VALUES = [
    "Bad Value!",
    "x" * 300,
    "10000d",
    "2026-13-45",
    "-1",
    "1e999",
    "@",
    "yes please",
    "",
    "tomorrow",
]
PYDANTIC = re.compile(
    r"should (?:match|be|have)|Input should|Value error|validation error|Field required"
    r"|pydantic|invalid character|type=|errors\.pydantic\.dev|Extra inputs",
    re.IGNORECASE,
)
REGEX = re.compile(r"\^|\\[dDsSwW]|\]\{|\]\*|\]\+|\{\d+,\d*\}|\(\?|\[[^\]\s]*-[^\]\s]*\]")


def _shown(reply: Reply) -> str:
    """All the text of the reply as the Slack message carries it."""
    texts = [reply.title]
    for block in blocks(reply):
        texts += [block["text"]["text"]] if "text" in block else []
        texts += [field["text"] for field in block.get("fields", [])]
    return "\n".join(texts)


def test_no_refusal_of_any_field_shows_a_regex_or_pydantic_wording(services: Services) -> None:
    # GIVEN every command and every one of its fields, each given values people get wrong
    offenders = []
    for model in COMMANDS.models:
        for name in model.model_fields:
            option = name.replace("_", "-")
            for bad in BAD_VALUES:
                # WHEN a stranger (no role anywhere: nothing that parses can run) sends it in Slack
                text = f"{model.phrase()} --{option}={quote(bad)}"
                reply = run(services, text, user="stranger")
                shown = _shown(reply)
                # THEN the answer is in our words
                if PYDANTIC.search(shown) or REGEX.search(shown.replace(reply.text, "")):
                    offenders.append((text[:80], reply.title[:200]))
        missing = run(services, model.phrase(), user="stranger")
        if PYDANTIC.search(_shown(missing)):
            offenders.append((model.phrase(), missing.title))
    assert not offenders, offenders[:10]


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        (
            "investigate checkout-api --window 10000d",
            "`10000d` is too long for --window: at most 7d",
        ),
        (
            "canary start checkout-api --version 43 --interval 2d",
            "`2d` is too long for --interval: at most 1d",
        ),
        ("investigate checkout-api --window 10m0", "`10m0` is not a duration"),
        ("investigate Checkout!", "`Checkout!` is not a valid service: lowercase letters, digits"),
        ("investigate Checkout!", "e.g. `checkout-api`"),
        ("investigation show inv-xyz", "`inv-xyz` is not a valid id: `inv-` then digits and a-f"),
        ("investigation show inv-xyz", "e.g. `inv-3f9c2a`"),
        ("team member add 'bad user!'", "`bad user!` is not a valid user, e.g. `@alice`"),
        ("team member add U1 --role boss", "use viewer, responder, operator or admin"),
        ("audit show --limit 1000", "`1000` is too large for --limit: at most 200"),
        ("audit show --since 2026-13-45", "`2026-13-45` is not a time: write 2026-11-01"),
        ("audit show --org --team payments", "--org is the org's own trail and --team a team's"),
        ("audit export --org --team payments", "give one of them"),
        (
            "alert silence slow --duration 10000d",
            "`10000d` is too long for --duration: at most 90d",
        ),
        ("alert silence slow --duration 0m", "`0m` is too short for --duration: at least 1m"),
        ("investigate checkout-api --window 1h3", "write it like 30m, 2h, 1h30m or 2d"),
    ],
)
def test_a_refusal_says_what_is_allowed_with_an_example_and_the_real_reason(
    services: Services, typed: str, says: str
) -> None:
    reply = run(services, typed)
    assert reply.tone is Tone.USAGE
    assert says in reply.title


@pytest.mark.parametrize(
    ("since", "start"),
    [
        ("2h ago", "2026-11-22 07:30"),
        ("2 hours ago", "2026-11-22 07:30"),
        ("'2 hours ago'", "2026-11-22 07:30"),
        ("1 day 30 mins ago", "2026-11-21 09:00"),
        ("1 day 2 hours 30 mins ago", "2026-11-21 07:00"),
        ("yesterday 14:00", "2026-11-21 14:00"),
        ("08:15", "2026-11-22 08:15"),
        ("2026-11-20", "2026-11-20 00:00"),
        ("2026-11-20T14:00", "2026-11-20 14:00"),
    ],
)
def test_since_takes_relative_times_as_well_as_dates(
    services: Services, since: str, start: str
) -> None:
    # GIVEN the clock says 2026-11-22 09:30 UTC
    assert NOW.isoformat().startswith("2026-11-22T09:30")
    # WHEN an auditor exports from a time said as people say it
    run(services, "org grant aud auditor")
    reply = run(services, f"audit export --org --format csv --since {since}", user="aud")
    # THEN it is accepted and read against the clock: the audit entry names the moment
    assert reply.tone is Tone.ACCEPTED, reply
    (task,) = services.tasks.drain()  # type: ignore[attr-defined]
    assert f"--since={start.replace(' ', 'T')}:00+00:00" in task.command


@pytest.mark.parametrize(
    "since", ["'yesterday \u0661\u0664:\u0660\u0660'", "'today \uff11\uff14:00'", "\u0661\u0664:00"]
)
def test_a_moment_written_in_digits_of_another_script_is_refused(
    services: Services, since: str
) -> None:
    # (Arabic-Indic and full-width digits, which Python's `int` reads as 14 and 00)
    run(services, "org grant aud auditor")
    reply = run(services, f"audit export --org --format csv --since {since}", user="aud")
    assert reply.tone is Tone.USAGE, reply


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        ("audit show --since 2026-12-25", "--since is in the future: Fri 25 Dec 00:00 UTC is"),
        ("audit show --since 23:00", "23:00 UTC is after now (09:30 UTC)"),
        (
            "audit export --org --since 2h ago --until 3h ago",
            "--until (Sun 22 Nov 06:30 UTC) is not after --since (Sun 22 Nov 07:30 UTC)",
        ),
        # beyond the calendar: a usage answer, not an internal error
        ("audit show --since 9999999d ago", "`9999999d ago` is not a time: write"),
        ("audit show --since 0001-01-01T00:00+05:00", "is not a time: write"),
    ],
)
def test_since_in_the_future_and_until_before_since_are_refused_clearly(
    services: Services, typed: str, says: str
) -> None:
    run(services, "org grant aud auditor")
    reply = run(services, typed, user="aud")
    assert reply.tone is Tone.USAGE
    assert says in reply.title


def test_a_since_in_the_future_names_the_option_once(services: Services) -> None:
    reply = run(services, "investigate checkout-api --since 2027-01-01")
    assert reply.tone is Tone.USAGE, reply
    assert _shown(reply).startswith(
        "--since is in the future: Fri 1 Jan 2027 00:00 UTC is after now"
    )
