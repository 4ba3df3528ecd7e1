"""Free text typed as people type it in Slack: no quotes needed for a comment, a summary, a note,
a silence comment or a description; up to 3,000 characters for a comment or a summary, split
between words when Slack shows it."""

from __future__ import annotations

import json

import pytest

from bots.msteams.render import card
from bots.slack.render import blocks, prompt_view
from bots.text import render_text
from shared.bootstrap.features import COMMANDS
from shared.bootstrap.wiring import Services
from shared.commands.usage import usage
from shared.replies import Reply, Tone
from tests.support import investigate, run, setup_teams


@pytest.fixture
def report(services: Services) -> Reply:
    """The report of an investigation of payments' sample service, opened by the responder rey."""
    setup_teams(services)
    registered = run(
        services, "service register checkout-api --sample checkout", user="oli", channel="C-pay"
    )
    assert not registered.failed, registered
    return investigate(services, "investigate checkout-api")


@pytest.fixture
def inv(report: Reply) -> str:
    """That investigation's id."""
    return dict(report.fields)["Investigation"].split()[0]


def _rey(services: Services, text: str) -> Reply:
    return run(services, text, user="rey", channel="C-pay")


def _slack_text(reply: Reply) -> str:
    """Everything the Slack message shows, as its blocks carry it."""
    texts = []
    for block in blocks(reply):
        texts += [block["text"]["text"]] if "text" in block else []
        texts += [field["text"] for field in block.get("fields", [])]
    return "\n".join(texts)


def test_a_comment_takes_the_rest_of_the_line_without_quotes(services: Services, inv: str) -> None:
    # WHEN a responder types a comment in Slack as a sentence, apostrophe and all
    said = _rey(services, f"investigation comment {inv} rolled back v7, don't redeploy yet")
    # THEN it is added as typed, not refused with "I did not expect 'back v7'"
    assert said.tone is Tone.OK, said
    shown = _rey(services, f"investigation show {inv}")
    assert "rolled back v7, don't redeploy yet" in _slack_text(shown)


def test_a_summary_and_a_note_take_the_rest_of_the_line(services: Services, inv: str) -> None:
    assert not run(services, "team bind C-search --team search").failed  # a channel to ask in
    escalated = _rey(services, f"investigation escalate {inv} --to search pool is exhausted")
    resolved = _rey(services, f"/sre investigation resolve {inv} v42 exhausted the DB pool")
    assert escalated.tone is Tone.ACCEPTED, escalated
    assert resolved.tone is Tone.OK, resolved
    shown = _rey(services, f"investigation show {inv}")
    assert dict(shown.fields)["Summary"] == "v42 exhausted the DB pool"


def test_options_after_the_text_still_count(services: Services, inv: str) -> None:
    said = _rey(services, f"investigation comment {inv} replica lag too --team payments")
    assert said.tone is Tone.OK, said
    assert "replica lag too" in _rey(services, f"investigation show {inv}").text
    assert "--team" not in _rey(services, f"investigation show {inv}").text


def test_a_description_and_a_silence_comment_take_the_words_up_to_the_next_option(
    services: Services,
) -> None:
    setup_teams(services)
    created = run(services, "team create search2 --description Search and ranking platform")
    assert created.tone is Tone.OK, created
    assert "Search and ranking platform" in _slack_text(run(services, "team show search2"))
    run(services, "service register checkout-api --sample checkout", user="oli", channel="C-pay")
    policy = 'alert create slow --service checkout-api --when "p99_latency > 800ms"'
    assert not run(services, policy, user="oli", channel="C-pay").failed
    silenced = _rey(services, "alert silence slow load test in progress --duration 4h")
    assert silenced.tone is Tone.OK, silenced
    assert "load test in progress" in _slack_text(_rey(services, "silence list"))


