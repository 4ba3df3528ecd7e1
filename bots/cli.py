"""`sre`: the same grammar in a terminal, on the embedded default as the local user, or on the AWS
deployment as a named user of its org."""

from __future__ import annotations

import argparse
import csv
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from importlib import metadata

from pydantic import TypeAdapter, ValidationError

from bots.console import (
    EXIT_CODES,
    INTERRUPTED,
    DeferredPrinter,
    answered,
    emit,
    interrupted,
    progress,
    silence,
)
from bots.logs import LOG_FILE, held, to_file
from bots.options import OptionError, TerminalParser
from bots.text import render_text
from shared.adapters.local.sqlite_queue import SqliteTaskQueue
from shared.adapters.local.sqlite_worker import running
from shared.bootstrap.aws import deployment_unreadable, for_aws_terminal
from shared.bootstrap.local import for_local
from shared.bootstrap.wiring import Services
from shared.commands.base import UserRef
from shared.commands.bus import run_now
from shared.commands.free_text import not_utf8, shown
from shared.commands.grammar import joined
from shared.commands.terminal import TERMINAL_ONLY
from shared.config import ENVIRONMENT, ConfigurationError, Settings
from shared.identity.admins import read_admins
from shared.identity.models import LOCAL_ORG, Actor, OrgId, Platform, UserId
from shared.invocation import Invocation, ReplyTarget, new_correlation_id
from shared.replies import Tone
from shared.telemetry.series import read_csv, write_scores

LOCAL_CHANNEL = "local"
DEMO_TEAM = "demo"
SAMPLE_SERVICE = "checkout-api"
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
        correlation_id=new_correlation_id(),
        received_at=datetime.now(UTC),
        reply_to=ReplyTarget(platform=Platform.LOCAL, channel=channel),
    )


def _setting_up(settings: Settings, named: str | None) -> str:
    """Who sets up the demo on first use: the user named with `--as` when they are a configured
    org admin, else the local user (the org admin by default)."""
    if named and f"{LOCAL_ORG}:{named}" in settings.org_admins:
        return named
    return settings.local_user


def first_use(services: Services, user: str = "") -> tuple[list[str], Tone | None]:
    """On a fresh home: a demo team (you, `user` or the local user, as admin, bound to the local
    channel), you as auditor, the sample service; one line per step done (a step that fails: its
    whole answer, and no more steps), and the tone of the step that failed (None if none did)."""
    if services.directory.list_teams(LOCAL_ORG):
        return [], None
    user = user or services.settings.local_user
    steps = [
        f'sre team create {DEMO_TEAM} --description "Demo team made on first use"',
        f"sre team member add {user} --role admin --team {DEMO_TEAM}",
        f"sre team bind {LOCAL_CHANNEL} --team {DEMO_TEAM}",
        f"sre org grant {user} auditor",
        f"sre service register {SAMPLE_SERVICE} --sample checkout --team {DEMO_TEAM}",
    ]
    lines = [f"First use of {services.settings.home}: setting up a demo for you ({user})"]
    for step in steps:
        reply = services.bus.handle(invocation(step, user=user))
        if reply.failed:
            stopped = [*lines, render_text(reply), f"  (first use stopped at `{step}`)"]
            said = _admins_said(services.settings, user) * (reply.tone is Tone.DENIED)
            return stopped + said, reply.tone
        done = reply.model_copy(update={"text": "", "fields": [], "buttons": []})
        lines.append(render_text(done).replace("\n  (", "  ("))
    lines.append(f"Try `sre investigate {SAMPLE_SERVICE}`; `sre help` lists every command.")
    return lines, None


def _admins_said(settings: Settings, user: str) -> list[str]:
    """Why first use was not allowed when AUTOSRE_ORG_ADMINS names others (or nobody it can):
    what is wrong with its entries, and how it names you (the warning is in the log only)."""
    if not settings.org_admins:
        return []
    _, problems = read_admins(settings.org_admins)
    name = ENVIRONMENT["org_admins"]
    said = [f"  {name} {problem}" for problem in problems]
    return [*said, f"  {name} makes only those it names org admins: `local:{user}` names you."]


OPTIONS_USAGE = "sre [--as USER] [--channel CHANNEL] [--backend local|aws] [--version] COMMAND"


