#!/usr/bin/env bash
# The ONE script that brings up the local Docker engine (and the host tools the fixtures need)
# for CI, the e2e tests and the demo.
#
#   bash .ci/engine.sh           make sure an engine answers; install/start what is missing (root + apt)
#   bash .ci/engine.sh --check   report only: start nothing, install nothing; exit 0 iff all is ready
#
# Idempotent and quiet: on success it prints exactly one line. It never leaves a background process
# holding the caller's stdout/stderr (dockerd is started with setsid/nohup, output to a log file).
set -euo pipefail

CHECK_ONLY=0
for arg in "$@"; do
  case "$arg" in
    --check) CHECK_ONLY=1 ;;
    -h|--help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "engine.sh: unknown argument: $arg (use --check)" >&2; exit 2 ;;
  esac
done

WAIT_SECS="${ENGINE_WAIT_SECS:-60}"
LOG_DIR=/var/log
[ -w "$LOG_DIR" ] || LOG_DIR="${TMPDIR:-/tmp}"
DOCKERD_LOG="${DOCKERD_LOG:-$LOG_DIR/cascade-dockerd.log}"
APT_LOG="${LOG_DIR}/cascade-engine-apt.log"
DEFAULT_SOCK=unix:///var/run/docker.sock

say() { printf 'engine: %s\n' "$*"; }
err() { printf 'engine: %s\n' "$*" >&2; }

engine_answers() { timeout 10 docker info >/dev/null 2>&1; }

engine_line() {
  local v
  v="$(timeout 10 docker version --format '{{.Server.Version}} (API {{.Server.APIVersion}})' 2>/dev/null || echo '?')"
  printf 'Docker %s at %s' "$v" "${DOCKER_HOST:-$DEFAULT_SOCK}"
}

# package -> the file it must provide (a path, or a command looked up on PATH)
PKGS=(docker.io docker-registry bash-static busybox-static apache2-utils openssh-server zsh)
pkg_present() {
  case "$1" in
    docker.io)       command -v docker >/dev/null 2>&1 && { engine_answers || command -v dockerd >/dev/null 2>&1; } ;;
    docker-registry) command -v docker-registry >/dev/null 2>&1 ;;
    bash-static)     [ -x /bin/bash-static ] ;;
    busybox-static)  [ -x /bin/busybox ] && /bin/busybox --list >/dev/null 2>&1 && ! ldd /bin/busybox >/dev/null 2>&1 ;;
    apache2-utils)   command -v htpasswd >/dev/null 2>&1 ;;
    openssh-server)  [ -x /usr/sbin/sshd ] ;;  # the ssh:// DOCKER_HOST e2e test runs a loopback sshd
    zsh)             command -v zsh >/dev/null 2>&1 ;;  # the zsh completion tests (and the pty driver) run zsh
  esac
}
missing_pkgs() {
  local p out=()
  for p in "${PKGS[@]}"; do pkg_present "$p" || out+=("$p"); done
  echo "${out[@]:-}"
}

