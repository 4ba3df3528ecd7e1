"""How quota refusals, prices and usage figures read: numbers grouped by commas as `sre quota
show` writes them, prices as plain decimals (never `1E+3`), one money format, and a suggested
raise that `sre quota set` accepts."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from shared.errors import InvalidCommandError
from shared.identity.models import OrgId
from shared.quotas.models import MAX_CAP, Limit, QuotaBook, Refused
from shared.quotas.prices import parsed_price
from shared.quotas.refusal import refusal
from shared.quotas.usage import UsageKind, UsageLine
from shared.quotas.usage_views import prices_reply, usage_csv, usage_reply
from shared.quotas.views import parsed_cap

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
TOKENS = Limit.MODEL_TOKENS_PER_MONTH


def _refused(used: int, cap: int) -> str:
    resets = datetime(2026, 12, 1, tzinfo=UTC)
    return str(refusal(Refused(limit=TOKENS, used=used, cap=cap, resets=resets), "ops", now=NOW))


def test_a_refusal_groups_its_numbers_as_quota_show_does() -> None:
    said = _refused(39_999_000, 40_000_000)
    assert "has used 39,999,000 of its 40,000,000 model tokens this month" in said
    assert "`sre quota set model-tokens-per-month 80,000,000 --team ops`" in said


@pytest.mark.parametrize(
    ("cap", "suggested"),
    [(600_000_000, "1,000,000,000"), (MAX_CAP, "unlimited"), (3, "10")],
)
def test_a_refusal_never_suggests_a_value_quota_set_refuses(cap: int, suggested: str) -> None:
    said = _refused(cap, cap)
    assert f"`sre quota set model-tokens-per-month {suggested} --team ops`" in said
    raised = parsed_cap(suggested)  # accepted by `sre quota set`, and a raise
    assert raised is None or raised > cap


@pytest.mark.parametrize(
    "typed", ["1,0", "10,00", "1,0000", ",100", "100,", "1_0", "\u0661\u0660", "²"]
)
def test_a_quota_with_misplaced_commas_or_other_digits_is_refused(typed: str) -> None:
    with pytest.raises(InvalidCommandError, match="commas only between groups of three"):
        parsed_cap(typed)


def test_a_quota_grouped_in_thousands_is_read_as_written() -> None:
    assert [parsed_cap(typed) for typed in ("1,000", "40,000,000", "10", "0")] == [
        1000,
        40_000_000,
        10,
        0,
    ]


@pytest.mark.parametrize("typed", ["-0", "-0.00", "-1", "sNaN", "-Infinity"])
def test_a_negative_zero_negative_or_non_finite_price_is_refused(typed: str) -> None:
    with pytest.raises(InvalidCommandError, match="is not a price"):
        parsed_price(typed)


def test_prices_are_shown_and_exported_as_plain_decimals() -> None:
    own = {"model-tokens": parsed_price("1000"), "sample-reads": parsed_price("0.0000001")}
    book = QuotaBook(org=OrgId("slack:T1"), prices=own)
    shown = dict(prices_reply(book, now=NOW).fields)
    assert shown["model-tokens"].startswith("$1,000 per million tokens (")
    assert shown["sample-reads"].startswith("$0.0000001 per 1,000 calls (")
    lines = [
        UsageLine(team="ops", month="2026-11", kind=UsageKind.MODEL_TOKENS, count=2_000_000),
        UsageLine(team="ops", month="2026-11", kind=UsageKind.SAMPLE_READS, count=1),
    ]
    rows = list(csv.DictReader(io.StringIO(usage_csv(lines, own).decode())))
    assert [(row["kind"], row["usd_per"]) for row in rows] == [
        ("sample-reads", "0.0000001"),
        ("model-tokens", "1000"),
    ]


def test_a_usage_line_writes_money_as_its_total_does() -> None:
    lines = [UsageLine(team="ops", month="2026-11", kind=UsageKind.MODEL_TOKENS, count=1_000_000)]
    shown = usage_reply(lines, {"model-tokens": Decimal(1000)}, month="2026-11", whose="team ops")
    assert dict(shown.fields)["ops"] == "model-tokens 1,000,000 ($1,000.00); total $1,000.00"
    assert shown.text.startswith("Estimated cost $1,000.00 ")


@pytest.mark.parametrize(
    ("limit", "used", "resets"),
    [(Limit.ALERT_POLICIES, 1, None), (Limit.CANARIES, 0, None), (TOKENS, 5, NOW)],
)
def test_a_cap_of_none_says_so_not_what_would_free_one(
    limit: Limit, used: int, resets: datetime | None
) -> None:
    # before, a cap of none said how many must end or how one frees up, which makes no room
    said = str(refusal(Refused(limit=limit, used=used, cap=0, resets=resets), "ops", now=NOW))
    if used:
        assert f"has used {used:,} of its 0 {limit.unit}" in said
    else:  # not "has used 0 of its 0"
        assert f"Team ops' quota `{limit.value}` is 0 {limit.unit}, so this was not" in said
    assert "so this was not done; its quota allows none at all. An org admin can raise it" in said
    assert "must end" not in said and "frees up" not in said and "resets" not in said
