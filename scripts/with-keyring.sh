#!/usr/bin/env bash
# Usage: scripts/with-keyring.sh COMMAND [ARGS...]
#
# Runs COMMAND on a private D-Bus session bus with a headless gnome-keyring whose "login" collection
# is unlocked, so keytar (libsecret, Secret Service API) can store and read secrets without a
# desktop session. HOME and XDG_* point into a fresh temp dir: the keyring files are created there
# and removed afterwards, so a test can never read or write the real user's keyring.
# Exits with COMMAND's exit status.
#
# Without dbus-run-session or gnome-keyring-daemon the command runs directly; keychain tests then
# find no keyring (and refuse to skip when CI is set, see test/support/availability.ts).
set -euo pipefail

if [ "$#" -eq 0 ]; then
  echo "usage: $0 COMMAND [ARGS...]" >&2
  exit 2
fi

if ! command -v dbus-run-session >/dev/null 2>&1 || ! command -v gnome-keyring-daemon >/dev/null 2>&1; then
  echo "with-keyring: dbus-run-session or gnome-keyring-daemon not installed; running without a keyring" >&2
  exec "$@"
fi

scratch="$(mktemp -d "${TMPDIR:-/tmp}/mua-sts-keyring.XXXXXX")"
trap 'rm -rf "$scratch"' EXIT

export HOME="$scratch/home"
export XDG_CONFIG_HOME="$HOME/.config" XDG_DATA_HOME="$HOME/.local/share" XDG_CACHE_HOME="$HOME/.cache"
export XDG_RUNTIME_DIR="$scratch/runtime"
mkdir -p "$XDG_CONFIG_HOME" "$XDG_DATA_HOME" "$XDG_CACHE_HOME" "$XDG_RUNTIME_DIR"
chmod 700 "$HOME" "$XDG_RUNTIME_DIR"
# No X display: otherwise libsecret may try to pop up a prompt (gcr-prompter) instead of failing.
unset DISPLAY WAYLAND_DISPLAY GNOME_KEYRING_CONTROL SSH_AUTH_SOCK

# Inside the private bus: --unlock reads the new keyring's password from stdin, creates and unlocks
# the "login" collection, and only returns once the daemon owns org.freedesktop.secrets on the bus.
# The password protects a throwaway keyring in $scratch; it is not a secret. The daemon forks away
# and can outlive the bus, so its pid is asked from the bus and it is stopped by that id at the end.
inner='
  keyring_pid=""
  if env_lines="$(printf %s mua-sts-test-keyring | gnome-keyring-daemon --unlock --components=secrets)"; then
    # It may print NAME=VALUE lines (GNOME_KEYRING_CONTROL); export them without eval.
    while IFS= read -r line; do
      case "$line" in [A-Z_]*=*) export "$line" ;; esac
    done <<<"$env_lines"
    # --unlock can return before the daemon owns its bus name; a command that asked then would get
    # a second, D-Bus-activated daemon without the unlocked collection. Wait for the name (<= 5 s).
    bus() {
      dbus-send --session --print-reply=literal --dest=org.freedesktop.DBus /org/freedesktop/DBus \
        "org.freedesktop.DBus.$1" string:org.freedesktop.secrets 2>/dev/null
    }
    for _ in $(seq 100); do
      case "$(bus NameHasOwner)" in *true*) break ;; esac
      sleep 0.05
    done
    keyring_pid="$(bus GetConnectionUnixProcessID | awk "{print \$2}")"
    case "$keyring_pid" in "" | *[!0-9]*) keyring_pid="" ;; esac
  else
    echo "with-keyring: gnome-keyring-daemon did not start; running without a keyring" >&2
  fi
  "$@"
  status=$?
  if [ -n "$keyring_pid" ]; then kill "$keyring_pid" 2>/dev/null || true; fi
  exit "$status"
'
set +e
dbus-run-session -- bash -c "$inner" with-keyring "$@"
status=$?
set -e
exit "$status"
