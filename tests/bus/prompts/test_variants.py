"""Prompt variants through the bus: an org admin adds versions of them, retires them; team admins
and auditors read them; everything else is refused with a clear answer, every change audited."""

from __future__ import annotations

from shared.audit.models import ORG_STREAM, Outcome, StreamKey
from shared.bootstrap.wiring import Services
from shared.replies import Reply, Tone
from tests.support import ORG, records, run, setup_teams
from tests.support.experiments import lab
from tests.support.models import ScriptedModel


def _hash(reply: Reply) -> str:
    """The 12 hex of `Prompt variant timeline v1 · 6024c3885dc7 added`."""
    return reply.title.split(" · ")[1].split()[0]


def _text(reply: Reply) -> str:
    return "\n".join([reply.title, reply.text, *(f"{k}: {v}" for k, v in reply.fields)])


def test_a_changed_variant_under_the_same_name_is_its_next_version_and_the_old_stays(
    services: Services,
) -> None:
    # GIVEN an org admin who added `timeline` as the timeline-first template
    setup_teams(services)
    first = run(services, "prompt variant add timeline --template timeline-first")
    assert first.tone is Tone.OK, first
    assert first.title.startswith("Prompt variant timeline v1 · ")
    # WHEN it is added again as cause-first
    second = run(services, "prompt variant add timeline --template cause-first")
    # THEN it is version 2, with another hash, and v1 stays in its history
    assert second.title.startswith("Prompt variant timeline v2 · ")
    assert _hash(second) != _hash(first)
    shown = _text(run(services, "prompt variant show timeline"))
    assert "Kind: template cause-first" in shown
    assert f"v2 · {_hash(second)} · by @root at 09:30 UTC\nv1 · {_hash(first)} · by" in shown


def test_the_same_content_again_changes_nothing(services: Services) -> None:
    setup_teams(services)
    added = run(services, "prompt variant add timeline --template timeline-first")
    again = run(services, "prompt variant add timeline --template timeline-first")
    assert not again.failed
    assert again.title == (
        f"Nothing to change: timeline v1 is that variant already (timeline v1 · {_hash(added)})."
    )
    assert "timeline` v2" not in run(services, "prompt variant list").text


def test_the_list_has_the_implicit_control_and_marks_retired_ones(services: Services) -> None:
    setup_teams(services)
    run(services, "prompt variant add timeline --template timeline-first")
    retired = run(services, "prompt variant retire timeline")
    assert retired.tone is Tone.OK
    assert "stays in history and is never chosen again" in retired.text
    listed = run(services, "prompt variant list", user="aud")
    lines = listed.text.splitlines()
    assert lines[0].startswith("`cause-first` v1 · ")
    assert lines[0].endswith("template cause-first · control")
    assert lines[1].startswith("`timeline` v1 · ")
    assert lines[1].endswith("template timeline-first · retired")
    again = run(services, "prompt variant retire timeline")
    assert again.title == "Nothing to change: timeline is retired already."


def test_a_model_variant_is_refused_where_no_model_is_configured(services: Services) -> None:
    setup_teams(services)
    reply = run(services, 'prompt variant add brief --model --instructions "Name the cause."')
    assert reply.failed
    assert "no language model is configured for this deployment" in _text(reply)
    assert "(AUTOSRE_MODEL: `bedrock:<model id>`" in _text(reply)  # what configures one
    assert "brief" not in run(services, "prompt variant list").text


def test_the_control_cannot_be_changed_or_retired(services: Services) -> None:
    setup_teams(services)
    added = run(services, "prompt variant add cause-first --template timeline-first")
    retired = run(services, "prompt variant retire cause-first")
    assert added.failed and retired.failed
    assert "every org's control" in _text(added)
    assert "cannot be retired" in _text(retired)


def test_bad_input_gets_a_usage_answer(services: Services) -> None:
    setup_teams(services)
    both = run(services, "prompt variant add x2 --template cause-first --model")
    neither = run(services, "prompt variant add timeline")
    unknown = run(services, "prompt variant add timeline --template haiku")
    for reply in (both, neither, unknown):
        assert reply.tone is Tone.USAGE, reply
    assert "give exactly one of --template cause-first|timeline-first or --model" in _text(both)
    missing = run(services, "prompt variant show nothing-here")
    assert missing.failed
    assert "There is no prompt variant `nothing-here`. Known: cause-first." in _text(missing)


def test_only_an_org_admin_changes_variants_and_team_admins_and_auditors_read_them(
    services: Services,
) -> None:
    setup_teams(services)
    run(services, "prompt variant add timeline --template timeline-first")
    denied = run(services, "prompt variant add brief --template cause-first", user="ann")
    assert denied.tone is Tone.DENIED
    assert "org-admin" in _text(denied)
    assert not run(services, "prompt variant list --team payments", user="ann").failed
    assert not run(services, "prompt variant show timeline", user="aud").failed
    other = run(services, "prompt variant list --team search", user="ann")
    viewer = run(services, "prompt variant list --team payments", user="vic")
    unnamed = run(services, "prompt variant list", user="ann")
    assert (other.tone, viewer.tone, unnamed.tone) == (Tone.DENIED,) * 3
    assert "add --team" in _text(unnamed)


