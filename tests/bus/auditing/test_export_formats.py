"""An audit export says the same in CSV as in JSON lines: every field, each written the same way
(times in UTC as `…Z`, the actor with its platform and org: a member id alone names no one)."""

from __future__ import annotations

import csv
import io
import json

from shared.adapters.memory import InMemoryExportStore
from shared.bootstrap.wiring import build
from shared.config import Settings
from tests.support import NOW, MovingClock, memory_adapters, run, run_deferred, setup_teams


def test_a_csv_export_holds_every_field_of_the_json_lines_written_the_same_way() -> None:
    # GIVEN a team's trail, and an auditor
    exports = InMemoryExportStore()
    adapters = memory_adapters(MovingClock(NOW), exports=exports)
    services = build(Settings(org_admins=("slack:T1:root",)), adapters)
    setup_teams(services)
    assert not run(services, "org grant aud auditor").failed
    # WHEN the trail is exported in both formats
    for kind in ("jsonl", "csv"):
        reply = run_deferred(services, f"audit export --team payments --format {kind}", user="aud")
        assert not reply.failed, reply
    by_kind = {name.rsplit(".", 1)[-1]: content.decode() for name, content in exports.files.items()}
    lines = [json.loads(line) for line in by_kind["jsonl"].splitlines()]
    rows = list(csv.DictReader(io.StringIO(by_kind["csv"])))
    assert rows[0]["time"].endswith("Z") and rows[0]["actor_platform"] == "slack"
    # THEN each row is its JSON line, field for field, the actor's parts in their own columns
    assert len(rows) == len(lines) > 5
    for row, line, raw in zip(rows, lines, by_kind["jsonl"].splitlines(), strict=True):
        actor = line.pop("actor")
        del line["details"]
        assert f'"details":{row.pop("details")},' in raw  # the JSON line's own text
        assert {k: row.pop(f"actor_{k}") for k in ("platform", "org", "name")} == {
            k: actor[k] for k in ("platform", "org", "name")
        }
        assert row.pop("actor") == actor["user"]
        assert row == {k: str(v) for k, v in line.items()}
