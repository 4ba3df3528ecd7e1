"""The quota service: model tokens taken per day and month together, limits resolved, windows."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from shared.adapters.memory_quotas import InMemoryQuotas
from shared.adapters.memory_usage import InMemoryUsageLedger
from shared.identity.models import OrgId
from shared.quotas.models import Limit, QuotaBook, Window
from shared.quotas.refusal import QuotaExceededError
from shared.quotas.service import QuotaService

ORG = OrgId("slack:T1")
AT = datetime(2026, 12, 31, 23, 59, tzinfo=UTC)


def _service(**caps: int) -> tuple[QuotaService, InMemoryQuotas]:
    quotas = InMemoryQuotas()
    book = QuotaBook(org=ORG)
    for name, cap in caps.items():
        book = book.with_cap("payments", Limit(name.replace("_", "-")), cap)
    quotas.save_book(book)
    return QuotaService(quotas=quotas, usage=InMemoryUsageLedger()), quotas


def test_model_tokens_are_counted_per_day_and_month_both_or_neither() -> None:
    service, quotas = _service(model_tokens_per_day=1000, model_tokens_per_month=1500)
    service.take_model_tokens(ORG, "payments", 900, at=AT)
    with pytest.raises(QuotaExceededError) as day:
        service.take_model_tokens(ORG, "payments", 200, at=AT)
    assert "used 900 of its 1000 model tokens today" in str(day.value)
    tomorrow = datetime(2027, 1, 1, 0, 1, tzinfo=UTC)
    service.take_model_tokens(ORG, "payments", 900, at=tomorrow)  # a new month too
    quotas.take(ORG, "payments", Limit.MODEL_TOKENS_PER_MONTH, 500, at=AT, cap=None)
    with pytest.raises(QuotaExceededError) as month:
        service.take_model_tokens(ORG, "payments", 200, at=AT.replace(day=30))
    assert "model tokens this month" in str(month.value)
    assert "it resets at Fri 1 Jan 2027 00:00 UTC" in str(month.value)
    # the day's units of a take the month refused are given back
    assert quotas.used(ORG, "payments", Limit.MODEL_TOKENS_PER_DAY, at=AT.replace(day=30)) == 0


def test_a_team_without_its_own_limit_has_the_orgs_then_the_built_in_one() -> None:
    book = (
        QuotaBook(org=ORG).with_cap(None, Limit.CANARIES, 4).with_cap("payments", Limit.CANARIES, 1)
    )
    assert book.cap("payments", Limit.CANARIES) == 1
    assert book.cap("search", Limit.CANARIES) == 4
    assert book.cap("search", Limit.CHAOS_EXPERIMENTS) == 5


@pytest.mark.parametrize(
    ("window", "key", "resets"),
    [
        (Window.HOUR, "2026-12-31T23", datetime(2027, 1, 1, tzinfo=UTC)),
        (Window.DAY, "2026-12-31", datetime(2027, 1, 1, tzinfo=UTC)),
        (Window.MONTH, "2026-12", datetime(2027, 1, 1, tzinfo=UTC)),
        (Window.RUNNING, "now", None),
    ],
)
def test_each_window_ends_at_the_next_utc_hour_day_or_month(
    window: Window, key: str, resets: datetime | None
) -> None:
    assert window.key(AT) == key
    assert window.resets(AT) == resets
