#!/usr/bin/env bash
# Builds the real components the tests run, from the Go module proxy, into a
# cache kept between runs, and prints the directory that holds them:
#
#   hack/testcluster/build.sh          kube-apiserver, etcd, kubectl (this module)
#   hack/testcluster/build.sh krew     krew and krew-index's validate-krew-manifest
#                                      (the krew/ module beside this script)
#
# The cache directory is named for the pinned version plus a hash of what
# decides the output (go.mod, go.sum, the mains, the link flags), so a version
# bump or an edited main builds afresh and an old cache is never reused by
# mistake. A build goes to a temporary directory that is renamed into place
# after a stamp file is written, so an interrupted build never leaves a cache
# that looks complete. Concurrent callers (go test runs packages in parallel)
# wait for one another through a lock file when flock(1) is available.
#
# Environment:
#   KUBESCAPE_TESTCLUSTER_CACHE  cache root
#                                (default ${XDG_CACHE_HOME:-$HOME/.cache}/kubescape-testcluster)
# Cold build of the cluster binaries: about 7 CPU minutes and 4 GB of Go build
# cache; a warm cache answers in well under a second.
set -euo pipefail

# modversion MODDIR MODULE prints the version MODULE is required at in MODDIR/go.mod.
modversion() {
	local v
	v=$(awk -v m="$2" '$1 == m { print $2; exit } $1 == "require" && $2 == m { print $3; exit }' "$1/go.mod")
	if [[ -z $v ]]; then
		echo "build.sh: $1/go.mod does not require $2" >&2
		exit 1
	fi
	echo "$v"
}

# fingerprint prints a short hash of the given files and the extra string $ldflags.
fingerprint() {
	{
		cat "$@"
		printf '%s\n' "$ldflags" "$(go env GOOS GOARCH)"
	} | sha256sum | cut -c1-12
}

# main is called on the last line, so that bash has read the whole script
# before it runs: editing it during a long build cannot derail the build.
main() {
	local here cache target moddir version major minor ldflags key dest start tmp p
	local -a pkgs bins
	here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
	cache=${KUBESCAPE_TESTCLUSTER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kubescape-testcluster}
	target=${1:-cluster}

	case $target in
	cluster)
		moddir=$here
		version=$(modversion "$moddir" k8s.io/kubernetes)
		major=${version#v}
		major=${major%%.*}
		minor=$(cut -d. -f2 <<<"$version")
		# Without these, kubectl version and /version report v0.0.0-master.
		ldflags="-s -w"
		for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
			ldflags+=" -X $p.gitVersion=$version -X $p.gitMajor=$major -X $p.gitMinor=$minor -X $p.gitTreeState=clean"
		done
		pkgs=(./cmd/etcd ./cmd/kube-apiserver ./cmd/kubectl)
		bins=(etcd kube-apiserver kubectl)
		key="$version-$(fingerprint "$moddir/go.mod" "$moddir/go.sum" "$moddir"/cmd/*/main.go)"
		;;
	krew)
		moddir=$here/krew
		version=$(modversion "$moddir" sigs.k8s.io/krew)
		ldflags="-s -w -X sigs.k8s.io/krew/internal/version.gitTag=$version"
		pkgs=(sigs.k8s.io/krew/cmd/krew sigs.k8s.io/krew/cmd/validate-krew-manifest)
		bins=(krew validate-krew-manifest)
		key="krew-$version-$(fingerprint "$moddir/go.mod" "$moddir/go.sum")"
		;;
	*)
		echo "usage: $0 [cluster|krew]" >&2
		exit 2
		;;
	esac

	dest=$cache/$key
	cached() {
		[[ -f $dest/stamp ]] || return 1
		local b
		for b in "${bins[@]}"; do
			[[ -x $dest/bin/$b ]] || return 1
		done
	}

	if ! cached; then
		mkdir -p "$cache"
		if command -v flock >/dev/null 2>&1; then
			exec 9>"$cache/.lock-$key"
			flock 9
		fi
		# Another caller may have finished the build while this one waited.
		if ! cached; then
			tmp=$(mktemp -d "$cache/.build-$key.XXXXXX")
			# shellcheck disable=SC2064 # expand now: tmp is local to main
			trap "rm -rf '$tmp'" EXIT
			echo "build.sh: building ${bins[*]} $version into $dest (cold: several minutes)" >&2
			start=$(date +%s)
			(cd "$moddir" && GOWORK=off GOFLAGS=-mod=readonly go build -trimpath -ldflags "$ldflags" -o "$tmp/bin/" "${pkgs[@]}")
			printf 'version=%s\nbuilt=%s\nseconds=%s\n' "$version" "$(date -u +%FT%TZ)" "$(($(date +%s) - start))" >"$tmp/stamp"
			# A directory left by an interrupted run of an older script has no stamp.
			rm -rf "$dest"
			mv "$tmp" "$dest"
			trap - EXIT
			echo "build.sh: built in $(($(date +%s) - start)) s" >&2
		fi
	fi
	echo "$dest/bin"
}

main "$@"
