#!/usr/bin/env bash
# Installs the pinned tools the Makefile needs, from the Go module proxy, into a
# cache keyed by version (kept between runs on the same machine), and prints
# the path of the requested tool.
#   hack/tools.sh golangci-lint
#   hack/tools.sh deepcopy-gen   (also defaulter-gen, client-gen, lister-gen,
#                                 informer-gen, applyconfiguration-gen, openapi-gen)
set -euo pipefail

GOLANGCI_LINT_VERSION=v2.15.0
# The code generators match the k8s.io libraries of go.mod (k8s.io/apimachinery
# and k8s.io/kube-openapi), so that generated code compiles against them.
CODE_GENERATOR_VERSION=v0.37.2
KUBE_OPENAPI_VERSION=v0.0.0-20260721132016-d427ff9ee9ad
CACHE=${KUBESCAPE_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kubescape-tools}

install() { # name module version
	local dir="$CACHE/$1-$3"
	if [[ ! -x "$dir/$1" ]]; then
		echo "installing $1 $3 into $dir" >&2
		mkdir -p "$dir"
		GOBIN="$dir" GOFLAGS= go install "$2@$3" >&2
	fi
	echo "$dir/$1"
}

case "${1:-}" in
golangci-lint) install golangci-lint github.com/golangci/golangci-lint/v2/cmd/golangci-lint "$GOLANGCI_LINT_VERSION" ;;
deepcopy-gen | defaulter-gen | client-gen | lister-gen | informer-gen | applyconfiguration-gen)
	install "$1" "k8s.io/code-generator/cmd/$1" "$CODE_GENERATOR_VERSION"
	;;
openapi-gen) install openapi-gen k8s.io/kube-openapi/cmd/openapi-gen "$KUBE_OPENAPI_VERSION" ;;
*)
	echo "usage: $0 golangci-lint|deepcopy-gen|defaulter-gen|client-gen|lister-gen|informer-gen|applyconfiguration-gen|openapi-gen" >&2
	exit 2
	;;
esac
