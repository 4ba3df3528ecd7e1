"""Run-once for retried Slack and Teams deliveries, with Powertools idempotency on DynamoDB."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from shared.replies import Reply

EXPIRES_AFTER_SECONDS = 15 * 24 * 3600
"""How long a run's record is kept: past the task dead-letter queue's 14 days, so a task redriven
from it (it ran, but its post kept failing) is answered from its record, never run again (an hour
let a redrive a day later open a second investigation). One small item per command."""
REQUEST_SECONDS = 60
"""How long a Cloud Function may run a request: gen2's default timeout, which the README's
`gcloud functions deploy` keeps."""


class RequestDeadline:
    """A request's time left, as a Lambda context gives it (`get_remaining_time_in_millis`), for
    Cloud Functions: a delivery killed mid-command (a timeout, an instance stopped) is locked
    until then, as on Lambda, so the platform's retry runs it; with no context the lock lasted
    until the record expired (an hour), and every retry was dropped, nobody told."""

    def __init__(self, seconds: float = REQUEST_SECONDS) -> None:
        self._ends = time.monotonic() + seconds

    def get_remaining_time_in_millis(self) -> int:
        """Milliseconds until the request's deadline (0 past it)."""
        return max(0, int((self._ends - time.monotonic()) * 1000))


class PowertoolsGuard:
    """The DeliveryGuard port: the first delivery of a key runs, retries get its stored reply."""

    def __init__(self, *, table: str, context: Callable[[], Any]) -> None:
        """`context` gives the Lambda context of the invocation in progress (Powertools locks a
        running delivery for the time that invocation has left), or None outside Lambda."""
        self._table = table
        self._once: Callable[..., Reply] | None = None
        self._config: Any = None
        self._context = context

    def __call__(self, *, key: str, run: Callable[[], Reply]) -> Reply | None:
        from aws_lambda_powertools.utilities.idempotency.exceptions import (
            IdempotencyAlreadyInProgressError,
        )

        once = self._build()
        context = self._context()
        if context is not None:
            self._config.register_lambda_context(context)
        try:
            return once(key=key, run=run)
        except IdempotencyAlreadyInProgressError:
            return None

    def _build(self) -> Callable[..., Reply]:
        if self._once is None:
            # imported at first use: a cold start that only shows help does not pay for it
            from aws_lambda_powertools.utilities.idempotency import (
                DynamoDBPersistenceLayer,
                IdempotencyConfig,
                idempotent_function,
            )
            from aws_lambda_powertools.utilities.idempotency.serialization.pydantic import (
                PydanticSerializer,
            )

            self._config = IdempotencyConfig(expires_after_seconds=EXPIRES_AFTER_SECONDS)
            layer = DynamoDBPersistenceLayer(
                table_name=self._table, key_attr="pk", sort_key_attr="sk", expiry_attr="expiration"
            )

            def run_once(*, key: str, run: Callable[[], Reply]) -> Reply:
                del key  # hashed by Powertools into the record's key
                return run()

            self._once = idempotent_function(
                run_once,
                data_keyword_argument="key",
                persistence_store=layer,
                config=self._config,
                output_serializer=PydanticSerializer(Reply),
            )
        return self._once
