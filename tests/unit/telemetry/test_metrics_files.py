"""A metrics file is read up to its row cap."""

from __future__ import annotations

from pathlib import Path

import pytest

from shared.adapters.local.csv_metrics import CsvMetricsSource
from shared.errors import InvalidCommandError


def test_too_many_rows_are_refused(tmp_path: Path) -> None:
    lines = "".join(f"2026-11-22T09:{m:02d}:00Z,1\n" for m in range(11))
    (tmp_path / "long.csv").write_text("timestamp,p99_latency\n" + lines)
    with pytest.raises(InvalidCommandError, match="it has more than 10 rows"):
        CsvMetricsSource(tmp_path, max_rows=10).admit("long.csv")
