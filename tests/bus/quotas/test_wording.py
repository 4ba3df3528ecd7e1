"""Prices and quotas as typed and answered through the bus: a price set as `1000` or `0.0000001`
is answered and shown as a plain decimal, `-0` is refused, a price typed with a decimal comma,
separators, an exponent or other digits is refused, and a quota with a misplaced comma is
refused: neither is read as another number."""

from __future__ import annotations

from shared.bootstrap.wiring import Services, build
from shared.config import Settings
from shared.replies import Tone
from tests.support import NOW, MovingClock, memory_adapters, run, setup_teams


def _services() -> Services:
    services = build(Settings(org_admins=("slack:T1:root",)), memory_adapters(MovingClock(NOW)))
    setup_teams(services)
    return services


def test_a_price_is_answered_and_shown_as_a_plain_decimal() -> None:
    services = _services()
    # WHEN root sets a large price and one with many decimals
    big = run(services, "usage price set model-tokens 1000")
    small = run(services, "usage price set sample-reads 0.0000001")
    # THEN each is answered as a plain decimal, and the price table shows the same
    assert big.title == "`model-tokens` now costs $1,000 per million tokens."
    assert small.title == "`sample-reads` now costs $0.0000001 per 1,000 calls."
    shown = dict(run(services, "usage price show", user="vic", channel="C-pay").fields)
    assert shown["model-tokens"].startswith("$1,000 per million tokens (set by @root")
    assert shown["sample-reads"].startswith("$0.0000001 per 1,000 calls (set by @root")


def test_a_negative_zero_price_is_refused_and_nothing_changes() -> None:
    services = _services()
    refused = run(services, "usage price set model-tokens -0")
    assert refused.tone is Tone.USAGE
    assert refused.title.startswith("`-0` is not a price")
    shown = dict(run(services, "usage price show").fields)
    assert shown["model-tokens"].startswith("$0 per million tokens (no verified")


def test_a_price_with_a_decimal_comma_or_other_notation_is_refused_not_read_as_more() -> None:
    services = _services()
    assert not run(services, "usage price set investigations 0.25").failed
    # WHEN root types prices with a decimal comma, separators, an exponent or Arabic-Indic digits
    for typed in (
        "0,05",
        "1,0",
        "1,000",
        "1__0",
        "1_0",
        "1e3",
        "\u0661\u0660",
        "\u0660\u066b\u0660\u0665",
    ):
        refused = run(services, f"usage price set investigations {typed}")
        # THEN each is refused with the usage, saying what a price looks like
        assert refused.tone is Tone.USAGE, (typed, refused)
        assert refused.title.startswith(f"`{typed}` is not a price"), refused.title
        assert "a plain decimal" in refused.title and "`0.05`" in refused.title
        assert "a plain decimal with a point, e.g. 0.05" in refused.text
    # AND the price stays as it was
    shown = dict(run(services, "usage price show").fields)
    assert shown["investigations"].startswith("$0.25 per investigation (set by @root")


def test_a_quota_with_a_misplaced_comma_is_refused_not_read_as_another_number() -> None:
    services = _services()
    assert not run(services, "quota set canaries 3 --team payments").failed
    # WHEN root types ten with a stray comma
    refused = run(services, "quota set canaries 1,0 --team payments")
    # THEN it is refused with the usage, and the quota stays as it was
    assert refused.tone is Tone.USAGE
    assert "commas only between groups of three" in refused.title
    shown = dict(run(services, "quota show --team payments").fields)
    assert shown["canaries"].startswith("0 of 3 ")
    # AND thousands grouped by commas are read as written
    done = run(services, "quota set canaries 1,000 --team payments")
    assert done.title == "Quota `canaries` is now 1,000 for team payments."
