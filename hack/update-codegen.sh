#!/usr/bin/env bash
# Regenerates the code derived from the API types of storage/apis, with the
# generators pinned in hack/tools.sh:
#   storage/apis/results/v1beta1/zz_generated.{deepcopy,defaults,model_name}.go
#   storage/generated/openapi           OpenAPI definitions (GetOpenAPIDefinitions)
#   storage/generated/applyconfigurations  server-side apply configurations
#   storage/generated/clientset         typed clientset (versioned, with fakes)
#   storage/generated/listers, informers
# API rule violations found by openapi-gen go to
# storage/generated/openapi/violation_exceptions.list: those of the upstream
# types the API uses are kept there; one in our types fails the script.
#   hack/update-codegen.sh
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
export CGO_ENABLED=0 GOFLAGS="${GOFLAGS:--trimpath}"

MODULE=kubescape.io/kubescape
APIS_DIR=storage/apis/results/v1beta1
APIS_PKG=$MODULE/$APIS_DIR
OUT_DIR=storage/generated
OUT_PKG=$MODULE/$OUT_DIR
HEADER=hack/boilerplate.go.txt
REPORT=$OUT_DIR/openapi/violation_exceptions.list

tool() { "$ROOT/hack/tools.sh" "$1"; }

# Packages whose OpenAPI model names are already generated upstream.
READONLY=(
	k8s.io/apimachinery/pkg/apis/meta/v1
	k8s.io/apimachinery/pkg/api/resource
	k8s.io/apimachinery/pkg/runtime
	k8s.io/apimachinery/pkg/types
	k8s.io/apimachinery/pkg/util/intstr
	k8s.io/apimachinery/pkg/version
	k8s.io/api/networking/v1
	time
)
readonly_args=()
for pkg in "${READONLY[@]}"; do readonly_args+=(--readonly-pkg "$pkg"); done

# Start from nothing, so that files of removed types do not linger.
rm -f "$APIS_DIR"/zz_generated.*.go
rm -rf "$OUT_DIR/applyconfigurations" "$OUT_DIR/clientset" "$OUT_DIR/listers" "$OUT_DIR/informers"
rm -f "$OUT_DIR/openapi/zz_generated.openapi.go"

echo "deepcopy, defaults" >&2
"$(tool deepcopy-gen)" --go-header-file "$HEADER" --output-file zz_generated.deepcopy.go "./$APIS_DIR"
"$(tool defaulter-gen)" --go-header-file "$HEADER" --output-file zz_generated.defaults.go "./$APIS_DIR"

echo "openapi" >&2
mkdir -p "$OUT_DIR/openapi"
"$(tool openapi-gen)" --go-header-file "$HEADER" \
	--output-dir "$OUT_DIR/openapi" --output-pkg "$OUT_PKG/openapi" \
	--output-file zz_generated.openapi.go \
	--output-model-name-file zz_generated.model_name.go \
	--report-filename "$REPORT" \
	"${readonly_args[@]}" \
	k8s.io/apimachinery/pkg/apis/meta/v1 \
	k8s.io/apimachinery/pkg/runtime \
	k8s.io/apimachinery/pkg/version \
	k8s.io/apimachinery/pkg/util/intstr \
	k8s.io/api/networking/v1 \
	"$APIS_PKG"

echo "applyconfigurations" >&2
schema=$(mktemp)
trap 'rm -f "$schema"' EXIT
go run "./$OUT_DIR/openapi/cmd/models-schema" >"$schema"
# meta/v1 types map to client-go's apply configurations by default; the
# embedded NetworkPolicy is added.
"$(tool applyconfiguration-gen)" --go-header-file "$HEADER" \
	--output-dir "$OUT_DIR/applyconfigurations" --output-pkg "$OUT_PKG/applyconfigurations" \
	--openapi-schema "$schema" \
	--external-applyconfigurations k8s.io/api/networking/v1.NetworkPolicy:k8s.io/client-go/applyconfigurations/networking/v1 \
	"$APIS_PKG"

echo "clientset" >&2
"$(tool client-gen)" --go-header-file "$HEADER" \
	--output-dir "$OUT_DIR/clientset" --output-pkg "$OUT_PKG/clientset" \
	--clientset-name versioned \
	--input-base "$MODULE/storage/apis" --input results/v1beta1 \
	--apply-configuration-package "$OUT_PKG/applyconfigurations"

echo "listers, informers" >&2
"$(tool lister-gen)" --go-header-file "$HEADER" \
	--output-dir "$OUT_DIR/listers" --output-pkg "$OUT_PKG/listers" \
	"$APIS_PKG"
"$(tool informer-gen)" --go-header-file "$HEADER" \
	--output-dir "$OUT_DIR/informers" --output-pkg "$OUT_PKG/informers" \
	--versioned-clientset-package "$OUT_PKG/clientset/versioned" \
	--listers-package "$OUT_PKG/listers" \
	"$APIS_PKG"

# The report also lists the violations of the upstream types the API
# embeds (meta/v1, networking/v1): those are known and kept; one of ours fails.
if grep -F ",$MODULE/" "$REPORT" >&2; then
	echo "openapi-gen found API rule violations in our types (above, from $REPORT): fix the types" >&2
	exit 1
fi
