#!/usr/bin/env bash
# Smoke test of the packed tarball as an operator installs it: `npm pack`, `npm install -g` into a temporary
# prefix (no checkout, no dev dependencies, no build at install time), then the installed `flink` runs help,
# config, cluster start, a job module shipped in the package, a savepoint, the lists, stop and cluster stop.
# Everything lives in one temporary directory, removed at the end (the coordinator is stopped first).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/flink-smoke-XXXXXX")"
conf="$work/conf"
started=""
cleanup() {
  if [ -n "$started" ]; then flink --config-dir "$conf" cluster stop >/dev/null 2>&1 || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
step() { printf '\n== %s\n' "$*" >&2; }
fail() { printf 'SMOKE TEST FAILED: %s\n' "$*" >&2; exit 1; }

# SMOKE_TARBALL: install this tarball instead of packing one (.ci/node-versions.sh packs once, without rebuilding
# dist/, so that a run next to other tests never deletes the dist/ they are using).
if [ -n "${SMOKE_TARBALL:-}" ]; then
  tarball="$SMOKE_TARBALL"
else
  step "npm pack"
  (cd "$root" && npm pack --silent --pack-destination "$work" >/dev/null)
  tarball="$(ls "$work"/flink-*.tgz)"
fi
step "npm install -g --prefix $work/prefix $(basename "$tarball")"
npm install -g --silent --no-audit --no-fund --prefix "$work/prefix" "$tarball"

# Only the installed package: a clean PATH entry, HOME and working directory outside the checkout.
export PATH="$work/prefix/bin:$PATH" HOME="$work/home" XDG_STATE_HOME="$work/home/.local/state" NO_COLOR=1
mkdir -p "$HOME" "$work/cwd" "$conf"
cd "$work/cwd"
installed="$(npm root -g --prefix "$work/prefix")/flink-savepoint-cli"
[ "$(command -v flink)" = "$work/prefix/bin/flink" ] || fail "flink on PATH is $(command -v flink)"
[ ! -e "$installed/src/cli" ] || fail "the tarball ships the CLI sources"
[ ! -e "$installed/node_modules/jest" ] && [ ! -e "$work/prefix/lib/node_modules/jest" ] || fail "dev dependencies were installed"

step "flink --help / --version (Node $(node --version))"
flink --help | grep -q '^Usage: flink <command> \[options\]' || fail "help"
flink --version | grep -Eq '^Version: [0-9]+\.[0-9]+\.[0-9]+' || fail "version"

port="$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")"
cat >"$conf/config.yaml" <<YAML
rest.port: $port
coordinator.dir: $work/state
state.savepoints.dir: $work/savepoints
execution.checkpointing.dir: $work/checkpoints
YAML
step "flink config"
flink --config-dir "$conf" config state.savepoints.dir | grep -q "$work/savepoints" || fail "config"

step "flink cluster start"
started=yes
[ "$(flink --config-dir "$conf" cluster start)" = "http://127.0.0.1:$port" ] || fail "cluster start"
flink --config-dir "$conf" --version | grep -q "^Cluster: local coordinator .* at http://127.0.0.1:$port" || fail "version with a cluster"

step "flink run (the job module shipped in the package)"
out="$(flink --config-dir "$conf" run -d "$installed/fixtures/jobs/counter.ts" --out "$work/out" --sequence 1000000 --rate 200 --checkpoint-interval 300)"
job="$(printf '%s\n' "$out" | sed -n 's/^Job has been submitted with JobID \([0-9a-f]\{32\}\)$/\1/p')"
[ -n "$job" ] || fail "run printed: $out"
for _ in $(seq 1 300); do
  flink --config-dir "$conf" list --json | grep -q "\"id\":\"$job\"[^}]*\"state\":\"RUNNING\"" && break
  sleep 0.2
done
flink --config-dir "$conf" list | grep -q "$job : Event counter (RUNNING)" || fail "list"

step "flink savepoint"
location="$(flink --config-dir "$conf" savepoint "$job" | sed -n 's/^Savepoint completed\. Path: //p')"
[ -f "${location#file:}/_metadata" ] || fail "savepoint at '$location' has no _metadata"
flink --config-dir "$conf" savepoints "$job" | grep -q "${location#file:}" || fail "savepoints does not list $location"

step "the dashboard (built into the package) and flink ui"
node -e "fetch('http://127.0.0.1:$port/').then(async (r) => process.exit(r.ok && (await r.text()).includes('/dashboard/app.js') ? 0 : 1))" || fail "the dashboard page"
node -e "fetch('http://127.0.0.1:$port/dashboard/app.js').then((r) => process.exit(r.ok ? 0 : 1))" || fail "the dashboard script"
node -e "fetch('http://127.0.0.1:$port/dashboard/api/catalog').then(async (r) => process.exit((await r.json()).document.snapshots.length > 0 ? 0 : 1))" || fail "the dashboard catalog"
[ "$(flink --config-dir "$conf" ui)" = "http://127.0.0.1:$port/" ] || fail "flink ui"

step "completion and doctor"
flink completion bash | bash -n || fail "completion bash"
flink --config-dir "$conf" __complete -- stop '' | grep -qx "$job" || fail "job-id completion"
flink --config-dir "$conf" doctor || fail "doctor"

step "flink stop"
flink --config-dir "$conf" stop "$job" | grep -q 'Savepoint completed\. Path: ' || fail "stop"
step "flink cluster stop"
flink --config-dir "$conf" cluster stop | grep -q 'Stopped the local coordinator' || fail "cluster stop"
started=""
printf '\nSmoke test of the installed tarball passed.\n' >&2
