"""What the chat surfaces do to text on the way in and out."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from botbuilder.schema import Activity
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bots.delivery import SurfaceNotifier
from bots.msteams.normalize import command_text
from bots.msteams.render import card
from bots.slack.normalize import from_slash_command, plain_text
from bots.slack.notifier import READY_WAITS, SlackNotifier
from bots.slack.render import blocks, mrkdwn
from bots.text import render_text
from shared.config import Settings
from shared.identity.models import Platform
from shared.invocation import ReplyTarget
from shared.replies import Button, Image, Reply, Tone
from tests.fakes.http_capture import capture_server
from tests.support.payloads import message_activity


def test_slack_markup_becomes_what_was_typed() -> None:
    typed = "team member add <@U024BE7LH|alice> --team pay &amp; <#C024BE91L|ops> &lt;x&gt;"
    assert plain_text(typed) == "team member add @U024BE7LH --team pay & #C024BE91L <x>"


def test_a_link_slack_made_of_typed_words_is_the_words_typed() -> None:
    # GIVEN what Slack sends for `web.app`, `example.com`, `bob@corp.com` typed, and a URL pasted
    typed = (
        "service register <http://web.app|web.app> see <http://example.com|example.com> "
        "<mailto:bob@corp.com|bob@corp.com> <https://x.io/a/b>"
    )
    # THEN each is what was typed (before: `http://web.app`, a name refused; `mailto:bob@…`)
    assert plain_text(typed) == (
        "service register web.app see example.com bob@corp.com https://x.io/a/b"
    )


def test_slack_output_escapes_markup_and_never_makes_a_mention_of_text() -> None:
    assert mrkdwn("@U024BE7LH is admin <b> & co") == "@U024BE7LH is admin &lt;b&gt; &amp; co"


def test_a_reply_in_block_kit_has_its_fields_buttons_and_receipt() -> None:
    reply = Reply(
        tone=Tone.OK,
        title="Done",
        text="x" * 5000,
        fields=[(f"k{i}", "v") for i in range(12)],
        buttons=[Button(label="Show", command="sre team show pay", style="primary")],
        receipt="audit #3 · abcdef",
    )
    kinds = [block["type"] for block in blocks(reply)]
    assert kinds == ["section", "section", "section", "section", "section", "actions", "context"]
    assert all(len(b["text"]["text"]) <= 3000 for b in blocks(reply) if "text" in b)
    actions = blocks(reply)[-2]["elements"]
    assert actions[0]["value"] == "sre team show pay"
    assert actions[0]["action_id"] == "sre:0"


@pytest.mark.parametrize("typed", ["<" * 2990, "&" * 2990, "a <b> & c " * 299])
def test_text_escaping_lengthens_still_fits_slacks_sections_and_fields(typed: str) -> None:
    # GIVEN text within the 3,000 characters a comment may hold, which Slack's escaping makes up
    # to five times longer, as a reply's text, a short field and a long one (a summary)
    reply = Reply(
        tone=Tone.INFO,
        title="Investigation inv-1",
        text=typed,
        fields=[("Comment", typed[:1800]), ("Summary", typed)],
    )
    rendered = blocks(reply)
    # THEN every section and field, as sent, is within Slack's limits, and nothing is lost
    sections = [b["text"]["text"] for b in rendered if "text" in b]
    fields = [f["text"] for b in rendered for f in b.get("fields", [])]
    assert all(len(text) <= 3000 for text in sections)
    assert all(len(text) <= 2000 for text in fields)
    shown = "".join(sections + fields)
    for typed_char, sent in (("<", "&lt;"), ("&", "&amp;")):
        assert shown.count(sent) == 2 * typed.count(typed_char) + typed[:1800].count(typed_char)


def test_a_reply_longer_than_slack_takes_is_cut_saying_so_and_keeps_buttons_and_receipt() -> None:
    # GIVEN a reply of 3,000 lines (a list of every experiment, say), a button and a receipt
    reply = Reply(
        tone=Tone.INFO,
        title="Experiments (3000)",
        text="\n".join(
            f"exp-{i}: http-status:503 at 5% on checkout-api, held" for i in range(3000)
        ),
        fields=[(f"k{i}", "v") for i in range(30)],
        buttons=[Button(label="Show", command="sre chaos list", style="primary")],
        receipt="audit #3 · abcdef",
    )
    # WHEN written as Block Kit
    written = blocks(reply)
    # THEN it fits the 50 blocks Slack takes (it refuses a longer message whole), says it was
    # cut and how to see the rest, and keeps its buttons and receipt last
    assert len(written) == 50
    assert [b["type"] for b in written[-2:]] == ["actions", "context"]
    assert "more parts not shown: Slack shows at most 50" in written[-3]["text"]["text"]
    assert "*Experiments (3000)*" in written[0]["text"]["text"]


def test_a_reply_longer_than_teams_takes_is_cut_at_a_line_saying_so() -> None:
    # GIVEN a reply of 3,000 lines; WHEN written as a Teams card
    lines = [f"exp-{i}: http-status:503 at 5% on checkout-api, held" for i in range(3000)]
    document = card(Reply(tone=Tone.INFO, title="Experiments (3000)", text="\n".join(lines)))
    text = document["body"][1]["text"]
    # THEN it keeps whole lines within the size Teams takes, and says how many more there are
    shown = text.split("\n\n…and ")[0].splitlines()
    assert shown == lines[: len(shown)] and 200 < len(shown) < 3000
    assert f"…and {3000 - len(shown)} more lines not shown" in text
    assert len(json.dumps(document)) < 28_000


def test_teams_text_loses_the_bot_mention_and_keeps_other_mentions() -> None:
    activity = Activity().deserialize(
        {
            "type": "message",
            "text": "<at>Auto SRE</at> team member add <at>Alice</at> --role admin",
            "recipient": {"id": "28:bot"},
            "entities": [
                {"type": "mention", "text": "<at>Auto SRE</at>", "mentioned": {"id": "28:bot"}},
                {
                    "type": "mention",
                    "text": "<at>Alice</at>",
                    "mentioned": {"id": "29:alice", "aadObjectId": "aad-alice"},
                },
            ],
        }
    )
    assert command_text(activity) == "team member add @aad-alice --role admin"


def test_the_bots_name_typed_in_a_teams_command_is_kept() -> None:
    # GIVEN a description that names the bot, after the bot's own mention
    activity = Activity().deserialize(
        {
            "type": "message",
            "text": "<at>Auto SRE</at> team create docs --description 'what Auto SRE links'",
            "recipient": {"id": "28:bot"},
            "entities": [
                {
                    "type": "mention",
                    "text": "<at>Auto SRE</at>",
                    "mentioned": {"id": "28:bot", "name": "Auto SRE"},
                },
            ],
        }
    )
    # THEN only the mention goes (botbuilder's removal took the name from the description too)
    assert command_text(activity) == "team create docs --description 'what Auto SRE links'"


@pytest.mark.parametrize("name", ["missing", None])
def test_a_teams_bot_mention_with_no_text_nor_name_is_still_taken_off(name: str | None) -> None:
    # GIVEN the recorded activity, whose bot mention has no `text`, and its name missing or null
    recorded = message_activity(text="whoami")
    mentioned = recorded["entities"][0]["mentioned"]
    if name is None:
        mentioned["name"] = None
    else:
        del mentioned["name"]
    # THEN the command is what follows the mention (botbuilder's removal raised on it)
    assert command_text(Activity().deserialize(recorded)) == "whoami"


def test_an_unclosed_angle_bracket_in_teams_text_is_text_not_the_start_of_a_tag() -> None:
    # GIVEN raw `<`s before a tag (Teams escapes a typed `<`; a relay need not)
    activity = Activity().deserialize(
        {"type": "message", "text": "say <<< <b>hi</b>", "recipient": {"id": "28:bot"}}
    )
    # THEN only the tags go: a tag runs from a `<` to the next `>` with no `<` between (matching
    # from each unclosed `<` to the next `>` took 37 s on 230 KB of them)
    assert command_text(activity) == "say <<< hi"


def test_a_teams_line_break_or_paragraph_separates_words() -> None:
    # GIVEN a comment typed over two lines (Shift-Enter) and two paragraphs, as Teams sends them
    text = "<p>investigation comment inv-abcdef first<br>second</p><p>third</p>"
    activity = Activity().deserialize(
        {"type": "message", "text": text, "textFormat": "xml", "recipient": {"id": "28:bot"}}
    )
    # THEN the words stay apart (before: `firstsecondthird`)
    assert command_text(activity) == "investigation comment inv-abcdef first second third"


def test_a_teams_button_click_carries_its_command() -> None:
    activity = Activity().deserialize(
        {"type": "message", "value": {"sre": "team show pay"}, "recipient": {"id": "28:bot"}}
    )
    assert command_text(activity) == "team show pay"


def test_the_card_and_the_terminal_show_the_same_reply() -> None:
    reply = Reply(
        tone=Tone.DENIED,
        title="Not allowed",
        text="needs admin",
        correlation_id="ref1",
        buttons=[Button(label="Help", command="sre help")],
    )
    document = card(reply)
    assert document["body"][0]["color"] == "Attention"
    assert document["actions"][0]["data"] == {"sre": "sre help"}
    assert document["body"][-1]["text"] == "ref ref1"
    assert render_text(reply).splitlines() == ["✗ Not allowed", "needs admin", "  [Help] sre help"]


def test_a_chart_goes_with_the_card_in_teams_and_is_mentioned_in_the_terminal() -> None:
    import base64

    from bots.msteams.bot import reply_activity
    from shared.replies import Image

    png = b"\x89PNG\r\n\x1a\n" + b"0" * 2048
    reply = Reply(
        tone=Tone.INFO,
        title="checkout-api: p99 latency 4.1× baseline",
        images=[Image(name="inv-1.png", title="chart", png_base64=base64.b64encode(png).decode())],
    )
    activity = reply_activity(reply)
    kinds = [a.content_type for a in activity.attachments]
    assert kinds == ["application/vnd.microsoft.card.adaptive", "image/png"]
    assert activity.attachments[1].content_url.startswith("data:image/png;base64,iVBORw0KGgo")
    assert render_text(reply).count("(chart inv-1.png, 2 KB: on the page)") == 1


def _uploading_slack(**answers: Any) -> dict[str, Any]:
    return {
        "files.getUploadURLExternal": {"ok": True, "upload_url": "{url}upload/F9", "file_id": "F9"},
        "files.completeUploadExternal": {"ok": True, "files": [{"id": "F9"}]},
        "upload/F9": {"ok": True},
        **answers,
    }


CHART = Image(
    name="can-1-2.png",
    title="api: canary 2 vs stable 1, per minute",
    png_base64=base64.b64encode(b"\x89PNG chart").decode(),
    inline=True,
)
STEP = Reply(tone=Tone.INFO, title="Canary api version 2: running at 25%", images=[CHART])
AT = ReplyTarget(platform=Platform.SLACK, channel="C-pay", message="1700000000.000100")


def test_an_inline_chart_is_shown_once_slack_has_processed_it() -> None:
    # GIVEN Slack answers files.info without a mimetype twice (still processing), then with one
    processing = {"ok": True, "file": {"id": "F9", "mimetype": ""}}
    ready = {"ok": True, "file": {"id": "F9", "mimetype": "image/png"}}
    answers = _uploading_slack(**{"files.info": [processing, processing, ready]})
    waits: list[float] = []
    with capture_server(by_path=answers) as slack_api:
        notifier = SlackNotifier(WebClient(token="x", base_url=slack_api.url), sleep=waits.append)
        notifier.update(AT, STEP)
    # THEN the message is updated once, with the file in an image block, after three looks
    assert waits == list(READY_WAITS[:3])
    (update,) = slack_api.calls("chat.update")
    (image,) = [b for b in update.body["blocks"] if b["type"] == "image"]
    assert image["slack_file"] == {"id": "F9"}
    assert image["alt_text"] == CHART.title
    (upload,) = slack_api.calls("upload/F9")
    assert b"\x89PNG chart" in upload.raw


def test_a_chart_slack_never_finishes_or_refuses_does_not_stop_the_message() -> None:
    # GIVEN a file Slack never finishes processing
    never = _uploading_slack(**{"files.info": {"ok": True, "file": {"id": "F9", "mimetype": ""}}})
    with capture_server(by_path=never) as slack_api:
        SlackNotifier(WebClient(token="x", base_url=slack_api.url), sleep=lambda _: None).update(
            AT, STEP
        )
    # THEN the message is updated without the image (after every look)
    (update,) = slack_api.calls("chat.update")
    assert [b["type"] for b in update.body["blocks"]] == ["section"]
    assert len(slack_api.calls("files.info")) == len(READY_WAITS)
    # GIVEN Slack refuses the image block although the file was processed
    refusing = _uploading_slack(
        **{
            "files.info": {"ok": True, "file": {"id": "F9", "mimetype": "image/png"}},
            "chat.update": [
                {"ok": False, "error": "invalid_blocks", "errors": ["invalid slack file"]},
                {"ok": True, "ts": "1700000000.000100", "channel": "C-pay"},
            ],
        }
    )
    with capture_server(by_path=refusing) as slack_api:
        SlackNotifier(WebClient(token="x", base_url=slack_api.url), sleep=lambda _: None).update(
            AT, STEP
        )
    # THEN it is sent again without the image
    first, second = slack_api.calls("chat.update")
    assert "image" in [b["type"] for b in first.body["blocks"]]
    assert "image" not in [b["type"] for b in second.body["blocks"]]
    assert "running at 25%" in str(second.body["blocks"])


def test_another_slack_refusal_is_raised() -> None:
    answers = _uploading_slack(
        **{
            "files.info": {"ok": True, "file": {"id": "F9", "mimetype": "image/png"}},
            "chat.update": {"ok": False, "error": "message_not_found"},
        }
    )
    with capture_server(by_path=answers) as slack_api:
        notifier = SlackNotifier(WebClient(token="x", base_url=slack_api.url), sleep=lambda _: None)
        with pytest.raises(SlackApiError, match="message_not_found"):
            notifier.update(AT, STEP)
    assert len(slack_api.calls("chat.update")) == 1


def test_each_request_gets_its_own_twelve_hex_correlation_id() -> None:
    # the Slack, Teams and terminal invocations all take theirs from one maker
    body = {"team_id": "T1", "user_id": "U1", "text": "help", "channel_id": "C1"}
    ids = {from_slash_command(body).correlation_id for _ in range(1000)}
    assert len(ids) == 1000
    assert all(len(ref) == 12 and set(ref) <= set("0123456789abcdef") for ref in ids)


def test_sre_serve_shows_what_is_posted_to_the_terminals_channel(tmp_path: Any) -> None:
    # GIVEN the notifier `sre serve` builds (its terminal echoed)
    shown: list[str] = []
    notifier = SurfaceNotifier(Settings(home=tmp_path), echo=shown.append)
    # WHEN the scheduler posts an alert to the terminal's channel, then updates it
    target = ReplyTarget(platform=Platform.LOCAL, channel="local")
    notifier.post(target, Reply(tone=Tone.ERROR, title="FIRING [page] slow-checkout"))
    notifier.update(target, Reply(tone=Tone.OK, title="RESOLVED slow-checkout"))
    # THEN both are printed readably, each under the channel's name (not only in the JSON log)
    assert shown == [
        "[#local]\n✗ FIRING [page] slow-checkout",
        "[#local]\n✓ RESOLVED slow-checkout",
    ]
