"""Export links through the bus: a team's export and the org-wide one never share a file, so a
team member's link serves only their team's rows however the org's admins export after them."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from shared.adapters.local.folder_exports import FolderExportStore
from shared.adapters.memory import InMemoryExportStore
from shared.bootstrap.wiring import Services, build
from shared.config import Settings
from shared.identity.models import Platform, Team, UserId
from shared.replies import Reply
from tests.support import NOW, ORG, MovingClock, investigate, memory_adapters, run, run_deferred


def _services(exports: InMemoryExportStore) -> Services:
    """Teams `all` (bob, a viewer; ann, its admin) and `payments` (pat, its admin), one
    investigation each; `root` is the org admin."""
    services = build(
        Settings(org_admins=("slack:T1:root",)), memory_adapters(MovingClock(NOW), exports=exports)
    )
    for text in [
        "team create all",
        "team create payments",
        "team member add bob --role viewer --team all",
        "team member add ann --role admin --team all",
        "team member add pat --role admin --team payments",
    ]:
        assert not run(services, text).failed, text
    for text, user in [
        ("service register all-api --sample checkout --team all", "ann"),
        ("service register pay-api --sample checkout --team payments", "pat"),
    ]:
        assert not run(services, text, user=user).failed, text
    assert not investigate(services, "investigate all-api --team all", user="ann").failed
    assert not investigate(services, "investigate pay-api --team payments", user="pat").failed
    return services


def _served(exports: InMemoryExportStore, reply: Reply) -> bytes:
    """What the reply's link serves now."""
    where = dict(reply.fields)["Where"]
    return exports.files[where.removeprefix("memory://")]


def test_a_viewers_usage_link_serves_only_their_team_after_the_org_wide_export() -> None:
    # GIVEN bob, a viewer of team `all`, exported his team's usage
    exports = InMemoryExportStore()
    services = _services(exports)
    mine = run(services, "usage --team all --csv", user="bob")
    assert not mine.failed, mine
    # WHEN an org admin exports every team's usage of the same month
    every = run(services, "usage --all --csv")
    assert not every.failed, every
    # THEN bob's link still serves team `all`'s rows only; the admin's serves both teams'
    teams = {r["team"] for r in csv.DictReader(io.StringIO(_served(exports, mine).decode()))}
    assert teams == {"all"}
    rows = csv.DictReader(io.StringIO(_served(exports, every).decode()))
    assert {r["team"] for r in rows} == {"all", "payments"}


def test_a_team_named_org_and_the_org_wide_audit_exports_keep_their_own_files() -> None:
    # GIVEN a team named `org` (made before the name was refused), whose trail an auditor exports
    exports = InMemoryExportStore()
    services = _services(exports)
    made = Team(org=ORG, name="org", created_at=NOW, created_by=UserId("root"))
    services.directory.save_team(made)
    assert not run(services, "team member add zed --team org").failed  # an entry in its trail
    assert not run(services, "org grant aud auditor").failed
    team = run_deferred(services, "audit export --format csv --team org", user="aud")
    assert not team.failed, team
    # WHEN the auditor exports the org-wide trail in the same second
    org = run_deferred(services, "audit export --org --format csv", user="aud")
    assert not org.failed, org
    # THEN the team's link still serves its own trail, not the org's team creations
    assert b"team create payments" not in _served(exports, team)
    assert b"team create payments" in _served(exports, org)


def test_a_chat_user_is_told_an_export_files_name_never_the_servers_path(tmp_path: Path) -> None:
    # GIVEN the embedded default's exports folder (`sre serve` answering Slack)
    folder = tmp_path / "home" / "exports"
    services = build(
        Settings(org_admins=("slack:T1:root",)),
        memory_adapters(MovingClock(NOW), exports=FolderExportStore(folder)),
    )
    for text in ("team create payments", "org grant aud auditor"):
        assert not run(services, text).failed, text
    # WHEN the org's admin and auditor export usage and the audit trail from Slack, then the
    # admin from a terminal
    chat = [
        run(services, "usage --csv --all"),
        run_deferred(services, "audit export --org", user="aud"),
    ]
    terminal = run(services, "usage --csv --all", platform=Platform.LOCAL)
    # THEN Slack hears each file's name and where it is, never the server's folders
    for reply in chat:
        where = dict(reply.fields)["Where"]
        assert str(tmp_path) not in f"{reply.title} {reply.text} {reply.fields}", reply
        assert where.endswith(", in the exports folder of the machine running Auto SRE"), where
        assert (folder / where.split(",")[0]).is_file()
    # AND the terminal, on that machine, the whole path
    assert Path(dict(terminal.fields)["Where"]).parent == folder
