# kcfg: build, test and demo. Everything needed is built from Go modules.
GO       ?= go
BIN      := $(CURDIR)/bin
STATICCHECK_VERSION := v0.8.2
export KUBEBUILDER_ASSETS ?= $(BIN)

.PHONY: all build controlplane check test test-short demo bench clean

all: build

build:
	$(GO) build -o $(BIN)/kcfg ./cmd/kcfg

## controlplane: build etcd, kube-apiserver and kubectl into bin/, or into
## KUBEBUILDER_ASSETS when set (only what is missing)
controlplane:
	KCFG_CONTROLPLANE_BIN=$(KUBEBUILDER_ASSETS) hack/controlplane/build.sh

$(BIN)/staticcheck:
	GOBIN=$(BIN) $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)

## check: gofmt, go vet and staticcheck
check: $(BIN)/staticcheck
	@bad=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$bad" ]; then echo "gofmt needed:"; echo "$$bad"; exit 1; fi
	$(GO) vet ./...
	$(BIN)/staticcheck ./...

## test: every test, end-to-end ones included, with the race detector
test: check controlplane
	$(GO) test -race -count=1 ./...

## demo: the main job on a local control plane
demo: build controlplane
	hack/demo.sh

## bench: benchmarks against kubectl on the same input
bench: build controlplane
	bench/run.sh

clean:
	rm -rf $(BIN)