def test_a_comment_of_3000_characters_is_kept_whole_and_shown_split_between_words(
    services: Services, inv: str
) -> None:
    # GIVEN a comment as long as Slack shows in one section: a post-mortem pasted in
    words = " ".join(f"word{i:04d}" for i in range(334))[:3000]
    assert len(words) == 3000
    said = _rey(services, f"investigation comment {inv} {words}")
    assert said.tone is Tone.OK, said
    # WHEN the timeline is shown in Slack
    shown = blocks(_rey(services, f"investigation show {inv}"))
    sections = [b["text"]["text"] for b in shown if "text" in b]
    # THEN every section fits Slack's limit, and no word is cut in two
    assert all(len(text) <= 3000 for text in sections)
    joined = " ".join(sections)
    assert all(f"word{i:04d}" in joined for i in range(332))


def test_a_summary_too_long_for_slack_is_refused_saying_the_limit(
    services: Services, inv: str
) -> None:
    refused = _rey(services, f"investigation resolve {inv} {'x' * 3001}")
    assert refused.tone is Tone.USAGE
    assert "at most 3,000" in refused.title
    assert "3,001 characters" in refused.title
    resolved = _rey(services, f"investigation resolve {inv} {'y' * 2999}.")
    assert resolved.tone is Tone.OK
    assert all(len(b["text"]["text"]) <= 3000 for b in blocks(resolved) if "text" in b)
    shown = _rey(services, f"investigation show {inv}")
    summary = [b for b in blocks(shown) if "Summary" in b.get("text", {}).get("text", "")]
    assert summary, "a summary too long for a Slack field is shown in a section"


def test_the_comment_button_takes_as_much_as_the_command_does_in_slack_and_teams(
    services: Services, report: Reply
) -> None:
    # GIVEN the Comment button on an investigation's report, as Slack and Teams show it
    shown = report
    comment = next(b for b in shown.buttons if b.label == "Comment")
    (actions,) = [b for b in blocks(shown) if b["type"] == "actions"]
    button = next(e for e in actions["elements"] if e["text"]["text"] == "Comment")
    modal = prompt_view(button, {})
    teams = json.dumps(card(shown))
    # THEN their text boxes take a 3,000-character comment, and it is added whole
    assert modal["blocks"][0]["element"]["max_length"] == 3000
    assert '"maxLength": 3000' in teams
    said = _rey(services, comment.with_answer("z" * 3000))
    assert said.tone is Tone.OK, said


def test_help_examples_write_free_text_as_the_rest_of_the_line_without_quotes() -> None:
    # GIVEN every command whose last positional takes the rest of the line
    takers = [m for m in COMMANDS.models if m.rest and m.rest in m.positional]
    assert {m.phrase() for m in takers} >= {
        "investigation comment",
        "investigation resolve",
        "investigation escalate",
        "alert silence",
    }
    for model in takers:
        # THEN its usage line shows the text as a positional, and so do its examples
        rest = str(model.rest)
        assert f"[{rest.upper()}]" in usage(model) or f" {rest.upper()}" in usage(model)
        for example in model.examples:
            assert f"--{rest}" not in example, example
            assert '"' not in example and "'" not in example, example


def test_terminal_buttons_prompt_for_the_rest_of_the_line_in_words(report: Reply) -> None:
    # WHEN the report is shown in a terminal
    shown = render_text(report)
    # THEN the Resolve button asks for the summary as the rest of the line, in words
    (resolve,) = [line for line in shown.splitlines() if line.strip().startswith("[Resolve]")]
    assert resolve.endswith("<summary of what it was>"), resolve
    assert "--summary" not in resolve
    assert "?>" not in shown


def test_an_empty_comment_gets_one_wording_however_it_is_empty(
    services: Services, inv: str
) -> None:
    # WHEN a comment is sent with no text, empty quotes, spaces or only invisible characters
    typed = [
        f"investigation comment {inv}",
        f'investigation comment {inv} ""',
        f'investigation comment {inv} "   "',
        f"investigation comment {inv} \u200b",
    ]
    titles = {_slack_text(_rey(services, text)).splitlines()[0] for text in typed}
    # THEN every one is answered with the same words: what is missing and an example
    assert titles == {":grey_question: *text is missing, e.g. `rolled back v42`.*"}, titles
