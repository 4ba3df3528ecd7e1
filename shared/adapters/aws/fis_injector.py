"""The FaultInjector port on AWS Fault Injection Service: one experiment per injection, on the
service's Lambda function, stopped by a customer-impact guard alarm Auto SRE creates for it.

The FIS experiment id is the injection's handle. Every call that creates something carries a
client token derived from the injection's key, so a retried `inject` is the same injection."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import cached_property
from typing import TYPE_CHECKING, Any

import boto3
from botocore.exceptions import ClientError

from shared.adapters.aws.fis_dry_run import said
from shared.adapters.aws.fis_guard import GuardAlarms, customer_impact, missing_guard
from shared.adapters.aws.fis_preflight import FisPreflight
from shared.adapters.aws.fis_template import (
    action_parameters,
    client_token,
    elsewhere,
    function_of,
    template,
)
from shared.adapters.aws.guard_config import GUARD_CALLS
from shared.chaos.models import Fault, Injection, Problem
from shared.config import Settings
from shared.errors import (
    ConflictError,
    InvalidCommandError,
    NotFoundError,
    UnavailableError,
)
from shared.telemetry.models import MetricQuery, ResourceKind, Service

if TYPE_CHECKING:
    from mypy_boto3_lambda import LambdaClient

GONE = frozenset({"stopped", "completed", "failed", "cancelled"})
"""Experiment states in which no fault is injected any more (`stopping` is not one)."""
TAG = "autosre:injection"
"""The tag every FIS experiment and template of an injection carries: its key."""
ENDED_BY_FIS = ("stopped", "cancelled", "failed")
"""How an experiment ends early; Auto SRE's own stop is followed by no further `tripped`."""


@contextmanager
def _answering(what: str) -> Iterator[None]:
    """An AWS refusal as a domain error that says what could not be done, in AWS's words."""
    try:
        yield
    except ClientError as error:
        raise UnavailableError(f"AWS could not {what}: {said(error)}") from error


def _alarms(experiment: dict[str, Any]) -> list[str]:
    return [
        c["value"]
        for c in experiment.get("stopConditions") or []
        if c.get("source") == "aws:cloudwatch:alarm"
    ]


