"""The SafetyLever port on FIS's safety lever: one per account and Region, so every org this
deployment serves shares it (README: the lever is account-wide). While it is engaged FIS stops
running experiments and refuses new ones, whoever started them.

FIS keeps only a status and a reason: who engaged it, when and for which org ride in the
reason, and a lever engaged from the AWS console reads as engaged, by nobody Auto SRE knows.
Another org reads a lever one org engaged as engaged by another organisation (its user ids
withheld), and may not release it."""

from __future__ import annotations

import re
from datetime import datetime
from functools import cached_property
from typing import Any

import boto3
from botocore.exceptions import ClientError

from shared.adapters.aws.guard_config import GUARD_CALLS
from shared.chaos.models import LeverState
from shared.errors import ConflictError, UnavailableError
from shared.identity.models import OrgId

_SIGNED = re.compile(
    r"^(?P<reason>.*) \[by (?P<by>\S+) at (?P<at>\S+)(?: org (?P<org>\S+))?\]$", re.DOTALL
)
_ENGAGED = ("engaged", "engaging")


def _state(lever: dict[str, Any], org: OrgId) -> LeverState:
    """The lever as `org` reads it: another org's engagement without its user ids."""
    state = lever["state"]
    engaged = state["status"] in _ENGAGED
    reason = state.get("reason", "")
    signed = _SIGNED.match(reason)
    if signed is None:
        return LeverState(engaged=engaged, reason=reason)
    if signed["org"] not in (None, org):
        return LeverState(engaged=engaged, foreign=True)
    return LeverState(
        engaged=engaged,
        by=signed["by"],
        at=datetime.fromisoformat(signed["at"]),
        reason=signed["reason"],
    )


class FisSafetyLever:
    """Reads, engages and releases the account's FIS safety lever with boto3."""

    def __init__(self, *, lever_id: str, client: Any = None) -> None:
        # no type stubs for FIS among the project's boto3-stubs extras
        self.lever_id = lever_id
        self._given = client

    @cached_property
    def _client(self) -> Any:
        """The client given, or one made at first use."""
        return self._given or boto3.client("fis", config=GUARD_CALLS)

    def state(self, org: OrgId) -> LeverState:
        # one lever per account and Region: every org's, told apart by the org signed in it
        try:
            return _state(self._client.get_safety_lever(id=self.lever_id)["safetyLever"], org)
        except ClientError as error:
            raise _unavailable("read", self.lever_id, error) from error

    def engage(self, org: OrgId, *, by: str, reason: str, at: datetime) -> LeverState:
        return self._update(org, "engaged", f"{reason or 'halt'} {_signed(by, at, org)}")

    def release(self, org: OrgId, *, by: str, at: datetime) -> LeverState:
        if self.state(org).foreign:
            raise ConflictError(
                "The safety lever was engaged by another organisation of this deployment; "
                "only its admins may release it."
            )
        return self._update(org, "disengaged", f"released {_signed(by, at, org)}")

    def _update(self, org: OrgId, status: str, reason: str) -> LeverState:
        try:
            answer = self._client.update_safety_lever_state(
                id=self.lever_id, state={"status": status, "reason": reason}
            )
        except ClientError as error:
            # already in that state (FIS answers ConflictException): not an error for us
            verb = "engage" if status == "engaged" else "release"
            if error.response["Error"]["Code"] != "ConflictException":
                raise _unavailable(verb, self.lever_id, error) from error
            current = self.state(org)
            if current.engaged != (status == "engaged"):
                raise _unavailable(verb, self.lever_id, error) from error
            return current
        return _state(answer["safetyLever"], org)


def _signed(by: str, at: datetime, org: OrgId) -> str:
    """Who, when and for which org, in the lever's reason: `[by oli at … org slack:T1]`."""
    return f"[by {by} at {at.isoformat()} org {org}]"


def _unavailable(verb: str, lever: str, error: ClientError) -> UnavailableError:
    message = error.response["Error"].get("Message") or error.response["Error"]["Code"]
    return UnavailableError(f"Could not {verb} the account's FIS safety lever {lever}: {message}")
