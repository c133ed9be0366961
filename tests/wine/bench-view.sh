#!/usr/bin/env bash
# The Windows CLI's `view` under Wine beside the Linux binary's, in one run, against one
# sandbox: medians of N alternating runs and their ratio. For information: Wine is not
# Windows. Needs `make windows` and `make deb` (or any release build of the Linux binary).
#
#   tests/desktop-session.sh tests/wine/bench-view.sh [RUNS]   (the Linux binary needs a keyring)
set -euo pipefail
runs=${1:-9}
root=$(cd "$(dirname "$0")/../.." && pwd)
target=${CARGO_TARGET_DIR:-$root/target}
linux=$target/release/arbeidsflate
windows=$target/windows/arbeidsflate.exe
work=$(mktemp -d)
sandbox=
wineserver=${WINESERVER:-$(command -v wineserver || echo /usr/lib/wine/wineserver)}
trap '[ -n "$sandbox" ] && kill "$sandbox"; WINEPREFIX=$work/prefix "$wineserver" -k 2>/dev/null; rm -rf "$work"' EXIT

export WINEPREFIX=$work/prefix WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
wine wineboot --init >/dev/null 2>&1
x86_64-w64-mingw32-gcc -O2 -shared -o "$WINEPREFIX/drive_c/windows/system32/bcryptprimitives.dll" \
  "$root/tests/wine/bcryptprimitives.c" -lbcrypt
"$wineserver" -p 2>/dev/null || true # kept running, as the OS is on Windows

"$linux" sandbox --write-profile "$work/sandbox.toml" >"$work/sandbox.log" 2>&1 &
sandbox=$!
until grep -q '^Serving' "$work/sandbox.log"; do sleep 0.2; done
profile_windows="Z:${work//\//\\}\\sandbox.toml"
nin=$("$linux" --profile "$work/sandbox.toml" --data-dir "$work/linux" worklist --json |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["worklist"]["entries"][0]["national_id"].replace(" ",""))')

ms() { local start end; start=$(date +%s%N); "$@" >/dev/null 2>&1; end=$(date +%s%N); echo $(((end - start) / 1000000)); }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
: >"$work/linux.ms"; : >"$work/windows.ms"
for _ in $(seq "$runs"); do
  ms "$linux" --profile "$work/sandbox.toml" --data-dir "$work/linux" view "$nin" --json >>"$work/linux.ms"
  ms wine "$windows" --profile "$profile_windows" view "$nin" --json >>"$work/windows.ms"
done
l=$(median <"$work/linux.ms") w=$(median <"$work/windows.ms")
echo "view, median of $runs: Linux $l ms, Windows build under Wine $w ms, ratio $(python3 -c "print(f'{$w/$l:.2f}')")"
