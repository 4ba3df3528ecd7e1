"""Every command x every role x own team / other team, through the bus: the role table, proven.

The expected table is written out by hand here (not derived from shared.identity.rbac), so a change
to the product's table that weakens it fails this test.
"""

from __future__ import annotations

import itertools

import pytest

from shared.audit.models import AuditRecord, Outcome, StreamKey
from shared.bootstrap.features import COMMANDS
from shared.bootstrap.memory import for_memory
from shared.bootstrap.wiring import Services
from shared.config import Settings
from shared.identity.models import OrgId
from shared.replies import Tone
from tests.support import ORG, records, run, setup_teams

ROLES = ["none", "viewer", "responder", "operator", "admin", "org-admin", "auditor"]
TEAM_ROLES = {"viewer", "responder", "operator", "admin"}

# command template -> who may run it ("{t}" is the team acted on)
EVERYONE = set(ROLES)
MEMBERS = set(ROLES) - {"none"}
READERS = {"viewer", "responder", "operator", "admin", "org-admin", "auditor"}
ADMINS = {"admin", "org-admin"}
ORG_ADMINS = {"org-admin"}
MATRIX: dict[str, set[str]] = {
    "help": EVERYONE,
    "whoami": EVERYONE,
    "doctor": ORG_ADMINS,
    "team create newteam": ORG_ADMINS,
    "team list": MEMBERS,
    "team show {t}": READERS,
    "team member list --team {t}": READERS,
    "team member add newbie --role viewer --team {t}": ADMINS,
    "team member remove {member} --team {t}": ADMINS,
    "team role set {member} operator --team {t}": ADMINS,
    "team bind C-new --team {t}": ADMINS,
    "team unbind {channel}": ADMINS,
    "org grant newbie auditor": ORG_ADMINS,
    "org revoke aud auditor": ORG_ADMINS,
    "org model off": ORG_ADMINS,
    "org bind C-orgwide": ORG_ADMINS,
    "quota show --team {t}": READERS,
    "quota set canaries 3 --team {t}": ORG_ADMINS,
    "usage show --team {t}": READERS,
    "usage show --all": {"org-admin", "auditor"},
    "usage price show": MEMBERS,
    "usage price set model-tokens 3": ORG_ADMINS,
    "audit verify --team {t}": {"admin", "auditor"},
    "audit verify --org": {"auditor"},
    "audit show --team {t}": {"auditor"},
    "audit show --org": {"auditor"},
    "audit export --format csv --team {t}": {"auditor"},
    "audit seal": {"org-admin", "auditor"},
    "audit verify --all": {"auditor"},
    "audit verify --state": {"auditor"},
    "audit access-review": {"auditor"},
    "service register web --sample checkout --team {t}": {"operator", "admin"},
    "service list --team {t}": {"viewer", "responder", "operator", "admin", "auditor"},
    "service show web --team {t}": {"viewer", "responder", "operator", "admin", "auditor"},
    "service remove web --team {t}": {"operator", "admin"},
    "service share web --to search --team payments": ORG_ADMINS,
    "service signal set web p99_latency --metric p50_latency --team {t}": {"operator", "admin"},
    "service signal reset web p99_latency --team {t}": {"operator", "admin"},
    "investigation open web --team {t}": {"responder", "operator", "admin"},
    "investigation show inv-000000 --team {t}": {
        "viewer",
        "responder",
        "operator",
        "admin",
        "auditor",
    },
    "investigation list --team {t}": {"viewer", "responder", "operator", "admin", "auditor"},
    "investigation join inv-000000 --team {t}": {"responder", "operator", "admin"},
    "investigation comment inv-000000 hello --team {t}": {"responder", "operator", "admin"},
    "investigation resolve inv-000000 --team {t}": {"responder", "operator", "admin"},
    "investigation reopen inv-000000 --team {t}": {"responder", "operator", "admin"},
    'investigation cause inv-000000 "deploy v42" --team {t}': {"responder", "operator", "admin"},
    "investigation escalate inv-000000 --to search --team {t}": {"responder", "operator", "admin"},
    'alert create a1 --service web --when "p99_latency > 800ms" --team {t}': {"operator", "admin"},
    'alert edit a1 --when "p99_latency > 900ms" --team {t}': {"operator", "admin"},
    "alert delete a1 --team {t}": {"operator", "admin"},
    "alert list --team {t}": {"viewer", "responder", "operator", "admin", "auditor"},
    "alert show a1 --team {t}": {"viewer", "responder", "operator", "admin", "auditor"},
    "alert test a1 --team {t}": {"viewer", "responder", "operator", "admin", "auditor"},
    "alert ack a1 --team {t}": {"responder", "operator", "admin"},
    "alert silence a1 --duration 1h --team {t}": {"responder", "operator", "admin"},
    "silence list --team {t}": {"viewer", "responder", "operator", "admin", "auditor"},
    "silence expire sil-000000 --team {t}": {"responder", "operator", "admin"},
    "scheduler run-once": ORG_ADMINS,
    "canary start web --version 43 --team {t}": {"operator", "admin"},
    "canary status can-000000 --team {t}": {"viewer", "responder", "operator", "admin", "auditor"},
    "canary list --team {t}": {"viewer", "responder", "operator", "admin", "auditor"},
    "canary promote can-000000 --team {t}": {"operator", "admin"},
    "canary rollback can-000000 --team {t}": {"responder", "operator", "admin", "org-admin"},
    "canary hold can-000000 --team {t}": {"responder", "operator", "admin", "org-admin"},
    "canary resume can-000000 --team {t}": {"operator", "admin"},
    'chaos plan web --fault error --expect "error_rate < 1%" --team {t}': {"operator", "admin"},
    'chaos start web --fault error --expect "error_rate < 1%" --team {t}': {"operator", "admin"},
    "chaos approve chx-000000 --team {t}": {"operator", "admin"},
    "chaos status chx-000000 --team {t}": {"viewer", "responder", "operator", "admin", "auditor"},
    "chaos list --team {t}": {"viewer", "responder", "operator", "admin", "auditor"},
    "chaos halt chx-000000 --team {t}": {"responder", "operator", "admin", "org-admin"},
    "chaos halt --all": ORG_ADMINS,
    "chaos unhalt": ORG_ADMINS,
    "chaos unschedule chs-000000 --team {t}": {"operator", "admin"},
    "investigation feedback inv-000000 helpful --team {t}": {"responder", "operator", "admin"},
    "prompt variant add timeline --template timeline-first": ORG_ADMINS,
    "prompt variant list": {"org-admin", "auditor"},
    "prompt variant list --team {t}": {"admin", "org-admin", "auditor"},
    "prompt variant show cause-first": {"org-admin", "auditor"},
    "prompt variant show cause-first --team {t}": {"admin", "org-admin", "auditor"},
    "prompt variant retire timeline": ORG_ADMINS,
    "prompt experiment start --variants timeline-first": ORG_ADMINS,
    "prompt experiment status": {"org-admin", "auditor"},
    "prompt experiment status --team {t}": {"admin", "org-admin", "auditor"},
    "prompt experiment stop": ORG_ADMINS,
    "prompt experiment promote timeline": ORG_ADMINS,
    "prompt experiment gate pe-000000": ORG_ADMINS,
}
TEAM_SCOPED = {template for template in MATRIX if "{" in template}


