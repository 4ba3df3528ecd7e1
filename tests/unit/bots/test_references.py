"""People, groups and channels a reply names, as each surface shows them; user text never
mentions anyone."""

from __future__ import annotations

from bots.msteams.render import card, summary
from bots.slack.render import blocks, message
from bots.text import render_text
from shared.replies import Reply, Tone, channel_ref, group_ref, pieces, user_ref

AAD = "1d2e3f4a-5b6c-4d7e-8f90-a1b2c3d4e5f6"
HOSTILE = "<!channel> <!subteam^S0ONCALL> <!here> @everyone <@U0OTHER> <at>Alice</at>"
"""A comment as Slack escapes it (and as a Teams user could type it): every way to ping."""


def _bound(channel: str, user: str, name: str = "") -> Reply:
    return Reply(
        tone=Tone.OK,
        title=f"#{channel} is bound to team demo",
        text=f"by @{user}: {HOSTILE}",
        fields=[("Members", f"@{user} · admin")],
        refs=(channel_ref(channel), user_ref(user, name)),
    )


def test_only_the_references_a_reply_declares_are_found_and_only_whole() -> None:
    refs = [user_ref("U1"), channel_ref("C1")]
    assert pieces("@U1 bound #C1, not #C10, @U1.b or a@U1", refs) == [
        refs[0],
        " bound ",
        refs[1],
        ", not #C10, @U1.b or a@U1",
    ]
    # a reference without an id (an entry nobody made) names nothing, and breaks nothing
    assert pieces("by @ at 10:00", [user_ref("")]) == ["by @ at 10:00"]


def test_slack_shows_the_reply_s_people_and_channels_as_mentions() -> None:
    reply = _bound("C024BE91L", "U024BE7LH")
    shown = blocks(reply)
    assert shown[0]["text"]["text"] == ":white_check_mark: *<#C024BE91L> is bound to team demo*"
    assert shown[2]["fields"][0]["text"] == "*Members*\n<@U024BE7LH> · admin"
    assert message(reply)["text"] == "<#C024BE91L> is bound to team demo"


def test_slack_never_pings_from_user_text_and_parses_nothing_itself() -> None:
    shown = blocks(_bound("C024BE91L", "U024BE7LH"))
    text = shown[1]["text"]["text"]
    # every markup character of the user's text is escaped: no <!channel>, group or user mention
    assert text.startswith("by <@U024BE7LH>: &lt;!channel&gt; &lt;!subteam^S0ONCALL&gt;")
    assert "<!" not in text.replace("<@U024BE7LH>", "") and "<@U0OTHER>" not in text
    # and Slack is told not to turn plain `@everyone` or `@here` into mentions either
    assert all(
        part["verbatim"] is True
        for block in shown
        for part in [block.get("text"), *block.get("fields", []), *block.get("elements", [])]
        if part and part.get("type") == "mrkdwn"
    )


def test_slack_shows_an_id_that_is_not_slack_s_as_text() -> None:
    reply = Reply(tone=Tone.OK, title="rolled back by @scheduler", refs=(user_ref("scheduler"),))
    assert blocks(reply)[0]["text"]["text"].endswith("*rolled back by @scheduler*")


def test_slack_mentions_a_user_group_only_where_the_reply_names_it() -> None:
    reply = Reply(
        tone=Tone.OK,
        title="inv-1 escalated to @S0DBONCALL",
        text="@S0DBONCALL please have a look; @S0OTHER was not asked",
        refs=(group_ref("S0DBONCALL"),),
    )
    text = blocks(reply)[1]["text"]["text"]
    assert text == "<!subteam^S0DBONCALL> please have a look; @S0OTHER was not asked"


def test_teams_mentions_the_reply_s_people_with_entities_and_neutralises_typed_tags() -> None:
    document = card(_bound("19:general@thread.tacv2", AAD, "Alice"))
    # the person is a mention entity, written <at>Alice</at> where the reply names them
    assert document["msteams"]["entities"] == [
        {"type": "mention", "text": "<at>Alice</at>", "mentioned": {"id": AAD, "name": "Alice"}}
    ]
    assert document["body"][2]["facts"][0]["value"] == "<at>Alice</at> · admin"
    # the <at>Alice</at> the user typed is no longer a tag, so it matches no entity
    text = document["body"][1]["text"]
    assert text.startswith("by <at>Alice</at>: ") and text.count("<at>") == 1
    assert "<\u200bat>Alice<\u200b/at>" in text
    # a channel has no mention entity: Teams shows its id as text
    assert document["body"][0]["text"] == "#19:general@thread.tacv2 is bound to team demo"


def test_teams_leaves_ids_it_cannot_mention_as_text_and_plain_titles_tagless() -> None:
    reply = Reply(tone=Tone.OK, title="<at>x</at> by @oli", text="@oli", refs=(user_ref("oli"),))
    assert "msteams" not in card(reply)
    assert summary(reply) == "<\u200bat>x<\u200b/at> by @oli"


def test_a_markdown_link_someone_typed_shows_its_address_in_a_teams_card() -> None:
    # GIVEN a team's description written as a disguised link, shown in a card's text and facts
    typed = "[Verify your SSO session](https://evil.example/sso) **urgent**"
    reply = Reply(tone=Tone.OK, title=typed, text=typed, fields=[("Description", typed)])
    # WHEN rendered for Teams, whose cards render Markdown links
    document = card(reply)
    shown = [document["body"][0]["text"], document["body"][1]["text"]]
    shown.append(document["body"][2]["facts"][0]["value"])
    # THEN no text is a link under a label: the address stays in sight, after the label
    for text in [*shown, summary(reply)]:
        assert "](" not in text
        assert "[Verify your SSO session]\u200b(https://evil.example/sso)" in text


def test_the_terminal_shows_people_and_channels_as_typed() -> None:
    lines = render_text(_bound("C1", "alice")).splitlines()
    assert lines[0] == "✓ #C1 is bound to team demo"
    assert lines[-1] == "  Members  @alice · admin"
    assert HOSTILE in lines[1]
