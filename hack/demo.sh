#!/usr/bin/env bash
# Runs kcfg's read-only commands on real input: the seed kubeconfig and a
# two-file example. Nothing here connects to any server.
set -euo pipefail
cd "$(dirname "$0")/.."
kcfg=bin/kcfg
step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }
run() { step "$*"; "$@" || echo "(exit $?)"; }

export HOME=$(mktemp -d) # never read or write the user's own ~/.kube/config
trap 'rm -rf "$HOME"' EXIT

seed=testdata/seed-kubeconfig.yaml
run $kcfg list --kubeconfig $seed
run $kcfg current --kubeconfig $seed
run $kcfg view --kubeconfig $seed

export KUBECONFIG=examples/multi/dev.yaml:examples/multi/prod.yaml
step "KUBECONFIG=$KUBECONFIG"
run $kcfg list -o wide
run $kcfg current
run $kcfg view --minify --context prod-ci
