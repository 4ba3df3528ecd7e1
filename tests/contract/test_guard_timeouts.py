"""The chaos guard's own AWS clients (FIS, CloudWatch alarms, Lambda), made at first use, wait
seconds, not botocore's minutes: one call that hangs cannot hold an org's halts past a tick."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from moto import mock_aws

from shared.adapters.aws.fis_guard import GuardAlarms
from shared.adapters.aws.fis_injector import FisFaultInjector
from shared.adapters.aws.fis_preflight import FisPreflight
from shared.adapters.aws.fis_safety_lever import FisSafetyLever


@pytest.fixture
def clients(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Any]]:
    """The clients each guard adapter makes for itself."""
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with mock_aws():
        guard = GuardAlarms(error_rate=5.0, minutes=3)
        checks = FisPreflight(role_arn="arn:aws:iam::123456789012:role/fis")
        injector = FisFaultInjector(
            role_arn="arn:aws:iam::123456789012:role/fis", guard=guard, checks=checks
        )
        made = [
            injector._fis,
            injector._functions,
            guard._client,
            FisSafetyLever(lever_id="lever")._client,
        ]
        yield made


def test_every_guard_client_gives_up_within_seconds(clients: list[Any]) -> None:
    for client in clients:
        config = client.meta.config
        assert config.connect_timeout <= 2, client.meta.service_model.service_name
        assert config.read_timeout <= 5, client.meta.service_model.service_name
        assert config.retries["total_max_attempts"] <= 2
