#!/usr/bin/env bash
# make demo: kcfg's main job on a local control plane. Builds what is
# missing, then hack/demo starts two API servers on 127.0.0.1, writes a
# kubeconfig for them in a temporary folder (HOME and KUBECONFIG point
# there: ~/.kube/config is never touched), runs list, lint, check, use, ns
# (and watch, once kcfg has it) on it, then the read-only commands on the
# seed kubeconfig and examples/multi, and stops everything, also on Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."

export KUBEBUILDER_ASSETS=${KUBEBUILDER_ASSETS:-$PWD/bin}
KCFG_CONTROLPLANE_BIN=${KCFG_CONTROLPLANE_BIN:-$KUBEBUILDER_ASSETS} hack/controlplane/build.sh
go build -o bin/kcfg ./cmd/kcfg
go build -o bin/kcfg-demo ./hack/demo

# The demo program stops the API servers itself when interrupted; exec so
# that Ctrl-C and kill reach it directly.
exec bin/kcfg-demo -kcfg bin/kcfg -assets "$KUBEBUILDER_ASSETS"
