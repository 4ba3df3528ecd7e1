"""`sre audit verify|show|export|seal`: the trail, checked and read back, for auditors."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import uuid
from collections.abc import Callable, Iterable
from datetime import datetime
from itertools import islice

from shared.audit.models import ORG_STREAM, AuditRecord, Digest, HeadMark, StreamKey, entry_name
from shared.audit.ports import AuditDirectory
from shared.audit.seal import digest_problems, readable
from shared.audit.trail import AuditTrail
from shared.audit.verify import Verification, verify_stream
from shared.auditing import commands as c
from shared.auditing.org_audit import OrgAudit, label
from shared.commands.context import Context, Handled, Handlers
from shared.identity.admins import ConfiguredAdmin
from shared.ports import ExportStore, where_told
from shared.replies import Reply, Tone, counted, user_ref
from shared.times import clock

Progress = Callable[[str], None]
_SEAL = "sre audit seal"  # a seal's own audit entry
MAX_EXPORT = 50_000
"""At most this many entries in one export (a file a chat link serves, a Lambda's memory)."""
SHOW_READ = 5_000
"""`sre audit show` looks at most at a trail's newest this many entries (one read each on S3)."""
NO_DUE_SEAL = 10**18
"""A seal checks the chain, not whether a digest is due (it is writing the one that is)."""
CSV_COLUMNS = (
    "seq",
    "id",
    "time",
    "org",
    "team",
    "actor_platform",
    "actor_org",
    "actor",
    "actor_name",
    "command",
    "target",
    "outcome",
    "correlation_id",
    "details",
    "prev_hash",
    "hash",
)


def stream_of(command: c.AuditScoped, ctx: Context) -> StreamKey:
    """The stream an audit command reads: the org's, or its team's."""
    org = ctx.principal.actor.org
    return StreamKey(org=org, team=ORG_STREAM if command.org else ctx.team or ORG_STREAM)


def anchor_before(digests: Iterable[Digest], since: datetime | None) -> Digest | None:
    """The last digest sealed before `since`: a verified starting point for a partial walk."""
    earlier = [d for d in digests if since is not None and d.time < since]
    return earlier[-1] if earlier else None


class AuditService:
    """Verifies, shows, exports and seals audit streams."""

    def __init__(
        self,
        *,
        trail: AuditTrail,
        exports: ExportStore,
        directory: AuditDirectory,
        progress: Progress,
        storage: str,
        configured_admins: Iterable[ConfiguredAdmin],
    ) -> None:
        self._trail = trail
        self._exports = exports
        self._progress = progress
        self._storage = storage
        self._directory = directory
        self._org = OrgAudit(
            trail=trail,
            directory=directory,
            check=lambda stream, now, since: self.check(stream, now=now, since=since),
            configured=configured_admins,
        )

    def handlers(self) -> Handlers:
        """The commands this service runs."""
        return (
            Handlers()
            .add(c.VerifyAudit, self.verify)
            .add(c.ShowAudit, self.show)
            .add(c.ExportAudit, self.export)
            .add(c.SealAudit, self.seal, unchanged=self.sealed_already)
            .add(c.ReviewAccess, self._org.review, check=self._org.can_review)
        )

    def _mark(self, stream: StreamKey) -> HeadMark | None:
        marks = self._directory.head_marks(stream.org)
        return next((mark for mark in marks if mark.team == stream.team), None)

    def check(
        self, stream: StreamKey, *, now: datetime, since: datetime | None = None
    ) -> Verification:
        """Walk one stream and report what is wrong with it, if anything."""
        log = self._trail.log
        stored = log.stored_digests(stream)
        digests = readable(stored)
        anchor = anchor_before(digests, since)
        self._progress(f"verifying {label(stream)}…")
        return verify_stream(
            stream,
            log.scan(stream, after=anchor.last_seq - 1 if anchor else 0),
            digests,
            self._trail.key(),
            now=now,
            every=self._trail.every,
            anchor=anchor,
            mark=self._mark(stream),
            progress=lambda n: self._progress(f"  {counted(n, 'entry', 'entries')} verified"),
            damaged=digest_problems(stored),
        )

    def verify(self, command: c.VerifyAudit, ctx: Context) -> Reply:
        """Verify one stream (or, with --all or --state, every stream of the org) and say what was
        checked and what, if anything, is wrong."""
        if command.state:
            return self._org.verify_state(command, ctx)
        if command.all:
            return self._org.verify_all(command, ctx)
        stream = stream_of(command, ctx)
        report = self.check(stream, now=ctx.now, since=command.since)
        return verification_reply(report, storage=self._storage)

    def show(self, command: c.ShowAudit, ctx: Context) -> Reply:
        """The latest entries that match the filters."""
        stream = stream_of(command, ctx)
        unreadable: list[str] = []
        modified: list[int] = []
        unlinked: list[int] = []
        missing: list[tuple[int, int]] = []
        newest = self._trail.newest_first(
            stream,
            first=command.limit,
            unreadable=unreadable,
            modified=modified,
            unlinked=unlinked,
            missing=missing,
        )
        chosen, oldest_read = _newest_matches(newest, command)
        older = _older(stream, oldest_read) if oldest_read and oldest_read.seq > 1 else []
        chosen.reverse()
        if not chosen:
            return Reply(
                tone=Tone.INFO,
                title=("No matching entries" if _filtered(command) else "No entries")
                + f" in {label(stream)}"
                + (f" (its newest {SHOW_READ:,})" if older else ""),
                fields=[*older, *not_read(unreadable), *gone(stream, missing)],
            )
        changed, loose = set(modified), set(unlinked) - set(modified)
        lines = [
            ("✗ MODIFIED " if r.seq in changed else "✗ UNLINKED " if r.seq in loose else "")
            + f"#{r.seq} {clock(r.time, days=True)} @{r.actor.user} `{r.command}` → "
            + r.outcome.value
            for r in chosen
        ]
        shown = {r.seq for r in chosen}
        distrusted = [
            *_changed(stream, sorted(changed & shown), sorted(loose & shown)),
            *gone(stream, missing),
        ]
        return Reply(
            tone=Tone.ERROR if distrusted else Tone.INFO,
            title=f"{counted(len(chosen), 'entry', 'entries')} of {label(stream)} (times in UTC)",
            text="\n".join(lines),
            fields=[*older, *not_read(unreadable), *distrusted],
            ephemeral=True,
            refs=tuple(user_ref(u) for u in sorted({r.actor.user for r in chosen})),
        )

    def export(self, command: c.ExportAudit, ctx: Context) -> Reply:
        """Write the matching entries as JSON lines or CSV and say where they are."""
        stream = stream_of(command, ctx)
        unreadable: list[str] = []
        modified: list[int] = []
        unlinked: list[int] = []
        missing: list[tuple[int, int]] = []
        below = self._trail.records(
            stream,
            before=command.before_seq,
            unreadable=unreadable,
            modified=modified,
            unlinked=unlinked,
            missing=missing,
        )
        matching = (
            r
            for r in below
            if (command.since is None or r.time >= command.since)
            and (command.until is None or r.time < command.until)
        )
        records = list(islice(matching, MAX_EXPORT + 1))  # one more: to tell there are more
        # the rest's earliest time (an owed entry is written late, with its own earlier time)
        more = min((r.time for r in [*records[MAX_EXPORT:], *matching]), default=None)
        records = records[:MAX_EXPORT]
        if not records:  # no file: an empty one would be read as "nothing happened"
            return Reply(
                tone=Tone.INFO,
                title=(
                    "No matching entries"
                    if any(
                        f is not None for f in (command.since, command.until, command.before_seq)
                    )
                    else "No entries"
                )
                + f" in {label(stream)}: nothing exported",
                fields=[*not_read(unreadable), *gone(stream, missing)],
                ephemeral=True,
            )
        content, kind = encoded(records, command.format)
        where = self._exports.publish(export_name(stream, ctx.now, command.format), content, kind)
        exported = {r.seq for r in records}
        changed = set(modified) & exported
        # by where they are stored: a copy stored under another number is flagged there
        distrusted = [
            *_changed(stream, sorted(changed), sorted(set(unlinked) - changed)),
            *gone(stream, missing),
        ]
        return Reply(
            tone=Tone.ERROR if distrusted else Tone.OK,
            title=f"Exported {counted(len(records), 'entry', 'entries')} of {label(stream)}",
            fields=[
                ("Format", command.format),
                ("Where", where_told(where, ctx.principal.actor.platform)),
                *not_read(unreadable),
                *distrusted,
                *_cut_short(more),
            ],
            ephemeral=True,
        )

    def sealed_already(self, _: c.SealAudit, ctx: Context) -> str | None:
        """Why a seal would change nothing: every trail's entries after its last digest are only
        earlier seals' own (sealing them would only ever seal the seal before)."""
        for stream in self._trail.log.streams(ctx.principal.actor.org):
            last = self._trail.last_digest(stream)
            after = self._trail.records(stream, after=last.last_seq if last else 0)
            if any(r.command != _SEAL for r in after):
                return None
        return "every trail is sealed up to its last entry"

    def seal(self, _: c.SealAudit, ctx: Context) -> Handled:
        """A digest over every stream of the org with entries past its last digest, unless the
        stream does not verify from its last digest (a seal must never vouch for a break). Its
        entry records each digest made and each trail refused, and says failed when one was
        refused (the hourly seal then reports it)."""
        org = ctx.principal.actor.org
        sealed: list[Digest] = []
        refused: list[tuple[str, str]] = []
        for stream in self._trail.log.streams(org):
            problems = self._unsealable(stream, ctx.now)
            if problems:
                refused.append((label(stream), "not sealed: " + "\n".join(problems)))
            elif digest := self._trail.seal(stream):
                sealed.append(digest)
        fields = [(label(d.stream), f"digest #{d.number} seals #{d.last_seq}") for d in sealed]
        details = {
            "sealed": "; ".join(f"{where}: {what}" for where, what in fields)[:300],
            "not_sealed": "; ".join(where for where, _ in refused)[:300],
        }
        details = {k: v for k, v in details.items() if v}
        if refused:
            title = f"Sealed {counted(len(sealed), 'trail')}; {len(refused)} not sealed (broken)"
            text = "A trail that does not verify is not sealed; `sre audit verify` says more."
            reply = Reply(tone=Tone.ERROR, title=title, text=text, fields=[*refused, *fields])
            return Handled(reply, details=details, failed=True)
        title = (
            f"Sealed {counted(len(sealed), 'trail')}"
            if sealed
            else "Every trail was already sealed"
        )
        return Handled(Reply(tone=Tone.OK, title=title, fields=fields), details=details)

    def _unsealable(self, stream: StreamKey, now: datetime) -> list[str]:
        """What is wrong with the stream from its last digest on (nothing: it may be sealed)."""
        stored = self._trail.log.stored_digests(stream)
        digests = readable(stored)
        last = digests[-1] if digests else None
        stored_entries = self._trail.log.scan(stream, after=last.last_seq - 1 if last else 0)
        # the chain decides whether a digest may seal it; how an entry is locked (its retention
        # ended, years on) is verify's to say, and must not stop every later seal
        chained = (dataclasses.replace(entry, lock=None) for entry in stored_entries)
        return verify_stream(
            stream,
            chained,
            digests,
            self._trail.key(),
            now=now,
            every=NO_DUE_SEAL,
            anchor=last,
            mark=self._mark(stream),
            damaged=digest_problems(stored),
        ).problems


def export_name(stream: StreamKey, now: datetime, kind: str) -> str:
    """`audit-<org>-team-<team>-<time>-<6 hex>.<kind>`: `team-<name>` or `org`, so a team named
    `org` never shares the org-wide trail's file name; no colon (Windows); the random end keeps
    two exports in the same second (other filters) from replacing each other."""
    org = stream.org.replace(":", "-")
    scope = "org" if stream.team == ORG_STREAM else f"team-{stream.team}"
    return f"audit-{org}-{scope}-{now:%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:6]}.{kind}"


def _cut_short(more: datetime | None) -> list[tuple[str, str]]:
    """The field saying an export stopped at its bound, and how to get the rest: from the
    earliest time of the entries left out (some exported already may come again)."""
    if more is None:
        return []
    at = more.replace(tzinfo=None).isoformat(timespec="seconds")  # UTC, as --since reads it
    return [
        (
            "Limit",
            f"only the first {MAX_EXPORT:,} entries: export the rest with `--since {at}` (it may "
            "repeat some of these: match them by seq), or narrow it with --since and --until",
        )
    ]


def _changed(stream: StreamKey, seqs: list[int], loose: list[int]) -> list[tuple[str, str]]:
    """The fields naming entries whose content no longer matches their hash, and entries not
    linked to the entry before or after them (or of another trail), if any."""
    fields = []
    for found, why in (
        (seqs, "MODIFIED since written (their content does not match their hash)"),
        (loose, "UNLINKED (not chained to the entries beside them: replaced, inserted or copied)"),
    ):
        if found:
            names = ", ".join(entry_name(stream.team, seq) for seq in found[:10])
            more = " …" if len(found) > 10 else ""
            fields.append((why, f"{names}{more}: do not trust them; `sre audit verify` says more"))
    return fields


def gone(stream: StreamKey, missing: list[tuple[int, int]]) -> list[tuple[str, str]]:
    """The field naming the entries not there (deleted, or cut off below the head the state store
    saw), as ranges (`payments#3`, `payments#7..#9`), if any."""
    merged: list[tuple[int, int]] = []
    for low, high in sorted(missing):  # windows read apart may split one gap in two
        if merged and low <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(high, merged[-1][1]))
        else:
            merged.append((low, high))
    if not merged:
        return []
    names = ", ".join(
        entry_name(stream.team, low) + (f"..#{high}" if high > low else "")
        for low, high in merged[:10]
    )
    more = " …" if len(merged) > 10 else ""
    why = "MISSING (deleted, or cut off after the state store saw them)"
    return [(why, f"{names}{more}: `sre audit verify` says more")]


