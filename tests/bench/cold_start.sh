#!/usr/bin/env bash
# Cold start of the installed app: the page cache is dropped before each run, so the
# binary, WebKitGTK and every library come from disk, as after a workstation's boot.
# Then the same number of warm runs, in the same session, for the ratio.
#
#   make deb && sudo tests/desktop-session.sh tests/bench/cold_start.sh [runs]
#
# Needs root (writing /proc/sys/vm/drop_caches). The package is unpacked, not installed.
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=${1:-5}
target=${CARGO_TARGET_DIR:-target}
deb=$(ls "$target"/release/bundle/deb/*.deb | head -n 1)
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
dpkg-deb -x "$deb" "$root"
cargo build -q -p arbeidsflate-tests --example window_timings
timings="$target/debug/examples/window_timings"

start_ms() { ARBEIDSFLATE_BIN="$root/usr/bin/arbeidsflate" "$timings" 1 2>/dev/null | awk '/sign-in screen/ {for (i = 1; i < NF; i++) if ($i == "median") print $(i + 1)}'; }

for kind in cold warm; do
  values=()
  for _ in $(seq "$runs"); do
    if [ "$kind" = cold ]; then sync; echo 3 > /proc/sys/vm/drop_caches; fi
    values+=("$(start_ms)")
  done
  printf '%s\n' "${values[@]}" | sort -n | awk -v k="$kind" '{v[NR]=$1} END {printf "%s start → sign-in screen: median %s ms (min %s, max %s) of %d\n", k, v[int((NR+1)/2)], v[1], v[NR], NR}'
done
