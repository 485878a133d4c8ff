# Helpers for the dev-stack scripts. Sourced, not run.
# shellcheck source=scripts/env.sh
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"

say() { printf '[aar] %s\n' "$*" >&2; }
die() { printf '[aar] error: %s\n' "$*" >&2; exit 1; }

# Runs a command as root: directly when we are root, through sudo otherwise.
as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null; then sudo "$@"
  else die "need root to run: $* (install it yourself, or run as root)"; fi
}

# Installs Debian packages that are missing; one apt-get update per run at most.
apt_install() {
  local missing=()
  for pkg in "$@"; do dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  command -v apt-get >/dev/null || die "missing packages ${missing[*]} and no apt-get: install them by hand"
  say "installing Debian packages: ${missing[*]}"
  if [ -z "${AAR_APT_UPDATED:-}" ]; then as_root apt-get update -qq >/dev/null; export AAR_APT_UPDATED=1; fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# True when the pid in file $1 names a live process.
pid_alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

# Stops the process whose pid is in file $1 (TERM, then KILL after $2 seconds), removes the file.
stop_pid() {
  local file=$1 grace=${2:-15} pid
  [ -f "$file" ] || return 0
  pid=$(cat "$file")
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 $((grace * 10))); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then say "pid $pid did not stop in ${grace}s; killing"; kill -KILL "$pid" 2>/dev/null || true; fi
  fi
  rm -f "$file"
}

# Waits up to $1 seconds for the command after it to succeed.
wait_for() {
  local limit=$1; shift
  local deadline=$((SECONDS + limit))
  until "$@" >/dev/null 2>&1; do
    [ $SECONDS -ge $deadline ] && return 1
    sleep 0.2
  done
}

# Writes a random token to $AAR_STATE_DIR/secrets/$1 unless it exists (mode 600). Dev stack only.
ensure_secret() {
  local file="$AAR_STATE_DIR/secrets/$1"
  [ -s "$file" ] && return 0
  mkdir -p "$AAR_STATE_DIR/secrets" && chmod 700 "$AAR_STATE_DIR/secrets"
  (umask 077 && head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$file")
}
