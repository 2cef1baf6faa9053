#!/usr/bin/env bash
# The Python package against the CLI, and the memory of `crux samples`.
#
#   bench/python.sh [ROUNDS]     (default 7 rounds; run from anywhere in the repository)
#
# 1. `m.run(samples=10**6)` on the benchmark model (ref-v1) in Python against
#    `crux run bench/ref-v1.toml --samples 1000000 --format json`, alternating
#    the two in the same run: wall times per round, medians and their ratio.
#    The Python figure is the call alone (the package is imported and the
#    model loaded once, as in a notebook); the CLI's is the whole process.
# 2. `crux samples` of the built-in model at 10^7 samples, as CSV and as
#    Parquet, with `/usr/bin/time -v`: wall time and peak memory (maximum
#    resident set size), and the size of what was written.
#
# Needs a virtual environment with the package installed: $CRUX_VENV (default
# .venv at the repository root), made with `python3 -m venv .venv && .venv/bin/pip install ./python`.
set -euo pipefail

rounds="${1:-7}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
venv="${CRUX_VENV:-$root/.venv}"
if [ ! -x "$venv/bin/python" ]; then
    echo "no virtual environment at $venv: python3 -m venv .venv && .venv/bin/pip install ./python" >&2
    exit 1
fi
cargo build --release --quiet -p crux

ROUNDS="$rounds" "$venv/bin/python" - <<'PYTHON'
import os, statistics, subprocess, time
import crux

rounds = int(os.environ["ROUNDS"])
model = crux.Model.load("bench/ref-v1.toml")
command = ["target/release/crux", "run", "bench/ref-v1.toml", "--samples", "1000000", "--format", "json"]
print(f"cores: {os.cpu_count()}, load average before: {open('/proc/loadavg').read().split()[0]}")
print(f"{'round':>5}  {'python m.run':>12}  {'crux run':>9}")
python_times, cli_times = [], []
for round in range(rounds):
    start = time.perf_counter()
    result = model.run(samples=10**6, seed=1)
    python_times.append(time.perf_counter() - start)
    start = time.perf_counter()
    output = subprocess.run(command, capture_output=True, check=True).stdout
    cli_times.append(time.perf_counter() - start)
    print(f"{round + 1:>5}  {python_times[-1]:>11.3f}s  {cli_times[-1]:>8.3f}s")
assert result.json_text().encode() == output, "the package's JSON differs from the CLI's"
python_median, cli_median = statistics.median(python_times), statistics.median(cli_times)
print(f"median: python {python_median:.3f} s, crux run {cli_median:.3f} s, ratio python / cli {python_median / cli_median:.3f}")
print("JSON of the last round identical: yes")
PYTHON

out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
for format in csv parquet; do
    /usr/bin/time -v target/release/crux samples --samples 10000000 --format "$format" -o "$out/samples.$format" \
        2> "$out/time.txt" > "$out/summary.txt"
    wall="$(grep 'Elapsed (wall clock)' "$out/time.txt" | awk '{print $NF}')"
    peak="$(grep 'Maximum resident set size' "$out/time.txt" | awk '{print $NF}')"
    size="$(du -m "$out/samples.$format" | cut -f1)"
    echo "crux samples, built-in model, 10^7 samples, $format: wall $wall, peak RSS $((peak / 1024)) MiB, file $size MiB ($(cat "$out/summary.txt"))"
    rm -f "$out/samples.$format"
done
