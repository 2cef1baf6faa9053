#!/usr/bin/env bash
# Slow-connection check of the web server: 300 clients that each send a
# request line and then one header line every 5 s (never finishing their
# header), against `crux serve` started under `ulimit -n 256`, as a service
# often is. While they hold on, normal requests are timed. Records in the
# section "Slow connections" of bench/RESULTS.md (replacing that section):
# how long the normal requests took, when the slow connections were closed,
# and why (the server's own counters at /metrics).
#
#   bench/slow.sh [CONNECTIONS] [SECONDS]
#
# Only loopback traffic; every loop is bounded in count and time.
set -euo pipefail
cd "$(dirname "$0")/.."

connections="${1:-300}"
seconds="${2:-30}"
port=18081
addr="127.0.0.1:${port}"
header_timeout=5

cargo build --release -q -p crux
work="$(mktemp -d)"
trap 'kill "${server:-}" "${slow:-}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT

(
    ulimit -n 256
    exec ./target/release/crux serve bench/ref-v1.toml --addr "$addr" --db "$work/slow.db" \
        --header-timeout "$header_timeout"
) 2>"$work/server.log" &
server=$!
for _ in $(seq 1 100); do
    curl -sf "http://${addr}/healthz" >/dev/null 2>&1 && break
    sleep 0.1
done
limit=$(awk '/Max open files/ {print $4}' "/proc/${server}/limits")

# The slow clients: one process, every socket watched for the server closing it.
cat >"$work/slow.py" <<'PY'
import json, select, socket, sys, time
host, port, count, seconds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
start = time.monotonic()
socks, opened, failed = {}, {}, 0
for index in range(count):
    try:
        s = socket.create_connection((host, port), timeout=2)
        s.sendall(b"GET /api/model HTTP/1.1\r\nHost: localhost\r\n")
        s.setblocking(False)
        socks[s.fileno()] = s
        opened[s.fileno()] = time.monotonic()
    except OSError:
        failed += 1
lifetimes, answered = [], 0
next_line = time.monotonic() + 5
while socks and time.monotonic() - start < seconds:
    ready, _, _ = select.select(list(socks.values()), [], [], 0.2)
    for s in ready:
        try:
            data = s.recv(4096)
        except OSError:
            data = b""
        if data:
            answered += 1
        fd = s.fileno()
        lifetimes.append(time.monotonic() - opened.pop(fd))
        del socks[fd]
        s.close()
    if time.monotonic() >= next_line:
        next_line += 5
        for fd, s in list(socks.items()):
            try:
                s.send(b"X-Slow: y\r\n")
            except OSError:
                lifetimes.append(time.monotonic() - opened.pop(fd))
                del socks[fd]
                s.close()
lifetimes.sort()
print(json.dumps({"opened": count - failed, "failed": failed, "closed": len(lifetimes), "still_open": len(socks),
                  "answered_with_data": answered,
                  "lifetime_median": lifetimes[len(lifetimes) // 2] if lifetimes else None,
                  "lifetime_max": lifetimes[-1] if lifetimes else None}))
PY
python3 "$work/slow.py" 127.0.0.1 "$port" "$connections" "$seconds" >"$work/slow.json" &
slow=$!
sleep 2
: >"$work/normal.txt"
for _ in $(seq 1 8); do
    curl -s -o /dev/null -m 20 -w '%{http_code} %{time_total}\n' "http://${addr}/api/model" >>"$work/normal.txt" || echo "000 20" >>"$work/normal.txt"
    sleep 1
done
wait "$slow"
slow=
metrics=$(curl -s "http://${addr}/metrics" | grep '^crux_connections_closed_total' || true)
alive=$(curl -s -o /dev/null -w '%{http_code}' "http://${addr}/healthz")
header_closes=$(grep -c 'no complete request header' "$work/server.log" || true)
kill "$server"; wait "$server" 2>/dev/null || true; server=

read -r opened failed closed still median lmax < <(python3 -c '
import json,sys; d=json.load(open(sys.argv[1]))
print(d["opened"], d["failed"], d["closed"], d["still_open"], "%.2f" % (d["lifetime_median"] or 0), "%.2f" % (d["lifetime_max"] or 0))' "$work/slow.json")
ok=$(awk '$1 == 200' "$work/normal.txt" | wc -l)
worst=$(awk 'BEGIN {m = 0} {if ($2 > m) m = $2} END {printf "%.3f", m}' "$work/normal.txt")
median_normal=$(sort -k2 -n "$work/normal.txt" | awk '{a[NR] = $2} END {printf "%.3f", a[int((NR + 1) / 2)]}')
reasons=$(echo "$metrics" | sed -E 's/crux_connections_closed_total\{reason="([a-z_]+)"\} ([0-9]+)/\1: \2/' | paste -sd ',' - | sed 's/,/, /g')

section="$work/section.md"
cat >"$section" <<MD
## Slow connections

\`bench/slow.sh\`: ${connections} clients each send a request line and then a header line every 5 s,
never finishing, against \`crux serve bench/ref-v1.toml --header-timeout ${header_timeout}\` started under
\`ulimit -n 256\` (the server read a file limit of ${limit} and caps connections 64 below it); while
they hold on, 8 normal requests (\`GET /api/model\`, one a second) are timed. Run $(date -u +%Y-%m-%d), loopback only.

| measure | value |
|---|---|
| slow connections opened / refused by the OS | ${opened} / ${failed} |
| closed by the server within ${seconds} s / still open | ${closed} / ${still} |
| a slow connection's life: median / longest | ${median} s / ${lmax} s (header timeout ${header_timeout} s) |
| why the server closed connections (its counters) | ${reasons} |
| header-timeout closes in the server's log | ${header_closes} |
| normal requests answered 200 | ${ok} of 8 |
| normal request time: median / slowest | ${median_normal} s / ${worst} s (target: under 3 s) |
| the server still answers afterwards | /healthz ${alive} |

MD

results=bench/RESULTS.md
python3 - "$results" "$section" <<'PY'
import re, sys
path, section = sys.argv[1], open(sys.argv[2]).read()
text = open(path).read()
pattern = re.compile(r"^## Slow connections\n.*?(?=^## |\Z)", re.S | re.M)
if pattern.search(text):
    text = pattern.sub(lambda _: section, text)
else:
    text = text.rstrip("\n") + "\n\n" + section
open(path, "w").write(text)
PY
cat "$section"
