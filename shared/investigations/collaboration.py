"""Working an investigation together: show, list, join, comment, escalate; one timeline (resolving
it: resolution.py)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from shared.commands.context import Context, Handlers, NothingToChange
from shared.errors import (
    ConflictError,
    ForbiddenError,
    NotFoundError,
    UnavailableError,
    did_you_mean,
)
from shared.identity.models import OrgId, Platform
from shared.identity.ports import Directory
from shared.identity.teams import team_named, teams_own
from shared.investigations import commands as c
from shared.investigations.coverage import finding_read
from shared.investigations.listing import SUGGESTED_FROM, listing, unknown_investigation
from shared.investigations.models import Investigation, InvestigationStatus, TimelineEntry
from shared.investigations.ports import MAX_ASKED, MAX_OPEN, InvestigationStore
from shared.invocation import ReplyTarget
from shared.messages import channel_targets
from shared.ports import Notifier
from shared.replies import Button, Reply, Tone, channel_ref, counted, group_ref, user_ref
from shared.services.catalog import unknown_service
from shared.times import clock, moment


def with_actions(reply: Reply, investigation: Investigation, *, team: str = "") -> Reply:
    """The reply with the investigation's id and its buttons, as seen by `team` (the owner's by
    default): join, comment, escalate and resolve (owner only), show."""
    team = team or investigation.team
    scope = f"{investigation.id} --team={team}"

    def ask(label: str, verb: str, prompt: str, option: str = "") -> Button:
        # the answer is added last: the positional text, or the value of `option`
        command = f"sre investigation {verb} {scope}" + (f" --{option}" if option else "")
        return Button(label=label, command=command, prompt=prompt)

    buttons = [
        Button(label="Join", command=f"sre investigation join {scope}", style="primary"),
        ask("Comment", "comment", "Your comment"),
    ]
    if team == investigation.team:
        buttons.append(ask("Escalate", "escalate", "Team to ask for help", "to"))
        buttons.append(ask("Resolve", "resolve", "Summary of what it was"))
    buttons.append(Button(label="Show timeline", command=f"sre investigation show {scope}"))
    fields = [*reply.fields, ("Investigation", f"{investigation.id} (team {investigation.team})")]
    return reply.model_copy(update={"buttons": buttons, "fields": fields})


class InvestigationWork:
    """What working on an open investigation needs: its store, the directory that knows its
    team's channels, the notifier that tells them, and the link to its page."""

    def __init__(
        self,
        *,
        store: InvestigationStore,
        directory: Directory,
        notifier: Notifier,
        link: Callable[[Investigation, datetime], str],
    ) -> None:
        self._store = store
        self._directory = directory
        self._notifier = notifier
        self._link = link

    def _get(self, investigation_id: str, ctx: Context) -> Investigation:
        org = ctx.principal.actor.org
        found = self._store.get(org, investigation_id)
        if found is None or ctx.team not in (found.team, *found.shared_with):
            if found is not None and team_named(ctx.principal, found.team) != "another team":
                raise NotFoundError(  # a team of the caller's own: said which, to name it
                    f"Team {ctx.team} has no investigation `{investigation_id}`: it is "
                    f"{teams_own(found.team)}. Add `--team {found.team}`."
                )
            # another team's investigation is reported exactly like one that does not exist
            known = self._store.recent(org, ctx.team or "", newest=SUGGESTED_FROM + 1)
            raise NotFoundError(unknown_investigation(investigation_id, ctx.team or "", known))
        return found

    def _append(
        self, investigation: Investigation, entry: TimelineEntry, **changes: object
    ) -> Investigation:
        try:
            return self._store.save(
                investigation.model_copy(
                    update={"timeline": [*investigation.timeline, entry], **changes}
                )
            )
        except ConflictError as error:
            raise ConflictError(
                f"{investigation.id} changed while you were updating it; run the command again."
            ) from error

    def _found(self, investigation_id: str, ctx: Context) -> Investigation | None:
        """The investigation, or None where the command itself says it is not found (audited)."""
        try:
            return self._get(investigation_id, ctx)
        except NotFoundError:
            return None


