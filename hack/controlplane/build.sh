#!/usr/bin/env bash
# Builds etcd, kube-apiserver and kubectl from the pinned Go modules into
# bin/ at the repository root. Binaries that are already there are kept.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${KCFG_CONTROLPLANE_BIN:-$(cd "$here/../.." && pwd)/bin}
mkdir -p "$out"
cd "$here"

pkg=k8s.io/component-base/version
ldflags="-s -w -X $pkg.gitVersion=v1.37.2 -X $pkg.gitMajor=1 -X $pkg.gitMinor=37 -X $pkg.gitTreeState=clean -X $pkg.buildDate=2026-01-01T00:00:00Z"

build() { # name package
	if [ -x "$out/$1" ]; then return; fi
	echo "building $1 (first build takes a few minutes)" >&2
	go build -trimpath -ldflags "$ldflags" -o "$out/$1.tmp" "$2"
	mv "$out/$1.tmp" "$out/$1"
}

build etcd go.etcd.io/etcd/server/v3
build kube-apiserver k8s.io/kubernetes/cmd/kube-apiserver
build kubectl k8s.io/kubernetes/cmd/kubectl
