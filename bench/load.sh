#!/usr/bin/env bash
# Load check of the web server: wrk against POST /api/run at 10^4 samples for
# 30 s, from loopback only. Records errors, throughput, latency percentiles
# and the server's memory (RSS) before, during and after in the section
# "Web server" of bench/RESULTS.md (replacing that section, leaving the others).
#
#   bench/load.sh [MODEL] [DURATION_SECONDS]
#
# Just before and just after, for the ratio in the same conditions, the
# engine alone on the same model and sample count (`crux-server`'s example
# `engine_throughput`: as many runs at a time as the server computes at
# once, no HTTP, JSON or per-request compiling), a third of the duration each.
#
# The server runs with a token (`CRUX_TOKEN`), as a team would expose it:
# every request carries `Authorization: Bearer TOKEN`.
#
# Needs wrk (Debian package `wrk`, installed here if missing) and builds the
# release binary.
set -euo pipefail
cd "$(dirname "$0")/.."

model="${1:-bench/ref-v1.toml}"
duration="${2:-30}"
samples=10000
connections=4
port=18080
addr="127.0.0.1:${port}"

if ! command -v wrk >/dev/null; then
    apt-get install -y -qq wrk >/dev/null
fi
cargo build --release -q -p crux
cargo build --release -q -p crux-server --example engine_throughput

work="$(mktemp -d)"
trap 'kill "${server:-}" 2>/dev/null || true; wait "${server:-}" 2>/dev/null || true; rm -rf "$work"' EXIT

# The engine alone, in runs per second over a third of the duration.
engine_rate() {
    local line runs seconds
    line=$(./target/release/examples/engine_throughput "$model" "$samples" "$((duration / 3))" | grep '^RESULT')
    runs=$(echo "$line" | tr ' ' '\n' | awk -F= '$1 == "runs" {print $2}')
    seconds=$(echo "$line" | tr ' ' '\n' | awk -F= '$1 == "seconds" {print $2}')
    awk -v n="$runs" -v s="$seconds" 'BEGIN {printf "%.0f", n / s}'
}
engine_before=$(engine_rate)

token="$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
CRUX_TOKEN="$token" ./target/release/crux serve "$model" --addr "$addr" --db "$work/load.db" 2>"$work/server.log" &
server=$!
for _ in $(seq 1 100); do
    curl -sf -H "Authorization: Bearer ${token}" "http://${addr}/api/model" >/dev/null 2>&1 && break
    sleep 0.1
done

rss() { awk '/VmRSS/ {print $2}' "/proc/${server}/status"; }

cat >"$work/post.lua" <<LUA
wrk.method = "POST"
wrk.body = '{"samples": ${samples}, "seed": 1}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer ${token}"
done = function(summary, latency, requests)
    io.write(string.format("RESULT requests=%d errors_status=%d errors_other=%d duration_us=%d p50_us=%d p90_us=%d p99_us=%d max_us=%d\n",
        summary.requests, summary.errors.status,
        summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
        summary.duration, latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
LUA

# Warm up (the first requests allocate the engine's buffers), then measure.
wrk -t1 -c"$connections" -d3s -s "$work/post.lua" "http://${addr}/api/run" >/dev/null
rss_before=$(rss)
load_before=$(cut -d' ' -f1 /proc/loadavg)
: >"$work/rss.txt"
( while kill -0 "$server" 2>/dev/null; do rss >>"$work/rss.txt"; sleep 2; done ) &
sampler=$!
wrk -t1 -c"$connections" -d"${duration}s" --timeout 10s -s "$work/post.lua" "http://${addr}/api/run" | tee "$work/wrk.txt"
kill "$sampler" 2>/dev/null || true
rss_after=$(rss)
rss_max=$(sort -n "$work/rss.txt" | tail -1)
load_after=$(cut -d' ' -f1 /proc/loadavg)
grid=$(curl -sf -X POST -H 'Content-Type: application/json' -H "Authorization: Bearer ${token}" \
    -d '{"samples": 2}' "http://${addr}/api/run" \
    | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["net"]["mean"]))')
kill "$server" 2>/dev/null || true
wait "$server" 2>/dev/null || true
engine_after=$(engine_rate)
engine_rate=$(awk -v a="$engine_before" -v b="$engine_after" 'BEGIN {printf "%.0f", (a + b) / 2}')

line=$(grep '^RESULT' "$work/wrk.txt")
value() { echo "$line" | tr ' ' '\n' | awk -F= -v key="$1" '$1 == key {print $2}'; }
requests=$(value requests)
errors=$(( $(value errors_status) + $(value errors_other) ))
seconds=$(awk -v us="$(value duration_us)" 'BEGIN {printf "%.1f", us / 1e6}')
throughput=$(awk -v n="$requests" -v us="$(value duration_us)" 'BEGIN {printf "%.0f", n / (us / 1e6)}')
ms() { awk -v us="$1" 'BEGIN {printf "%.1f", us / 1000}'; }
cores=$(nproc)
share=$(awk -v a="$throughput" -v b="$engine_rate" 'BEGIN {printf "%.0f", 100 * a / b}')

section="$work/section.md"
cat >"$section" <<MD
## Web server

\`bench/load.sh\`: wrk (1 thread, ${connections} connections) against \`POST /api/run\` of
\`crux serve ${model}\` with a token (every request authenticated) at ${samples} samples (${grid} grid points) for ${seconds} s, from loopback,
on ${cores} cores shared by the server and wrk; run $(date -u +%Y-%m-%d), with a load average of
${load_before} when it started and ${load_after} when it ended (other work on the machine competes
for the same cores). The engine alone, just before and just after (a third of the duration each):
the same model and samples, ${cores} runs at a time, without HTTP, JSON or per-request compiling.

| measure | value |
|---|---|
| requests | ${requests} |
| errors (non-2xx, connect, read, timeout) | ${errors} |
| throughput | ${throughput} requests/s (target: at least 200) |
| latency p50 / p90 / p99 / max | $(ms "$(value p50_us)") / $(ms "$(value p90_us)") / $(ms "$(value p99_us)") / $(ms "$(value max_us)") ms |
| server RSS before / after / highest during | $((rss_before / 1024)) / $((rss_after / 1024)) / $((rss_max / 1024)) MiB |
| the engine alone before / after | ${engine_before} / ${engine_after} runs/s: the server answers ${share}% of their mean |

MD

results=bench/RESULTS.md
touch "$results"
python3 - "$results" "$section" <<'PY'
import re, sys
path, section = sys.argv[1], open(sys.argv[2]).read()
text = open(path).read()
pattern = re.compile(r"^## Web server\n.*?(?=^## |\Z)", re.S | re.M)
if pattern.search(text):
    text = pattern.sub(lambda _: section, text)
else:
    if text and not text.endswith("\n\n"):
        text = text.rstrip("\n") + "\n\n"
    text += section
open(path, "w").write(text)
PY
cat "$section"
