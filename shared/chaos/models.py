"""A chaos experiment: the fault, where it goes, the hypothesis it tests, and what happened."""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum

from shared.records import Frozen


class FaultKind(StrEnum):
    """What is injected into an invocation (FIS's `aws:lambda:invocation-*` actions)."""

    DELAY = "delay"
    """`aws:lambda:invocation-add-delay`: the invocation starts late by `delay_ms`."""
    ERROR = "error"
    """`aws:lambda:invocation-error`: the invocation fails."""
    HTTP_STATUS = "http-status"
    """`aws:lambda:invocation-http-integration-response`: the integration answers `status`."""


_FAULT = re.compile(r"^(?:delay:(?P<ms>\d{1,6})ms|error|http-status:(?P<status>\d{3}))$")


class Fault(Frozen):
    """One fault, as written: `delay:1500ms`, `error`, `http-status:503`."""

    kind: FaultKind
    delay_ms: int = 0
    status: int = 0

    @classmethod
    def parse(cls, text: str) -> Fault:
        """The fault `text` names; ValueError saying what is allowed otherwise."""
        found = _FAULT.match(text.strip())
        if found is None:
            raise ValueError(f"unknown fault `{text}`: use delay:1500ms, error or http-status:503")
        if found["ms"] is not None:
            return cls(kind=FaultKind.DELAY, delay_ms=int(found["ms"]))
        if found["status"] is not None:
            return cls(kind=FaultKind.HTTP_STATUS, status=int(found["status"]))
        return cls(kind=FaultKind.ERROR)

    @property
    def written(self) -> str:
        """The fault as a person writes it."""
        if self.kind is FaultKind.DELAY:
            return f"delay:{self.delay_ms}ms"
        if self.kind is FaultKind.HTTP_STATUS:
            return f"http-status:{self.status}"
        return "error"


class Problem(Frozen):
    """Something that would make an experiment a silent no-op (or unsafe), with its fix."""

    what: str
    """What is wrong, in words: `checkout-api has no FIS extension layer`."""
    fix: str
    """How to fix it, concretely (a command, a setting, a policy statement)."""


class Injection(Frozen):
    """A fault injected at one step: what removes it later (safe by order: recorded on the
    experiment before the injector is called, with the key that makes a retry the same call)."""

    key: str
    """Idempotency key (FIS `clientToken`): `<experiment id>-<step>`."""
    percent: int
    """The share of invocations faulted (FIS `invocationPercentage`)."""
    handle: str = ""
    """What the injector returned (the FIS experiment id; the local simulation's key)."""
    at: datetime | None = None


class LeverState(Frozen):
    """The org's kill switch: while engaged, running experiments stop and none starts."""

    engaged: bool
    by: str = ""
    at: datetime | None = None
    reason: str = ""
