"""What every chart shares: matplotlib (imported at the first chart, headless), a panel's size,
type and colours, and the PNG bytes of a figure."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.figure import Figure

PANEL_INCHES = (4.8, 2.7)
DPI = 150
"""A panel is 720 × 405 px: a phone shows it about 350 px wide, at half size."""
FONT = 11.0
"""Points: 23 px in a 720-px panel, so still 11 px on a phone."""
INK, CHANGE, DEPLOY, BASELINE = "#1d3557", "#e63946", "#2a9d8f", "#6c757d"


def pyplot() -> Any:
    """matplotlib's pyplot on the Agg backend (no display)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    return plt


def png(figure: Figure, dpi: float = DPI) -> bytes:
    """The figure as PNG bytes; the figure is closed."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi)
    pyplot().close(figure)
    return buffer.getvalue()


def time_locator() -> Any:
    """Two to four ticks in UTC for any window: matplotlib's date locator has no interval for
    some spans at that many (90 to 119 minutes, 36 to 47 hours) and warned, on the terminal,
    between the answers; ticks every hour, or at midnight, fill those gaps."""
    from datetime import UTC

    from matplotlib import dates

    locator = dates.AutoDateLocator(minticks=2, maxticks=4, tz=UTC)  # type: ignore[no-untyped-call]
    locator.intervald[dates.MINUTELY] = [1, 5, 10, 15, 30, 60]
    locator.intervald[dates.HOURLY] = [1, 2, 3, 4, 6, 12, 24]
    return locator
