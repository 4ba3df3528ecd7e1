"""Charts of an investigation's golden signals, drawn with matplotlib (imported on first use)."""

from __future__ import annotations

import io

from shared.investigations.catalog import UNITS
from shared.investigations.models import Investigation


def render_png(investigation: Investigation) -> bytes:
    """One small panel per signal, the onset of each finding marked; PNG bytes."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    signals = [s for s, points in investigation.series.items() if points]
    onsets = {f.signal: f.onset for f in investigation.findings}
    figure, axes = pyplot.subplots(
        len(signals) or 1, 1, figsize=(8, 1.6 * max(len(signals), 1)), sharex=True, squeeze=False
    )
    for axis, signal in zip(axes[:, 0], signals, strict=False):
        times, values = zip(*investigation.series[signal], strict=True)
        axis.plot(times, values, linewidth=1.2, color="#1d3557")
        axis.set_ylabel(f"{signal.label}{UNITS[signal]}".strip(), fontsize=8)
        if signal in onsets:
            axis.axvline(onsets[signal], color="#e63946", linestyle="--", linewidth=1)
        axis.tick_params(labelsize=7)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=90)
    pyplot.close(figure)
    return buffer.getvalue()


def render_comparison_png(series: dict[str, tuple[list[float], list[float]]]) -> bytes:
    """A canary's metrics: one small panel each, stable and canary per minute; PNG bytes."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    names = list(series) or ["no data"]
    figure, axes = pyplot.subplots(len(names), 1, figsize=(6, 1.5 * len(names)), squeeze=False)
    for axis, name in zip(axes[:, 0], names, strict=True):
        stable, canary = series.get(name, ([], []))
        axis.plot(stable, linewidth=1.2, color="#1d3557", label="stable")
        axis.plot(canary, linewidth=1.2, color="#e63946", label="canary")
        axis.set_ylabel(name, fontsize=8)
        axis.tick_params(labelsize=7)
        axis.legend(fontsize=7, loc="upper left")
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=90)
    pyplot.close(figure)
    return buffer.getvalue()
