"""A prompt variant: a versioned, content-hashed way of telling an investigation (a rule-based
template, or a model with its instructions and settings)."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated

from pydantic import Field

from shared.records import Frozen

MOST_VARIANTS = 50
"""Variants (every version counted) an org may keep."""
LONGEST_TEXT = 4_000
"""Characters a model variant's instructions may run to."""
CONTROL_NAME = "cause-first"

VariantName = Annotated[str, Field(pattern=r"^[a-z][a-z0-9-]{1,39}$")]
"""A variant's name: lowercase letters, digits and dashes, 2 to 40 (`cause-first`)."""


class VariantKind(StrEnum):
    """How a variant tells an investigation."""

    TEMPLATE = "template"
    MODEL = "model"


class Template(StrEnum):
    """The rule-based templates, which need no model."""

    CAUSE_FIRST = "cause-first"
    TIMELINE_FIRST = "timeline-first"


class VariantContent(Frozen):
    """What a variant is, hashed: two variants with the same content tell the same way."""

    kind: VariantKind
    template: Template | None = None
    model: str = ""
    instructions: Annotated[str, Field(max_length=LONGEST_TEXT)] = ""
    temperature: Annotated[float, Field(ge=0, le=1)] = 0.2
    max_tokens: Annotated[int, Field(ge=50, le=2_000)] = 400
    few_shot: Annotated[int, Field(ge=0, le=5)] = 3

    @property
    def content_hash(self) -> str:
        """SHA-256 of the content's canonical JSON (sorted keys, no spaces)."""
        canonical = json.dumps(self.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()


class Variant(Frozen):
    """One version of a named variant of an org (a changed variant under the same name is the
    next version; the old one stays in its history)."""

    org: str
    name: VariantName
    version: int
    content: VariantContent
    created_by: str
    created_at: datetime
    retired_at: datetime | None = None

    @property
    def content_hash(self) -> str:
        """The content's SHA-256."""
        return self.content.content_hash

    @property
    def label(self) -> str:
        """`cause-first v1 · 3f9c2a1b7d0e`: what the report's footer says wrote its narrative."""
        return f"{self.name} v{self.version} · {self.content_hash[:12]}"

    @property
    def retired(self) -> bool:
        """Whether it was retired (kept in history, never chosen again)."""
        return self.retired_at is not None


def control(org: str) -> Variant:
    """`cause-first` v1, every org's implicit control: today's rule-based narrative."""
    content = VariantContent(kind=VariantKind.TEMPLATE, template=Template.CAUSE_FIRST)
    at = datetime(2026, 1, 1, tzinfo=UTC)
    return Variant(
        org=org, name=CONTROL_NAME, version=1, content=content, created_by="", created_at=at
    )


class Verdict(StrEnum):
    """What a responder said of a report's narrative."""

    HELPFUL = "helpful"
    WRONG = "wrong"


class Feedback(Frozen):
    """One person's verdict on one investigation's narrative (once, final), with the variant
    that wrote it."""

    org: str
    team: str
    investigation_id: str
    by: str
    verdict: Verdict
    narrated_by: str
    at: datetime
    comment: str = ""
