"""A Lambda function as CloudWatch and the alias routing name it: its bare name, whether it was
given by name or by ARN (Lambda publishes its metrics under `FunctionName` = the name only)."""

from __future__ import annotations

import re

_ARN = re.compile(
    r"arn:aws[a-z-]*:lambda:[a-z0-9-]+:[0-9]{12}:function:(?P<name>[A-Za-z0-9_-]+)(?=:|$)"
)


def registered_function(given: str) -> str:
    """What a service registered with `--aws-lambda` keeps: the function's name, or its ARN
    without a version or alias when given one (the account and Region it names are checked
    where they matter: chaos faults only a function of its own deployment's account)."""
    name = function_name(given)
    if not given.startswith("arn:"):
        return name
    return f"{given.split(':function:', 1)[0]}:function:{name}"


def function_name(given: str) -> str:
    """`checkout-fn` for `checkout-fn`, `checkout-fn:prod` or
    `arn:aws:lambda:REGION:ACCOUNT:function:checkout-fn`
    (a version or alias after it names the same function: the canary's `--alias` says which
    alias); a ValueError for an ARN that is no Lambda function's."""
    if not given.startswith("arn:"):
        return given.split(":", 1)[0]  # `checkout-fn:prod`, a qualified name: the function
    found = _ARN.match(given)
    if found is None:
        raise ValueError(f"`{given}` is not a Lambda function's ARN: give its name or its ARN")
    return found["name"]
