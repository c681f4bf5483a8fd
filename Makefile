# kubectl kubescape: run `make help` for the targets.
SHELL := /usr/bin/env bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

BIN      := bin/kubectl-kubescape
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS  := -s -w -X kubescape.io/kubescape/internal/version.Version=$(VERSION)
GO       ?= go
SIZES    ?= 1000,10000,50000
FUZZTIME ?= 60s
# One build configuration everywhere (tests, the plugin, release archives),
# so that every step reuses the same compiled packages; the plugin is static.
export CGO_ENABLED := 0
export GOFLAGS := $(strip $(GOFLAGS) -trimpath)

.PHONY: help
help: ## Show this help
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z0-9_-]+:.*## / {printf "  \033[36m%-10s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

.PHONY: build
build: ## Build the plugin into bin/kubectl-kubescape and the storage server into bin/kubescape-storage
	$(GO) build -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/kubectl-kubescape
	$(GO) build -ldflags '$(LDFLAGS)' -o bin/kubescape-storage ./cmd/kubescape-storage

.PHONY: demo
demo: build ## Build the plugin and scan the bundled example (examples/shop)
	@echo '$$ kubectl kubescape scan examples/shop --exceptions examples/exceptions.yaml'
	@PATH="$(CURDIR)/bin:$$PATH" kubectl-kubescape scan examples/shop --exceptions examples/exceptions.yaml; \
	code=$$?; echo "exit code $$code (see 'Exit codes' in README.md)"

.PHONY: test
test: ## Run every test (unit, library fixtures, CLI, reports in headless Chromium, real API server, kubectl, krew)
	hack/test-deps.sh
	bin="$$(hack/testcluster/build.sh)"; KUBESCAPE_TESTCLUSTER_BIN="$$bin" $(GO) test -count=1 -timeout 30m ./...

.PHONY: test-e2e
test-e2e: ## Run the end-to-end tests only (the plugin through kubectl and krew, against a real API server)
	bin="$$(hack/testcluster/build.sh)"; KUBESCAPE_TESTCLUSTER_BIN="$$bin" $(GO) test -count=1 -timeout 30m -v ./internal/e2e/

.PHONY: fuzz
fuzz: ## Fuzz the manifest parser for FUZZTIME (default 60s)
	$(GO) test -run '^$$' -fuzz FuzzParse -fuzztime $(FUZZTIME) ./internal/source

.PHONY: bench
bench: build ## Benchmarks: file scans of SIZES objects, a cluster scan of 5,000 objects, an image of 1,000 packages (wall time, peak RSS)
	$(GO) run ./hack/bench -bin $(BIN) -sizes $(SIZES)
	$(GO) run ./internal/image/imagebench -bin $(BIN) -packages 1000
	bin="$$(hack/testcluster/build.sh)"; KUBESCAPE_TESTCLUSTER_BIN="$$bin" $(GO) test -run '^$$' -bench ClusterScan -benchtime 3x ./internal/e2e/ | grep -v '^\(goos\|goarch\|pkg\|cpu\|PASS\|ok\)'

.PHONY: bench-webhook
bench-webhook: ## Webhook benchmarks: handler latency over the fixture corpus, and an HTTPS load test on loopback (200 clients, 30 s)
	$(GO) test -run '^$$' -bench Handler -benchtime 2000x ./webhook/ | grep -v '^\(goos\|goarch\|pkg\|cpu\|PASS\|ok\)'
	$(GO) run ./hack/webhookbench -clients 200 -duration 30s

.PHONY: bench-storage
bench-storage: ## Storage server benchmark: creates/s, gets/s, a paginated list of 10,000 objects, watch latency, peak RSS
	bin="$$(hack/testcluster/build.sh)"; KUBESCAPE_TESTCLUSTER_BIN="$$bin" $(GO) test -run '^$$' -bench Storage -benchtime 1x ./internal/e2e/ | grep -v '^\(goos\|goarch\|pkg\|cpu\|PASS\|ok\|BenchmarkStorage\|--- BENCH\|    cluster.go\)'

.PHONY: dist
dist: ## Cross-build release archives (linux, darwin, windows x amd64, arm64), checksums and the krew manifest into dist/
	$(GO) run ./hack/dist -version '$(VERSION)' -out dist

.PHONY: generate
generate: ## Regenerate docs/controls.md, the framework pages and deploy/vap from the library, and the storage API's generated code
	$(GO) run ./hack/gendocs -out docs
	$(GO) run ./hack/genvap -out deploy/vap
	hack/update-codegen.sh

.PHONY: verify
verify: ## Check formatting, go.mod, vet, and that generated files (docs, deploy/vap, storage codegen) are up to date
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { echo "gofmt needed:"; gofmt -l $$(git ls-files '*.go'); exit 1; }
	$(GO) mod tidy -diff
	$(GO) vet ./...
	$(GO) run ./hack/gendocs -out docs -check
	$(GO) run ./hack/genvap -out deploy/vap -check
	hack/verify-codegen.sh

.PHONY: lint
lint: ## Run golangci-lint (installed, pinned, by hack/tools.sh)
	"$$(hack/tools.sh golangci-lint)" run ./...

.PHONY: clean
clean: ## Remove build outputs
	rm -rf bin dist