def test_the_matrix_covers_every_command() -> None:
    phrases = {
        " ".join(w for w in t.split() if w.replace("-", "").isalpha() and w.islower())[:40]
        for t in MATRIX
    }
    for model in COMMANDS.models:
        assert any(p.startswith(model.phrase()) for p in phrases), model.phrase()


def _services_with_actor(role: str) -> Services:
    services = for_memory(Settings(org_admins=("slack:T1:root",)))
    setup_teams(services)
    extra = ["team bind C-search --team search", "team member add sid --role viewer --team search"]
    if role in TEAM_ROLES:
        extra.append(f"team member add actor --role {role} --team payments")
    elif role != "none":
        extra.append(f"org grant actor {role}")
    for text in extra:
        assert not run(services, text).failed, text
    return services


def _fill(template: str, own: bool) -> str:
    return template.format(
        t="payments" if own else "search",
        member="vic" if own else "sid",
        channel="C-pay" if own else "C-search",
    )


def _entries(services: Services, team: str) -> list[AuditRecord]:
    return records(services.audit_log, StreamKey(org=OrgId(ORG), team=team))


CASES = [
    (template, role, own)
    for template, role in itertools.product(MATRIX, ROLES)
    for own in ((True, False) if template in TEAM_SCOPED else (True,))
]


@pytest.mark.parametrize(("template", "role", "own"), CASES)
def test_role_table(template: str, role: str, own: bool) -> None:
    # GIVEN an actor with `role` in team payments (or an org-wide role, or none)
    services = _services_with_actor(role)
    target = "payments" if own else "search"
    before = services.directory.get_team(ORG, target)
    # WHEN they run the command against their own team or the other one
    reply = run(services, _fill(template, own), user="actor")
    # THEN it is allowed exactly when the table says so
    team_role_counts = role in TEAM_ROLES and not own
    expected = role in MATRIX[template] and not team_role_counts
    assert (reply.tone is not Tone.DENIED) is expected, reply
    if not expected:
        # ... a denial names the role needed, is audited, and changes nothing
        assert "needs" in reply.text
        assert "role" in reply.text
        stream = target if template in TEAM_SCOPED else "_org"
        last = _entries(services, stream)[-1]
        assert last.outcome is Outcome.DENIED
        assert last.actor.user == "actor"
        assert services.directory.get_team(ORG, target) == before
