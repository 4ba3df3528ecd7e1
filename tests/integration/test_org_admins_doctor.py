"""`sre doctor` names what is wrong with AUTOSRE_ORG_ADMINS: an entry that grants nothing fails
the check (whoever it meant is not admin), an entry in the old form is said; before, both were
only warnings in the log."""

from __future__ import annotations

from pathlib import Path

from shared.adapters.memory import FixedClock
from shared.bootstrap.memory import for_memory
from shared.config import Settings
from shared.replies import Tone
from tests.support import ask
from tests.support.terminal import sre


def test_the_terminal_doctor_names_an_entry_that_grants_nothing(tmp_path: Path) -> None:
    # GIVEN AUTOSRE_ORG_ADMINS with the operator, a bare user id and an entry in the old form
    env = {"AUTOSRE_ORG_ADMINS": "local:dana,U2,T1:U3", "AUTOSRE_LOCAL_USER": "dana"}
    # WHEN the operator runs `sre doctor`
    said = sre(tmp_path, "doctor", **env)
    out = " ".join(said.stdout.split())
    # THEN the check fails, naming the entry and how to write it, and the old form
    assert said.returncode == 1, said.stderr
    assert "Doctor: something is wrong" in out
    assert "Org admins ✗ 'U2' grants nothing: write it as slack:T…:U…" in out
    assert "'T1:U3' read as 'slack:T1:U3': write it so" in out
    assert "@dana, from configuration (AUTOSRE_ORG_ADMINS" in out


def test_a_chat_org_s_doctor_says_its_admins_and_nothing_of_the_other_entries(
    clock: FixedClock,
) -> None:
    # GIVEN a deployment whose admins are root of T1, an admin of another workspace, and a
    # bare id that grants nothing
    settings = Settings(org_admins=("slack:T1:root", "slack:T9:W9", "U2"))
    services = for_memory(settings, clock=clock)
    # WHEN root runs the doctor from Slack
    reply = ask(services, "doctor", user="root")
    # THEN it counts T1's admins, and names neither the bad entry nor the other org's admin:
    # the deployment's mistakes are its operator's (the terminal's doctor), not a failed check
    # of every org it serves
    assert dict(reply.fields)["Org admins"] == "1 admin, from configuration (AUTOSRE_ORG_ADMINS)"
    assert reply.tone is Tone.OK, reply