def _arguments(argv: Sequence[str]) -> argparse.Namespace:
    parser = TerminalParser(
        prog="sre",
        usage=OPTIONS_USAGE,
        description="Auto SRE in a terminal. `sre help` lists the commands; `sre serve` runs "
        "the Slack and Teams endpoints on this machine.",
    )
    parser.add_argument(
        "--as", dest="user", type=_named, help="act as this user (to try other roles)"
    )
    parser.add_argument(
        "--channel", type=_channel, help="the channel to act in (locally: `local`; `#ops` is `ops`)"
    )
    parser.add_argument(
        "--backend",
        choices=("local", "aws"),
        help="the embedded default, or the AWS deployment (default: AUTOSRE_BACKEND)",
    )
    parser.add_argument(
        "--version", action="store_true", help="say which release of Auto SRE this is"
    )
    parser.add_argument("words", nargs=argparse.REMAINDER, help="the command, e.g. team list")
    args = parser.parse_args(argv)
    if args.user is not None:
        args.user = _user(parser, args.user)
    return args


def _user(parser: TerminalParser, text: str) -> str:
    """`--as` by the rule every command's user follows (`@` optional), or its usage error."""
    try:
        return str(TypeAdapter(UserRef).validate_python(text))
    except ValidationError:
        raise parser.refusal(f"`{shown(text)}` is not a valid user, e.g. `@alice`") from None


def _named(text: str) -> str:
    """A user or channel name, or argparse's usage error naming the option (an empty one would
    act as nobody, or nowhere)."""
    if not text.strip():
        raise argparse.ArgumentTypeError("must not be empty")
    return text


def _channel(text: str) -> str:
    """A channel as `team bind` names it: `#ops` is `ops`; one that is not UTF-8 (a lone
    surrogate) is refused, written out, as a command's text is."""
    if not_utf8(text):
        raise argparse.ArgumentTypeError(f"`{shown(text)}` is not text: type it again")
    return _named(_named(text).removeprefix("#"))


def analyze_anomalies(paths: Sequence[str]) -> int:
    """`sre analyze anomalies FILE.csv`: the detector's scores as CSV on stdout (NAB's contract);
    anything but one file is a usage answer, as every command's (status 2)."""
    line, _, _ = TERMINAL_ONLY["analyze"]
    parser = TerminalParser(prog="sre analyze anomalies", usage=line, topic="analyze")
    parser.add_argument("path", metavar="FILE.csv")
    parser.add_argument("--column", default="value", metavar="COLUMN")
    try:
        args = parser.parse_args(paths)
    except OptionError as error:
        emit(str(error), stream=sys.stderr)
        return 2
    path = str(args.path)
    try:
        with open(path, newline="") as handle:  # noqa: PTH123 (a path typed by the user)
            series = read_csv(handle, source=path, column=str(args.column))
    except (OSError, ValueError, csv.Error) as error:  # each in one form: `sre: …`
        print(f"sre: {unreadable(path, error)}", file=sys.stderr)
        return 1
    write_scores(series, sys.stdout)
    return 0


def unreadable(path: str, error: OSError | ValueError | csv.Error) -> str:
    """Why a CSV file could not be read, in words (never Python's `[Errno 2] ...`)."""
    if isinstance(error, FileNotFoundError):
        return f"there is no file {path}"
    if isinstance(error, IsADirectoryError):
        return f"{path} is a folder, not a CSV file"
    if isinstance(error, PermissionError):
        return f"{path} cannot be read: permission denied"
    if isinstance(error, UnicodeDecodeError):
        return f"{path} is not a text CSV file"
    if isinstance(error, csv.Error):
        return f"{path} is not a CSV file"
    if isinstance(error, OSError):
        return f"{path} cannot be read: {error.strerror or 'the system refused'}"
    return str(error)


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
        emit(f"sre: {problem}; nothing was done", stream=sys.stderr)
        return 2
    unreadable = deployment_unreadable(settings)
    if unreadable:
        emit(
            f"sre: the deployment cannot be read: {unreadable}; nothing was done", stream=sys.stderr
        )
        return EXIT_CODES[Tone.ERROR]
    settings.home.mkdir(mode=0o700, parents=True, exist_ok=True)
    to_file(settings.home / LOG_FILE)
    printer = DeferredPrinter(charts=settings.home / "charts")
    queue = InMemoryTaskQueue()
    services = for_aws_terminal(
        settings,
        notifier=printer,
        guard=run_now,  # one command from a terminal: nothing retries it
        progress=progress,
        tasks=queue,
        exports=FolderExportStore(settings.home / "exports"),
    )
    text = joined(args.words)
    reply = services.bus.handle(
        invocation(
            text, user=args.user or settings.user, channel=args.channel, org=OrgId(settings.org)
        )
    )
    answered(reply)
    for task in queue.drain():
        with running(task):  # its answer printed before what it posted, as on this machine
            services.run_task(task)
    printer.settle()
    return max(EXIT_CODES.get(reply.tone, 0), printer.status)