SHOWN_ENTRIES = 15
"""The most timeline entries `investigation show` lists (the newest): a long-worked investigation's
comments would otherwise fill the message, and chat cuts its end (the status, the page link)."""

SHOWN_CHARACTERS = 6_000
"""The most characters of timeline shown, whole entries only (the newest always: a comment takes
3,000); the page has them all."""


def _timeline(entries: Sequence[TimelineEntry], now: datetime) -> list[str]:
    """The newest entries, at most SHOWN_ENTRIES and SHOWN_CHARACTERS, after a line saying how
    many older ones the page has."""
    days = any(e.time.date() != now.date() for e in entries[-SHOWN_ENTRIES:])  # all dated, or none
    lines: list[str] = []
    size = 0
    for entry in reversed(entries[-SHOWN_ENTRIES:]):
        line = f"{clock(entry.time, days=days)} {entry.told()}"
        size += len(line)
        if lines and size > SHOWN_CHARACTERS:
            break
        lines.insert(0, line)
    left = len(entries) - len(lines)
    if left:
        lines.insert(0, f"…{counted(left, 'earlier entry', 'earlier entries')}: see the page")
    return lines


class Collaboration(InvestigationWork):
    """The commands people use on an open investigation."""

    def handlers(self) -> Handlers:
        """The commands this service runs."""
        return (
            Handlers()
            .add(c.ShowInvestigation, self.show)
            .add(c.ListInvestigations, self.list_for_team)
            .add(c.JoinInvestigation, self.join, unchanged=self.joined_already)
            .add(c.CommentInvestigation, self.comment)
            .add(
                c.EscalateInvestigation,
                self.escalate,
                check=self.can_escalate,
                unchanged=self.escalated_already,
            )
        )

    def show(self, command: c.ShowInvestigation, ctx: Context) -> Reply:
        """Findings, participants and the timeline."""
        inv = self._get(command.id, ctx)
        lines = _timeline(inv.timeline, ctx.now)
        fields = [
            ("Status", inv.status.value),
            ("Service", inv.service),
            ("Participants", ", ".join(f"@{p}" for p in inv.participants)),
            (
                "Findings",
                "\n".join(finding_read(f, ctx.now) for f in inv.findings) or "none",
            ),
            ("Page", self._link(inv, ctx.now)),
        ]
        if inv.summary:
            fields.append(("Summary", inv.summary))
        if inv.cause:
            fields.append(("Cause", inv.cause))
        people = {*inv.participants, *(e.actor for e in inv.timeline)}
        return Reply(
            tone=Tone.INFO,
            title=f"{inv.id}: {inv.headline}",
            text="\n".join(lines),
            fields=fields,
            refs=tuple(user_ref(p) for p in sorted(people)),
        )

    def list_for_team(self, command: c.ListInvestigations, ctx: Context) -> Reply:
        """The team's own investigations and those other teams asked it to help with, newest
        first, filtered, `--limit` of them; a service the team has not (and has no
        investigation of among all it read) is refused with the closest name."""
        org, team_name = ctx.principal.actor.org, ctx.team or ""
        found, bound = self._listed(org, team_name, command)
        name = command.service
        if name and bound is None and all(i.service != name for i in found):
            team = ctx.team_record
            if team is not None and name not in team.services:
                raise unknown_service(team, name)
        resolved = (
            not found
            and command.status is InvestigationStatus.OPEN
            and bool(self._store.recent(org, team_name, newest=1))
        )
        return listing(team_name, command, found, ctx.now, bound=bound, resolved=resolved)

    def _listed(
        self, org: OrgId, team: str, command: c.ListInvestigations
    ) -> tuple[Sequence[Investigation], int | None]:
        """What `investigation list` reads (bounded), and the bound when the team may have more:
        the open ones however old, else one more than a list shows (to know if any are left)."""
        asked = self._store.asked_of(org, team, newest=c.MAX_LISTED + 1)
        if command.status is InvestigationStatus.OPEN:
            own = self._store.open_for(org, team)
            found = _newest([*own, *(i for i in asked if i.status is InvestigationStatus.OPEN)])
            return found[:MAX_OPEN], MAX_OPEN if len(own) >= MAX_OPEN else None
        found = _newest([*self._store.recent(org, team, newest=c.MAX_LISTED + 1), *asked])
        return found[: c.MAX_LISTED], c.MAX_LISTED if len(found) > c.MAX_LISTED else None

    def joined_already(self, command: c.JoinInvestigation, ctx: Context) -> str | None:
        """What a participant joining again is told (nothing changes, nothing is audited)."""
        inv = self._found(command.id, ctx)
        if inv is None or ctx.principal.actor.user not in inv.participants:
            return None
        return f"you are already in {inv.id}"

    def join(self, command: c.JoinInvestigation, ctx: Context) -> Reply:
        """Add the caller to the participants."""
        inv = self._get(command.id, ctx)
        user = ctx.principal.actor.user
        if user in inv.participants:  # joined between the check and now
            return Reply(tone=Tone.INFO, title=f"You are already in {inv.id}", ephemeral=True)
        entry = TimelineEntry(time=ctx.now, actor=user, kind="joined", text="joined")
        self._append(inv, entry, participants=[*inv.participants, user])
        name = ctx.principal.actor.name
        return Reply(tone=Tone.OK, title=f"@{user} joined {inv.id}", refs=(user_ref(user, name),))

    def comment(self, command: c.CommentInvestigation, ctx: Context) -> Reply:
        """Add a comment to the timeline."""
        inv = self._get(command.id, ctx)
        user = ctx.principal.actor.user
        self._append(
            inv, TimelineEntry(time=ctx.now, actor=user, kind="comment", text=command.text)
        )
        return Reply(tone=Tone.OK, title=f"Comment added to {inv.id}", text=command.text)

    def escalate(self, command: c.EscalateInvestigation, ctx: Context) -> Reply:
        """Ask another team in its channel (it may then see and join), and/or mention a group."""
        inv = self._get(command.id, ctx)
        _owner_asks(inv, command, ctx)
        user = ctx.principal.actor.user
        said: list[str] = []
        shared = inv.shared_with
        refs = [group_ref(command.group)] if command.group else []
        if command.to:
            channels = self._ask_team(inv, command.to, command.note, ctx)
            refs += [channel_ref(channel) for channel in channels]
            asked_in = ", ".join(f"#{channel}" for channel in channels)
            said.append(
                f"Asked team {command.to} in {asked_in}; they may now see and join {inv.id}."
            )
            shared = sorted({*shared, command.to})
        if command.group:
            said.append(f"@{command.group} please have a look at {inv.id}: {inv.headline}")
        text = _escalation(command)
        self._append(
            inv,
            TimelineEntry(time=ctx.now, actor=user, kind="escalated", text=text),
            shared_with=shared,
        )
        if command.note:
            said.append(f"Note: {command.note}")
        return Reply(
            tone=Tone.OK,
            title=f"{inv.id} escalated {text}",
            text="\n".join(said),
            refs=tuple(refs),
        )

    def escalated_already(
        self, command: c.EscalateInvestigation, ctx: Context
    ) -> NothingToChange | None:
        """The same ask made before (the same team and group, the same note): when and by whom.
        A new note asks again."""
        inv, text = self._found(command.id, ctx), _escalation(command)
        if inv is None:
            return None
        same = [e for e in inv.timeline if e.kind == "escalated" and e.text == text]
        if not same:
            return None
        at, by = moment(same[-1].time, today=ctx.now), same[-1].actor
        noted = ", with the same note" if command.note else ""
        said = f"{inv.id} was already escalated {_asked(command)}{noted} at {at} (by @{by})"
        said += ": a new note asks again"
        return NothingToChange(said, (user_ref(by),))

    def can_escalate(self, command: c.EscalateInvestigation, ctx: Context) -> None:
        """Before it is queued: the investigation is there and the team asked is one with a
        channel to ask in (a typo in `--to` is answered at once, not after "Working on…")."""
        inv = self._get(command.id, ctx)
        _owner_asks(inv, command, ctx)
        if command.to:
            self._askable(inv, command.to, ctx)

    def _askable(self, inv: Investigation, team: str, ctx: Context) -> list[ReplyTarget]:
        """The channels of `team` to ask in; an error saying why there is none to ask."""
        org = ctx.principal.actor.org
        if team == inv.team:
            raise ConflictError(f"{inv.id} already belongs to team {team}.")
        if team not in inv.shared_with and len(inv.shared_with) >= MAX_ASKED:
            raise ConflictError(
                f"{inv.id} has asked {len(inv.shared_with)} teams already, the most one "
                f"investigation asks: mention a group with --group, or post in the org's channel."
            )
        if self._directory.get_team(org, team) is None:
            hint = did_you_mean(team, [t.name for t in self._directory.list_teams(org)])
            hint = hint or " `sre team list` shows yours."
            raise NotFoundError(f"There is no team `{team}`.{hint}")
        platform = ctx.principal.actor.platform
        targets = channel_targets(self._directory, org, team, platform)
        if not targets:
            raise ConflictError(
                f"Team {team} has no channel to ask in: someone there can bind one with "
                f"`sre team bind --team {team}` (typed in that channel)."
            )
        if platform is Platform.TEAMS and not any(t.conversation for t in targets):
            raise ConflictError(
                f"Team {team}'s channel was bound from elsewhere, so the bot cannot post there: "
                f"bind it again from inside the channel."
            )
        return targets

    def _ask_team(self, inv: Investigation, team: str, note: str, ctx: Context) -> list[str]:
        """Post the request for help in the other team's bound channels; their ids."""
        targets = self._askable(inv, team, ctx)
        ask = Reply(
            tone=Tone.INFO,
            title=f"Team {inv.team} asks team {team} for help with {inv.id}",
            text=inv.headline + (f"\n{note}" if note else ""),
            fields=[
                ("Asked by", f"@{ctx.principal.actor.user}"),
                ("Service", inv.service),
                ("Page", self._link(inv, ctx.now)),
            ],
            refs=(user_ref(ctx.principal.actor.user, ctx.principal.actor.name),),
        )
        ask = with_actions(ask, inv, team=team)
        for target in targets:
            try:
                self._notifier.post(target, ask)
            except Exception as error:
                raise UnavailableError(
                    f"Could not post in #{target.channel} of team {team} ({error}); "
                    f"{inv.id} was not escalated. Try again, or ask them directly.",
                    channels=[str(target.channel)],
                ) from error
        return [str(t.channel) for t in targets]


def _asked(command: c.EscalateInvestigation) -> str:
    """Whom an escalation asks: `to team databases and @db-oncall`."""
    whom = [f"team {command.to}"] if command.to else []
    whom += [f"@{command.group}"] if command.group else []
    return f"to {' and '.join(whom)}"


def _escalation(command: c.EscalateInvestigation) -> str:
    """How the timeline records an escalation: `to team databases and @db-oncall: pool full`."""
    return _asked(command) + (f": {command.note}" if command.note else "")


def _newest(found: Sequence[Investigation]) -> list[Investigation]:
    return sorted(found, key=lambda i: (i.opened_at, i.id), reverse=True)


def _owner_asks(inv: Investigation, command: c.EscalateInvestigation, ctx: Context) -> None:
    """Only the owning team asks another team in: a team it asked may help, not pass the
    investigation (its timeline, comments and page) on to teams the owner never chose."""
    if command.to and ctx.team != inv.team:
        raise ForbiddenError(
            f"Only team {inv.team}, which owns {inv.id}, can ask another team to help with it: "
            f"ask team {inv.team} to, or mention a group here with --group.",
            needed=f"a role in team {inv.team}",
        )
