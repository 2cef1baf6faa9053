#!/usr/bin/env bash
# Runs every fuzz target for the given number of seconds (default 60), with
# seed corpora made from the repository's own model, profile and page files.
# FUZZ_TARGETS="model page" runs only those targets.
# Needs cargo-fuzz (`cargo install cargo-fuzz`); crashes go to fuzz/artifacts.
set -euo pipefail
seconds="${1:-60}"
cd "$(dirname "$0")"
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz
root=..
mkdir -p corpus/model corpus/expression corpus/profile corpus/evaluate corpus/page corpus/quantiles
for file in "$root"/bench/*.toml "$root"/models/*.toml "$root"/crates/crux/tests/fixtures/*.toml "$root"/crates/crux/tests/fixtures/invalid/*.toml; do
  [ -f "$file" ] && cp "$file" "corpus/model/$(basename "$file")"
done
for file in "$root"/tests/fixtures/pages/*.md "$root"/crates/crux-report/tests/fixtures/*.md; do
  [ -f "$file" ] && cp "$file" "corpus/page/$(basename "$file")"
done
for file in "$root"/profiles/*.toml; do
  [ -f "$file" ] && cp "$file" "corpus/profile/$(basename "$file")"
done
grep -ho '= "[^"]*"' "$root"/bench/*.toml "$root"/models/*.toml 2>/dev/null | sed 's/^= "//; s/"$//' | sort -u | head -500 |
  while IFS= read -r line; do printf '%s' "$line" > "corpus/expression/$(printf '%s' "$line" | sha1sum | cut -c1-16)"; done
targets="${FUZZ_TARGETS:-model expression profile evaluate page quantiles}"
for target in $targets; do
  echo "== $target: $seconds s"
  # The stable toolchain is the only one here: let it accept the flags libFuzzer needs.
  # The whole log stays in fuzz/logs; the summary is its last lines.
  mkdir -p logs
  RUSTC_BOOTSTRAP=1 cargo fuzz run "$target" "corpus/$target" -- -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 >"logs/$target.log" 2>&1 || true
  grep -a -E "^Done|^#[0-9]+ +DONE|ERROR|panicked" "logs/$target.log" | tail -n 4 || true
done
