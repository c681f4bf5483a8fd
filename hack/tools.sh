#!/usr/bin/env bash
# Installs the pinned tools the Makefile needs, from the Go module proxy, into a
# cache keyed by version (kept between runs on the same machine), and prints
# the path of the requested tool.
#   hack/tools.sh golangci-lint
set -euo pipefail

GOLANGCI_LINT_VERSION=v2.15.0
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
*)
	echo "usage: $0 golangci-lint" >&2
	exit 2
	;;
esac
