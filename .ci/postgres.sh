#!/usr/bin/env bash
# Brings up the throwaway PostgreSQL cluster the tests and the bench use (Debian's postgresql 15).
#
#   bash .ci/postgres.sh          make sure it answers; install/initdb/start what is missing (root + apt)
#   bash .ci/postgres.sh --check  report only; exit 0 iff it answers
#   bash .ci/postgres.sh --stop   stop it (the data folder stays)
#
# The cluster listens on 127.0.0.1 only, on its own port, with its own data and socket folders owned
# by the postgres user (the server refuses to run as root), started fully detached (setsid, output to
# a log). Its admin role's URL is written to $CASCADE_PG_DIR/admin-url (mode 600): the tests read it
# there (or from CASCADE_TEST_PG_URL) and create their own databases. Prints one line on success.
set -euo pipefail

MODE=start
for arg in "$@"; do
  case "$arg" in
    --check) MODE=check ;;
    --stop) MODE=stop ;;
    -h|--help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "postgres.sh: unknown argument: $arg (use --check or --stop)" >&2; exit 2 ;;
  esac
done

BASE="${CASCADE_PG_DIR:-/var/lib/cascade-pg}"
PORT="${CASCADE_PG_PORT:-55432}"
DATA="$BASE/data"
SOCK="$BASE/socket"
LOG="$BASE/server.log"
URL_FILE="$BASE/admin-url"
ADMIN=cascade_admin
WAIT_SECS="${PG_WAIT_SECS:-60}"

say() { printf 'postgres: %s\n' "$*"; }
err() { printf 'postgres: %s\n' "$*" >&2; }

bindir() {
  local d
  for d in /usr/lib/postgresql/*/bin; do [ -x "$d/pg_ctl" ] && { echo "$d"; return 0; }; done
  return 1
}
as_pg() { runuser -u postgres -- "$@"; }
answers() { [ -x "$BIN/pg_isready" ] && "$BIN/pg_isready" -q -h 127.0.0.1 -p "$PORT" -t 3; }

BIN="$(bindir || true)"
if [ "$MODE" = check ]; then
  if [ -n "$BIN" ] && answers && [ -s "$URL_FILE" ]; then say "PostgreSQL answers on 127.0.0.1:$PORT"; exit 0; fi
  err "PostgreSQL does not answer on 127.0.0.1:$PORT (run: bash .ci/postgres.sh)"; exit 1
fi
if [ "$MODE" = stop ]; then
  [ -n "$BIN" ] && [ -f "$DATA/postmaster.pid" ] && as_pg "$BIN/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null
  say "stopped"; exit 0
fi

if [ -z "$BIN" ]; then
  if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    err "PostgreSQL is not installed, and installing it needs root and apt-get"; exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  { apt-get update -q && apt-get install -y -q --no-install-recommends postgresql; } >"${TMPDIR:-/tmp}/cascade-pg-apt.log" 2>&1 \
    || { err "apt-get install postgresql failed; see ${TMPDIR:-/tmp}/cascade-pg-apt.log"; exit 1; }
  BIN="$(bindir)" || { err "postgresql installed, but no pg_ctl under /usr/lib/postgresql"; exit 1; }
fi

if answers && [ -s "$URL_FILE" ]; then say "PostgreSQL answers on 127.0.0.1:$PORT"; exit 0; fi

mkdir -p "$BASE"
chown postgres: "$BASE"
chmod 700 "$BASE"
if [ ! -s "$DATA/PG_VERSION" ]; then
  rm -rf "$DATA"
  PASSWORD="$(head -c 18 /dev/urandom | base64 | tr -d '/+=')"
  PWFILE="$(mktemp "$BASE/pw.XXXXXX")"
  printf '%s\n' "$PASSWORD" >"$PWFILE"
  chown postgres: "$PWFILE"
  as_pg "$BIN/initdb" -D "$DATA" -A scram-sha-256 --pwfile="$PWFILE" -U "$ADMIN" -E UTF8 --no-instructions >"$BASE/initdb.log" 2>&1 \
    || { rm -f "$PWFILE"; err "initdb failed; see $BASE/initdb.log"; exit 1; }
  rm -f "$PWFILE"
  umask 077
  printf 'postgres://%s:%s@127.0.0.1:%s/postgres\n' "$ADMIN" "$PASSWORD" "$PORT" >"$URL_FILE"
fi
mkdir -p "$SOCK"
chown postgres: "$SOCK"
# A pid file left by a killed server would stop pg_ctl from starting a new one.
if [ -f "$DATA/postmaster.pid" ] && ! answers; then
  as_pg "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1 || rm -f "$DATA/postmaster.pid"
fi
touch "$LOG" && chown postgres: "$LOG"
setsid runuser -u postgres -- "$BIN/pg_ctl" -D "$DATA" -l "$LOG" -o "-p $PORT -k $SOCK -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=off" start \
  </dev/null >/dev/null 2>&1 || true

for _ in $(seq 1 "$WAIT_SECS"); do
  if answers; then say "PostgreSQL $("$BIN/postgres" --version | awk '{print $3}') answers on 127.0.0.1:$PORT (admin URL in $URL_FILE)"; exit 0; fi
  sleep 1
done
err "PostgreSQL did not answer on 127.0.0.1:$PORT within ${WAIT_SECS}s; last lines of $LOG:"
tail -n 20 "$LOG" >&2 || true
exit 1
