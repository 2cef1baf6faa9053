"""Tests of the crux package against the crux command: same seed, same numbers."""

from __future__ import annotations

import io
import json
import os
import pathlib
import subprocess
import threading
import time

import pandas as pd
import pytest

import crux

ROOT = pathlib.Path(__file__).resolve().parents[2]
REF = ROOT / "bench" / "ref-v1.toml"


def cli_binary() -> str:
    """The crux CLI to compare with: $CRUX_BIN, else a build in the repository's target folder."""
    if os.environ.get("CRUX_BIN"):
        return os.environ["CRUX_BIN"]
    for profile in ("release", "debug"):
        candidate = ROOT / "target" / profile / "crux"
        if candidate.exists():
            return str(candidate)
    pytest.fail("no crux binary to compare with: build it (cargo build -p crux) or set CRUX_BIN")


def cli(*args: str) -> str:
    result = subprocess.run([cli_binary(), *args], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_run_of_a_plain_model_equals_the_cli_json():
    model = crux.Model.load(REF)
    result = model.run(samples=20_000, seed=3)
    expected = json.loads(cli("run", str(REF), "--samples", "20000", "--seed", "3", "--format", "json"))
    assert result.json() == expected
    assert result.json_text() == cli("run", str(REF), "--samples", "20000", "--seed", "3", "--format", "json")
    net = result.net
    assert list(net.columns) == ["mean", "sd", "p05", "p25", "p50", "p75", "p95", "p_positive"]
    assert net.index.name == "c"
    assert net["mean"].tolist() == expected["net"]["mean"]
    assert net["p05"].tolist() == expected["net"]["p05"]
    assert net["p_positive"].tolist() == expected["net"]["p_positive"]
    assert list(result.mechanisms.columns) == list(expected["mechanisms"])
    assert result.mechanisms["research"].tolist() == expected["mechanisms"]["research"]["mean"]


def test_run_of_the_built_in_model_with_a_belief_changed_equals_the_cli():
    model = crux.Model.builtin()
    override = {"c_misuse": "normal({p5: 25, p95: 26})"}
    result = model.run(samples=10_000, seed=1, set=override, sensitivity=False)
    expected = json.loads(cli("run", "--samples", "10000", "--seed", "1", "--no-sensitivity", "--format", "json",
                              "--set", "c_misuse=normal({p5: 25, p95: 26})"))
    assert result.json() == expected
    markdown = cli("run", "--samples", "10000", "--seed", "1", "--no-sensitivity",
                   "--set", "c_misuse=normal({p5: 25, p95: 26})")
    assert result.report() == markdown
    preset = model.run(samples=5_000, seed=2, profile="security-first", sensitivity=False)
    assert preset.json() == json.loads(cli("run", "--samples", "5000", "--seed", "2", "--no-sensitivity",
                                           "--profile", "security-first", "--format", "json"))


def test_samples_have_the_columns_and_values_of_crux_samples():
    model = crux.Model.load(REF)
    frame = model.samples(samples=10_000, seed=3, at=[26])
    assert isinstance(frame, pd.DataFrame)
    expected = pd.read_csv(io.StringIO(cli("samples", str(REF), "--samples", "10000", "--seed", "3", "--at", "26")))
    assert list(frame.columns) == list(expected.columns)
    assert frame.columns[:2].tolist() == ["sample", "c"] and frame.columns[-1] == "net"
    assert len(frame) == 10_000
    pd.testing.assert_frame_equal(frame, expected, check_exact=True, check_dtype=False)
    run = model.run(samples=10_000, seed=3)
    mean = run.net.loc[26.0, "mean"]
    assert abs(frame["net"].mean() - mean) <= 1e-9 * abs(mean)


def test_samples_default_to_each_sample_s_next_open_frontier_release():
    model = crux.Model.builtin()
    frame = model.samples(samples=3_000, seed=1)
    # [context] next_release = c_open_now + frontier_growth * years_ahead + release_step, years_ahead = 0 now
    assert (frame["years_ahead"] == 0).all()
    assert ((frame["c"] - (frame["c_open_now"] + frame["release_step"])).abs() <= 1e-9).all()
    assert frame["c"].std() > 0.1
    arrow = model.samples_arrow(samples=3_000, seed=1)
    assert arrow.num_rows == 3_000
    assert arrow.column_names == list(frame.columns)


def test_a_malformed_model_raises_crux_error_with_its_line():
    text = REF.read_text().replace('"0.5 to 10"', '"0.5 to "', 1)
    line = next(number for number, content in enumerate(text.splitlines(), 1) if '"0.5 to "' in content)
    with pytest.raises(crux.CruxError) as raised:
        crux.Model.from_text(text, name="broken.toml")
    error = raised.value
    assert error.file == "broken.toml"
    assert error.line == line
    assert error.column is not None and error.column > 1
    assert f"broken.toml:{line}:{error.column}" in str(error)
    assert "^" in str(error)


def test_bad_overrides_points_and_files_raise_crux_error():
    model = crux.Model.load(REF)
    with pytest.raises(crux.CruxError) as raised:
        model.run(samples=1_000, set={"hazard": "normal(1,"})
    assert raised.value.file == "set hazard" and raised.value.line == 1
    with pytest.raises(crux.CruxError, match="has no param `no_such_param`"):
        model.run(samples=1_000, set={"no_such_param": "1"})
    with pytest.raises(crux.CruxError, match="off the axis"):
        model.samples(samples=100, at=[40])
    with pytest.raises(crux.CruxError, match="at least 1"):
        model.run(samples=0)
    with pytest.raises(crux.CruxError, match="cannot read"):
        crux.Model.load(ROOT / "no-such-model.toml")
    with pytest.raises(crux.CruxError, match="no preset"):
        model.run(samples=1_000, profile="no-such-profile")


def test_sensitivity_voi_and_compare_return_the_cli_json():
    model = crux.Model.load(REF)
    assert model.sensitivity(at=26, samples=1024, seed=2) == json.loads(
        cli("sensitivity", str(REF), "--at", "26", "-n", "1024", "--seed", "2", "--format", "json"))
    assert model.voi(at=26, samples=4_000, seed=2) == json.loads(
        cli("voi", str(REF), "--at", "26", "-n", "4000", "--seed", "2", "--format", "json"))
    comparison = crux.compare(["open-release-advocate", "security-first"], samples=2_000, seed=1)
    assert comparison == json.loads(
        cli("compare", "open-release-advocate", "security-first", "--samples", "2000", "--format", "json"))


def test_runs_release_the_gil():
    model = crux.Model.load(REF)
    ticks = 0
    done = threading.Event()

    def work():
        model.run(samples=300_000, seed=1)
        done.set()

    thread = threading.Thread(target=work)
    started = time.perf_counter()
    thread.start()
    while not done.is_set():
        ticks += 1
        time.sleep(0.001)
    thread.join()
    elapsed = time.perf_counter() - started
    # With the GIL held through the run, this loop could not tick while it computes.
    assert elapsed > 0.05, elapsed
    assert ticks >= 10, (ticks, elapsed)


def test_help_reads_well():
    doc = crux.Model.run.__doc__
    assert "Args:" in doc and "seed" in doc and "Raises:" in doc
    assert "CruxError" in crux.Model.samples.__doc__
    assert crux.CruxError.__doc__.startswith("A problem with a model")
    assert (pathlib.Path(crux.__file__).parent / "_crux.pyi").exists()
