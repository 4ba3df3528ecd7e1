"""A provider read stays within its row cap and its timeout."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from shared.adapters.local.sample_metrics import SampleMetricsSource
from shared.errors import UnavailableError
from shared.telemetry.limits import read_within
from shared.telemetry.models import MetricQuery, Signal
from tests.support import NOW


def test_the_sample_refuses_a_read_beyond_its_row_cap() -> None:
    source = SampleMetricsSource(max_points=100)
    queries = [MetricQuery(signal=Signal.TRAFFIC, metric="traffic")]
    with pytest.raises(UnavailableError, match="more than 100 points"):
        source.read(queries, start=NOW - timedelta(hours=2), end=NOW, step=60)


def test_a_read_that_does_not_answer_is_given_up_after_the_timeout() -> None:
    never = threading.Event()
    with pytest.raises(UnavailableError, match=r"did not answer within 0\.2 s"):
        read_within(never.wait, seconds=0.2)
    never.set()
