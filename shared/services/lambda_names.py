"""A Lambda function as CloudWatch and the alias routing name it: its bare name, whether it was
given by name or by ARN (Lambda publishes its metrics under `FunctionName` = the name only)."""

from __future__ import annotations

import re

_ARN = re.compile(r"arn:aws[a-z-]*:lambda:[a-z0-9-]+:[0-9]{12}:function:(?P<name>[A-Za-z0-9_-]+)")


def function_name(given: str) -> str:
    """`checkout-fn` for `checkout-fn` or `arn:aws:lambda:REGION:ACCOUNT:function:checkout-fn`;
    a ValueError for an ARN with a version or alias after the name (register the function: the
    canary's `--alias` says which alias), or one that is no Lambda function's."""
    if not given.startswith("arn:"):
        return given
    found = _ARN.fullmatch(given)
    if found is not None:
        return found["name"]
    if _ARN.match(given):
        raise ValueError(
            f"`{given}` names a version or alias: register the function "
            f"(`{given.rsplit(':', 1)[0]}`), a canary's --alias says which alias"
        )
    raise ValueError(f"`{given}` is not a Lambda function's ARN: give its name or its ARN")