class FisFaultInjector:
    """Injects a fault into a share of a Lambda function's invocations through FIS."""

    has_stop_conditions = True
    delays_fail = True  # a delay past the function's timeout fails the invocation

    def __init__(
        self,
        *,
        role_arn: str,
        guard: GuardAlarms,
        checks: FisPreflight,
        fis: Any = None,  # no type stubs for FIS among the project's boto3-stubs extras
        functions: LambdaClient | None = None,
    ) -> None:
        self.role_arn = role_arn
        self.guard = guard
        self.checks = checks
        self._given_fis = fis
        self._given_functions = functions

    @classmethod
    def configured(cls, settings: Settings) -> FisFaultInjector:
        """The injector the settings describe, each client made at its first use."""
        return cls(
            role_arn=settings.fis_role_arn,
            guard=GuardAlarms(
                error_rate=settings.chaos_guard_error_rate, minutes=settings.chaos_guard_minutes
            ),
            checks=FisPreflight(role_arn=settings.fis_role_arn, layer_arn=settings.fis_layer_arn),
        )

    @cached_property
    def _fis(self) -> Any:
        """The FIS client given, or one made at first use."""
        return self._given_fis or boto3.client("fis", config=GUARD_CALLS)

    @cached_property
    def _functions(self) -> LambdaClient:
        """The Lambda client given, or one made at first use."""
        return self._given_functions or boto3.client("lambda", config=GUARD_CALLS)

    def preflight(self, service: Service, fault: Fault) -> Sequence[Problem]:
        return self.checks.problems(service, fault)

    def inject(self, service: Service, fault: Fault, injection: Injection, *, minutes: int) -> str:
        try:
            action_parameters(fault, percent=injection.percent, minutes=minutes)
        except ValueError as error:
            raise InvalidCommandError(str(error)) from error
        guard = self._guard_query(service)
        with _answering(f"inject {fault.written} into {service.name} through FIS"):
            function_arn = self._function_arn(service)
            return self._start(service, fault, injection, minutes, function_arn, guard)

    def _start(
        self,
        service: Service,
        fault: Fault,
        injection: Injection,
        minutes: int,
        function_arn: str,
        guard: MetricQuery,
    ) -> str:
        alarm = self.guard.put(service, injection.key, guard)
        try:
            return self._started(service, fault, injection, minutes, function_arn, alarm)
        except ClientError:
            self.guard.delete_for(injection.key)  # a start that failed leaves no guard behind
            raise

    def _started(
        self,
        service: Service,
        fault: Fault,
        injection: Injection,
        minutes: int,
        function_arn: str,
        alarm: str,
    ) -> str:
        """The FIS experiment of `injection`, guarded by `alarm`, started; its id."""
        tags = {TAG: injection.key, "autosre:service": service.name}
        created = self._fis.create_experiment_template(
            clientToken=client_token(injection.key, "template"),
            tags=tags,
            **template(
                fault,
                function_arn=function_arn,
                percent=injection.percent,
                minutes=minutes,
                role_arn=self.role_arn,
                alarms=[alarm],
                description=f"Auto SRE: {fault.written} on {injection.percent}% of "
                f"{service.name} ({injection.key})",
            ),
        )
        started = self._fis.start_experiment(
            clientToken=client_token(injection.key, "start"),
            experimentTemplateId=created["experimentTemplate"]["id"],
            tags=tags,
        )
        return str(started["experiment"]["id"])

    def _guard_query(self, service: Service) -> MetricQuery:
        if service.kind is not ResourceKind.AWS_LAMBDA:
            raise ConflictError(
                f"FIS faults reach Lambda functions only; {service.name} is {service.kind.value}"
            )
        if not self.role_arn:
            raise ConflictError("No FIS experiment role is configured (AUTOSRE_FIS_ROLE_ARN)")
        query = customer_impact(service)
        if query is None:
            problem = missing_guard(service)
            raise ConflictError(f"{problem.what}: {problem.fix}")
        return query

    def _function_arn(self, service: Service) -> str:
        function, _ = function_of(service.resource)
        try:
            found = self._functions.get_function_configuration(FunctionName=function)
        except self._functions.exceptions.ResourceNotFoundException as error:
            raise NotFoundError(f"{service.name}'s function {function} does not exist") from error
        other = elsewhere(service.resource, found["FunctionArn"])
        if other:
            raise ConflictError(f"{service.name} cannot be faulted from here: {other}.")
        return found["FunctionArn"]

    def _experiment(self, handle: str) -> dict[str, Any]:
        with _answering(f"read FIS experiment {handle}"):
            experiment: dict[str, Any] = self._fis.get_experiment(id=handle)["experiment"]
        return experiment

    def remove(self, handle: str) -> None:
        experiment = self._experiment(handle)
        if experiment["state"]["status"] not in GONE | {"stopping"}:
            self._stop(handle)
        with _answering(f"delete the guard alarms of FIS experiment {handle}"):
            self.guard.delete(_alarms(experiment))

    def _stop(self, handle: str) -> None:
        try:
            self._fis.stop_experiment(id=handle)
        except ClientError as error:
            # it ended between the read and the stop: nothing left to stop
            if self._experiment(handle)["state"]["status"] not in GONE | {"stopping"}:
                raise ConflictError(
                    f"FIS did not stop experiment {handle}: {said(error)}"
                ) from error

    def tripped(self, handle: str) -> str:
        experiment = self._experiment(handle)
        with _answering(f"read the guard alarms of FIS experiment {handle}"):
            reasons = [self.guard.fired(_alarms(experiment))]
        state = experiment["state"]
        if state["status"] in ENDED_BY_FIS:
            # a stop condition, the safety lever, someone in the console, or a failed action:
            # the injection is over before its time either way
            reasons.append(f"FIS {state['status']} experiment {handle}: {state.get('reason', '')}")
        return "; ".join(r for r in reasons if r)

    def removed(self, handle: str) -> bool:
        return self._experiment(handle)["state"]["status"] in GONE

    def remove_unmade(self, key: str) -> bool:
        """Every FIS experiment tagged with `key` stopped (never asked by the key as an id:
        FIS has no such experiment), and its guard alarm deleted once none injects."""
        with _answering(f"find the FIS experiments of injection {key}"):
            found = self._tagged(key)
        for experiment in found:
            if experiment["state"]["status"] not in GONE | {"stopping"}:
                self._stop(experiment["id"])
        gone = all(self.removed(experiment["id"]) for experiment in found)
        if gone:
            with _answering(f"delete the guard alarm of injection {key}"):
                self.guard.delete_for(key)
        return gone

    def _tagged(self, key: str) -> list[dict[str, Any]]:
        """The FIS experiments started for injection `key` (by their tag), every page read."""
        found: list[dict[str, Any]] = []
        pages: dict[str, Any] = {}
        while True:
            page = self._fis.list_experiments(maxResults=100, **pages)
            found += [x for x in page["experiments"] if (x.get("tags") or {}).get(TAG) == key]
            if not page.get("nextToken"):
                return found
            pages = {"nextToken": page["nextToken"]}