def not_read(unreadable: list[str]) -> list[tuple[str, str]]:
    """The field naming entries that could not be read back, if any."""
    if not unreadable:
        return []
    shown = ", ".join(unreadable[:10]) + (" …" if len(unreadable) > 10 else "")
    return [("Not read (unreadable; `sre audit verify` names them)", shown)]


def _newest_matches(
    newest: Iterable[AuditRecord], command: c.ShowAudit
) -> tuple[list[AuditRecord], AuditRecord | None]:
    """The newest `command.limit` entries that match, newest first, reading no further than
    needed; and, if it stopped at `SHOW_READ` entries read short of them, the last one read."""
    chosen: list[AuditRecord] = []
    for read, record in enumerate(newest, start=1):
        if _matches(record, command):
            chosen.append(record)
            if len(chosen) == command.limit:
                return chosen, None
        if read == SHOW_READ:
            return chosen, record
    return chosen, None


def _older(stream: StreamKey, oldest_read: AuditRecord) -> list[tuple[str, str]]:
    """What `show` did not look at (the entries below the newest `SHOW_READ`), and the export
    that holds exactly those (by number: entries are numbered in the order they were written,
    and an owed one written late keeps its earlier time)."""
    scope = "--org" if stream.team == ORG_STREAM else f"--team {stream.team}"
    return [
        (
            "Older entries",
            f"#{oldest_read.seq - 1} and below, not looked at: `sre audit show` reads the newest"
            f" {SHOW_READ:,}; `sre audit export {scope} --before-seq {oldest_read.seq}` exports"
            " them",
        )
    ]