can_install() { [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; }

install_pkgs() {
  # $@ = packages; apt-get update once, then install; all output to a log, shown on failure.
  say "installing $* (log: $APT_LOG)" >&2
  : >"$APT_LOG"
  export DEBIAN_FRONTEND=noninteractive
  # fd 9 (our lock) closed: a package's postinst may start a daemon that would otherwise inherit it.
  if ! { apt-get update -q && apt-get install -y -q --no-install-recommends "$@"; } >>"$APT_LOG" 2>&1 </dev/null 9>&-; then
    err "apt-get failed installing: $*"
    tail -n 30 "$APT_LOG" >&2 || true
    exit 1
  fi
}

howto() {
  # What a human (or a non-root CI) must do, exactly.
  local missing="$1"
  err "To get an engine up, run as root (or with sudo):"
  if [ -n "$missing" ]; then
    err "  sudo apt-get update && sudo apt-get install -y $missing"
  fi
  err "  sudo setsid nohup dockerd >/tmp/dockerd.log 2>&1 </dev/null &    # or simply: sudo dockerd &"
  err "  sudo usermod -aG docker \"\$USER\"    # then log in again, so docker can reach the socket without sudo"
  err "Or point DOCKER_HOST at an engine you can reach, e.g.:"
  err "  export DOCKER_HOST=unix:///run/user/\$(id -u)/docker.sock   (rootless) or tcp://HOST:2375"
  err "Then re-run: bash .ci/engine.sh"
}

# --- serialize concurrent callers (CI step + test global setup + demo) ---------------------------
LOCK="${TMPDIR:-/tmp}/cascade-engine.lock"
if [ "$CHECK_ONLY" -eq 0 ] && command -v flock >/dev/null 2>&1; then
  if { exec 9>"$LOCK"; } 2>/dev/null; then flock -w 300 9 || true; fi
fi

if ! command -v timeout >/dev/null 2>&1; then timeout() { shift; "$@"; }; fi

MISSING="$(missing_pkgs)"

# --- 1. an engine already answers ---------------------------------------------------------------
if command -v docker >/dev/null 2>&1 && engine_answers; then
  if [ -z "$MISSING" ]; then
    say "ready — $(engine_line)"
    exit 0
  fi
  if [ "$CHECK_ONLY" -eq 1 ]; then
    err "engine answers ($(engine_line)) but fixture tools are missing: $MISSING"
    err "  install with: sudo apt-get update && sudo apt-get install -y $MISSING"
    exit 1
  fi
  if can_install; then
    install_pkgs $MISSING
    MISSING="$(missing_pkgs)"
    if [ -n "$MISSING" ]; then err "still missing after install: $MISSING"; exit 1; fi
    say "ready — $(engine_line); installed fixture tools"
    exit 0
  fi
  err "engine answers ($(engine_line)) but fixture tools are missing: $MISSING"
  err "  I am not root (or have no apt-get); install them with: sudo apt-get update && sudo apt-get install -y $MISSING"
  exit 1
fi

# --- 2. no engine: report only ------------------------------------------------------------------
if [ "$CHECK_ONLY" -eq 1 ]; then
  err "no Docker engine answers at ${DOCKER_HOST:-$DEFAULT_SOCK}${MISSING:+; missing packages: $MISSING}"
  if pgrep -x dockerd >/dev/null 2>&1; then err "  (a dockerd process exists but does not answer; see $DOCKERD_LOG)"; fi
  howto "$MISSING"
  exit 1
fi

# --- 3. no engine, cannot start one ourselves ----------------------------------------------------
if ! can_install; then
  err "no Docker engine answers at ${DOCKER_HOST:-$DEFAULT_SOCK}, and I am $( [ "$(id -u)" -eq 0 ] && echo 'root without apt-get' || echo "not root (uid $(id -u))"), so I start nothing."
  if [ -n "$MISSING" ]; then err "missing packages: $MISSING"; fi
  howto "$MISSING"
  exit 1
fi
if [ -n "${DOCKER_HOST:-}" ] && [ "${DOCKER_HOST}" != "$DEFAULT_SOCK" ]; then
  err "DOCKER_HOST=$DOCKER_HOST does not answer; a local dockerd would listen on $DEFAULT_SOCK instead."
  err "  fix DOCKER_HOST, or unset it and re-run: bash .ci/engine.sh"
  exit 1
fi

# --- 4. root + apt: install what is missing, start dockerd detached, wait -----------------------
if [ -n "$MISSING" ]; then install_pkgs $MISSING; fi
MISSING="$(missing_pkgs)"
if [ -n "$MISSING" ]; then err "still missing after install: $MISSING"; exit 1; fi

start=$SECONDS
if pgrep -x dockerd >/dev/null 2>&1; then
  : # a dockerd is already starting (or wedged): wait for it rather than start a second one
  started="waited for the running dockerd"
else
  mkdir -p "$(dirname "$DOCKERD_LOG")"
  # Fully detached: own session, stdin from /dev/null, stdout+stderr to the log — nothing of ours stays open.
  # fd 9 (our lock) is closed for it, or dockerd/containerd would hold the lock for their lifetime.
  setsid nohup dockerd ${DOCKERD_ARGS:-} >"$DOCKERD_LOG" 2>&1 </dev/null 9>&- &
  started="started dockerd (pid $!)"
fi

until engine_answers; do
  if [ $((SECONDS - start)) -ge "$WAIT_SECS" ]; then
    err "dockerd did not answer 'docker info' within ${WAIT_SECS}s. Last lines of $DOCKERD_LOG:"
    tail -n 40 "$DOCKERD_LOG" >&2 2>/dev/null || true
    exit 1
  fi
  if ! pgrep -x dockerd >/dev/null 2>&1; then
    err "dockerd exited during start-up. Last lines of $DOCKERD_LOG:"
    tail -n 40 "$DOCKERD_LOG" >&2 2>/dev/null || true
    exit 1
  fi
  sleep 0.5
done
say "$started; ready in $((SECONDS - start))s — $(engine_line); log: $DOCKERD_LOG"
