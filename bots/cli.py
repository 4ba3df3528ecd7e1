"""`sre`: the same grammar in a terminal, on the embedded default as the local user, or on the AWS
deployment as a named user of its org."""

from __future__ import annotations

import argparse
import shlex
import sys
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from bots.text import render_text
from shared.adapters.local.sqlite_queue import SqliteTaskQueue
from shared.bootstrap.aws import for_aws_terminal
from shared.bootstrap.local import for_local
from shared.bootstrap.wiring import Services
from shared.commands.bus import run_now
from shared.config import ENVIRONMENT, Settings
from shared.identity.models import LOCAL_ORG, Actor, OrgId, Platform, UserId
from shared.invocation import Invocation, ReplyTarget
from shared.replies import Reply, Tone
from shared.telemetry.series import read_csv, write_scores

LOCAL_CHANNEL = "local"
DEMO_TEAM = "demo"
SAMPLE_SERVICE = "checkout-api"
EXIT_CODES = {Tone.USAGE: 2, Tone.DENIED: 3, Tone.ERROR: 1}
DEPLOYMENT = ("table_name", "audit_bucket", "audit_key", "org", "user")
"""What the terminal needs to act on the AWS deployment: its table, audit bucket and digest key
(as serverless.yml gives them to the functions) and who you are in which org."""


def local_settings(environ_settings: Settings | None = None) -> Settings:
    """Settings for the terminal: the local user is org admin unless AUTOSRE_ORG_ADMINS says who."""
    settings = environ_settings or Settings.from_env()
    if settings.org_admins:
        return settings
    return settings.model_copy(update={"org_admins": (f"{LOCAL_ORG}:{settings.local_user}",)})


def invocation(
    text: str, *, user: str, channel: str | None = LOCAL_CHANNEL, org: OrgId = LOCAL_ORG
) -> Invocation:
    """A terminal invocation by `user` of `org` (the local one unless told) in `channel`."""
    return Invocation(
        actor=Actor(platform=Platform.LOCAL, org=org, user=UserId(user)),
        channel=channel,
        text=text,
        correlation_id=uuid.uuid4().hex[:12],
        received_at=datetime.now(UTC),
        reply_to=ReplyTarget(platform=Platform.LOCAL, channel=channel),
    )


class DeferredPrinter:
    """Prints deferred results as the worker finishes them, and remembers the worst (notices to a
    channel, such as an alert firing or a canary rolled back, are printed but are not the
    command's outcome). Charts that go inside a message (a canary's) are saved in `charts`, and
    their paths printed."""

    def __init__(self, charts: Path | None = None) -> None:
        self.status = 0
        self._charts = charts

    def post(
        self, target: ReplyTarget, reply: Reply, *, user: str | None = None
    ) -> ReplyTarget | None:
        """Print `reply` (every target is this terminal); one answering `user` is the outcome of
        their deferred command."""
        inline = [image for image in reply.images if image.inline]
        if self._charts is None or not inline:
            print(render_text(reply), flush=True)
        else:
            self._charts.mkdir(parents=True, exist_ok=True)
            rest = [image for image in reply.images if not image.inline]
            lines = [render_text(reply.model_copy(update={"images": rest}))]
            for image in inline:
                path = self._charts / image.name
                path.write_bytes(image.png())
                lines.append(f"  (chart: {path})")
            print("\n".join(lines), flush=True)
        if user is not None:
            self.status = max(self.status, EXIT_CODES.get(reply.tone, 0))
        return target

    def update(self, target: ReplyTarget, reply: Reply) -> None:
        """Print the new version of a message."""
        self.post(target, reply)


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def first_use(services: Services) -> list[str]:
    """On a fresh home: a demo team (you as admin, bound to the local channel); you as auditor."""
    if services.directory.list_teams(LOCAL_ORG):
        return []
    user = services.settings.local_user
    steps = [
        f'sre team create {DEMO_TEAM} --description "Demo team made on first use"',
        f"sre team member add {user} --role admin --team {DEMO_TEAM}",
        f"sre team bind {LOCAL_CHANNEL} --team {DEMO_TEAM}",
        f"sre org grant {user} auditor",
        f"sre service register {SAMPLE_SERVICE} --sample checkout --team {DEMO_TEAM}",
    ]
    return [render_text(services.bus.handle(invocation(step, user=user))) for step in steps]


