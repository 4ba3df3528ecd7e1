"""An Azure SDK error as what the person asking can act on (never "Internal error"): its HTTP
status and error code, with the hint for that status; or that the service was not reached."""

from __future__ import annotations

from collections.abc import Mapping

from azure.core.exceptions import AzureError

from shared.errors import UnavailableError

COMMON_HINTS = {
    401: ": the deployment's credentials were not accepted",
    429: ": try again in a minute",
}


def refused(
    error: AzureError, *, service: str, reading: str, hints: Mapping[int, str]
) -> UnavailableError:
    """`Azure Monitor refused to read the metrics (403 AuthorizationFailed): …`, or `… could
    not be reached (ServiceRequestError): try again in a minute.`"""
    status = getattr(error, "status_code", None)
    if status is None:  # no answer: unreachable, timed out
        return UnavailableError(
            f"{service} could not be reached ({type(error).__name__}): try again in a minute."
        )
    code = getattr(getattr(error, "error", None), "code", "") or ""
    named = f"{status} {code}".strip()
    hint = {**COMMON_HINTS, **hints}.get(status, "")
    return UnavailableError(f"{service} refused to read {reading} ({named}){hint}.")
