#!/usr/bin/env python3
"""An independent check of `crux voi`'s regression EVPPI.

For each model, `crux samples` exports the per-sample params and net (the
same draws as `crux run`); this script estimates each crux's EVPPI from them
with a regression Crux does not use (scikit-learn's histogram gradient
boosting of net on the crux's params, fitted on one half and used to decide
on the other, both ways round, each sample valued at its own net), and
prints it beside `crux voi --format json` and, for the toy models, the
closed form.

    python3 -m venv /tmp/ev && /tmp/ev/bin/pip install numpy scikit-learn
    /tmp/ev/bin/python bench/evppi_check.py target/release/crux [SAMPLES]

The two estimates use different samples (Crux's joint sample is scrambled
Sobol' points, the export is the run's pseudo-random draws), so they agree
only within their Monte Carlo errors.
"""

import csv
import json
import math
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

import numpy as np
from sklearn.ensemble import HistGradientBoostingRegressor

ROOT = Path(__file__).resolve().parent.parent


def expected_positive_part(mean: float, sd: float) -> float:
    """E[max(X, 0)] for X ~ normal(mean, sd)."""
    z = mean / sd
    return mean * 0.5 * (1 + math.erf(z / math.sqrt(2))) + sd * math.exp(-z * z / 2) / math.sqrt(2 * math.pi)


def toy_models(directory: Path):
    """The closed-form models of the tests: (path, {crux: exact EVPPI})."""
    one = directory / "one.toml"
    one.write_text(
        '[model]\nid = "one"\n\n[params]\n'
        'x = { value = "normal(0.5, 2)", crux = "x" }\n'
        'y = { value = "normal(0, 1)", crux = "y" }\n\n'
        '[mechanisms.m]\nside = "benefit"\neffect = "x + y"\n'
    )
    five = directory / "five.toml"
    params = "".join(f'a{i} = {{ value = "normal(0.1, 1)", crux = "a" }}\n' for i in range(1, 6))
    five.write_text(
        '[model]\nid = "five"\n\n[params]\n' + params + 'y = { value = "normal(0, 1)", crux = "y" }\n\n'
        '[mechanisms.m]\nside = "benefit"\neffect = "a1 + a2 + a3 + a4 + a5 + y"\n'
    )
    # net = X + Y: learning X alone decides on X + E[Y].
    one_exact = {
        "x": expected_positive_part(0.5, 2) - 0.5,
        "y": expected_positive_part(0.5, 1) - 0.5,
    }
    five_exact = {
        "a": expected_positive_part(0.5, math.sqrt(5)) - 0.5,
        "y": expected_positive_part(0.5, 1) - 0.5,
    }
    return [(one, one_exact), (five, five_exact)]


def cruxes(model: Path) -> dict:
    """Each crux's params (params without one are in "other")."""
    params = tomllib.loads(model.read_text())["params"]
    groups = {}
    for name, value in params.items():
        crux = value.get("crux", "other") if isinstance(value, dict) else "other"
        groups.setdefault(crux, []).append(name)
    return groups


def crux_voi(crux: str, model: Path, samples: int) -> dict:
    out = subprocess.run(
        [crux, "voi", str(model), "-n", str(samples), "--format", "json"], check=True, capture_output=True, text=True
    )
    return json.loads(out.stdout)


def exported(crux: str, model: Path, samples: int, at) -> dict:
    command = [crux, "samples", str(model), "-n", str(samples), "--format", "csv"]
    if at is not None:
        command += ["--at", str(at)]
    out = subprocess.run(command, check=True, capture_output=True, text=True)
    rows = list(csv.reader(out.stdout.splitlines()))
    header, body = rows[0], np.array(rows[1:], dtype=float)
    return {name: body[:, index] for index, name in enumerate(header)}


def boosted_evppi(inputs: np.ndarray, net: np.ndarray, seed: int = 0) -> float:
    """Cross-fitted EVPPI: decide on each half with the other half's fit."""
    rng = np.random.default_rng(seed)
    half = rng.permutation(len(net)) < len(net) // 2
    decided = np.zeros(len(net))
    for fit, use in [(half, ~half), (~half, half)]:
        model = HistGradientBoostingRegressor(max_iter=200, learning_rate=0.1, random_state=seed)
        model.fit(inputs[fit], net[fit])
        decided[use] = model.predict(inputs[use]) > 0
    return max(float(np.mean(net * decided)) - max(float(np.mean(net)), 0.0), 0.0)


def main() -> None:
    crux = sys.argv[1]
    samples = int(sys.argv[2]) if len(sys.argv) > 2 else 100_000
    with tempfile.TemporaryDirectory() as directory:
        models = toy_models(Path(directory)) + [(ROOT / "models" / "open-source-safety.toml", {})]
        print(f"| model | crux | crux voi (regression) | gradient boosting, cross-fitted | closed form |")
        print("|---|---|---|---|---|")
        for model, exact in models:
            voi = crux_voi(crux, model, samples)
            at = voi.get("at") if "axis" in tomllib.loads(model.read_text()) else None
            values = exported(crux, model, samples, at)
            net = values["net"]
            for group, names in cruxes(model).items():
                inputs = np.column_stack([values[name] for name in names])
                boosted = boosted_evppi(inputs, net)
                ours = voi["evppi"].get(group)
                se = voi["evppi_se"].get(group)
                closed = f"{exact[group]:.4f}" if group in exact else ""
                print(f"| {model.stem} | {group} | {ours:.4f} ± {se:.4f} | {boosted:.4f} | {closed} |")


if __name__ == "__main__":
    main()
