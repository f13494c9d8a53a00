#!/usr/bin/env bash
# bench/run.sh: kcfg against kubectl on the same generated kubeconfigs.
# Whole-process medians (hyperfine), each run on a fresh copy of the file,
# then the Go benchmarks of the fast path. Run it with `make bench`.
#
# Environment: KCFG (default bin/kcfg), KUBECTL (default
# $KUBEBUILDER_ASSETS/kubectl), RUNS (default 30), SLOW_RUNS for kubectl on
# 10,000 contexts (default 3), WATCH_OBJECTS (default 10000; 0 skips), BENCH_DATA
# (default bin/bench-data: the generated files are kept there, as the
# generator is deterministic).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
KCFG=${KCFG:-$root/bin/kcfg}
KUBECTL=${KUBECTL:-${KUBEBUILDER_ASSETS:-$root/bin}/kubectl}
RUNS=${RUNS:-30}
SLOW_RUNS=${SLOW_RUNS:-3}
data=${BENCH_DATA:-$root/bin/bench-data}

if ! command -v hyperfine >/dev/null; then
	echo "bench: hyperfine not found; install it (apt-get install hyperfine)" >&2
	exit 1
fi
for b in "$KCFG" "$KUBECTL"; do
	[ -x "$b" ] || { echo "bench: $b not found (make build controlplane)" >&2; exit 1; }
done

mkdir -p "$data"
for n in 3 1000 10000; do
	[ -s "$data/k$n.yaml" ] || go run ./bench/gen -contexts "$n" -o "$data/k$n.yaml"
done

# Keep Go's caches where they are when HOME changes below.
export GOPATH=$(go env GOPATH) GOCACHE=$(go env GOCACHE) GOMODCACHE=$(go env GOMODCACHE)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Never the user's files or state.
export HOME=$work/home XDG_STATE_HOME=$work/state
unset KUBECONFIG
mkdir -p "$HOME"

# A context other than the current one, to switch to.
target() { grep -o '^  name: admin@[^ ]*' "$1" | sed 's/^  name: //' | sed -n "$2p"; }
t1000=$(target "$data/k1000.yaml" 500)
t10000=$(target "$data/k10000.yaml" 5000)

echo "== checks: every other byte kept, same answers as kubectl"
for n in 1000 10000; do
	t=$t1000; [ $n = 10000 ] && t=$t10000
	cp "$data/k$n.yaml" "$work/w.yaml"
	"$KCFG" --kubeconfig "$work/w.yaml" use "$t" >/dev/null
	d=$(diff "$data/k$n.yaml" "$work/w.yaml" || true)
	want="$(grep '^current-context: ' "$data/k$n.yaml" | sed 's/^/< /')
---
> current-context: $t"
	if [ "$(echo "$d" | tail -n +2)" != "$want" ]; then
		echo "bench: kcfg use changed more than the current-context line of k$n.yaml:" >&2
		echo "$d" | head >&2
		exit 1
	fi
	echo "k$n.yaml: kcfg use changed only the current-context line"
done
diff <("$KCFG" --kubeconfig "$data/k1000.yaml" list -o name) <("$KUBECTL" --kubeconfig "$data/k1000.yaml" config get-contexts -o name)
diff <("$KCFG" --kubeconfig "$data/k3.yaml" current) <("$KUBECTL" --kubeconfig "$data/k3.yaml" config current-context)
echo "list -o name and current: same output as kubectl"

hf() { hyperfine -N --style basic --warmup "$1" --runs "$2" --export-json "$3" "${@:4}"; }
fresh() { echo "cp '$data/k$1.yaml' '$work/w.yaml'"; }

echo
echo "== use, 1,000 contexts ($(du -h "$data/k1000.yaml" | cut -f1))"
hf 3 "$RUNS" "$work/use-1000.json" --prepare "$(fresh 1000)" \
	"$KCFG --kubeconfig $work/w.yaml use $t1000" \
	"$KUBECTL --kubeconfig $work/w.yaml config use-context $t1000"

echo
echo "== use, 10,000 contexts ($(du -h "$data/k10000.yaml" | cut -f1))"
hf 2 "$RUNS" "$work/use-10000.json" --prepare "$(fresh 10000)" \
	"$KCFG --kubeconfig $work/w.yaml use $t10000"
hf 0 "$SLOW_RUNS" "$work/use-10000-kubectl.json" --prepare "$(fresh 10000)" \
	"$KUBECTL --kubeconfig $work/w.yaml config use-context $t10000"

echo
echo "== list -o name, 1,000 contexts"
hf 3 "$RUNS" "$work/list.json" \
	"$KCFG --kubeconfig $data/k1000.yaml list -o name" \
	"$KUBECTL --kubeconfig $data/k1000.yaml config get-contexts -o name"

echo
echo "== current, small file"
hf 5 "$((RUNS * 2))" "$work/current.json" \
	"$KCFG --kubeconfig $data/k3.yaml current" \
	"$KUBECTL --kubeconfig $data/k3.yaml config current-context"

echo
echo "== Go benchmarks (pkg/kubeconfig)"
go test -run '^$' -bench '^Benchmark(Scan|Use)$/^1000$' -benchtime 10x ./pkg/kubeconfig/ | grep -E '^Benchmark|^ok'

if [ "${WATCH_OBJECTS:-10000}" != 0 ]; then
	echo
	echo "== watch memory: kcfg watch against a plain dynamic informer"
	KUBEBUILDER_ASSETS=$(dirname "$KUBECTL") go run ./bench/watchmem -objects "${WATCH_OBJECTS:-10000}"
fi

echo
echo "== summary (medians)"
go run ./bench/report use-1000="$work/use-1000.json" use-10000="$work/use-10000.json,$work/use-10000-kubectl.json" \
	list-name-1000="$work/list.json" current-small="$work/current.json"
