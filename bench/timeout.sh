#!/usr/bin/env bash
# Time-limit check of the web server: `crux serve` of the built-in model with
# `--timeout T` (default 2 s), asked for runs that take far longer
# (`POST /api/run` at 10^6 samples, the page's whole analysis), three times.
# Records how long each took to be answered 422, against the target of
# T + 10%, in the section "Time limit" of bench/RESULTS.md.
#
#   bench/timeout.sh [TIMEOUT_SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."

timeout="${1:-2}"
port=18082
addr="127.0.0.1:${port}"
cargo build --release -q -p crux
work="$(mktemp -d)"
trap 'kill "${server:-}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT
./target/release/crux serve --addr "$addr" --db "$work/t.db" --timeout "$timeout" 2>"$work/server.log" &
server=$!
for _ in $(seq 1 100); do
    curl -sf "http://${addr}/healthz" >/dev/null 2>&1 && break
    sleep 0.1
done
: >"$work/times.txt"
for _ in 1 2 3; do
    curl -s -o "$work/body.json" -w '%{http_code} %{time_total}\n' -X POST -H 'Content-Type: application/json' \
        -d '{"samples": 1000000}' "http://${addr}/api/run" >>"$work/times.txt"
done
kill "$server"; wait "$server" 2>/dev/null || true; server=
codes=$(awk '{print $1}' "$work/times.txt" | paste -sd ' ' -)
times=$(awk '{printf "%.2f s\n", $2}' "$work/times.txt" | paste -sd ',' - | sed 's/,/, /g')
worst=$(awk 'BEGIN {m = 0} {if ($2 > m) m = $2} END {printf "%.2f", m}' "$work/times.txt")
limit=$(awk -v t="$timeout" 'BEGIN {printf "%.2f", t * 1.1}')
section="$work/section.md"
cat >"$section" <<MD
## Time limit

\`bench/timeout.sh\`: \`crux serve --timeout ${timeout}\` of the built-in model, \`POST /api/run\` at 10^6
samples (the page's whole analysis), three times, one after another; run $(date -u +%Y-%m-%d).

| measure | value |
|---|---|
| statuses | ${codes} |
| time to the answer | ${times} |
| slowest against the target (timeout + 10%) | ${worst} s against ${limit} s |

MD
python3 - bench/RESULTS.md "$section" <<'PY'
import re, sys
path, section = sys.argv[1], open(sys.argv[2]).read()
text = open(path).read()
pattern = re.compile(r"^## Time limit\n.*?(?=^## |\Z)", re.S | re.M)
text = pattern.sub(lambda _: section, text) if pattern.search(text) else text.rstrip("\n") + "\n\n" + section
open(path, "w").write(text)
PY
cat "$section"