def _arguments(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="sre",
        description="Auto SRE in a terminal. `sre help` lists the commands; `sre serve` runs "
        "the Slack and Teams endpoints on this machine.",
    )
    parser.add_argument("--as", dest="user", help="act as this user (to try other roles)")
    parser.add_argument("--channel", help="the channel to act in (locally: `local`)")
    parser.add_argument(
        "--backend",
        choices=("local", "aws"),
        help="the embedded default, or the AWS deployment (default: AUTOSRE_BACKEND)",
    )
    parser.add_argument("words", nargs=argparse.REMAINDER, help="the command, e.g. team list")
    return parser.parse_args(argv)


def analyze_anomalies(paths: Sequence[str]) -> int:
    """`sre analyze anomalies FILE.csv`: the detector's scores as CSV on stdout (NAB's contract)."""
    if len(paths) != 1:
        print("usage: sre analyze anomalies FILE.csv   (a timestamp,value CSV)", file=sys.stderr)
        return 2
    try:
        with open(paths[0], newline="") as handle:  # noqa: PTH123 (a path typed by the user)
            series = read_csv(handle)
    except (OSError, ValueError, IndexError) as error:
        print(f"sre: cannot read {paths[0]}: {error}", file=sys.stderr)
        return 1
    write_scores(series, sys.stdout)
    return 0


def deployment_problem(settings: Settings) -> str | None:
    """Why the terminal cannot act on the AWS deployment with these settings, if it cannot."""
    missing = [ENVIRONMENT[name] for name in DEPLOYMENT if not getattr(settings, name)]
    if missing:
        return (
            f"the aws backend acts on the deployment: set {', '.join(missing)} (the stack's "
            "table, audit bucket and digest key, and who you are in which org)"
        )
    platform, _, native = settings.org.partition(":")
    if platform not in (Platform.SLACK.value, Platform.TEAMS.value) or not native.strip():
        return (
            f"{ENVIRONMENT['org']}={settings.org!r} names no org of the deployment: write it with "
            "its platform, slack:T… (the Slack workspace or Grid org id) or teams:<tenant id>"
        )
    return None


def on_deployment(settings: Settings, args: argparse.Namespace) -> int:
    """Run one command on the AWS deployment's table and trail as `AUTOSRE_USER` of
    `AUTOSRE_ORG`; deferred work runs here, so its result is printed, and exports are files."""
    from shared.adapters.local.folder_exports import FolderExportStore
    from shared.adapters.memory import InMemoryTaskQueue

    problem = deployment_problem(settings)
    if problem:
        print(f"sre: {problem}; nothing was done", file=sys.stderr)
        return 2
    printer = DeferredPrinter(charts=settings.home / "charts")
    queue = InMemoryTaskQueue()
    services = for_aws_terminal(
        settings,
        notifier=printer,
        guard=run_now,  # one command from a terminal: nothing retries it
        progress=_progress,
        tasks=queue,
        exports=FolderExportStore(settings.home / "exports"),
    )
    text = shlex.join(args.words)
    reply = services.bus.handle(
        invocation(
            text, user=args.user or settings.user, channel=args.channel, org=OrgId(settings.org)
        )
    )
    print(render_text(reply))
    for task in queue.drain():
        services.run_task(task)
    return max(EXIT_CODES.get(reply.tone, 0), printer.status)


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command (or `serve`) and return the exit status."""
    args = _arguments(sys.argv[1:] if argv is None else argv)
    environment = Settings.from_env()
    if args.backend:
        environment = environment.model_copy(update={"backend": args.backend})
    if args.words[:2] == ["analyze", "anomalies"]:
        return analyze_anomalies(args.words[2:])
    if environment.backend == "aws" and args.words[:1] == ["serve"]:
        print(
            "sre: `sre serve` runs the embedded default only (the AWS deployment serves Slack and "
            "Teams itself); use --backend local, or unset AUTOSRE_BACKEND",
            file=sys.stderr,
        )
        return 2
    if environment.backend == "aws":
        return on_deployment(environment, args)
    settings = local_settings(environment)
    if args.words[:1] == ["serve"]:
        from bots.serve import serve

        return serve(settings, args.words[1:])
    printer = DeferredPrinter(charts=settings.home / "charts")
    services = for_local(settings, notifier=printer, progress=_progress, recover=(Platform.LOCAL,))
    for line in first_use(services):
        print(line)
    reply = services.bus.handle(
        invocation(
            shlex.join(args.words),
            user=args.user or settings.local_user,
            channel=args.channel or LOCAL_CHANNEL,
        )
    )
    print(render_text(reply))
    tasks = services.tasks
    if isinstance(tasks, SqliteTaskQueue):
        tasks.join()  # this command's task, and any an interrupted `sre` left unfinished
    return max(EXIT_CODES.get(reply.tone, 0), printer.status)


if __name__ == "__main__":
    sys.exit(main())
