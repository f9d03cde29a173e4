#!/usr/bin/env bash
# `npm run main`: the main job end to end on this machine. Brings the local infrastructure up,
# builds and pushes every image, publishes the older release the example warehouses pin,
# resolves the example warehouses' pins through this machine's registry, deploys the analytics
# warehouse on Docker next to its Kerberos sidecar and runs its pagila-bronze job now.
set -euo pipefail
cd "$(dirname "$0")/../../.."
datakit() { node tools/cli/bin/run.js "$@"; }
step() { printf '\n=== %s\n' "$*"; }

step "local infrastructure"
npm run --silent infra:up

step "build and push every platform and datakit image (nx run-many -t push)"
nx run-many -t push --outputStyle=stream

step "pagila-bronze 1.0.0, which finance and marketing pin, rebuilt from git history if missing"
datakit images push pagila-bronze --release 1.0.0

# Base images bootstrapped offline differ from machine to machine, so a lock names the images
# of one registry. A committed lock whose images this registry has under other digests
# (`datakit verify` exit 2) is made anew from warehouse.yaml's requests (`datakit pin
# --relock`); `git diff warehouses/` then shows the new digests. Any other failure stops here.
step "pins checked against the local registry"
for warehouse in analytics finance marketing sales; do
  dir="warehouses/$warehouse"
  status=0
  datakit verify "$dir" --no-live >/dev/null 2>&1 || status=$?
  if [ "$status" -eq 2 ]; then
    echo "$dir: the lock names images this registry has under other digests; relocking"
    datakit pin "$dir" --relock
  fi
  datakit verify "$dir" --no-live
done
datakit outdated

step "deploy the analytics warehouse on Docker"
datakit deploy warehouses/analytics

step "run its pagila-bronze job now"
datakit run warehouses/analytics pagila-bronze
