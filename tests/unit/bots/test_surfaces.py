"""What the chat surfaces do to text on the way in and out."""

from __future__ import annotations

from botbuilder.schema import Activity

from bots.slack.normalize import plain_text
from bots.slack.render import blocks, mrkdwn
from bots.teams.normalize import command_text
from bots.teams.render import card
from bots.text import render_text
from shared.replies import Button, Reply, Tone


def test_slack_markup_becomes_what_was_typed() -> None:
    typed = "team member add <@U024BE7LH|alice> --team pay &amp; <#C024BE91L|ops> &lt;x&gt;"
    assert plain_text(typed) == "team member add @U024BE7LH --team pay & #C024BE91L <x>"


def test_slack_output_escapes_markup_and_mentions_users() -> None:
    assert mrkdwn("@U024BE7LH is admin <b> & co") == "<@U024BE7LH> is admin &lt;b&gt; &amp; co"


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

    from bots.teams.bot import reply_activity
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
