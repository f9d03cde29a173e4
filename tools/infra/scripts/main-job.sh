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
# of one registry: resolve the committed requests again against this one (no diff when equal).
step "pins resolved through the local registry"
datakit pin warehouses/analytics 'pagila-bronze@^1.0.0'
datakit pin warehouses/finance 'pagila-bronze@1.0.0'
datakit pin warehouses/marketing 'pagila-bronze@~1.0.0'
datakit pin warehouses/marketing 'hello@0.3.0'
datakit outdated

step "deploy the analytics warehouse on Docker"
datakit deploy warehouses/analytics

step "run its pagila-bronze job now"
datakit run warehouses/analytics pagila-bronze
