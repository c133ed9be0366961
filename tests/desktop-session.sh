#!/usr/bin/env bash
# Runs a command the way it would run on a clinician's desktop: a virtual X display
# (Xvfb), a private D-Bus session, and an unlocked gnome-keyring providing the real
# Secret Service. Everything it starts is stopped when the command ends.
#   tests/desktop-session.sh cargo nextest run --workspace
set -euo pipefail

if [ "${1:-}" != "--inner" ]; then
  exec xvfb-run -a -s "-screen 0 1280x800x24 -nolisten tcp" dbus-run-session -- "$0" --inner "$@"
fi
shift

session_dir=$(mktemp -d /tmp/arbeidsflate-session.XXXXXX)
export XDG_DATA_HOME="$session_dir/data" XDG_RUNTIME_DIR="$session_dir/run" XDG_STATE_HOME="$session_dir/state"
mkdir -p "$XDG_DATA_HOME" "$XDG_STATE_HOME" "$XDG_RUNTIME_DIR"
chmod 700 "$XDG_RUNTIME_DIR"
export WEBKIT_DISABLE_DMABUF_RENDERER=1

# A throwaway login keyring, unlocked with a throwaway password.
printf '%s' "arbeidsflate-test-keyring" | gnome-keyring-daemon --foreground --unlock --components=secrets \
  >"$session_dir/keyring.log" 2>&1 &
keyring_pid=$!
cleanup() { kill "$keyring_pid" 2>/dev/null || true; wait "$keyring_pid" 2>/dev/null || true; rm -rf "$session_dir"; }
trap cleanup EXIT

for _ in $(seq 100); do
  if dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
       org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q true; then
    break
  fi
  sleep 0.1
done

"$@"
