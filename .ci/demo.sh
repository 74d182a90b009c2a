#!/usr/bin/env bash
# A two-minute tour of cascade-image on a fresh machine (run it as: npm run demo).
#
#   1. brings up the Docker engine (.ci/engine.sh), builds the offline fixture images
#   2. starts a throwaway registry on a free 127.0.0.1 port and pushes two worker images to it:
#        <registry>/demo/worker:good     a worker image that passes every check
#        <registry>/demo/worker:no-git   the same image without git: a hard failure
#   3. runs cascade-image against a temporary store, showing each command as it runs
#
# Nothing outside a temp dir is written: the store, the registry's config, data and log live there,
# and a trap stops the registry and removes the dir (and the pushed tags) on exit, even on Ctrl-C.
# Set DEMO_KEEP=1 to keep the temp dir for a look around afterwards.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
BIN="$ROOT/bin/cascade-image.cjs"
T0=$SECONDS

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
[ -t 1 ] || step() { printf '\n== %s\n' "$*"; }

if [ ! -f "$ROOT/dist/cascade-image.cjs" ]; then
  echo "demo: dist/ is missing; run it as: npm run demo (which builds first)" >&2
  exit 1
fi

step "Docker engine"
bash "$ROOT/.ci/engine.sh"

# --- temp dir, cleaned up on any exit -------------------------------------------------------------
DEMO_DIR="$(mktemp -d "${TMPDIR:-/tmp}/cascade-demo.XXXXXX")"
REGISTRY_PID=""
PUSHED=()
cleanup() {
  local rc=$?
  if [ -n "$REGISTRY_PID" ] && kill -0 "$REGISTRY_PID" 2>/dev/null; then
    kill "$REGISTRY_PID" 2>/dev/null || true
    wait "$REGISTRY_PID" 2>/dev/null || true
  fi
  if [ "${#PUSHED[@]}" -gt 0 ]; then docker image rm "${PUSHED[@]}" >/dev/null 2>&1 || true; fi
  if [ "${DEMO_KEEP:-}" = 1 ]; then echo "demo: kept $DEMO_DIR" >&2; else rm -rf "$DEMO_DIR"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

export CASCADE_IMAGE_DB="$DEMO_DIR/cascade-image.db"
export CASCADE_ACTOR="${CASCADE_ACTOR:-demo-operator}"
unset CASCADE_DEFAULT_WORKER_IMAGE

step "Fixture images (built offline, cached by content hash)"
declare -A LOCAL=()
while read -r variant name; do LOCAL[$variant]="$name"; done < <(bash "$ROOT/fixtures/images/build.sh")
for v in good no-git; do
  [ -n "${LOCAL[$v]:-}" ] || { echo "demo: fixtures/images/build.sh did not report the $v image" >&2; exit 1; }
done

step "Throwaway registry"
free_port() {
  node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"
}
REGISTRY_LOG="$DEMO_DIR/registry.log"
for attempt in 1 2 3; do
  PORT="$(free_port)"
  cat >"$DEMO_DIR/registry.yml" <<EOF
version: 0.1
log:
  level: info
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $DEMO_DIR/registry-data
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$PORT
  secret: cascade-demo-not-a-secret
health:
  storagedriver:
    enabled: false
EOF
  docker-registry serve "$DEMO_DIR/registry.yml" >>"$REGISTRY_LOG" 2>&1 </dev/null &
  REGISTRY_PID=$!
  for _ in $(seq 1 100); do
    if curl -fsS -o /dev/null "http://127.0.0.1:$PORT/v2/" 2>/dev/null; then break 2; fi
    kill -0 "$REGISTRY_PID" 2>/dev/null || break
    sleep 0.1
  done
  kill "$REGISTRY_PID" 2>/dev/null || true
  wait "$REGISTRY_PID" 2>/dev/null || true
  REGISTRY_PID=""
done
if [ -z "$REGISTRY_PID" ]; then
  echo "demo: docker-registry did not start; last lines of its log:" >&2
  tail -n 20 "$REGISTRY_LOG" >&2 || true
  exit 1
fi
REGISTRY="127.0.0.1:$PORT"
echo "registry: $REGISTRY (pid $REGISTRY_PID, log $REGISTRY_LOG)"

GOOD="$REGISTRY/demo/worker:good"
BROKEN="$REGISTRY/demo/worker:no-git"
for pair in "good $GOOD" "no-git $BROKEN"; do
  set -- $pair
  docker tag "${LOCAL[$1]}" "$2"
  PUSHED+=("$2")
  docker push --quiet "$2" >/dev/null
  echo "pushed ${LOCAL[$1]} as $2"
done

# --- the tour --------------------------------------------------------------------------------------
show() {
  # Print the command the way a user would type it, then run it; report a non-zero exit, never stop on it.
  printf '\n$ cascade-image'; printf ' %q' "$@"; printf '\n'
  local rc=0
  node "$BIN" "$@" || rc=$?
  if [ "$rc" -ne 0 ]; then echo "(exit $rc)"; fi
  return 0
}

step "cascade-image, store $CASCADE_IMAGE_DB, actor $CASCADE_ACTOR"
show set demo-good "$GOOD" --create
show set demo-broken "$BROKEN" --create
show show demo-good
show show demo-broken
show list
show resolve demo-good
show resolve demo-broken
show history --limit 6

printf '\ndemo: done in %ss\n' "$((SECONDS - T0))"
