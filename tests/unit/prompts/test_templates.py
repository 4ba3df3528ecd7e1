"""The rule-based template variants: the same facts told cause-first or in time order, signed by
the variant; a variant's hash follows its content only."""

from __future__ import annotations

from shared.prompts.models import (
    Template,
    Variant,
    VariantContent,
    VariantKind,
    control,
)
from shared.prompts.templates import TemplateSummariser, timeline
from shared.telemetry.models import Event, Signal
from tests.support import NOW
from tests.support.incidents import finding_at, investigation_of

DEPLOY = Event(time=NOW.replace(minute=0), kind="deploy", summary="deploy v7")


def _variant(template: Template, name: str = "timeline", version: int = 2) -> Variant:
    content = VariantContent(kind=VariantKind.TEMPLATE, template=template)
    return Variant(
        org="T1", name=name, version=version, content=content, created_by="rey", created_at=NOW
    )


def test_timeline_first_tells_events_and_changes_in_time_order_then_the_first_cause() -> None:
    errors = finding_at(Signal.ERROR_RATE, 5, 0.1, 3.0)
    traffic = finding_at(Signal.TRAFFIC, 3, 1000.0, 250.0).model_copy(update={"near": DEPLOY})
    told = timeline(investigation_of([errors, traffic], events=[DEPLOY]))
    assert told == (
        "09:00 deploy v7 · 09:03 traffic moved (0.2× baseline) · "
        "09:05 error rate moved (30.0× baseline). "
        "First cause: traffic, 3 min after deploy v7."
    )


def test_timeline_first_with_nothing_moved_says_what_cause_first_says() -> None:
    quiet = investigation_of([], events=[DEPLOY])
    assert timeline(quiet) == "Nothing in api's golden signals moved beyond its baseline."


def test_a_template_variant_signs_its_narrative_with_name_version_and_hash() -> None:
    variant = _variant(Template.TIMELINE_FIRST)
    told = TemplateSummariser(variant).summarise(investigation_of([], events=[DEPLOY]))
    assert told.by == f"timeline v2 · {variant.content_hash[:12]}"
    cause_first = TemplateSummariser(control("T1")).summarise(
        investigation_of([finding_at(Signal.ERROR_RATE, 5, 0.1, 3.0)], events=[DEPLOY])
    )
    assert cause_first.text.startswith("Error rate moved first, at 09:05 UTC")
    assert cause_first.by.startswith("cause-first v1 · ")


def test_the_hash_follows_the_content_not_the_name_version_or_author() -> None:
    a = _variant(Template.TIMELINE_FIRST, name="aa", version=1)
    b = _variant(Template.TIMELINE_FIRST, name="bb", version=7)
    c = _variant(Template.CAUSE_FIRST, name="aa", version=1)
    assert a.content_hash == b.content_hash != c.content_hash
    assert len(a.content_hash) == 64
    assert c.content_hash == control("T2").content_hash
