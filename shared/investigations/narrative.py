"""The investigation told in a sentence or two, from its findings: no model needed.

This is the default `Summariser`; the port is the seam where an AI summariser can take over (it
gets the whole investigation: findings, evidence, log lines, timeline)."""

from __future__ import annotations

from shared.investigations.models import Finding, Investigation


def _change(finding: Finding) -> str:
    ratio = finding.ratio
    if ratio == float("inf"):
        size = "up from zero"
    elif ratio >= 1:
        size = f"{ratio:.1f}×"
    else:
        size = f"down to {ratio:.0%}"
    return f"{finding.signal.label} at {finding.onset:%H:%M} ({size})"


class NarrativeSummariser:
    """Orders the changes by onset and says what came first and what it followed."""

    def summarise(self, investigation: Investigation) -> str:
        """A short account: the first change, what it followed, then the rest in order."""
        changes = sorted(investigation.findings, key=lambda f: (f.onset, f.signal.value))
        if not changes:
            return f"Nothing in {investigation.service}'s golden signals moved beyond its baseline."
        first, *rest = changes
        text = f"{first.signal.label.capitalize()} moved first, at {first.onset:%H:%M} UTC"
        if first.near:
            minutes = round((first.onset - first.near.time).total_seconds() / 60)
            text += f", {minutes} min after {first.near.summary}"
        text += "."
        if rest:
            text += " Then " + ", ".join(_change(f) for f in rest) + "."
        if investigation.logs:
            top = investigation.logs[0]
            text += f" Most frequent in the logs: {top.text} ({top.window} in the window)."
        return text
