#!/usr/bin/env bash
# Prefetch of the doctor's two wards (every patient, all sources) from a standalone
# sandbox at --scale 1 and --scale 10: time, peak memory of the syncing process and
# database size, then the incremental sync that follows.
#
#   cargo build --release -p arbeidsflate && tests/desktop-session.sh tests/bench/offline_sync.sh
#
# BIN picks the binary (e.g. two builds, alternately, for an A/B); SCALES the scales.
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=${BIN:-${CARGO_TARGET_DIR:-target}/release/arbeidsflate}
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

summary() {
  python3 - "$1" "$2" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
items = sum(s["items"] for s in r["sources"])
mib = r["database_bytes"] / 1048576
peak = r["process_peak_rss_kib"] / 1024
print(f"  {sys.argv[2]:<12} {r['patients']:>4} patients {r['elapsed_ms']:>7} ms  {items:>7} items  "
      f"database {mib:7.1f} MiB  peak memory {peak:6.1f} MiB")
PY
}

for scale in ${SCALES:-1 10}; do
  dir="$work/scale-$scale"
  mkdir -p "$dir"
  "$BIN" sandbox --scale "$scale" --write-profile "$dir/profile.toml" >"$dir/sandbox.log" 2>&1 &
  sandbox=$!
  for _ in $(seq 1 600); do [ -s "$dir/profile.toml" ] && break; sleep 0.1; done
  doctor=$("$BIN" --profile "$dir/profile.toml" users --json |
    python3 -c 'import json,sys; print(next(c["pid"] for c in json.load(sys.stdin) if c["role"] == "nursing_home_doctor"))')
  echo "scale $scale:"
  "$BIN" --profile "$dir/profile.toml" --data-dir "$dir/data" sync --user "$doctor" --json >"$dir/full.json"
  summary "$dir/full.json" "full"
  "$BIN" --profile "$dir/profile.toml" --data-dir "$dir/data" sync --user "$doctor" --json >"$dir/again.json"
  summary "$dir/again.json" "incremental"
  kill "$sandbox"
  wait "$sandbox" 2>/dev/null || true
done
