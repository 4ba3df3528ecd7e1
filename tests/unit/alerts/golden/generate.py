"""Make `cases.json`: what Prometheus' own `promtool test rules` says fires, minute by minute.

Each case is one threshold rule (`expr: m_<case> > 10`, a `for`, a `keep_firing_for`) over one
series written in promtool's notation. promtool is asked, at every minute, to expect nothing; each
failure it reports is a minute at which the alert fires. Run from the repository root:

    python tests/unit/alerts/golden/generate.py    # needs promtool (Debian package prometheus)
"""

from __future__ import annotations

import itertools
import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

HERE = Path(__file__).parent
MINUTES = 32
SHAPES = {
    "clean": "0x4 20x10 0x16",
    "one-miss-resets-for": "0x3 20x4 5 20x8 0x15",
    "short-gap": "0x3 20x3 _x2 20x5 0x17",
    "long-gap": "0x3 20x3 _x7 20x5 0x12",
    "stale": "0x3 20x5 stale 20x5 0x16",
    "from-start": "20x20 0x11",
    "flapping": "0x2 20 0 20 0 20 0 20x6 0x17",
    "ramp": "5+1x12 0x19",
}
TIMINGS = [("0m", "0m"), ("3m", "0m"), ("2m", "3m"), ("5m", "2m")]


def cases() -> list[dict[str, str]]:
    """Every shape under every timing: 32 rules."""
    return [
        {
            "name": f"c{i:02d}",
            "shape": shape,
            "values": values,
            "for": hold,
            "keep_firing_for": keep,
        }
        for i, ((shape, values), (hold, keep)) in enumerate(
            itertools.product(SHAPES.items(), TIMINGS)
        )
    ]


def _minutes(text: str) -> int:
    parts = {unit: int(n) for n, unit in re.findall(r"(\d+)([hms])", text)}
    return parts.get("h", 0) * 60 + parts.get("m", 0)


def firing(all_cases: list[dict[str, str]], promtool: str) -> dict[str, list[int]]:
    """Run promtool once over every case; the minutes at which each alert fires."""
    rules = {
        "groups": [
            {
                "name": "golden",
                "rules": [
                    {
                        "alert": c["name"],
                        "expr": f"m_{c['name']} > 10",
                        "for": c["for"],
                        "keep_firing_for": c["keep_firing_for"],
                    }
                    for c in all_cases
                ],
            }
        ]
    }
    test = {
        "rule_files": ["rules.json"],
        "evaluation_interval": "1m",
        "tests": [
            {
                "interval": "1m",
                "input_series": [
                    {"series": f"m_{c['name']}", "values": c["values"]} for c in all_cases
                ],
                "alert_rule_test": [
                    {"eval_time": f"{t}m", "alertname": c["name"], "exp_alerts": []}
                    for c in all_cases
                    for t in range(MINUTES)
                ],
            }
        ],
    }
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "rules.json").write_text(json.dumps(rules))
        (Path(tmp) / "test.json").write_text(json.dumps(test))
        done = subprocess.run(
            [promtool, "test", "rules", "test.json"],
            cwd=tmp,
            capture_output=True,
            text=True,
            check=False,  # failures are the answer
        )
    fired: dict[str, list[int]] = {c["name"]: [] for c in all_cases}
    for name, at in re.findall(r"alertname: (\w+), time: (\w+),", done.stdout + done.stderr):
        fired[name].append(_minutes(at))
    if done.returncode not in (0, 1) or (done.returncode == 1 and not any(fired.values())):
        raise RuntimeError(f"promtool failed:\n{done.stdout}\n{done.stderr}")
    return {name: sorted(minutes) for name, minutes in fired.items()}


def version(promtool: str) -> str:
    """promtool's version line."""
    out = subprocess.run([promtool, "--version"], capture_output=True, text=True, check=True)
    return (out.stdout or out.stderr).splitlines()[0]


def main() -> None:
    """Write cases.json next to this script."""
    promtool = shutil.which("promtool")
    if promtool is None:
        raise SystemExit("promtool is not installed (Debian: apt-get install prometheus)")
    all_cases = cases()
    fired = firing(all_cases, promtool)
    golden = {
        "made_by": f"tests/unit/alerts/golden/generate.py with {version(promtool)}",
        "minutes": MINUTES,
        "cases": [{**c, "firing": fired[c["name"]]} for c in all_cases],
    }
    (HERE / "cases.json").write_text(json.dumps(golden, indent=1) + "\n")


if __name__ == "__main__":
    main()
