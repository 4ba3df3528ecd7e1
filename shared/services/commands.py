"""The service catalog's commands: register, list, show, remove, share, and a signal's metric."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field, model_validator

from shared.commands.base import Command, OptionalTeam
from shared.identity.models import TeamName
from shared.identity.rbac import Permission
from shared.services.lambda_names import registered_function
from shared.telemetry.models import Signal

ServiceName = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9._-]{0,62}$")]


def _function(given: str | None) -> str | None:
    return None if given is None else registered_function(given)


class RegisterService(Command):
    """--metrics-file FILE.csv (terminal only; FILE in the metrics folder: AUTOSRE_METRICS_DIR,
    default `metrics` under AUTOSRE_HOME; the terminal's help names it): a CSV whose first line
    names the columns: `timestamp` (ISO 8601 such as 2026-11-22T09:30:00Z; UTC when no offset is
    given: rows more than 10 minutes past now are refused), at least one of the signal columns
    p50_latency, p99_latency (ms), error_rate (%), traffic (requests a minute), saturation
    (% of capacity), and optionally `event` (text such as "deploy v7", listed in reports).
    One row per time, oldest first; a number in every metric cell (no N/A or empty cell: leave
    a row out for a gap; at most 1e15 either way); one row a minute is the step alerts judge
    by. At most 16 MB and 200,000 rows; checked when registered (an error names the row and
    column).
    Example: examples/metrics/web-incident.csv."""

    words = ("service", "register")
    positional = ("name",)
    permission = Permission.SERVICE_WRITE
    target_kind = "service"
    target_field = "name"
    mutates = True
    purpose = "Register a service: where its golden signals come from (one resource option)."
    examples = (
        "sre service register checkout-api --aws-lambda checkout-fn --team payments",
        "sre service register web --aws-alb "
        "arn:aws:elasticloadbalancing:eu-west-1:1:loadbalancer/app/w/1",
        "sre service register checkout-api --sample checkout",
        "sre service register checkout-api --sample checkout --production",
        "sre service register web --metrics-file web-incident.csv",
        "sre service register web --gcp-cloud-run my-project/europe-west1/web",
        "sre service register shop --azure-resource "
        "/subscriptions/SUB/resourceGroups/shop/providers/Microsoft.Web/sites/shop "
        "--azure-workspace 11111111-2222-3333-4444-555555555555",
    )
    name: ServiceName
    aws_lambda: Annotated[str | None, AfterValidator(_function)] = Field(
        default=None, pattern=r"^[A-Za-z0-9_:.-]{1,140}$"
    )
    """A function's name or ARN, kept as its name (what CloudWatch publishes its metrics under)."""
    aws_alb: str | None = Field(
        default=None, max_length=300, pattern=r"^arn:aws[a-z-]*:elasticloadbalancing:\S+$"
    )
    """A load balancer's ARN (a real one is about 110 characters: its name has at most 32)."""
    azure_resource: str | None = Field(
        default=None,
        max_length=400,  # a subscription id, a group of at most 90 and a site of at most 60
        pattern=r"^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft\.Web/sites/[^/]+$",
    )
    gcp_cloud_run: str | None = Field(
        default=None,
        pattern=r"^[a-z][a-z0-9-]{4,29}/[a-z0-9-]+/[a-z0-9-]{1,63}$",
        json_schema_extra={"metavar": "PROJECT/REGION/SERVICE"},
    )
    sample: str | None = Field(default=None, pattern=r"^checkout$")
    metrics_file: str | None = Field(default=None, max_length=500)
    azure_workspace: str | None = Field(
        default=None,
        pattern=r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$",
        json_schema_extra={"metavar": "WORKSPACE_ID"},
    )
    production: bool = False
    """Production: a chaos experiment on it needs a second operator's approval."""
    team: OptionalTeam = None

    @model_validator(mode="after")
    def _one_resource(self) -> RegisterService:
        options = (
            self.aws_lambda,
            self.aws_alb,
            self.azure_resource,
            self.gcp_cloud_run,
            self.sample,
            self.metrics_file,
        )
        if len([o for o in options if o]) != 1:
            raise ValueError(
                "give exactly one of --aws-lambda, --aws-alb, --azure-resource, --gcp-cloud-run, "
                "--sample or --metrics-file"
            )
        if self.azure_workspace and not self.azure_resource:
            raise ValueError("--azure-workspace goes with --azure-resource (its logs' workspace)")
        return self


class ListServices(Command):
    words = ("service", "list")
    permission = Permission.SERVICE_READ
    target_kind = "team"
    target_field = "team"
    purpose = "List a team's services."
    examples = ("sre service list --team payments",)
    team: OptionalTeam = None


class ShowService(Command):
    words = ("service", "show")
    positional = ("name",)
    permission = Permission.SERVICE_READ
    target_kind = "service"
    target_field = "name"
    purpose = "Show a service and the metric behind each of its golden signals."
    examples = ("sre service show checkout-api",)
    name: ServiceName
    team: OptionalTeam = None


class RemoveService(Command):
    words = ("service", "remove")
    positional = ("name",)
    permission = Permission.SERVICE_WRITE
    target_kind = "service"
    target_field = "name"
    mutates = True
    purpose = (
        "Remove a service from the team's catalog (refused while alert policies, shares, a "
        "canary, a chaos experiment or a game day use it; --force deletes its policies and "
        "ends its shares first, each audited)."
    )
    examples = ("sre service remove checkout-api", "sre service remove web --force")
    name: ServiceName
    force: bool = Field(
        default=False, description="delete its alert policies and end its shares first"
    )
    team: OptionalTeam = None


class ShareService(Command):
    may_change_nothing = True
    words = ("service", "share")
    positional = ("name",)
    permission = Permission.ORG_ADMIN
    target_kind = "service"
    target_field = "name"
    mutates = True
    purpose = (
        "Share a team's service with another team, read-only (org admins): the other team may "
        "investigate it and alert on it; only the owning team's canaries move its traffic."
    )
    examples = (
        "sre service share checkout-api --to search",
        "sre service share checkout-api --to search --team payments",
    )
    name: ServiceName
    to: TeamName = Field(json_schema_extra={"metavar": "TEAM"})
    team: TeamName | None = Field(
        default=None, description="the team that owns the service (default: the channel's team)"
    )


def _dimensions(value: str) -> str:
    pairs = [pair.partition("=") for pair in value.split(",")]
    if not all(key.strip() and sep and val.strip() for key, sep, val in pairs):
        raise ValueError("write KEY=VALUE pairs separated by commas, e.g. `Stage=prod,Tier=web`")
    return value


Dimensions = Annotated[str, Field(max_length=500), AfterValidator(_dimensions)]
MetricName = Annotated[str, Field(pattern=r"^[A-Za-z0-9_.:/ -]{1,255}$")]


def parse_dimensions(value: str) -> dict[str, str]:
    """`K=V,K2=V2` as a mapping."""
    return {
        key.strip(): val.strip()
        for key, _, val in (pair.partition("=") for pair in value.split(","))
    }


class SetSignal(Command):
    words = ("service", "signal", "set")
    positional = ("name", "signal")
    permission = Permission.SERVICE_WRITE
    target_kind = "service"
    target_field = "name"
    mutates = True
    purpose = (
        "Read one golden signal from another metric than its resource type's default "
        "(unnamed parts stay as the default has them)."
    )
    examples = (
        "sre service signal set checkout-api p99_latency --metric Duration --statistic p99.9",
        "sre service signal set web error_rate --metric HTTPCode_ELB_5XX_Count "
        "--divide-by RequestCount --scale 100",
        "sre service signal set checkout-api saturation --namespace Checkout --metric DbPool "
        "--statistic Maximum --dimensions Stage=prod",
    )
    name: ServiceName
    signal: Signal
    metric: MetricName
    namespace: MetricName | None = None
    statistic: str | None = Field(default=None, pattern=r"^[A-Za-z0-9.]{1,20}$")
    dimensions: Dimensions | None = None
    divide_by: MetricName | None = None
    scale: float | None = Field(default=None, gt=0, allow_inf_nan=False)
    team: OptionalTeam = None


class ResetSignal(Command):
    may_change_nothing = True
    words = ("service", "signal", "reset")
    positional = ("name", "signal")
    permission = Permission.SERVICE_WRITE
    target_kind = "service"
    target_field = "name"
    mutates = True
    purpose = "Read a golden signal from its resource type's default metric again."
    examples = ("sre service signal reset checkout-api p99_latency",)
    name: ServiceName
    signal: Signal
    team: OptionalTeam = None


SERVICE_COMMANDS: tuple[type[Command], ...] = (
    RegisterService,
    ListServices,
    ShowService,
    RemoveService,
    ShareService,
    SetSignal,
    ResetSignal,
)