def on_this_machine(settings: Settings, args: argparse.Namespace) -> int:
    """Run one command on the embedded default, and wait for the work it started (and any an
    interrupted `sre` left) before returning; Ctrl-C says what is left for the next command."""
    settings.home.mkdir(mode=0o700, parents=True, exist_ok=True)
    to_file(settings.home / LOG_FILE)
    printer = DeferredPrinter(charts=settings.home / "charts", counting=False)
    services = for_local(
        settings, notifier=printer, progress=printer.progress, recover=(Platform.LOCAL,)
    )
    tasks = services.tasks
    try:
        if isinstance(tasks, SqliteTaskQueue):  # taken over from an interrupted `sre`
            printer.not_ours(task.invocation.correlation_id for task in tasks.unfinished())
        printer.hold()
        lines, stopped = first_use(services, _setting_up(settings, args.user))
        for line in lines:
            emit(line)
        reply = services.bus.handle(
            invocation(
                joined(args.words),
                user=args.user or settings.local_user,
                channel=args.channel or LOCAL_CHANNEL,
            )
        )
        answered(reply)
        printer.release()
        if isinstance(tasks, SqliteTaskQueue):
            tasks.join()  # this command's task, and any an interrupted `sre` left unfinished
        printer.settle()
    except KeyboardInterrupt:
        printer.release()
        printer.settle()
        left = [t.command for t in tasks.unfinished()] if isinstance(tasks, SqliteTaskQueue) else []
        emit(interrupted(left, home=settings.home), stream=sys.stderr)
        return INTERRUPTED
    unset = EXIT_CODES.get(stopped, 0) if stopped else 0  # a first use that stopped fails too
    return max(EXIT_CODES.get(reply.tone, 0), printer.status, unset)


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command (or `serve`) and return the exit status; quietly when the reader of the
    output went away (`sre help | head`: the status is the command's, as if read) or on Ctrl-C."""
    try:
        return _main(sys.argv[1:] if argv is None else argv)
    except BrokenPipeError:  # output nobody reads any more (a command's own work is finished)
        silence(sys.stdout)
        return 0
    except KeyboardInterrupt:
        emit("sre: interrupted", stream=sys.stderr)
        return INTERRUPTED


def _main(argv: Sequence[str]) -> int:
    try:
        args = _arguments(argv)
    except OptionError as error:
        emit(str(error), stream=sys.stderr)
        return 2
    if args.version and args.words:
        extra = shown(joined(args.words), limit=60)
        emit(f"sre: --version takes nothing after it (not `{extra}`)", stream=sys.stderr)
        emit(f"usage: {OPTIONS_USAGE}", stream=sys.stderr)
        return 2
    if args.version:
        emit(f"sre (Auto SRE) {metadata.version('autosre')}")
        return 0
    try:
        with held():  # a setting's warning goes to the log, once its folder is known
            environment = Settings.from_env()
    except ConfigurationError as error:
        emit(f"sre: {error}; nothing was done", stream=sys.stderr)
        return 2
    if args.backend:
        environment = environment.model_copy(update={"backend": args.backend})
    if args.words[:2] == ["analyze", "anomalies"]:
        return analyze_anomalies(args.words[2:])
    if environment.backend == "aws" and args.words[:1] == ["serve"]:
        emit(
            "sre: `sre serve` runs the embedded default only (the AWS deployment serves Slack and "
            "Teams itself); use --backend local, or unset AUTOSRE_BACKEND",
            stream=sys.stderr,
        )
        return 2
    if environment.backend == "aws":
        return on_deployment(environment, args)
    settings = local_settings(environment)
    if args.words[:1] == ["serve"]:
        from bots.serve import serve

        return serve(settings, args.words[1:])
    return on_this_machine(settings, args)


if __name__ == "__main__":
    sys.exit(main())
