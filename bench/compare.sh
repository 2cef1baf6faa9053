#!/usr/bin/env bash
# Compares `crux run` with the numpy baseline on the reference model ref-v1,
# in the same run, alternating the two so that both see the same machine load.
#
#   bench/compare.sh [ROUNDS]      (default 5 rounds; run from anywhere in the repository)
#
# Prints per-round wall and CPU times, the medians, the ratio numpy / crux,
# crux's throughput in sample-points per second, peak memory (maximum resident
# set size, as `/usr/bin/time -f %M` reports it) at 10^6 and 10^7 samples,
# whether the 10^6 results agree with the numpy reference table, and whether
# 1, 2 and 4 threads give identical JSON.
set -euo pipefail

rounds="${1:-5}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

if ! python3 -c "import numpy" 2>/dev/null; then
    echo "installing numpy for the baseline..." >&2
    python3 -m pip install --quiet numpy
fi
cargo build --release --quiet

ROUNDS="$rounds" python3 - <<'PYTHON'
import json, os, statistics, subprocess, sys, time

rounds = int(os.environ["ROUNDS"])
samples = 1_000_000
points = 61
crux = ["target/release/crux", "run", "bench/ref-v1.toml", "--samples", str(samples), "--format", "json"]
numpy = [sys.executable, "bench/ref_model.py", str(samples)]


def measure(command, env=None):
    """Wall seconds, CPU seconds (user + system), peak RSS in MiB and stdout of one run."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, env=env)
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{' '.join(command)} failed")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, output


def load():
    return open("/proc/loadavg").read().split()[0] if os.path.exists("/proc/loadavg") else "?"


print(f"cores: {os.cpu_count()}, load average before: {load()}")
print(f"{'round':>5}  {'crux wall':>10} {'crux cpu':>9} {'numpy wall':>11} {'numpy cpu':>10}")
crux_runs, numpy_runs = [], []
for round in range(rounds):
    crux_runs.append(measure(crux))
    numpy_runs.append(measure(numpy))
    c, n = crux_runs[-1], numpy_runs[-1]
    print(f"{round + 1:>5}  {c[0]:>9.3f}s {c[1]:>8.3f}s {n[0]:>10.3f}s {n[1]:>9.3f}s")

median = lambda runs, index: statistics.median(run[index] for run in runs)
crux_wall, numpy_wall = median(crux_runs, 0), median(numpy_runs, 0)
crux_cpu, numpy_cpu = median(crux_runs, 1), median(numpy_runs, 1)
print(f"median wall: crux {crux_wall:.3f} s, numpy {numpy_wall:.3f} s")
print(f"ratio numpy / crux (wall): {numpy_wall / crux_wall:.2f}x")
print(f"ratio numpy / crux (CPU time): {numpy_cpu / crux_cpu:.2f}x")
print(f"crux throughput: {samples * points / crux_wall:.3e} sample-points/s wall, "
      f"{samples * points / crux_cpu:.3e} per CPU-second")
print(f"peak RSS at 10^6 samples: crux {max(run[2] for run in crux_runs):.0f} MiB, "
      f"numpy {max(run[2] for run in numpy_runs):.0f} MiB")
print(f"load average after: {load()}")

# The 10^6 results against the reference table of shared/bench/README.md.
reference = [(23.0, 0.901, 0.943), (25.0, 2.86, 0.828), (26.0, 1.13, 0.716), (27.0, -5.57, 0.587), (29.0, -18.5, 0.447)]
result = json.loads(crux_runs[-1][3])
values = result["axis"]["values"]
failures = []
for c, mean, p_positive in reference:
    index = min(range(len(values)), key=lambda i: abs(values[i] - c))
    got_mean, got_p = result["net"]["mean"][index], result["net"]["p_positive"][index]
    if abs(got_mean - mean) > 0.03 * abs(mean) + 0.3 or abs(got_p - p_positive) > 0.005:
        failures.append(f"c = {c}: mean {got_mean:.3f} (reference {mean}), P(net > 0) {got_p:.4f} (reference {p_positive})")
print("reference table at 10^6: " + ("agrees" if not failures else "DIFFERS: " + "; ".join(failures)))

outputs = {}
for threads in ["1", "2", "4"]:
    outputs[threads] = measure(crux, env={**os.environ, "RAYON_NUM_THREADS": threads})[3]
same = outputs["1"] == outputs["2"] == outputs["4"]
print("JSON with RAYON_NUM_THREADS=1, 2, 4: " + ("identical" if same else "DIFFERENT"))

big = crux[:]
big[big.index("--samples") + 1] = "10000000"
wall, cpu, rss, _ = measure(big)
print(f"10^7 samples: {wall:.2f} s wall, {cpu:.2f} s CPU, peak RSS {rss:.0f} MiB, "
      f"{10_000_000 * points / wall:.3e} sample-points/s")
PYTHON