def _filtered(command: c.ShowAudit) -> bool:
    """Whether `show` was asked for some entries only (by actor, action or time)."""
    return any(f is not None for f in (command.actor, command.action, command.since))


def _matches(record: AuditRecord, command: c.ShowAudit) -> bool:
    return (
        (command.actor is None or record.actor.user == command.actor)
        and (command.action is None or _of_action(record.command, command.action))
        and (command.since is None or record.time >= command.since)
    )


def _of_action(done: str, action: str) -> bool:
    """Whether the entry's command begins with the action's words: a person's (`sre team member
    add erin`) or the scheduler's (`alert fired errors`), which is written without `sre`; the
    action with or without `sre` (copied from `show`'s own lines, say)."""
    words, asked = _unprefixed(done.split()), _unprefixed(action.split())
    return bool(asked) and words[: len(asked)] == asked


def _unprefixed(words: list[str]) -> list[str]:
    return words[1:] if words[:1] == ["sre"] else words


def encoded(records: list[AuditRecord], kind: str) -> tuple[bytes, str]:
    """The records as JSON lines or CSV (every cell a spreadsheet could run made inert), and
    their media type. A CSV row holds every field of the JSON line, written as it writes them
    (times in UTC as `…Z`, the actor as its platform, org, id and name)."""
    if kind == "jsonl":
        lines = (r.model_dump_json() for r in records)
        return ("\n".join(lines) + ("\n" if records else "")).encode(), "application/x-ndjson"
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for r in records:
        said = r.model_dump(mode="json")
        actor = said["actor"]
        row = [
            *(said[column] for column in ("seq", "id", "time", "org", "team")),
            *(actor[part] for part in ("platform", "org", "user", "name")),
            *(said[column] for column in ("command", "target", "outcome", "correlation_id")),
            json.dumps(said["details"], ensure_ascii=False, separators=(",", ":")),
            said["prev_hash"],
            said["hash"],
        ]
        writer.writerow([_inert(str(cell)) for cell in row])
    return out.getvalue().encode(), "text/csv"


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _inert(cell: str) -> str:
    """A cell a spreadsheet shows as text, never runs as a formula (OWASP's CSV injection rule:
    a leading `=`, `+`, `-`, `@`, tab or carriage return gets a single quote before it)."""
    return f"'{cell}" if cell.startswith(_FORMULA_START) else cell