def test_every_change_is_audited_with_the_variant_as_its_target(services: Services) -> None:
    setup_teams(services)
    run(services, "prompt variant add timeline --template timeline-first")
    run(services, "prompt variant retire timeline")
    entries = records(services.audit_log, StreamKey(org=ORG, team=ORG_STREAM))
    mine = [(e.command, e.target, e.outcome) for e in entries if e.target == "variant:timeline"]
    assert mine == [
        (
            "sre prompt variant add timeline --template=timeline-first",
            "variant:timeline",
            Outcome.REQUESTED,
        ),
        (
            "sre prompt variant add timeline --template=timeline-first",
            "variant:timeline",
            Outcome.SUCCEEDED,
        ),
        ("sre prompt variant retire timeline", "variant:timeline", Outcome.REQUESTED),
        ("sre prompt variant retire timeline", "variant:timeline", Outcome.SUCCEEDED),
    ]


def test_an_org_keeps_at_most_fifty_variants_every_version_counted(services: Services) -> None:
    setup_teams(services)
    for n in range(25):
        for template in ("timeline-first", "cause-first"):
            added = run(services, f"prompt variant add v{n:02d} --template {template}")
            assert added.tone is Tone.OK, added
    refused = run(services, "prompt variant add one-more --template timeline-first")
    assert refused.failed
    assert refused.title == "Conflict"  # a refusal (exit 1), not a usage error
    assert "keeps 50 prompt variants already, every version and retired ones counted" in _text(
        refused
    )


def test_few_shot_takes_none_or_three_to_five_examples_and_refuses_the_rest() -> None:
    # GIVEN an org admin adding model variants on a deployment with a model
    services = lab(ScriptedModel()).services
    setup_teams(services)
    add = 'prompt variant add brief --model --instructions "Cause first." --few-shot'
    # WHEN they ask for 1, 2 or 6 examples
    for count in (1, 2, 6):
        refused = run(services, f"{add} {count}")
        # THEN each is refused saying what to use, and nothing is added
        assert refused.failed, count
        assert (
            f"'{count}' is not a valid --few-shot: use 0 (none) or 3 to 5, e.g. `--few-shot 3`"
        ) in _text(refused)
    assert "`brief`" not in run(services, "prompt variant list").text
    # AND 0 (none) and 3 are taken
    assert run(services, f"{add} 0").tone is Tone.OK
    assert run(services, f"{add} 3").tone is Tone.OK


def test_a_templates_model_settings_are_refused_like_its_instructions(services: Services) -> None:
    # GIVEN an org admin
    setup_teams(services)
    # WHEN a template variant is given a model's settings
    for option, said in [
        ("--temperature 0.9", "--temperature is"),
        ("--max-tokens 100", "--max-tokens is"),
        ("--few-shot 4", "--few-shot is"),
        ("--temperature 0.9 --few-shot 4", "--temperature, --few-shot are"),
        # a value out of a model's range too (before: "`0` is too small for --max-tokens")
        ("--max-tokens 0", "--max-tokens is"),
        ("--few-shot 9", "--few-shot is"),
    ]:
        reply = run(services, f"prompt variant add tw --template timeline-first {option}")
        # THEN it is refused saying they are a model's, and no variant is added
        assert reply.tone is Tone.USAGE, reply
        assert f"{said} for a --model variant (a template has none)" in _text(reply)
    assert "tw" not in _text(run(services, "prompt variant list"))
    # ... while the template alone is added
    assert run(services, "prompt variant add tw --template timeline-first").tone is Tone.OK


def test_the_fallbacks_name_and_a_retired_name_are_not_added() -> None:
    it = lab()
    setup_teams(it.services)
    fallback = run(it.services, "prompt variant add rule-based --template timeline-first")
    assert fallback.tone is Tone.USAGE
    assert "`rule-based` is how a report names the narrative written when a variant failed" in (
        fallback.title
    )
    assert run(it.services, "prompt variant add old --template timeline-first").tone is Tone.OK
    assert run(it.services, "prompt variant retire old").tone is Tone.OK
    # WHEN the retired name is added again (before: a new version, chosen again)
    again = run(it.services, "prompt variant add old --template cause-first")
    # THEN it is refused, and the variant stays retired
    assert again.title == "Conflict"
    assert "old v1 · " in again.text and "was retired" in again.text, again
    listed = run(it.services, "prompt variant list")
    assert "`old` v1 · " in listed.text and " · retired" in listed.text
