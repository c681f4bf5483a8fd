#!/usr/bin/env bash
# Installs what the tests need beyond Go, from Debian: chromium, in which the
# HTML report test renders the report, and iproute2, whose ip(8) gives the
# aggregated-API tests a non-loopback address (internal/testcluster's
# NonLoopbackAddress, which runs only as root). Quiet and quick when both
# are there.
set -euo pipefail

have_ip() {
	command -v ip >/dev/null 2>&1 || [[ -x /usr/sbin/ip || -x /sbin/ip ]]
}

packages=()
if ! command -v chromium >/dev/null 2>&1; then
	packages+=(chromium fonts-dejavu-core)
fi
# Without root the tests that need ip(8) skip, so only root needs it.
if [[ $(id -u) -eq 0 ]] && ! have_ip; then
	packages+=(iproute2)
fi
if [[ ${#packages[@]} -eq 0 ]]; then
	exit 0
fi
if [[ $(id -u) -ne 0 ]]; then
	echo "chromium is missing: install Debian's chromium package (apt-get install chromium)" >&2
	exit 1
fi
echo "installing ${packages[*]} (Debian packages) for the tests" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
apt-get install -y -qq --no-install-recommends "${packages[@]}" >&2