def verification_reply(report: Verification, *, storage: str) -> Reply:
    """What `sre audit verify` answers."""
    stream = report.stream
    last = report.last_digest
    fields = [
        (
            "Entries verified" if report.ok else "Entries read",  # not vouched for when broken
            f"{report.entries:,}"
            + (f" (#{report.first}..#{report.head})" if report.entries else ""),
        ),
        ("Head", f"#{report.head} · {report.head_hash[:12]}" if report.head else "empty"),
        (
            "Last digest",
            f"#{last.number} seals #{last.last_seq} ({clock(last.time, days=True)} UTC,"
            f" key {last.key_id})"
            if last
            else "none yet",
        ),
        (
            "Not yet sealed",
            f"{counted(max(report.uncovered, 0), 'entry', 'entries')} after the last digest",
        ),
    ]
    if report.anchor:
        fields.append(("Started at", f"digest #{report.anchor.number} (#{report.anchor.last_seq})"))
    if report.mark:
        fields.append(("Head the state store saw", f"#{report.mark.seq}"))
    if storage:
        fields.append(("Storage", storage))
    if report.ok:
        return Reply(tone=Tone.OK, title=f"Audit trail intact: {label(stream)}", fields=fields)
    fields.insert(0, ("First broken link", report.problems[0]))
    if len(report.problems) > 1:
        fields.append(("Also", "\n".join(report.problems[1:])))
    return Reply(tone=Tone.ERROR, title=f"Audit trail BROKEN: {label(stream)}", fields=fields)
